"""Bookkeeping both the default lifecycle (service.py) and flows (steps.py) need: the working
calendar, the timeline entry, and the responsibility rule for an event's matter, area and day."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from catalog.matters.service import responsibility_on
from tongguan.db import utcnow
from tongguan.errors import Invalid, NotFound
from tongguan.permissions import Actor

from .calendar import CITY_TZ, WorkCalendar
from .models import Event, EventAction, WorkCalendarDay


def calendar(session: Session, memo: dict | None = None) -> WorkCalendar:
    if memo is not None and "calendar" in memo:
        return memo["calendar"]
    days = session.execute(select(WorkCalendarDay.day, WorkCalendarDay.kind)).all()
    cal = WorkCalendar(holidays=frozenset(d for d, k in days if k == "holiday"),
                       workdays=frozenset(d for d, k in days if k == "workday"))
    if memo is not None:
        memo["calendar"] = cal
    return cal


def log(session: Session, event: Event, act: str, actor: Actor, *, before: str = "", comment: str = "",
        details: dict | None = None, at: dt.datetime | None = None) -> None:
    session.add(EventAction(event_id=event.id, action=act, from_status=before, to_status=event.status,
                            actor_id=actor.id, actor_name=actor.username, department_id=event.department_id,
                            at=at or utcnow(), comment=comment, details=details or {}))


_RULES: dict = {"stamp": None}  # responsibility answers, kept while the catalog stays as it was


def _stamp(session: Session) -> tuple:
    """Changes whenever the catalog's answers could: a matter, a rule, its history or a department."""
    from catalog.matters.models import Matter, MatterChange, ResponsibilityRule
    from tongguan.accounts.models import Department

    return tuple(session.execute(select(
        select(func.max(Matter.updated_at)).scalar_subquery(), select(func.count(Matter.id)).scalar_subquery(),
        select(func.max(ResponsibilityRule.id)).scalar_subquery(),
        select(func.count(ResponsibilityRule.id)).scalar_subquery(),
        select(func.max(MatterChange.id)).scalar_subquery(),
        select(func.max(Department.updated_at)).scalar_subquery(),
        select(func.count(Department.id)).scalar_subquery())).one())


def rule_for(session: Session, event, memo: dict | None = None) -> dict:
    """The responsibility rule for the event (raises NotFound/Invalid with the reason there is
    none). Answers are kept across requests until the catalog changes; `memo` holds the catalog's
    stamp for one request or batch, so that it is read once."""
    if not event.matter_code:
        raise NotFound("未指定事项")
    on = event.reported_at.astimezone(CITY_TZ).date()
    key = (event.matter_code, event.area_department_id, on)
    memo = {} if memo is None else memo
    if "stamp" not in memo:
        memo["stamp"] = _stamp(session)
    if _RULES["stamp"] != memo["stamp"] or len(_RULES) > 50_000:
        _RULES.clear()
        _RULES["stamp"] = memo["stamp"]
    found = _RULES.get(key)
    if found is None:
        try:
            found = responsibility_on(session, Actor.system("dispatch"), event.matter_code,
                                      event.area_department_id, on)
        except (NotFound, Invalid) as exc:
            found = exc
        _RULES[key] = found
    if isinstance(found, Exception):
        raise found
    return found
