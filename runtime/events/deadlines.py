"""Deadline timers (a job, `events.deadlines`, every five minutes).

An open event is due soon once the given share of its time limit has passed (80 % unless
EVENT_DUE_SOON_SHARE says otherwise): its department hears of it. Once overdue, the department
hears again and the event is put under supervision (督办) by the department's superior, whose
people hear of it too. Each happens once per event: the timeline records it and the job skips
events it has already told.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.accounts.models import Department, User
from tongguan.db import utcnow
from tongguan.inbox.service import deliver
from tongguan.jobs import job
from tongguan.permissions import Actor

from . import steps
from .lifecycle import OPEN
from .models import Event, EventAction

SETTINGS = {"due_soon_share": 0.8}


def configure(due_soon_share: float) -> None:
    SETTINGS["due_soon_share"] = float(due_soon_share)


def _people(session: Session, department_id: int | None) -> list[int]:
    if department_id is None:
        return []
    return list(session.scalars(select(User.id).where(User.department_id == department_id, User.is_active.is_(True))))


def check(session: Session, now: dt.datetime | None = None, share: float | None = None) -> dict:
    """Tell and escalate what is due; returns counts."""
    now = now or utcnow()
    share = SETTINGS["due_soon_share"] if share is None else share
    actor = Actor.system("时限监控")
    counts = {"due_soon": 0, "overdue": 0}
    candidates = session.scalars(select(Event).where(Event.status.in_(OPEN), Event.deadline_at.is_not(None),
                                                     Event.merged_into_id.is_(None), Event.status != "suspended")).all()
    told = {(a, e) for a, e in session.execute(select(EventAction.action, EventAction.event_id).where(
        EventAction.action.in_(("due_soon", "overdue")), EventAction.event_id.in_([e.id for e in candidates])))}
    for event in candidates:
        start = event.first_dispatched_at or event.reported_at
        limit = event.deadline_at - start
        if now >= event.deadline_at and ("overdue", event.id) not in told:
            _overdue(session, actor, event, now)
            counts["overdue"] += 1
        elif now >= start + limit * share and now < event.deadline_at and ("due_soon", event.id) not in told:
            left = event.deadline_at - now
            hours = round(left.total_seconds() / 3600, 1)
            session.add(EventAction(event_id=event.id, action="due_soon", from_status=event.status,
                                    to_status=event.status, actor_name=actor.username, department_id=event.department_id,
                                    at=now, comment=f"距处置时限还剩 {hours} 小时"))
            deliver(session, _people(session, event.department_id), "event.due_soon",
                    f"即将超期：{event.number} {event.title}（剩余 {hours} 小时）", link=f"/events/{event.id}")
            counts["due_soon"] += 1
    return counts


def _overdue(session: Session, actor: Actor, event: Event, now: dt.datetime) -> None:
    dept = session.get(Department, event.department_id) if event.department_id else None
    superior = dept.parent if dept is not None else None
    note = f"已超过处置时限（{event.deadline_at.isoformat(timespec='minutes')}）"
    if superior is not None:
        note += f"，由 {superior.name} 督办"
    event.supervised = True
    session.add(EventAction(event_id=event.id, action="overdue", from_status=event.status, to_status=event.status,
                            actor_name=actor.username, department_id=event.department_id, at=now, comment=note,
                            details={"superior_id": superior.id if superior else None}))
    deliver(session, _people(session, event.department_id), "event.overdue", f"已超期：{event.number} {event.title}",
            link=f"/events/{event.id}")
    if superior is not None:
        deliver(session, _people(session, superior.id), "event.supervise",
                f"督办：{dept.name} 的 {event.number} {event.title} 已超期", link=f"/events/{event.id}")


@job("events.deadlines", every_seconds=300)
def deadlines_job(session: Session, tick: str, **params) -> dict:
    now = utcnow()
    return {**check(session, now), **steps.tick(session, now)}
