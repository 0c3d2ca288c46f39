"""Intake on the fast path: events that follow no flow are written with a handful of Core
statements instead of a dozen ORM round trips per event. The result is the same as reporting
them one by one (service._new_event), which still handles events whose matter follows a flow.

- One report: nearby reports of the same matter are looked up first; then, on PostgreSQL, one
  statement takes the id, inserts the event, its first timeline entries and the dispatch
  decision. No savepoint is needed: the insert skips a (source, external id) already taken
  (ON CONFLICT DO NOTHING) and the caller answers with the event that holds it.
- A batch: ids from the sequence; possible duplicates from one query (earlier events) and in
  memory (the batch's own rows); then on PostgreSQL one insert per table reading its rows from a
  JSON parameter. The embedded database inserts first and looks for duplicates after.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import uuid
from types import SimpleNamespace

import orjson

from sqlalchemy import (ARRAY, Boolean, Float, Integer, String, Text, bindparam, cast, column, false, func,
                        insert, literal_column, null, select, true, update)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, make_transient_to_detached

from tongguan.db import UTCDateTime
from tongguan.errors import Invalid, NotFound
from tongguan.permissions import Actor

from . import duplicates
from .calendar import CITY_TZ
from .common import MatterRef, calendar, rule_for
from .models import Event, EventAction, EventDispatch

PROBE = [("pid", Integer), ("matter_id", Integer), ("lat0", Float), ("lat1", Float), ("lon0", Float), ("lon1", Float),
         ("t0", UTCDateTime), ("t1", UTCDateTime), ("lat", Float), ("lon", Float), ("meters", Float)]
SEQUENCE = func.nextval(func.pg_get_serial_sequence("event", "id"))
_EVENTS, _ACTIONS, _DISPATCHES = Event.__table__, EventAction.__table__, EventDispatch.__table__
# what a freshly inserted row holds in the columns intake leaves to their defaults
DEFAULTS = {c.key: c.default.arg if c.default is not None and c.default.is_scalar else None for c in _EVENTS.columns}

# Statements are built once: every report runs them, and building one costs more than running it.
INSERT_ACTIONS, INSERT_DISPATCHES = insert(_ACTIONS), insert(_DISPATCHES)
_COLUMNS: dict = {}  # the columns a batch insert writes, per table


def _insert_many(session: Session, table, rows: list[dict]) -> None:
    """A batch's rows into one table. PostgreSQL: one short statement reading the rows from one
    JSON parameter (json_populate_recordset: plain json is read faster than jsonb): per-row
    statements cost a round trip each, a long multi-row VALUES costs the driver more to read than
    the server to run, and arrays are dumped element by element."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    names = tuple(rows[0])
    key = (table.name, names)
    if key not in _COLUMNS:
        batch = func.json_populate_recordset(literal_column(f"NULL::{table.name}"),
                                              cast(bindparam("rows", type_=Text), postgresql.JSON)
                                              ).table_valued(*names).alias("batch")
        _COLUMNS[key] = insert(table).from_select(list(names), select(*(batch.c[n] for n in names)))
    session.execute(_COLUMNS[key], {"rows": _json(rows)})


