"""Indicator figures (issue 5): a cockpit of twelve indicators, expression compiling, alert ticks.

    python bench/indicators.py                       # the issue's size: 1,000,000 events
    python bench/indicators.py --events 50000 --rules 200     # a quick look

Generates events into a SQLite file and a fresh PostgreSQL database (TONGGUAN_BENCH_POSTGRES_URL, default the
local server's `tongguan_bench_events`, dropped afterwards), registers each as a SQL data source of a
platform database, defines twelve cockpit indicators on a data service over it, and times:

- the cockpit by district over the last 30 days through the platform (indicator_values, no cache),
  beside the same twelve aggregates written by hand as one SELECT on the same engine, and beside
  loading the rows into Python and computing there (dsl.aggregate);
- parsing + checking + compiling a typical expression, uncached;
- one tick of 1,000 alert rules on SQLite, each on one of the twelve indicators by district (the first
  tick creates every state row; later ticks change few). The tick computes the indicators once per
  (dimension, window) its rules use: here one scan of the events; each other combination costs one more.

The last line is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from fresh_pg import drop_database, fresh_database  # noqa: E402

import dsl  # noqa: E402
from runtime.alerts import service as alerts  # noqa: E402
from runtime.indicators import service as indicators  # noqa: E402
from runtime.services import service as services  # noqa: E402
from runtime.sources import service as sources  # noqa: E402
from tongguan import crypto  # noqa: E402
from tongguan.accounts import service as accounts  # noqa: E402
from tongguan.accounts.service import ensure_roles  # noqa: E402
from tongguan.db import make_engine, upgrade  # noqa: E402
from tongguan.permissions import Actor  # noqa: E402

PG_URL = os.environ.get("TONGGUAN_BENCH_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/tongguan_bench_events")
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
DISTRICTS = ["江东区", "江西区", "滨湖新区", "临江开发区", "北塘区", "南浦区", "高新区", "西山区"]
MATTERS = [f"03{i:02d}{j:02d}" for i in range(1, 11) for j in range(1, 6)]
STATUSES = [("办结", 70), ("处置中", 15), ("已派遣", 8), ("退回", 5), ("已受理", 2)]

FIELDS = {"district": "string", "matter": "string", "status": "string", "reported_at": "datetime",
          "closed_at": "datetime", "deadline": "datetime", "returned": "integer", "reopened": "integer",
          "dispatch_correct": "integer", "handling_minutes": "number"}
# code -> formula over the events service (base), or over other indicators (derived)
BASE = {
    "reported": "count()",
    "closed": "count(where status = '办结')",
    "closed_on_time": "count(where status = '办结' and closed_at <= deadline)",
    "returned": "count(where returned = 1)",
    "reopened": "count(where reopened = 1)",
    "dispatched_right": "count(where dispatch_correct = 1)",
    "avg_handling_min": "round(avg(handling_minutes where status = '办结'), 1)",
    "p90_handling_min": "percentile(handling_minutes, 0.9 where status = '办结')",
    "overdue_open": "count(where status != '办结' and deadline < now)",
}
DERIVED = {
    "on_time_rate": "round(100 * closed_on_time / closed, 2)",
    "return_rate": "round(100 * returned / reported, 2)",
    "dispatch_accuracy": "round(100 * dispatched_right / reported, 2)",
}
HANDWRITTEN = """
SELECT district,
       count(*) AS reported,
       count(CASE WHEN status = '办结' THEN 1 END) AS closed,
       count(CASE WHEN status = '办结' AND closed_at <= deadline THEN 1 END) AS closed_on_time,
       count(CASE WHEN returned = 1 THEN 1 END) AS returned,
       count(CASE WHEN reopened = 1 THEN 1 END) AS reopened,
       count(CASE WHEN dispatch_correct = 1 THEN 1 END) AS dispatched_right,
       avg(CASE WHEN status = '办结' THEN handling_minutes END) AS avg_handling_min,
       {p90} AS p90_handling_min,
       count(CASE WHEN status <> '办结' AND deadline < :now THEN 1 END) AS overdue_open
