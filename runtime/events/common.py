"""Bookkeeping both the default lifecycle (service.py) and flows (steps.py) need: the working
calendar, the timeline entry, and the responsibility rule for an event's matter, area and day."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
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


def rule_for(session: Session, event: Event, memo: dict | None = None) -> dict:
    """The responsibility rule for the event (raises NotFound/Invalid with the reason there is
    none). A batch passes `memo` so that each (matter, area, day) is looked up once."""
    if not event.matter_code:
        raise NotFound("未指定事项")
    on = event.reported_at.astimezone(CITY_TZ).date()
    key = (event.matter_code, event.area_department_id, on)
    if memo is not None and key in memo:
        found = memo[key]
        if isinstance(found, Exception):
            raise found
        return found
    try:
        found = responsibility_on(session, Actor.system("dispatch"), event.matter_code, event.area_department_id, on)
    except (NotFound, Invalid) as exc:
        if memo is not None:
            memo[key] = exc
        raise
    if memo is not None:
        memo[key] = found
    return found
