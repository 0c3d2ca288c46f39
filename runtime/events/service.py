"""Events: intake (idempotent, automatic dispatch by the responsibility list), the lifecycle
moves with their permissions, the timeline and the manual queue.

Intake accepts at once and dispatches to the department the matter catalog names for the
event's area on the event's day; with no matter, or no rule, the event waits in the manual
queue (status accepted) and the timeline says why.
"""
from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import and_ as sa_and
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from catalog.tags.masking import mask_name, mask_phone
from tongguan.accounts.models import Department
from tongguan.db import utcnow
from tongguan.errors import Forbidden, ImportRejected, Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import duplicates, intake, lifecycle, steps
from .calendar import CITY_TZ
from .common import MatterRef, area_exists, calendar, matter_ref, rule_for
from .common import log as _log
from .models import CHANNELS, PRIORITIES, Event, EventAction, EventDispatch, EventStep

MAX_BATCH = 1000


def _event(session: Session, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None:
        raise NotFound(f"Event {event_id} does not exist.")
    return event


def _sees_all(actor: Actor) -> bool:
    return actor.can("event.dispatch")


def _visible(actor: Actor, event: Event, session: Session | None = None) -> bool:
    return _sees_all(actor) or (actor.department_id is not None and event.department_id == actor.department_id) \
        or (event.created_by is not None and event.created_by == actor.id) \
        or (session is not None and event.flow_version_id is not None and steps.visible(session, actor, event))


def masked(event: Event, actor: Actor) -> dict:
    """The reporter's personal fields as this actor may see them (the tag masking rules)."""
    if actor.can("event.dispatch"):
        return {"reporter_name": event.reporter_name, "reporter_phone": event.reporter_phone}
    return {"reporter_name": mask_name(event.reporter_name) if event.reporter_name else "",
            "reporter_phone": mask_phone(event.reporter_phone) if event.reporter_phone else ""}


# --- intake -------------------------------------------------------------------------------------


def _check_report(session: Session, data: dict, errors: dict, memo: dict, prefix: str = "") -> MatterRef | None:
    if data.get("channel") not in CHANNELS:
        errors[prefix + "channel"] = [f"渠道须为 {', '.join(CHANNELS)} 之一"]
    if data.get("priority", "normal") not in PRIORITIES:
        errors[prefix + "priority"] = [f"紧急程度须为 {', '.join(PRIORITIES)} 之一"]
    if not (data.get("title") or "").strip():
        errors[prefix + "title"] = ["请填写标题"]
    matter = None
    if data.get("matter_code"):
        matter = matter_ref(session, data["matter_code"], memo)
        if matter is None:
            errors[prefix + "matter_code"] = [f"事项目录中没有事项 {data['matter_code']}"]
        elif matter.tier != "item":
            errors[prefix + "matter_code"] = [f"事项 {matter.code} 是{matter.tier}，请选择具体事项（细类）"]
    if data.get("area_department_id") is not None and not area_exists(session, data["area_department_id"], memo):
        errors[prefix + "area_department_id"] = ["区域（区/街道/网格）不存在"]
    for key, low, high in (("longitude", -180, 180), ("latitude", -90, 90)):
        value = data.get(key)
        if value is not None and not (isinstance(value, int | float) and low <= value <= high):
            errors[prefix + key] = [f"须为 {low} 到 {high} 之间的数"]
    return matter


def _existing(session: Session, source: str, external_id: str | None) -> Event | None:
    if not external_id:
        return None
    return session.scalar(select(Event).where(Event.external_source == source, Event.external_id == external_id))


def _dispatch_auto(session: Session, event: Event, actor: Actor, at: dt.datetime, memo: dict | None = None) -> None:
    """Dispatch by the responsibility list, or leave in the manual queue with the reason."""
    if not event.matter_code:
        _log(session, event, "queue", actor, before=event.status, at=at, comment="未指定事项，进入人工分拨队列")
        return
    try:
        rule = rule_for(session, event, memo)
    except (NotFound, Invalid) as exc:
        _log(session, event, "queue", actor, before=event.status, at=at, comment=f"无适用权责（{exc.detail}），进入人工分拨队列")
        return
    area = "全市" if rule["area_department_id"] is None else f"区域 {rule['area_department_id']}"
    reason = (f"按权责清单：事项 {rule['matter']}（{rule['name']}）在{area}由 {rule['department_name']} 处置，"
              f"时限 {rule['time_limit']} {'个工作日' if rule['time_unit'] == 'working_days' else '小时'}")
    _move_to_department(session, event, actor, rule["department_id"], "auto", reason, at)
    event.time_limit, event.time_unit = rule["time_limit"], rule["time_unit"]
    event.deadline_at = calendar(session, memo).deadline(event.reported_at, rule["time_limit"], rule["time_unit"])


def _move_to_department(session: Session, event: Event, actor: Actor, department_id: int, mode: str, reason: str,
                        at: dt.datetime) -> None:
    before = event.status
    event.department_id, event.assignee_id, event.status = department_id, None, "dispatched"
    event.dispatch_mode = "auto" if mode == "auto" else "manual"
    event.dispatched_at = at
    event.first_dispatched_at = event.first_dispatched_at or at
    session.add(EventDispatch(event_id=event.id, department_id=department_id, mode=mode, reason=reason, at=at,
                              actor_id=actor.id))
    _log(session, event, "dispatch" if mode != "transfer" else "transfer", actor, before=before, at=at,
         comment=reason, details={"mode": mode, "department_id": department_id})


def _new_event(session: Session, actor: Actor, data: dict, matter: MatterRef | None, source: str,
               now: dt.datetime, memo: dict | None = None) -> Event:
    event = Event(number="~" + uuid.uuid4().hex[:30], title=data["title"].strip(),
                  description=data.get("description", ""), channel=data["channel"],
                  priority=data.get("priority", "normal"), status="reported",
                  matter_id=matter.id if matter else None, matter_code=matter.code if matter else "",
                  area_department_id=data.get("area_department_id"), address=data.get("address", ""),
                  longitude=data.get("longitude"), latitude=data.get("latitude"),
                  reporter_name=data.get("reporter_name", ""), reporter_phone=data.get("reporter_phone", ""),
                  external_source=source, external_id=data.get("external_id") or None,
                  reported_at=data.get("reported_at") or now, details=data.get("details") or {},
                  created_by=actor.id)
    session.add(event)
    session.flush()
    event.number = f"SJ{event.reported_at.astimezone(CITY_TZ):%Y%m%d}-{event.id:06d}"
    _log(session, event, "report", actor, at=now, comment=data.get("description", "")[:500],
         details={"channel": event.channel})
    event.status, event.accepted_at = "accepted", now
    _log(session, event, "accept", actor, before="reported", at=now, comment="自动受理")
    version_id = steps.version_for(session, event.matter_id, memo)
    if version_id is not None:
        steps.start(session, event, version_id, actor, now, memo)
    else:
        _dispatch_auto(session, event, actor, now, memo)
    found = duplicates.candidates(session, event, limit=5)
    if found:
        event.details = {**event.details, "possible_duplicates": [c["event"].number for c in found]}
        _log(session, event, "duplicate_suspected", actor, before=event.status, at=now,
             comment="疑似重复上报：" + "、".join(c["event"].number for c in found),
             details={"events": [c["event"].id for c in found]})
    return event


def _bulk_ok(session: Session, data: dict, matter: MatterRef | None, memo: dict) -> bool:
    """Whether intake.report_many can make this event: not when it starts on a flow, nor when a
    duplicate could only be matched by address or grid (the bulk search is by coordinates)."""
    if matter is not None and steps.version_for(session, matter.id, memo) is not None:
        return False
    located = data.get("latitude") is not None and data.get("longitude") is not None
    return matter is None or located or not (data.get("address") or data.get("area_department_id"))


@action("event.report")
def event_report(session: Session, actor: Actor, data: dict, *, now: dt.datetime | None = None) -> tuple[Event, bool]:
    """Report an event. With an `external_id`, a retry returns the event already made
    (created=False) instead of making another. Returns (event, created)."""
    now = now or utcnow()
    source = data.get("source") or f"user:{actor.username}"
    memo: dict = {}
    errors: dict[str, list[str]] = {}
    matter = _check_report(session, data, errors, memo)
    if errors:
        found = _existing(session, source, data.get("external_id"))  # a retry of what was taken before
        if found is not None:
            return found, False
        raise Invalid("The event is not valid.", errors)
    if _bulk_ok(session, data, matter, memo):
        event = intake.report_one(session, actor, data, matter, source, now, memo)
        return (event, True) if event is not None else (_existing(session, source, data["external_id"]), False)
    found = _existing(session, source, data.get("external_id"))
    if found is not None:
        return found, False
    try:
        with session.begin_nested():  # a concurrent retry may win the race for the external id
            event = _new_event(session, actor, data, matter, source, now, memo)
    except IntegrityError:
        found = _existing(session, source, data.get("external_id"))
        if found is None:
            raise
        return found, False
    return event, True


@action("event.report")
def event_report_batch(session: Session, actor: Actor, items: list[dict], *,
                       now: dt.datetime | None = None) -> list[dict]:
    """Report many events (sensors, alerts). All or nothing: any bad item rejects the batch
    with a row-by-row report. Items already reported (same source and external id) are not
    made again. Returns [{"index", "id", "number", "created"}] in the order given."""
    if len(items) > MAX_BATCH:
        raise Invalid("Too many events in one batch.", {"items": [f"一批最多 {MAX_BATCH} 个事件"]})
    now = now or utcnow()
    rows, checked, memo = [], [], {}
    for i, data in enumerate(items):
        errors: dict[str, list[str]] = {}
        matter = _check_report(session, data, errors, memo)
        for field, messages in errors.items():
            rows.extend({"row": i + 1, "field": field, "message": m} for m in messages)
        checked.append(matter)
    ids = [(d.get("source") or f"user:{actor.username}", d.get("external_id")) for d in items]
    seen: dict[tuple, int] = {}
    for i, key in enumerate(ids):
        if key[1] and key in seen:
            rows.append({"row": i + 1, "field": "external_id", "message": f"与第 {seen[key] + 1} 行的外部编号重复"})
        seen.setdefault(key, i)
    if rows:
        raise ImportRejected("Some events are not valid; none was reported.", rows)
    try:
        with session.begin_nested():
            return _write_batch(session, actor, items, checked, ids, now, memo)
    except IntegrityError:  # a client's retry raced its own first try: the second pass finds those events
        with session.begin_nested():
            return _write_batch(session, actor, items, checked, ids, now, memo)


def _write_batch(session: Session, actor: Actor, items: list[dict], checked: list, ids: list[tuple],
                 now: dt.datetime, memo: dict) -> list[dict]:
    known = {}
    wanted = [key for key in ids if key[1]]
    for chunk in range(0, len(wanted), 500):
        part = wanted[chunk:chunk + 500]
        for eid, number, src, ext in session.execute(select(
                Event.id, Event.number, Event.external_source, Event.external_id).where(
                Event.external_source.in_({s for s, _ in part}), Event.external_id.in_([e for _, e in part]))):
            known[(src, ext)] = (eid, number)
    out: list[dict | None] = [None] * len(items)
    bulk, singles = [], []
    for i, (data, matter) in enumerate(zip(items, checked)):
        if ids[i] in known:
            eid, number = known[ids[i]]
            out[i] = {"index": i, "id": eid, "number": number, "created": False}
        elif _bulk_ok(session, data, matter, memo):
            bulk.append(i)
        else:
            singles.append(i)
    made = intake.report_many(session, actor, [(items[i], checked[i], ids[i][0]) for i in bulk], now, memo) \
        if bulk else []
    for i, (eid, number) in zip(bulk, made):
        out[i] = {"index": i, "id": eid, "number": number, "created": True}
    for i in singles:
        event = _new_event(session, actor, items[i], checked[i], ids[i][0], now, memo)
        out[i] = {"index": i, "id": event.id, "number": event.number, "created": True}
    return out


# --- reading ------------------------------------------------------------------------------------


def _filtered(stmt, actor: Actor, now: dt.datetime, *, status=None, department_id=None, matter_code=None,
              channel=None, overdue=None, queue=None, q=None):
    stmt = stmt.where(Event.merged_into_id.is_(None))
    if not _sees_all(actor):
        mine = select(EventStep.event_id).where(EventStep.left_at.is_(None), EventStep.kind == "task", or_(
            EventStep.department_id == actor.department_id, EventStep.role.in_(sorted(actor.roles) or [""]),
            EventStep.assignee_id == actor.id))
        stmt = stmt.where(or_(Event.department_id == actor.department_id, Event.created_by == actor.id,
                              Event.id.in_(mine)))
    if status:
        stmt = stmt.where(Event.status.in_(status if isinstance(status, list | tuple) else [status]))
    if department_id:
        stmt = stmt.where(Event.department_id == department_id)
    if matter_code:
        stmt = stmt.where(Event.matter_code == matter_code)
    if channel:
        stmt = stmt.where(Event.channel == channel)
    if overdue:
        stmt = stmt.where(Event.status.in_(lifecycle.OPEN), Event.deadline_at < now)
    if queue:  # the manual dispatch queue
        stmt = stmt.where(Event.status == "accepted", Event.department_id.is_(None))
    if q:
        stmt = stmt.where(or_(Event.title.ilike(f"%{q}%"), Event.number.ilike(f"%{q}%"),
                              Event.address.ilike(f"%{q}%")))
    return stmt


@action("event.read")
def event_list(session: Session, actor: Actor, *, page=1, per_page=50, now: dt.datetime | None = None,
               **filters) -> Page:
    """Events the actor may see, most urgent first: overdue, then by deadline, then newest."""
    now = now or utcnow()
    stmt = _filtered(select(Event), actor, now, **filters)
    late = (Event.deadline_at < now) & Event.status.in_(lifecycle.OPEN)
    stmt = stmt.order_by(late.desc(), Event.deadline_at.is_(None), Event.deadline_at, Event.id.desc())
    return paginate(session, stmt, page, per_page)


MAX_POINTS = 5000


@action("event.read")
def event_points(session: Session, actor: Actor, *, now: dt.datetime | None = None, **filters) -> dict:
    """The same events as the list, as points for the map (those with coordinates, newest first,
    at most MAX_POINTS; `total` says how many matched)."""
    now = now or utcnow()
    filters.pop("page", None), filters.pop("per_page", None)
    located = _filtered(select(Event.id), actor, now, **filters).where(Event.longitude.is_not(None),
                                                                       Event.latitude.is_not(None))
    total = session.scalar(select(func.count()).select_from(located.subquery()))
    late = sa_and(Event.deadline_at < now, Event.status.in_(lifecycle.OPEN))
    rows = session.execute(_filtered(select(Event.id, Event.number, Event.title, Event.status, Event.priority,
                                            Event.channel, Event.longitude, Event.latitude, Event.department_id,
                                            late.label("overdue")), actor, now, **filters)
                           .where(Event.longitude.is_not(None), Event.latitude.is_not(None))
                           .order_by(Event.id.desc()).limit(MAX_POINTS)).all()
    return {"total": total, "points": [dict(r._mapping) | {"overdue": bool(r.overdue)} for r in rows]}


@action("event.read")
def event_get(session: Session, actor: Actor, event_id: int) -> Event:
    event = _event(session, event_id)
    if not _visible(actor, event, session):
        raise NotFound(f"Event {event_id} does not exist.")
    return event


@action("event.read")
def event_timeline(session: Session, actor: Actor, event_id: int) -> list[EventAction]:
    event = event_get(session, actor, event_id)
    ids = [event.id] + list(session.scalars(select(Event.id).where(Event.merged_into_id == event.id)))
    return list(session.scalars(select(EventAction).where(EventAction.event_id.in_(ids))
                                .order_by(EventAction.at, EventAction.id)))


@action("event.read")
def event_steps(session: Session, actor: Actor, event_id: int) -> list[dict]:
    """A flow event's steps, oldest first; open task steps carry the moves their node permits."""
    event = event_get(session, actor, event_id)
    if event.flow_version_id is None:
        return []
    flow = steps.engine(session, event.flow_version_id)
    out = []
    for s in session.scalars(select(EventStep).where(EventStep.event_id == event.id).order_by(EventStep.id)):
        row = {c: getattr(s, c) for c in ("id", "node_id", "node_name", "kind", "department_id", "role", "assignee_id",
                                          "entered_at", "due_at", "left_at", "outcome")}
        live = s.left_at is None and s.kind == "task" and s.node_id in flow.nodes
        row["moves"] = flow.moves(s.node_id) if live else []
        row["jump_to"] = [{"node": n, "name": flow.name(n)} for n in flow.jump_targets(s.node_id)] if live else []
        row["mine"] = live and steps.may(actor, s)
        out.append(row)
    return out


@action("event.read")
def event_dispatches(session: Session, actor: Actor, event_id: int) -> list[EventDispatch]:
    """Every dispatch decision, with its reason and any refusal."""
    event = event_get(session, actor, event_id)
    return list(session.scalars(select(EventDispatch).where(EventDispatch.event_id == event.id)
                                .order_by(EventDispatch.id)))


# --- acting -------------------------------------------------------------------------------------


def _may(actor: Actor, event: Event, act: str) -> bool:
    if actor.can("event.dispatch"):
        return True
    at_my_department = actor.department_id is not None and event.department_id == actor.department_id
    if act == "return" and event.status in ("accepted", "reviewing"):
        return False  # sending back from the queue or from review is the ops center's call
    if act in lifecycle.DEPARTMENT_ACTIONS or act in lifecycle.EITHER:
        return actor.can("event.handle") and at_my_department
    return False


@action("event.handle")
def event_act(session: Session, actor: Actor, event_id: int, act: str, data: dict | None = None,
              if_version: int | None = None, *, now: dt.datetime | None = None) -> Event:
    """One move of the lifecycle (see lifecycle.ACTIONS). A move the event's status does not
    allow, or the actor may not make, is refused and changes nothing."""
    data = data or {}
    now = now or utcnow()
    event = _event(session, event_id)
    if not _visible(actor, event, session):
        raise NotFound(f"Event {event_id} does not exist.")
    check_version(event, if_version)
    if event.flow_version_id is not None and act in steps.FLOW_ACTS:
        return steps.act(session, actor, event, act, data, now)
    if event.flow_version_id is not None and act in lifecycle.DEFAULT_ONLY:
        raise Invalid("This event follows a flow.", {"action": [
            f"此事件按流程流转，请使用发送、退回等环节操作，不能{lifecycle.ACTION_NAMES[act]}"]})
    if act not in lifecycle.ACTIONS:
        raise Invalid("Unknown action.", {"action": [f"未知操作 {act}"]})
    if not lifecycle.allowed(act, event.status):
        raise Invalid("This action is not allowed now.", {"action": [
            f"事件当前为“{lifecycle.STATUSES[event.status][0]}”，不能{lifecycle.ACTION_NAMES[act]}"]})
    if not _may(actor, event, act):
        raise Forbidden(f"You may not {act} this event.")
    comment = (data.get("comment") or "").strip()
    if act in ("refuse", "return", "cancel", "reopen", "supervise", "extend") and not comment:
        raise Invalid("A reason is required.", {"comment": [f"{lifecycle.ACTION_NAMES[act]}须填写理由"]})
    before = event.status
    details: dict = {}
    if act in ("dispatch", "transfer"):
        dept = session.get(Department, data.get("department_id") or 0)
        if dept is None:
            raise Invalid("Choose a department.", {"department_id": ["请选择处置部门"]})
        if act == "transfer" and dept.id == event.department_id:
            raise Invalid("Choose another department.", {"department_id": ["转办须选择其他部门"]})
        reason = comment or ("人工分拨" if act == "dispatch" else "转办")
        _move_to_department(session, event, actor, dept.id, "manual" if act == "dispatch" else "transfer", reason, now)
        if event.deadline_at is None and data.get("time_limit"):
            event.time_limit, event.time_unit = data["time_limit"], data.get("time_unit", "working_days")
            event.deadline_at = calendar(session).deadline(now, event.time_limit, event.time_unit)
        return event
    if act == "refuse":
        last = session.scalar(select(EventDispatch).where(EventDispatch.event_id == event.id)
                              .order_by(EventDispatch.id.desc()).limit(1))
        if last is not None:
            last.refused_at, last.refusal_reason = now, comment
        event.refusals += 1
        details["department_id"] = event.department_id
        event.department_id, event.assignee_id = None, None
    elif act == "take":
        event.assignee_id = actor.id
    elif act == "submit":
        event.handled_at = now
    elif act == "approve":
        event.closed_at = now
    elif act == "return":
        event.returns += 1
        if before in ("dispatched",):  # back to the queue: the department gives it back
            details["department_id"] = event.department_id
            event.department_id = None
    elif act == "reopen":
        event.reopens += 1
        event.closed_at = None
    elif act == "suspend":
        event.status_before = before
    elif act == "cancel" and event.flow_version_id is not None:
        steps.close_all(session, event, "cancel", now)
    elif act == "supervise":
        event.supervised = True
    elif act == "extend":
        extra = data.get("extra_days")
        if not isinstance(extra, int) or not 1 <= extra <= 60 or event.deadline_at is None:
            raise Invalid("Give the days to add.", {"extra_days": ["请填写延期的工作日数（1–60）"]})
        details["from"] = event.deadline_at.isoformat()
        event.deadline_at = calendar(session).deadline(event.deadline_at, extra, "working_days")
        details["to"] = event.deadline_at.isoformat()
    elif act == "cc":
        details["department_ids"] = [d for d in data.get("department_ids") or [] if isinstance(d, int)]
    event.status = lifecycle.target(act, before, event.status_before)
    _log(session, event, act, actor, before=before, comment=comment, details=details, at=now)
    return event


@action("event.dispatch")
def event_judge_refusal(session: Session, actor: Actor, event_id: int, upheld: bool, comment: str = "") -> Event:
    """Decide the latest refusal: upheld (有责退单: the dispatch was wrong, it counts against
    dispatch accuracy) or not (the department should have taken it)."""
    event = _event(session, event_id)
    last = session.scalar(select(EventDispatch).where(EventDispatch.event_id == event.id,
                                                      EventDispatch.refused_at.is_not(None))
                          .order_by(EventDispatch.id.desc()).limit(1))
    if last is None or last.refusal_upheld is not None:
        raise Invalid("There is no refusal to decide.", {"upheld": ["没有待认定的退单"]})
    last.refusal_upheld = upheld
    if upheld:
        event.refusals_upheld += 1
    _log(session, event, "refusal_upheld" if upheld else "refusal_rejected", actor, before=event.status,
         comment=comment, details={"department_id": last.department_id})
    return event


@action("event.read")
def event_counts(session: Session, actor: Actor, *, now: dt.datetime | None = None) -> dict:
    """Counts for the queue badges: by status, overdue, and the manual queue."""
    now = now or utcnow()
    base = select(Event.status, func.count()).where(Event.merged_into_id.is_(None))
    if not _sees_all(actor):
        base = base.where(Event.department_id == actor.department_id)
    by_status = dict(session.execute(base.group_by(Event.status)).all())
    overdue = session.scalar(select(func.count()).select_from(Event).where(
        Event.status.in_(lifecycle.OPEN), Event.deadline_at < now,
        *(() if _sees_all(actor) else (Event.department_id == actor.department_id,))))
    queue = session.scalar(select(func.count()).select_from(Event).where(
        Event.status == "accepted", Event.department_id.is_(None))) if _sees_all(actor) else 0
    return {"by_status": by_status, "overdue": overdue or 0, "queue": queue or 0}


# --- duplicates ---------------------------------------------------------------------------------


@action("event.read")
def event_duplicates(session: Session, actor: Actor, event_id: int) -> list[dict]:
    """Events that look like the same problem (same matter, near in place and time), nearest first."""
    event = event_get(session, actor, event_id)
    return [{"id": c["event"].id, "number": c["event"].number, "title": c["event"].title,
             "channel": c["event"].channel, "status": c["event"].status, "reported_at": c["event"].reported_at,
             "address": c["event"].address, "distance_m": c["distance_m"], "hours_apart": c["hours_apart"]}
            for c in duplicates.candidates(session, event) if _visible(actor, c["event"], session)]


@action("event.dispatch")
def event_merge(session: Session, actor: Actor, event_id: int, into_id: int, comment: str = "",
                if_version: int | None = None, *, now: dt.datetime | None = None) -> Event:
    """Merge a duplicate report into the event that stays. The duplicate leaves the lists; its
    timeline shows on the surviving event's, and a lookup of its number answers with that event."""
    now = now or utcnow()
    dup, keep = _event(session, event_id), _event(session, into_id)
    check_version(dup, if_version)
    if dup.id == keep.id or dup.merged_into_id is not None or keep.merged_into_id is not None:
        raise Invalid("These events cannot be merged.", {"into_id": ["不能合并到自身或已合并的事件"]})
    if keep.status == "cancelled":
        raise Invalid("The surviving event is cancelled.", {"into_id": ["不能合并到已作废的事件"]})
    dup.merged_into_id = keep.id
    keep.details = {**keep.details, "merged": [*keep.details.get("merged", []), dup.number]}
    _log(session, dup, "merge", actor, before=dup.status, at=now, comment=comment or f"合并到 {keep.number}",
         details={"into": keep.id})
    _log(session, keep, "merge", actor, before=keep.status, at=now, comment=comment or f"合并了重复上报 {dup.number}",
         details={"from": dup.id, "channel": dup.channel})
    return keep