FROM events WHERE reported_at >= :start AND reported_at <= :now
GROUP BY district ORDER BY district
"""
P90 = {"sqlite": "percentile_cont(CASE WHEN status = '办结' THEN handling_minutes END, 0.9)",
       "postgresql": "percentile_cont(0.9) WITHIN GROUP (ORDER BY CASE WHEN status = '办结' THEN handling_minutes END)"}


def events_table(md: sa.MetaData) -> sa.Table:
    return sa.Table("events", md, sa.Column("id", sa.Integer, primary_key=True), sa.Column("district", sa.Text),
                    sa.Column("matter", sa.Text), sa.Column("status", sa.Text),
                    sa.Column("reported_at", sa.DateTime), sa.Column("closed_at", sa.DateTime),
                    sa.Column("deadline", sa.DateTime), sa.Column("returned", sa.Integer),
                    sa.Column("reopened", sa.Integer), sa.Column("dispatch_correct", sa.Integer),
                    sa.Column("handling_minutes", sa.Float), sa.Index("ix_events_reported", "reported_at"))


def generate(engine, n: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    md = sa.MetaData()
    table = events_table(md)
    md.drop_all(engine)
    md.create_all(engine)
    base = NOW.replace(tzinfo=None)
    statuses, weights = [s for s, _ in STATUSES], [w for _, w in STATUSES]
    with engine.begin() as conn:
        rows = []
        for i in range(n):
            reported = base - dt.timedelta(minutes=rng.randint(0, 90 * 24 * 60))
            status = rng.choices(statuses, weights)[0]
            limit = dt.timedelta(hours=rng.choice([4, 24, 72, 120]))
            minutes = rng.lognormvariate(6.5, 0.9)
            closed = reported + dt.timedelta(minutes=minutes) if status == "办结" else None
            rows.append({"id": i + 1, "district": rng.choice(DISTRICTS), "matter": rng.choice(MATTERS),
                         "status": status, "reported_at": reported, "closed_at": closed, "deadline": reported + limit,
                         "returned": int(rng.random() < 0.06), "reopened": int(rng.random() < 0.03),
                         "dispatch_correct": int(rng.random() < 0.92),
                         "handling_minutes": round(minutes, 1) if closed else None})
            if len(rows) == 20_000:
                conn.execute(sa.insert(table), rows)
                rows = []
        if rows:
            conn.execute(sa.insert(table), rows)
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))


def median_ms(fn, runs: int) -> float:
    fn()  # warm: plans, pools, caches of the engine (not of the indicator values)
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(samples), 1)


def platform(tmp: str):
    engine = make_engine(f"sqlite:///{tmp}/platform.db")
    upgrade(engine)
    crypto.configure("bench-secret")
    Session = sessionmaker(engine, expire_on_commit=False)
    s = Session()
    ensure_roles(s)
    system = Actor.system("bench")
    accounts.department_create(s, system, {"code": "city", "name": "临江市城运中心", "level": "city"})
    s.commit()
    return Session, system


def define(Session, system, name: str, url: str, sqlite_dir: str) -> list[str]:
    s = Session()
    src = sources.source_create(s, system, {"code": f"events_{name}", "name": f"事件库（{name}）", "kind": "sql",
                                            "url": url}, sources.Policy(sqlite_dirs=[sqlite_dir]))
    s.flush()
    svc = services.service_create(s, system, {
        "code": f"events_{name}", "name": "事件", "source_id": src.id, "kind": "sql",
        "definition": {"sql": "SELECT district, matter, status, reported_at, closed_at, deadline, returned, reopened, "
                              "dispatch_correct, handling_minutes FROM events"},
        "output": [{"name": n, "type": t} for n, t in FIELDS.items()]})
    s.flush()
    codes = []
    for code, formula in BASE.items():
        ind = indicators.indicator_create(s, system, {
            "code": f"{code}_{name}", "name": code, "service_id": svc.id, "formula": formula,
            "time_field": "reported_at", "dimensions": ["district", "matter"], "default_window": "30d"})
        codes.append(ind.code)
    for code, formula in DERIVED.items():
        for base in BASE:
            formula = re.sub(rf"\b{base}\b", f"{base}_{name}", formula)
        indicators.indicator_create(s, system, {"code": f"{code}_{name}", "name": code, "kind": "derived",
                                                "formula": formula})
        codes.append(f"{code}_{name}")
    s.commit()
    s.close()
    return codes


def bench_engine(Session, system, name: str, url: str, runs: int) -> dict:
    codes = define(Session, system, name, url, str(Path(make_url(url).database or "").parent))
    s = Session()
    platform_ms = median_ms(lambda: indicators.indicator_values(s, system, codes, by=["district"], now=NOW,
                                                                use_cache=False), runs)
    result = indicators.indicator_values(s, system, codes, by=["district"], now=NOW, use_cache=False)
    engine = make_engine(url)
    sql = sa.text(HANDWRITTEN.format(p90=P90[engine.dialect.name])).bindparams(
        sa.bindparam("now", type_=sa.DateTime), sa.bindparam("start", type_=sa.DateTime))  # stored as SQLAlchemy does
    args = {"now": NOW.replace(tzinfo=None), "start": (NOW - dt.timedelta(days=30)).replace(tzinfo=None)}

    def handwritten():
        with engine.connect() as conn:
            return conn.execute(sql, args).all()

    hand_ms = median_ms(handwritten, runs)
    hand = handwritten()
    assert [r.district for r in hand] == [r["district"] for r in result["rows"]]
    assert [r.reported for r in hand] == [r[f"reported_{name}"] for r in result["rows"]], (
        [r.reported for r in hand], [r[f"reported_{name}"] for r in result["rows"]])
    engine.dispose()
    s.close()
    return {"platform_ms": platform_ms, "handwritten_ms": hand_ms, "groups": len(result["rows"]),
            "sample": {k.rsplit("_", 1)[0]: v for k, v in result["rows"][0].items()}}


def bench_python(url: str) -> float:
    engine = make_engine(url)
    fields = FIELDS
    exprs = [dsl.parse(f"{f} over last 30d by district") for f in BASE.values()]

    def compute():
        with engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(sa.text(
                "SELECT district, matter, status, reported_at, closed_at, deadline, returned, reopened, "
                "dispatch_correct, handling_minutes FROM events"))]
        for row in rows:  # SQLite hands back text timestamps
            for key in ("reported_at", "closed_at", "deadline"):
                if isinstance(row[key], str):
                    row[key] = dt.datetime.fromisoformat(row[key])
        return [dsl.aggregate(e, rows, time_field="reported_at", now=NOW, fields=fields) for e in exprs]

    t = time.perf_counter()
    compute()
    ms = (time.perf_counter() - t) * 1000
    engine.dispose()
    return round(ms, 1)


def bench_compile(runs: int = 200) -> float:
    fields = {"status": "string", "closed_at": "datetime", "deadline": "datetime", "district": "string"}
    table = sa.table("events", *[sa.column(n) for n in fields])
    cols = {n: table.c[n] for n in fields}
    samples = []
    for i in range(runs):
        text = ("100 * count(where status = '办结' and closed_at <= deadline) / count(where status = '办结')"
                + " " * (i % 50) + f" + {i} - {i}")  # a new text each time: nothing is cached
        t = time.perf_counter()
        expr = dsl.parse(text)
        dsl.check(expr, fields)
        dsl.aggregate_select(expr, table, cols, fields=fields)
        samples.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(samples), 3)


def bench_alerts(Session, system, rules: int) -> tuple[float, float, dict]:
    s = Session()
    inds = [i for i in s.scalars(sa.select(indicators.Indicator).where(indicators.Indicator.code.like("%_sqlite")))]
    for n in range(rules):
        ind = inds[n % len(inds)]
        alerts.rule_create(s, system, {
            "code": f"rule_{n}", "name": f"规则{n}", "indicator_id": ind.id, "by": "district",
            "interval_s": 60, "pending_s": 120,
            "levels": [{"level": "yellow", "condition": f"value >= {n % 97}"},
                       {"level": "red", "condition": f"value >= {(n % 97) * 10 + 5}"}],
            "clear_condition": f"value < {n % 97}"})
    s.commit()
    times, counts = [], {}
    for minute in range(1, 4):  # minutes after the cockpit's own computations: nothing is cached
        t = time.perf_counter()
        counts = alerts.evaluate(s, NOW + dt.timedelta(minutes=minute))
        s.commit()
        times.append(time.perf_counter() - t)
    s.close()
    return round(times[0], 2), round(max(times[1:]), 2), counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--rules", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--skip-postgresql", action="store_true")
    args = ap.parse_args()
    figures: dict[str, object] = {"events": args.events, "alert_rules": args.rules}
    with tempfile.TemporaryDirectory() as tmp:
        Session, system = platform(tmp)
        engines = [("sqlite", f"sqlite:///{tmp}/events.db")]
        if not args.skip_postgresql:
            engines.append(("postgresql", fresh_database(PG_URL)))
        for name, url in engines:
            print(f"[{name}] generating {args.events:,} events ...", flush=True)
            t = time.perf_counter()
            generate(make_engine(url), args.events)
            print(f"[{name}] generated in {time.perf_counter() - t:.1f} s", flush=True)
            out = bench_engine(Session, system, name, url, args.runs)
            figures[f"cockpit_ms_{name}"] = out["platform_ms"]
            figures[f"cockpit_handwritten_sql_ms_{name}"] = out["handwritten_ms"]
            figures[f"cockpit_ratio_{name}"] = round(out["platform_ms"] / out["handwritten_ms"], 2)
            if name == "sqlite":
                figures["cockpit_in_python_ms"] = bench_python(url)
                figures["cockpit_sample_row"] = out["sample"]
        figures["expr_compile_ms"] = bench_compile()
        first, steady, counts = bench_alerts(Session, system, args.rules)
        figures["alert_tick_1000_s"] = steady
        figures["alert_first_tick_1000_s"] = first
        figures["alert_tick_groups"] = counts.get("groups")
        if not args.skip_postgresql:
            drop_database(PG_URL)

    print()
    print(f"{'figure':<52}{'measured':>12}   baseline / target")
    rows = [
        ("cockpit, 12 indicators by district, 30 days, SQLite", "cockpit_ms_sqlite", "ms",
         f"≤ 1.3 × {figures.get('cockpit_handwritten_sql_ms_sqlite')} ms hand-written"),
        ("  the same twelve as one hand-written SELECT", "cockpit_handwritten_sql_ms_sqlite", "ms", "baseline"),
        ("cockpit, PostgreSQL", "cockpit_ms_postgresql", "ms",
         f"≤ 1.3 × {figures.get('cockpit_handwritten_sql_ms_postgresql')} ms hand-written"),
        ("  the same twelve as one hand-written SELECT", "cockpit_handwritten_sql_ms_postgresql", "ms", "baseline"),
        ("cockpit by loading rows into Python (SQLite)", "cockpit_in_python_ms", "ms", "baseline"),
        ("parse + check + compile a typical expression", "expr_compile_ms", "ms", "≤ 1 ms"),
        (f"alert tick, {args.rules} rules, SQLite (steady)", "alert_tick_1000_s", "s", "≤ 2 s"),
        ("  the first tick (creates every state row)", "alert_first_tick_1000_s", "s", ""),
    ]
    for label, key, unit, target in rows:
        if key in figures:
            print(f"{label:<52}{figures[key]:>10} {unit:<2}   {target}")
    for name in ("sqlite", "postgresql"):
        if f"cockpit_ratio_{name}" in figures:
            print(f"  ({name}: platform / hand-written = {figures[f'cockpit_ratio_{name}']})")
    print(json.dumps(figures, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
