"""Bookkeeping both the default lifecycle (service.py) and flows (steps.py) need: the working
calendar, the timeline entry, and the reference answers intake looks up for every event (the
matter, the area, the flow a matter follows, its responsibility rule; duplicates.py keeps its window here too).

Those answers are kept in the process while the reference data stays as it was: one cheap
query (the stamp) per request or batch tells whether anything they depend on changed, instead
of a dozen lookups per event. A memo dict carries the stamp through one request or batch.
"""
from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.matters.service import responsibility_on
from tongguan.db import utcnow
from tongguan.errors import Invalid, NotFound
from tongguan.permissions import Actor

from .calendar import CITY_TZ, WorkCalendar
from .models import DuplicateRule, Event, EventAction, WorkCalendarDay

class MatterRef(NamedTuple):
    """What intake needs of a matter; plain values, safe to keep across sessions."""
    id: int
    code: str
    tier: str
    name: str


def log(session: Session, event: Event, act: str, actor: Actor, *, before: str = "", comment: str = "",
        details: dict | None = None, at: dt.datetime | None = None) -> None:
    session.add(EventAction(event_id=event.id, action=act, from_status=before, to_status=event.status,
                            actor_id=actor.id, actor_name=actor.username, department_id=event.department_id,
                            at=at or utcnow(), comment=comment, details=details or {}))


_KEPT: dict[tuple, dict] = {}  # stamp -> answers: a request that began before a change keeps its own
_STAMP: list = []  # the stamp's query, built once: it runs on every report


def _stamp(session: Session) -> tuple:
    """Changes whenever a kept answer could: a matter, a rule or its history, a department, a
    flow or its binding, the working calendar or a duplicate rule."""
    if not _STAMP:
        from catalog.matters.models import Matter, MatterChange, ResponsibilityRule
        from runtime.flows.models import Flow, FlowVersion, MatterFlow
        from tongguan.accounts.models import Department

        def c(model):  # table columns, not mapped attributes: a Core statement skips the ORM's result handling
            return model.__table__.c

        m, r, mc, d, f, fv, mf = (c(x) for x in (Matter, ResponsibilityRule, MatterChange, Department, Flow,
                                                 FlowVersion, MatterFlow))
        w, du = c(WorkCalendarDay), c(DuplicateRule)
        _STAMP.append(select(*(select(x).scalar_subquery() for x in (
            func.max(m.updated_at), func.count(m.id), func.max(r.id), func.count(r.id), func.max(mc.id),
            func.max(d.updated_at), func.count(d.id), func.max(f.updated_at), func.count(f.id), func.max(fv.id),
            func.count(mf.matter_id), func.sum(mf.flow_id), func.count(w.day), func.max(w.day), func.min(w.day),
            func.sum(func.length(w.kind)), func.count(du.matter_id), func.sum(du.distance_m),
            func.sum(du.window_h)))))
    # the database too: tests (and tools) may talk to several in one process
    return (str(session.get_bind().url), *session.execute(_STAMP[0]).one())


def kept(session: Session, memo: dict | None, key, make):
    """The kept answer for `key`, made by `make()` when the reference data changed since; an
    exception `make` raises is kept and raised again, as the answer it is."""
    memo = {} if memo is None else memo
    if "stamp" not in memo:
        memo["stamp"] = _stamp(session)
    answers = _KEPT.get(memo["stamp"])
    if answers is None or len(answers) > 50_000:
        if len(_KEPT) > 3:
            _KEPT.clear()
        answers = _KEPT[memo["stamp"]] = {}
    try:
        found = answers[key]
    except KeyError:
        try:
            found = make()
        except (NotFound, Invalid) as exc:
            found = exc
        answers[key] = found
    if isinstance(found, Exception):
        raise found
    return found


def calendar(session: Session, memo: dict | None = None) -> WorkCalendar:
    def make():
        days = session.execute(select(WorkCalendarDay.day, WorkCalendarDay.kind)).all()
        return WorkCalendar(holidays=frozenset(d for d, k in days if k == "holiday"),
                            workdays=frozenset(d for d, k in days if k == "workday"))
    return kept(session, memo, "calendar", make)


def matter_ref(session: Session, code: str, memo: dict | None = None) -> MatterRef | None:
    from catalog.matters.models import Matter

    def make():
        row = session.execute(select(Matter.id, Matter.code, Matter.tier, Matter.name)
                              .where(Matter.code == code)).first()
        return MatterRef(*row) if row else None
    return kept(session, memo, ("matter", code), make)


def area_exists(session: Session, department_id: int, memo: dict | None = None) -> bool:
    from tongguan.accounts.models import Department

    return kept(session, memo, ("area", department_id),
                lambda: session.scalar(select(Department.id).where(Department.id == department_id)) is not None)


def rule_for(session: Session, event, memo: dict | None = None) -> dict:
    """The responsibility rule for the event (raises NotFound/Invalid with the reason there is none)."""
    if not event.matter_code:
        raise NotFound("未指定事项")
    on = event.reported_at.astimezone(CITY_TZ).date()
    return kept(session, memo, ("rule", event.matter_code, event.area_department_id, on),
                lambda: responsibility_on(session, Actor.system("dispatch"), event.matter_code,
                                          event.area_department_id, on))
