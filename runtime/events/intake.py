"""Batch intake in bulk: a batch of sensor or alert events is written with a handful of
statements instead of a dozen round trips per event. The events, their first timeline entries
and dispatch decisions are inserted with executemany; possible duplicates for the whole batch come
from one query. The result is the same as reporting them one by one (service._new_event), which
still handles events whose matter follows a flow.
"""
from __future__ import annotations

import datetime as dt
import math
import uuid
from types import SimpleNamespace

from sqlalchemy import ARRAY, Float, Integer, and_, bindparam, column, func, insert, select, update
from sqlalchemy.orm import Session

from catalog.matters.models import Matter
from tongguan.db import UTCDateTime
from tongguan.errors import Invalid, NotFound
from tongguan.permissions import Actor

from . import duplicates
from .calendar import CITY_TZ
from .common import calendar, rule_for
from .models import DuplicateRule, Event, EventAction, EventDispatch

PROBE = [("pid", Integer), ("matter_id", Integer), ("lat0", Float), ("lat1", Float), ("lon0", Float), ("lon1", Float),
         ("t0", UTCDateTime), ("t1", UTCDateTime)]


def _action(event_id: int, act: str, actor: Actor, at: dt.datetime, before: str, after: str, department_id,
            comment: str = "", details: dict | None = None) -> dict:
    return {"event_id": event_id, "action": act, "from_status": before, "to_status": after, "actor_id": actor.id,
            "actor_name": actor.username, "department_id": department_id, "at": at, "comment": comment,
            "details": details or {}}


def report_many(session: Session, actor: Actor, items: list[tuple[dict, Matter | None, str]], now: dt.datetime,
                memo: dict) -> list[tuple[int, str]]:
    """Insert new events (data, matter, source) that follow no flow; returns (id, number) in order."""
    rows, plans = [], []
    for data, matter, source in items:
        reported = data.get("reported_at") or now
        probe = SimpleNamespace(matter_code=matter.code if matter else "", reported_at=reported,
                                area_department_id=data.get("area_department_id"))
        rule, why = None, "未指定事项，进入人工分拨队列"
        if matter is not None:
            try:
                rule = rule_for(session, probe, memo)
            except (NotFound, Invalid) as exc:
                why = f"无适用权责（{exc.detail}），进入人工分拨队列"
        deadline = calendar(session, memo).deadline(reported, rule["time_limit"], rule["time_unit"]) if rule else None
        rows.append({
            "number": "~" + uuid.uuid4().hex[:30], "title": data["title"].strip(),
            "description": data.get("description", ""), "channel": data["channel"],
            "priority": data.get("priority", "normal"), "status": "dispatched" if rule else "accepted",
            "status_before": "", "matter_id": matter.id if matter else None,
            "matter_code": matter.code if matter else "", "area_department_id": data.get("area_department_id"),
            "address": data.get("address", ""), "longitude": data.get("longitude"), "latitude": data.get("latitude"),
            "reporter_name": data.get("reporter_name", ""), "reporter_phone": data.get("reporter_phone", ""),
            "external_source": source, "external_id": data.get("external_id") or None,
            "department_id": rule["department_id"] if rule else None, "assignee_id": None,
            "dispatch_mode": "auto" if rule else "", "time_limit": rule["time_limit"] if rule else None,
            "time_unit": rule["time_unit"] if rule else "", "deadline_at": deadline, "reported_at": reported,
            "accepted_at": now, "dispatched_at": now if rule else None, "first_dispatched_at": now if rule else None,
            "details": data.get("details") or {}, "created_by": actor.id, "node_names": "", "version": 1,
            "created_at": now, "updated_at": now})
        plans.append((rule, why))
    table = Event.__table__  # Core, not the ORM's bulk paths: no version checks for rows just made
    if session.get_bind().dialect.name == "postgresql":
        # ids first, from the sequence: numbers are then known and the rows go in by plain executemany
        ids = list(session.scalars(select(func.nextval(func.pg_get_serial_sequence("event", "id")))
                                   .select_from(func.generate_series(1, len(rows)))))
        numbers = [f"SJ{r['reported_at'].astimezone(CITY_TZ):%Y%m%d}-{i:06d}" for r, i in zip(rows, ids)]
        for r, i, n in zip(rows, ids, numbers):
            r["id"], r["number"] = i, n
        session.execute(insert(table), rows)
    else:
        ids = list(session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows))
        numbers = [f"SJ{r['reported_at'].astimezone(CITY_TZ):%Y%m%d}-{i:06d}" for r, i in zip(rows, ids)]
        session.execute(update(table).where(table.c.id == bindparam("b_id")).values(number=bindparam("b_number")),
                        [{"b_id": i, "b_number": n} for i, n in zip(ids, numbers)])
    actions, dispatches = [], []
    for event_id, row, (rule, why) in zip(ids, rows, plans):
        actions.append(_action(event_id, "report", actor, now, "", "reported", None, row["description"][:500],
                               {"channel": row["channel"]}))
        actions.append(_action(event_id, "accept", actor, now, "reported", "accepted", None, "自动受理"))
        if rule is None:
            actions.append(_action(event_id, "queue", actor, now, "accepted", "accepted", None, why))
            continue
        area = "全市" if rule["area_department_id"] is None else f"区域 {rule['area_department_id']}"
        reason = (f"按权责清单：事项 {rule['matter']}（{rule['name']}）在{area}由 {rule['department_name']} 处置，"
                  f"时限 {rule['time_limit']} {'个工作日' if rule['time_unit'] == 'working_days' else '小时'}")
        dispatches.append({"event_id": event_id, "department_id": rule["department_id"], "mode": "auto",
                           "reason": reason, "at": now, "actor_id": actor.id, "refusal_reason": ""})
        actions.append(_action(event_id, "dispatch", actor, now, "accepted", "dispatched", rule["department_id"],
                               reason, {"mode": "auto", "department_id": rule["department_id"]}))
    session.execute(insert(EventAction.__table__), actions)
    if dispatches:
        session.execute(insert(EventDispatch.__table__), dispatches)
    _suspect_duplicates(session, actor, ids, numbers, rows, now)
    return list(zip(ids, numbers))


