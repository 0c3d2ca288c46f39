"""The event core as a data set: one row per event with its area, department and the facts
the efficiency metrics count (dispatch accuracy, on-time closure, handling time, returns,
reopens). Data services read it as the built-in source `event_core`; it runs in the
platform's own database, so indicators over it are pushed down like any SQL source."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from catalog.matters.models import Matter
from runtime.sources import builtin
from tongguan.accounts.models import Department
from tongguan.db import utcnow

from . import lifecycle
from runtime.flows.models import Flow, FlowVersion

from .models import Event, EventStep



def _level_name(level: str, area, parent, grand):
    return sa.case((area.level == level, area.name), (parent.level == level, parent.name),
                   (grand.level == level, grand.name), else_=sa.null())


@builtin.dataset("events", "事件（每个事件一行）")
def events(now: dt.datetime | None = None) -> sa.Subquery:
    now = now or utcnow()
    area, parent, grand = aliased(Department), aliased(Department), aliased(Department)
    dept = aliased(Department)
    is_open = Event.status.in_(lifecycle.OPEN)
    closed_on_time = sa.and_(Event.closed_at.is_not(None), Event.deadline_at.is_not(None),
                             Event.closed_at <= Event.deadline_at)
    boolean = lambda expr: sa.type_coerce(sa.case((expr, sa.true()), else_=sa.false()), sa.Boolean())  # noqa: E731
    stmt = (
        sa.select(
            Event.number.label("number"), Event.title.label("title"), Event.channel.label("channel"),
            Event.priority.label("priority"), Event.status.label("status"), Event.matter_code.label("matter_code"),
            sa.func.coalesce(Matter.name, "").label("matter"),
            sa.type_coerce(_level_name("district", area, parent, grand), sa.String()).label("district"),
            sa.type_coerce(_level_name("street", area, parent, grand), sa.String()).label("street"),
            sa.type_coerce(_level_name("grid", area, parent, grand), sa.String()).label("grid"),
            dept.name.label("department"), Event.dispatch_mode.label("dispatch_mode"),
            Event.reported_at.label("reported_at"), Event.accepted_at.label("accepted_at"),
            Event.first_dispatched_at.label("first_dispatched_at"), Event.dispatched_at.label("dispatched_at"),
            Event.handled_at.label("handled_at"), Event.closed_at.label("closed_at"),
            Event.deadline_at.label("deadline_at"),
            Event.returns.label("returns"), Event.refusals.label("refusals"),
            Event.refusals_upheld.label("refusals_upheld"), Event.reopens.label("reopens"),
            Event.supervised.label("supervised"),
            boolean(is_open).label("is_open"),
            boolean(closed_on_time).label("on_time"),
            boolean(sa.and_(is_open, Event.deadline_at < now)).label("overdue"),
        )
        .select_from(Event)
        .outerjoin(Matter, Matter.id == Event.matter_id)
        .outerjoin(area, area.id == Event.area_department_id)
        .outerjoin(parent, parent.id == area.parent_id)
        .outerjoin(grand, grand.id == parent.parent_id)
        .outerjoin(dept, dept.id == Event.department_id)
        .where(Event.merged_into_id.is_(None))
    )
    return stmt.subquery("events")


@builtin.dataset("event_steps", "流程环节（每个环节停留一行）")
def event_steps(now: dt.datetime | None = None) -> sa.Subquery:
    """Process mining: one row per visit of an event to a flow node, with how long it stayed and
    whether it overran the node's limit. The slowest steps of a flow are an avg(hours) grouped by
    flow and node; still-open steps count up to now."""
    now = now or utcnow()
    area, parent, grand = aliased(Department), aliased(Department), aliased(Department)
    dept = aliased(Department)
    end = sa.func.coalesce(EventStep.left_at, now)
    boolean = lambda expr: sa.type_coerce(sa.case((expr, sa.true()), else_=sa.false()), sa.Boolean())  # noqa: E731
    stmt = (
        sa.select(
            Event.number.label("number"), Flow.code.label("flow"), Flow.name.label("flow_name"),
            FlowVersion.version.label("flow_version"), EventStep.node_id.label("node"),
            EventStep.node_name.label("node_name"), EventStep.kind.label("kind"),
            Event.matter_code.label("matter_code"), sa.func.coalesce(Matter.name, "").label("matter"),
            sa.type_coerce(_level_name("district", area, parent, grand), sa.String()).label("district"),
            sa.type_coerce(_level_name("street", area, parent, grand), sa.String()).label("street"),
            dept.name.label("department"), EventStep.outcome.label("outcome"),
            EventStep.entered_at.label("entered_at"), EventStep.left_at.label("left_at"),
            EventStep.due_at.label("due_at"),
            boolean(EventStep.left_at.is_(None)).label("is_open"),
            boolean(sa.and_(EventStep.due_at.is_not(None), end > EventStep.due_at)).label("late"),
        )
        .select_from(EventStep)
        .join(Event, Event.id == EventStep.event_id)
        .join(FlowVersion, FlowVersion.id == EventStep.flow_version_id)
        .join(Flow, Flow.id == FlowVersion.flow_id)
        .outerjoin(Matter, Matter.id == Event.matter_id)
        .outerjoin(area, area.id == Event.area_department_id)
        .outerjoin(parent, parent.id == area.parent_id)
        .outerjoin(grand, grand.id == parent.parent_id)
        .outerjoin(dept, dept.id == EventStep.department_id)
        .where(EventStep.kind != "join", Event.merged_into_id.is_(None))
    )
    return stmt.subquery("event_steps")
