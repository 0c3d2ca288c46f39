"""Designing and publishing flows. Publishing validates the draft (every problem names its node)
and freezes it as the next version; events that started on an earlier version stay on it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.matters.models import Matter
from tongguan.accounts.models import Department, Role, User
from tongguan.errors import Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import debug
from .document import Known, validate
from .engine import FlowError
from .models import Flow, FlowVersion, MatterFlow

EMPTY = {"nodes": [{"id": "start", "type": "start", "name": "开始"}, {"id": "end", "type": "end", "name": "结束"}],
         "edges": []}


def _flow(session: Session, flow_id: int) -> Flow:
    flow = session.get(Flow, flow_id)
    if flow is None:
        raise NotFound(f"Flow {flow_id} does not exist.")
    return flow


def known(session: Session, special: bool = False) -> Known:
    return Known(roles=set(session.scalars(select(Role.code))),
                 departments=set(session.scalars(select(Department.id))),
                 people=set(session.scalars(select(User.id).where(User.is_active.is_(True)))), special=special)


@action("event.read")
def flow_list(session: Session, actor: Actor, *, q=None, page=1, per_page=50) -> Page:
    stmt = select(Flow).order_by(Flow.code)
    if q:
        stmt = stmt.where(Flow.name.ilike(f"%{q}%") | Flow.code.ilike(f"%{q}%"))
    return paginate(session, stmt, page, per_page)


@action("event.read")
def flow_get(session: Session, actor: Actor, flow_id: int) -> Flow:
    return _flow(session, flow_id)


@action("flow.manage")
def flow_create(session: Session, actor: Actor, data: dict) -> Flow:
    if session.scalar(select(Flow.id).where(Flow.code == data["code"])) is not None:
        raise Invalid("The flow is not valid.", {"code": [f"编码 {data['code']} 已被使用"]})
    flow = Flow(code=data["code"], name=data["name"], description=data.get("description", ""),
                draft=data.get("draft") or EMPTY, special=data.get("special", False),
                owner_department_id=actor.department_id, created_by=actor.id)
    session.add(flow)
    session.flush()
    return flow


@action("flow.manage")
def flow_update(session: Session, actor: Actor, flow_id: int, data: dict, if_version: int | None = None) -> Flow:
    """Save the draft (any state of it: the designer saves as it goes; publishing checks)."""
    flow = _flow(session, flow_id)
    check_version(flow, if_version)
    for key in ("name", "description", "draft", "special"):
        if key in data:
            setattr(flow, key, data[key])
    return flow


@action("event.read")
def flow_check(session: Session, actor: Actor, flow_id: int, draft: dict | None = None) -> list[dict]:
    """What stops the draft (or the given document) being published: [{node, edge, message}]."""
    flow = _flow(session, flow_id)
    return [p.as_dict() for p in validate(flow.draft if draft is None else draft, known(session, flow.special))]


@action("flow.manage")
def flow_publish(session: Session, actor: Actor, flow_id: int, note: str = "",
                 if_version: int | None = None) -> FlowVersion:
    """Freeze the draft as the next version, if it passes every check."""
    flow = _flow(session, flow_id)
    check_version(flow, if_version)
    problems = validate(flow.draft, known(session, flow.special))
    if problems:
        raise Invalid("The flow cannot be published.", {"draft": [
            f"{p.node}：{p.message}" if p.node else p.message for p in problems]})
    flow.published_version += 1
    version = FlowVersion(flow_id=flow.id, version=flow.published_version, document=flow.draft, note=note,
                          published_by=actor.id)
    session.add(version)
    session.flush()
    return version


@action("event.read")
def flow_versions(session: Session, actor: Actor, flow_id: int) -> list[FlowVersion]:
    _flow(session, flow_id)
    return list(session.scalars(select(FlowVersion).where(FlowVersion.flow_id == flow_id)
                                .order_by(FlowVersion.version.desc())))


@action("flow.manage")
def flow_bind_matter(session: Session, actor: Actor, flow_id: int, matter_code: str, bind: bool = True) -> list[str]:
    """Let a matter's events follow this flow (or stop); returns the matters bound to it."""
    flow = _flow(session, flow_id)
    matter = session.scalar(select(Matter).where(Matter.code == matter_code))
    if matter is None or matter.tier != "item":
        raise Invalid("Choose a catalog item.", {"matter_code": ["请选择事项目录中的具体事项（细类）"]})
    if bind and not flow.published_version:
        raise Invalid("Publish the flow first.", {"flow": ["流程尚未发布，不能绑定事项"]})
    row = session.get(MatterFlow, matter.id)
    if bind:
        if row is None:
            session.add(MatterFlow(matter_id=matter.id, flow_id=flow.id))
        else:
            row.flow_id = flow.id
    elif row is not None and row.flow_id == flow.id:
        session.delete(row)
    session.flush()
    return list(session.scalars(select(Matter.code).join(MatterFlow, MatterFlow.matter_id == Matter.id)
                                .where(MatterFlow.flow_id == flow.id).order_by(Matter.code)))