def _suspect_duplicates(session: Session, actor: Actor, ids: list[int], numbers: list[str], rows: list[dict],
                        now: dt.datetime) -> None:
    """One query for the whole batch: each located event against unmerged events of its matter
    inside its bounding box and time window; then the great-circle distance."""
    located = [(i, r) for i, r in zip(ids, rows) if r["matter_id"] and r["latitude"] is not None
               and r["longitude"] is not None]
    if not located:
        return
    matter_ids = sorted({r["matter_id"] for _, r in located})
    rules = {m: (d, w) for m, d, w in session.execute(select(
        DuplicateRule.matter_id, DuplicateRule.distance_m, DuplicateRule.window_h).where(
        DuplicateRule.matter_id.in_(matter_ids)))}
    probes = []
    for event_id, r in located:
        meters, hours = rules.get(r["matter_id"], (duplicates.DEFAULT_DISTANCE_M, duplicates.DEFAULT_WINDOW_H))
        dlat = meters / 111_320
        dlon = meters / (111_320 * max(math.cos(math.radians(r["latitude"])), 0.01))
        window = dt.timedelta(hours=hours)
        probes.append((event_id, r["matter_id"], r["latitude"] - dlat, r["latitude"] + dlat,
                       r["longitude"] - dlon, r["longitude"] + dlon, r["reported_at"] - window,
                       r["reported_at"] + window))
    if session.get_bind().dialect.name == "postgresql":
        # eight arrays, one parameter each: a VALUES list of a thousand rows costs more to compile than to run
        arrays = [bindparam(f"p_{n}", list(col), type_=ARRAY(t())) for (n, t), col in zip(PROBE, zip(*probes))]
        probe = func.unnest(*arrays).table_valued(*[column(n, t()) for n, t in PROBE]).render_derived(name="probe")
        found = session.execute(
            select(probe.c.pid, Event.id, Event.number, Event.latitude, Event.longitude)
            .join(Event, and_(Event.matter_id == probe.c.matter_id,
                              Event.latitude.between(probe.c.lat0, probe.c.lat1),
                              Event.longitude.between(probe.c.lon0, probe.c.lon1),
                              Event.reported_at.between(probe.c.t0, probe.c.t1), Event.id != probe.c.pid))
            .where(Event.merged_into_id.is_(None), Event.status != "cancelled")
            .order_by(probe.c.pid, Event.id)).all()
    else:  # the embedded database is in-process: a query per event costs no round trip
        found = []
        for pid, matter_id, lat0, lat1, lon0, lon1, t0, t1 in probes:
            found.extend((pid, *row) for row in session.execute(
                select(Event.id, Event.number, Event.latitude, Event.longitude).where(
                    Event.matter_id == matter_id, Event.latitude.between(lat0, lat1),
                    Event.longitude.between(lon0, lon1), Event.reported_at.between(t0, t1), Event.id != pid,
                    Event.merged_into_id.is_(None), Event.status != "cancelled").order_by(Event.id)))
    by_id = {i: r for i, r in located}
    near: dict[int, list[tuple[int, str]]] = {}
    for pid, other_id, number, lat, lon in found:
        r = by_id[pid]
        meters = rules.get(r["matter_id"], (duplicates.DEFAULT_DISTANCE_M,))[0]
        if duplicates.distance_m(r["latitude"], r["longitude"], lat, lon) <= meters and len(near.get(pid, ())) < 5:
            near.setdefault(pid, []).append((other_id, number))
    if not near:
        return
    table = Event.__table__
    session.execute(update(table).where(table.c.id == bindparam("b_id")).values(details=bindparam("b_details")),
                    [{"b_id": pid, "b_details": {**by_id[pid]["details"],
                                                 "possible_duplicates": [n for _, n in others]}}
                     for pid, others in near.items()])
    session.execute(insert(EventAction.__table__), [
        _action(pid, "duplicate_suspected", actor, now, by_id[pid]["status"], by_id[pid]["status"],
                by_id[pid]["department_id"], "疑似重复上报：" + "、".join(n for _, n in others),
                {"events": [i for i, _ in others]})
        for pid, others in near.items()])