def _json(rows: list) -> str:
    """A batch's rows as JSON, timestamps as UTC without a zone (orjson: a thousand events are
    encoded in a third of the standard library's time)."""
    written: dict = {}  # most timestamps of a batch are the same instant
    return orjson.dumps(rows, default=lambda v: written.get(v) or written.setdefault(v, _utc(v)),
                        option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


def _utc(value):
    """JSON for a timestamp column: UTC without a zone, as UTCDateTime stores it."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


INSERT_ONE = sqlite.insert(_EVENTS).on_conflict_do_nothing(
    index_elements=["external_source", "external_id"]).returning(_EVENTS.c.id)
SET_NUMBER = update(_EVENTS).where(_EVENTS.c.id == bindparam("b_id")).values(number=bindparam("b_number"))
SET_DETAILS = update(_EVENTS).where(_EVENTS.c.id == bindparam("b_id")).values(details=bindparam("b_details"))
_e = _EVENTS.c  # table columns: Core statements skip the ORM's result handling


def _near_statement(p, postgres: bool):
    """Unmerged events of the probe's matter inside its bounding box and time window (`p`: the
    probe's columns). PostgreSQL also applies the great-circle distance and stops at five, so
    only the events that count are read; elsewhere the caller measures the distance."""
    stmt = (select(_e.id, _e.number, _e.latitude, _e.longitude)
            .where(_e.matter_id == p["matter_id"], _e.latitude.between(p["lat0"], p["lat1"]),
                   _e.reported_at.between(p["t0"], p["t1"]), _e.longitude.between(p["lon0"], p["lon1"]),
                   _e.id != p["pid"], _e.merged_into_id.is_(None), _e.status != "cancelled")
            .order_by(_e.id))
    if postgres:
        stmt = stmt.where(_distance_sql(p["lat"], p["lon"], _e.latitude, _e.longitude) <= p["meters"]).limit(5)
    return stmt


def _distance_sql(lat1, lon1, lat2, lon2):
    """duplicates.distance_m (haversine) in SQL, with the same constants."""
    two, half = literal_column("2.0"), literal_column("0.5")
    p1, p2 = func.radians(lat1), func.radians(lat2)
    a = (func.power(func.sin((p2 - p1) * half), two)
         + func.cos(p1) * func.cos(p2) * func.power(func.sin(func.radians(lon2 - lon1) * half), two))
    return two * literal_column(str(float(duplicates.EARTH_M))) * func.asin(func.sqrt(a))


_PARAMS = {n: bindparam(n, type_=t()) for n, t in PROBE}
NEAR = {False: _near_statement(_PARAMS, False), True: _near_statement(_PARAMS, True)}
_PROBES = func.json_to_recordset(cast(bindparam("probes", type_=Text), postgresql.JSON)).table_valued(
    *[column(n, t()) for n, t in PROBE]).render_derived(name="probe", with_types=True)
_NEAR_LATERAL = _near_statement(_PROBES.c, True).lateral("near")
NEAR_MANY = (select(_PROBES.c.pid, _NEAR_LATERAL.c.id, _NEAR_LATERAL.c.number, _NEAR_LATERAL.c.latitude,
                    _NEAR_LATERAL.c.longitude).select_from(_PROBES).join(_NEAR_LATERAL, true())
             .order_by(_PROBES.c.pid, _NEAR_LATERAL.c.id))
TIMELINE = [("action", String()), ("from_status", String()), ("to_status", String()), ("department_id", Integer()),
            ("comment", Text()), ("details", Text())]


# what every new event holds, written as constants: the driver keeps its parsed form of a statement
# only while it is short (psycopg: 4,096 characters, 50 parameters)
FIXED = {"status_before": literal_column("''"), "assignee_id": null(), "returns": literal_column("0"),
         "refusals": literal_column("0"), "refusals_upheld": literal_column("0"), "reopens": literal_column("0"),
         "supervised": false(), "handled_at": null(), "closed_at": null(), "merged_into_id": null(),
         "flow_version_id": null(), "node_names": literal_column("''"), "version": literal_column("1")}


def _write_one_statement():
    """PostgreSQL: WITH new id, the event (unless its external id is taken), its timeline
    entries (arrays, one per column) and its dispatch decision (when it has one), in one go."""
    at, actor_id = bindparam("at", type_=UTCDateTime), bindparam("actor_id", type_=Integer)
    new = select(SEQUENCE.label("id")).cte("new_id")
    digits = cast(new.c.id, Text)
    values = {"id": new.c.id, "number": bindparam("number_prefix", type_=String) + func.lpad(
                  digits, func.greatest(6, func.length(digits)), "0"),
              **FIXED, "accepted_at": at, "created_at": at, "updated_at": at}
    values.update({c.key: bindparam(c.key, type_=c.type) for c in _EVENTS.columns if c.key not in values})
    event = (postgresql.insert(_EVENTS).from_select(list(values), select(*values.values()))
             .on_conflict_do_nothing(index_elements=["external_source", "external_id"])
             .returning(_EVENTS.c.id, _EVENTS.c.number).cte("made"))
    entries = func.unnest(*(bindparam(f"a_{n}", type_=ARRAY(t)) for n, t in TIMELINE)).table_valued(
        *(column(n, t) for n, t in TIMELINE)).render_derived(name="entry")
    timeline = insert(_ACTIONS).from_select(
        [n for n, _ in TIMELINE] + ["event_id", "actor_id", "actor_name", "at"],
        select(*(entries.c[n] for n, _ in TIMELINE[:-1]), cast(entries.c.details, postgresql.JSONB), event.c.id,
               actor_id, bindparam("actor_name", type_=String), at).select_from(event).join(entries, true())
    ).cte("timeline")
    dispatch = insert(_DISPATCHES).from_select(
        ["event_id", "department_id", "mode", "reason", "at", "actor_id", "refusal_reason"],
        select(event.c.id, bindparam("department_id", type_=Integer), literal_column("'auto'"),
               bindparam("d_reason", type_=Text), at, actor_id, literal_column("''")).where(
            bindparam("d_dispatch", type_=Boolean))).cte("dispatch")
    return select(event.c.id, event.c.number).add_cte(timeline, dispatch)


WRITE_ONE = _write_one_statement()



def _action(event_id: int | None, act: str, actor: Actor, at: dt.datetime, before: str, after: str, department_id,
            comment: str = "", details: dict | None = None) -> dict:
    return {"event_id": event_id, "action": act, "from_status": before, "to_status": after, "actor_id": actor.id,
            "actor_name": actor.username, "department_id": department_id, "at": at, "comment": comment,
            "details": details or {}}


def _number(row: dict, event_id: int) -> str:
    return f"{_prefix(row)}{event_id:06d}"


def _prefix(row: dict) -> str:
    return f"SJ{row['reported_at'].astimezone(CITY_TZ):%Y%m%d}-"


def _plan(session: Session, actor: Actor, data: dict, matter: MatterRef | None, source: str, now: dt.datetime,
          memo: dict) -> tuple[dict, tuple]:
    """The event's row and its dispatch plan (rule or None, and why there is none)."""
    reported = data.get("reported_at") or now
    rule, why = None, "未指定事项，进入人工分拨队列"
    if matter is not None:
        probe = SimpleNamespace(matter_code=matter.code, reported_at=reported,
                                area_department_id=data.get("area_department_id"))
        try:
            rule = rule_for(session, probe, memo)
        except (NotFound, Invalid) as exc:
            why = f"无适用权责（{exc.detail}），进入人工分拨队列"
    deadline = calendar(session, memo).deadline(reported, rule["time_limit"], rule["time_unit"]) if rule else None
    row = {
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
        "created_at": now, "updated_at": now}
    return row, (rule, why)


def _entries(event_id: int | None, row: dict, plan: tuple, actor: Actor, now: dt.datetime) -> tuple[list, dict | None]:
    """Report, accept, then dispatch or queue: the first timeline entries, and the dispatch decision."""
    rule, why = plan
    actions = [_action(event_id, "report", actor, now, "", "reported", None, row["description"][:500],
                       {"channel": row["channel"]}),
               _action(event_id, "accept", actor, now, "reported", "accepted", None, "自动受理")]
    if rule is None:
        actions.append(_action(event_id, "queue", actor, now, "accepted", "accepted", None, why))
        return actions, None
    area = "全市" if rule["area_department_id"] is None else f"区域 {rule['area_department_id']}"
    reason = (f"按权责清单：事项 {rule['matter']}（{rule['name']}）在{area}由 {rule['department_name']} 处置，"
              f"时限 {rule['time_limit']} {'个工作日' if rule['time_unit'] == 'working_days' else '小时'}")
    actions.append(_action(event_id, "dispatch", actor, now, "accepted", "dispatched", rule["department_id"],
                           reason, {"mode": "auto", "department_id": rule["department_id"]}))
    return actions, {"event_id": event_id, "department_id": rule["department_id"], "mode": "auto", "reason": reason,
                     "at": now, "actor_id": actor.id, "refusal_reason": ""}


def _suspicion(event_id: int | None, row: dict, others: list[tuple[int, str]], actor: Actor, now: dt.datetime) -> dict:
    """Note the possible duplicates in the row's details; the timeline entry that says so."""
    row["details"] = {**row["details"], "possible_duplicates": [n for _, n in others]}
    return _action(event_id, "duplicate_suspected", actor, now, row["status"], row["status"], row["department_id"],
                   "疑似重复上报：" + "、".join(n for _, n in others), {"events": [i for i, _ in others]})


def report_one(session: Session, actor: Actor, data: dict, matter: MatterRef | None, source: str,
               now: dt.datetime, memo: dict) -> Event | None:
    """Insert one new event that follows no flow; None when its (source, external id) is taken."""
    row, plan = _plan(session, actor, data, matter, source, now, memo)
    others = _near(session, [(0, row)], memo).get(0)  # nothing is inserted yet: id 0 is no event's
    actions, dispatch = _entries(None, row, plan, actor, now)
    if others:
        actions.append(_suspicion(None, row, others, actor, now))
    if session.get_bind().dialect.name == "postgresql":
        made = session.execute(WRITE_ONE, {
            **DEFAULTS, **row, "number_prefix": _prefix(row), "at": now, "actor_id": actor.id,
            "actor_name": actor.username, "d_dispatch": dispatch is not None,
            "d_reason": dispatch and dispatch["reason"],
            **{f"a_{n}": [a[n] if n != "details" else json.dumps(a[n], ensure_ascii=False) for a in actions]
               for n, _ in TIMELINE}}).first()
        if made is None:
            return None
        row["id"], row["number"] = made
    else:
        row["id"] = session.scalar(INSERT_ONE, row)
        if row["id"] is None:
            return None
        row["number"] = _number(row, row["id"])
        session.execute(SET_NUMBER, {"b_id": row["id"], "b_number": row["number"]})
        session.execute(INSERT_ACTIONS, [{**a, "event_id": row["id"]} for a in actions])
        if dispatch:
            session.execute(INSERT_DISPATCHES, {**dispatch, "event_id": row["id"]})
    # the row as written, handed to the session as if loaded: no query to read it back
    event = Event(**{**DEFAULTS, **row})
    make_transient_to_detached(event)
    session.add(event)
    return event


def report_many(session: Session, actor: Actor, items: list[tuple[dict, MatterRef | None, str]], now: dt.datetime,
                memo: dict) -> list[tuple[int, str]]:
    """Insert new events (data, matter, source) that follow no flow; returns (id, number) in order."""
    rows, plans = [], []
    for data, matter, source in items:
        row, plan = _plan(session, actor, data, matter, source, now, memo)
        rows.append(row)
        plans.append(plan)
    # Core, not the ORM's bulk paths: no version checks for rows just made
    if session.get_bind().dialect.name == "postgresql":
        # ids first, from the sequence: numbers are known, and possible duplicates (earlier events
        # and the batch's own) are found before the insert, so no row is written twice
        ids = list(session.scalars(select(SEQUENCE).select_from(func.generate_series(1, len(rows)))))
        for r, i in zip(rows, ids):
            r["id"], r["number"] = i, _number(r, i)
        near = _near(session, list(zip(ids, rows)), memo)
        _near_each_other(session, rows, near, memo)
        suspicions = [_suspicion(r["id"], r, near[r["id"]], actor, now) for r in rows if r["id"] in near]
        _insert_many(session, _EVENTS, rows)
    else:
        ids = list(session.scalars(insert(_EVENTS).returning(_EVENTS.c.id, sort_by_parameter_order=True), rows))
        for r, i in zip(rows, ids):
            r["id"], r["number"] = i, _number(r, i)
        session.execute(SET_NUMBER, [{"b_id": r["id"], "b_number": r["number"]} for r in rows])
        near = _near(session, list(zip(ids, rows)), memo)  # after the insert: a batch's own events count
        suspicions = [_suspicion(r["id"], r, near[r["id"]], actor, now) for r in rows if r["id"] in near]
        if near:
            session.execute(SET_DETAILS, [{"b_id": r["id"], "b_details": r["details"]} for r in rows if r["id"] in near])
    actions, dispatches = [], []
    for row, plan in zip(rows, plans):
        entries, dispatch = _entries(row["id"], row, plan, actor, now)
        actions.extend(entries)
        if dispatch:
            dispatches.append(dispatch)
    _insert_many(session, _ACTIONS, actions + suspicions)
    _insert_many(session, _DISPATCHES, dispatches)
    return [(r["id"], r["number"]) for r in rows]


def _near_each_other(session: Session, rows: list[dict], near: dict[int, list[tuple[int, str]]],
                     memo: dict) -> None:
    """Add the batch's own rows that are near each other (not yet in the table) to `near`: per
    matter, sorted by latitude, each row against those after it inside its band."""
    by_matter: dict[int, list[dict]] = {}
    for r in rows:
        if r["matter_id"] and r["latitude"] is not None and r["longitude"] is not None:
            by_matter.setdefault(r["matter_id"], []).append(r)
    found: dict[int, list[tuple[int, str]]] = {}
    for matter_id, group in by_matter.items():
        meters, hours = duplicates.window(session, matter_id, memo)
        dlat, span = meters / 111_320, dt.timedelta(hours=hours)
        group.sort(key=lambda r: r["latitude"])
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if b["latitude"] - a["latitude"] > dlat:
                    break
                if abs(b["reported_at"] - a["reported_at"]) <= span and duplicates.distance_m(
                        a["latitude"], a["longitude"], b["latitude"], b["longitude"]) <= meters:
                    found.setdefault(a["id"], []).append((b["id"], b["number"]))
                    found.setdefault(b["id"], []).append((a["id"], a["number"]))
    for event_id, others in found.items():  # earlier events first, then by id, five at most
        near[event_id] = (near.get(event_id, []) + sorted(others))[:5]


def _near(session: Session, rows: list[tuple[int, dict]], memo: dict) -> dict[int, list[tuple[int, str]]]:
    """For each located row, up to five unmerged events of its matter inside its bounding box and
    time window, then within its great-circle distance: {id: [(other id, number)]}. One query
    for many rows."""
    located = [(i, r) for i, r in rows if r["matter_id"] and r["latitude"] is not None and r["longitude"] is not None]
    if not located:
        return {}
    rules = {m: duplicates.window(session, m, memo) for m in {r["matter_id"] for _, r in located}}
    probes = []
    for event_id, r in located:
        meters, hours = rules[r["matter_id"]]
        dlat = meters / 111_320
        dlon = meters / (111_320 * max(math.cos(math.radians(r["latitude"])), 0.01))
        span = dt.timedelta(hours=hours)
        probes.append((event_id, r["matter_id"], r["latitude"] - dlat, r["latitude"] + dlat,
                       r["longitude"] - dlon, r["longitude"] + dlon, r["reported_at"] - span, r["reported_at"] + span,
                       r["latitude"], r["longitude"], float(meters)))
    postgres = session.get_bind().dialect.name == "postgresql"
    if len(probes) > 1 and postgres:
        # the probes as one JSON parameter: a VALUES list of a thousand rows costs more to compile
        # than to run; LATERAL with a LIMIT keeps it one index probe per row, whatever the estimates
        found = session.execute(NEAR_MANY, {"probes": _json([dict(zip(_PARAMS, p)) for p in probes])}).all()
    else:  # one event, or the in-process embedded database: a plain query per event
        found = []
        for p in probes:
            found.extend((p[0], *row) for row in session.execute(NEAR[postgres], dict(zip(_PARAMS, p))))
    by_id = dict(located)
    near: dict[int, list[tuple[int, str]]] = {}
    for pid, other_id, number, lat, lon in found:
        r = by_id[pid]
        if (postgres or duplicates.distance_m(r["latitude"], r["longitude"], lat, lon) <= rules[r["matter_id"]][0]) \
                and len(near.get(pid, ())) < 5:
            near.setdefault(pid, []).append((other_id, number))
    return near