def _runnable(session: Session, flow: Flow, draft: dict | None, version: int | None) -> dict:
    """The document to try: a published version, the posted one, or the saved draft; it must check."""
    if version:
        row = session.scalar(select(FlowVersion).where(FlowVersion.flow_id == flow.id, FlowVersion.version == version))
        if row is None:
            raise Invalid("No such version.", {"version": [f"流程没有第 {version} 版"]})
        return row.document
    document = flow.draft if draft is None else draft
    problems = validate(document, known(session, flow.special))
    if problems:
        raise Invalid("The flow does not check; fix it before trying it.", {"draft": [
            f"{p.node}：{p.message}" if p.node else p.message for p in problems]})
    return document


@action("event.read")
def flow_debug(session: Session, actor: Actor, flow_id: int, data: dict) -> dict:
    """Step a sample event through the flow: replay the moves so far, say where it stands."""
    document = _runnable(session, _flow(session, flow_id), data.get("draft"), data.get("version"))
    try:
        return debug.step(document, data.get("facts"), data.get("moves") or [])
    except FlowError as exc:
        raise Invalid("This move is not allowed.", {"moves": [str(exc)]}) from None


@action("event.read")
def flow_simulate(session: Session, actor: Actor, flow_id: int, data: dict) -> dict:
    """Simulate many random events through the flow: paths, step times, missed deadlines."""
    document = _runnable(session, _flow(session, flow_id), data.get("draft"), data.get("version"))
    return debug.simulate(document, data.get("count", 1000), data.get("seed", 1))


@action("flow.manage")
def flow_migrate(session: Session, actor: Actor, flow_id: int, data: dict, *, now=None) -> dict:
    """Move the running events of one version to another. A dry run (the default) reports what
    would move; applying refuses, moving nothing, while any step has nowhere to go."""
    from runtime.events import steps
    from tongguan.db import utcnow

    flow = _flow(session, flow_id)
    found = {v.version: v for v in session.scalars(select(FlowVersion).where(
        FlowVersion.flow_id == flow.id, FlowVersion.version.in_((data["from_version"], data["to_version"]))))}
    for key in ("from_version", "to_version"):
        if data[key] not in found:
            raise Invalid("No such version.", {key: [f"流程没有第 {data[key]} 版"]})
    if data["from_version"] == data["to_version"]:
        raise Invalid("Choose two versions.", {"to_version": ["请选择另一个版本"]})
    report = steps.migrate(session, actor, found[data["from_version"]], found[data["to_version"]],
                           data.get("mapping") or {}, apply=not data.get("dry_run", True), now=now or utcnow())
    if report["problems"] and not data.get("dry_run", True):
        raise Invalid("Some running events have nowhere to go; none was moved.", {"mapping": [
            f"{p['event']}：{p['message']}" for p in report["problems"]]})
    return report
