"""Property: for random rows (with nulls) and random well-typed expressions, the SQL back end on SQLite
and on PostgreSQL gives the same answers as the Python evaluator."""
import datetime as dt
import os

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import aggregate, check, evaluate, parse, run_aggregate, to_sql

from .conftest import COLUMNS, FIELDS, ITEMS, NOW, same, same_rows

# DSL_HYPOTHESIS_EXAMPLES=2000 for a longer hunt; CI keeps the default and a fixed seed.
SETTINGS = settings(max_examples=int(os.environ.get("DSL_HYPOTHESIS_EXAMPLES", "200")), deadline=None,
                    derandomize=os.environ.get("DSL_HYPOTHESIS_RANDOM") != "1", database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

STRINGS = ["a", "B", "b", "办结", "退回", "", "a b", "it's"]
FLOATS = [0.5, 2.5, -2.5, -1.25, 0.1, 1.005, 2.675, 3.0, 10.125, 0.0, 7.75]


def quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def nullable(strategy):
    return st.one_of(st.none(), strategy, strategy, strategy)


rows_strategy = st.lists(st.fixed_dictionaries({
    "n": nullable(st.integers(-20, 20)),
    "x": nullable(st.one_of(st.sampled_from(FLOATS), st.integers(-5, 5).map(float))),
    "s": nullable(st.sampled_from(STRINGS)),
    "g": nullable(st.sampled_from(["东城", "西城", "A", "b"])),
    "b": nullable(st.booleans()),
    "d": nullable(st.integers(0, 25).map(lambda k: dt.date(2026, 11, 5) + dt.timedelta(days=k))),
    "t": nullable(st.tuples(st.integers(-14 * 24 * 60, 24 * 60), st.sampled_from([0, 30, 250000])).map(
        lambda p: NOW + dt.timedelta(minutes=p[0], microseconds=p[1]))),
}), max_size=8)

int_lit = st.integers(-3, 5).map(lambda v: f"({v})" if v < 0 else str(v))
float_lit = st.sampled_from(FLOATS).map(lambda v: f"({v})" if v < 0 else repr(v))
CMP = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])


def numeric(depth: int):
    leaf = st.one_of(st.sampled_from(["n", "x", "n", "x"]), int_lit, float_lit)
    if depth <= 0:
        return leaf
    sub = numeric(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["+", "-", "*", "/"]), sub).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        sub.map(lambda a: f"(-{a})"),
        sub.map(lambda a: f"round({a})"),
        st.tuples(sub, st.integers(-1, 2)).map(lambda p: f"round({p[0]}, {p[1]})"),
        st.tuples(sub, sub).map(lambda p: f"coalesce({p[0]}, {p[1]})"),
    )


TEMPORAL_PREDICATES = st.one_of(
    st.tuples(CMP, st.sampled_from(["now - 2h", "now - 3d", "now", "today", "today - 3d", "date('2026-11-20')"]))
    .map(lambda p: f"(t {p[0]} {p[1]})"),
    st.tuples(CMP, st.sampled_from(["today", "today - 7d", "now - 36h", "date('2026-11-20')"]))
    .map(lambda p: f"(d {p[0]} {p[1]})"),
    CMP.map(lambda op: f"(t {op} d)"),
    CMP.map(lambda op: f"(d + 1d {op} today)"),
    CMP.map(lambda op: f"(t + 90m {op} now)"),
    CMP.map(lambda op: f"(d - 12h {op} t)"),
    CMP.map(lambda op: f"(date_trunc('day', t) {op} today)"),
    st.tuples(CMP, st.sampled_from(["0", "24", "36.5", "-12"])).map(lambda p: f"(hours_between(d, t) {p[0]} {p[1]})"),
    st.tuples(CMP, st.sampled_from(["0", "90", "4320"])).map(lambda p: f"(minutes_between(t, now) {p[0]} {p[1]})"),
    st.tuples(st.sampled_from(["hour", "day", "week", "month"]), CMP)
    .map(lambda p: f"(date_trunc('{p[0]}', t) {p[1]} date_trunc('{p[0]}', d))"),
    CMP.map(lambda op: f"(coalesce(d, t) {op} now - 5d)"),
    st.just("(t between now - 3d and now)"),
    st.just("(d not between today - 10d and today)"),
    st.just("(d in [date('2026-11-20'), today])"),
)


def boolean(depth: int):
    num = numeric(1)
    string_lit = st.sampled_from(STRINGS).map(quote)
    leaf = st.one_of(
        st.sampled_from(["b", "true", "false", "(not b)", "(b = false)"]),
        st.tuples(num, CMP, num).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        st.tuples(st.sampled_from(["s", "g"]), CMP, string_lit).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        CMP.map(lambda op: f"(s {op} g)"),
        st.tuples(st.lists(st.integers(-3, 5), min_size=1, max_size=3), st.booleans()).map(
            lambda p: f"(n {'not in' if p[1] else 'in'} [{', '.join(map(str, p[0]))}])"),
        st.tuples(st.lists(string_lit, min_size=1, max_size=3), st.booleans()).map(
            lambda p: f"(s {'not in' if p[1] else 'in'} [{', '.join(p[0])}])"),
        st.tuples(num, num, num, st.booleans()).map(
            lambda p: f"({p[0]} {'not between' if p[3] else 'between'} {p[1]} and {p[2]})"),
        st.tuples(st.sampled_from(list(FIELDS)), st.booleans()).map(
            lambda p: f"({p[0]} is {'not null' if p[1] else 'null'})"),
        TEMPORAL_PREDICATES,
    )
    if depth <= 0:
        return leaf
    sub = boolean(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(sub, st.sampled_from(["and", "or"]), sub).map(lambda p: f"({p[0]} {p[1]} {p[2]})"),
        sub.map(lambda a: f"(not {a})"),
    )


def where_clause():
    return st.one_of(st.just(""), boolean(1).map(lambda c: f" where {c}"))


def numeric_aggregate():
    num = numeric(1)
    w = where_clause()
    return st.one_of(
        w.map(lambda c: f"count({c.strip()})"),
        st.tuples(st.sampled_from(list(FIELDS)), w).map(lambda p: f"count({p[0]}{p[1]})"),
        st.tuples(st.sampled_from(["sum", "avg", "min", "max"]), num, w).map(lambda p: f"{p[0]}({p[1]}{p[2]})"),
        st.tuples(st.sampled_from(["n", "s", "d", "g", "x", "b"]), w).map(lambda p: f"distinct_count({p[0]}{p[1]})"),
        st.tuples(st.sampled_from(["x", "n", "(n * x)"]), st.sampled_from([0, 0.1, 0.5, 0.9, 1]), w).map(
            lambda p: f"percentile({p[0]}, {p[1]}{p[2]})"),
    )


def aggregate_expression():
    agg = numeric_aggregate()
    arith = st.one_of(
        agg,
        st.tuples(agg, st.sampled_from(["+", "-", "*", "/"]), st.one_of(agg, int_lit, float_lit)).map(
            lambda p: f"({p[0]} {p[1]} {p[2]})"),
        st.tuples(agg, agg).map(lambda p: f"100 * {p[0]} / {p[1]}"),
        agg.map(lambda a: f"round({a}, 1)"),
        agg.map(lambda a: f"coalesce({a}, 0)"),
    )
    other = st.tuples(st.sampled_from(["min", "max"]), st.sampled_from(["s", "g", "d", "t", "date_trunc('week', t)"]),
                      where_clause()).map(lambda p: f"{p[0]}({p[1]}{p[2]})")
    window = st.sampled_from(["", " over last 3d", " over last 12h", " over last 30d"])
    group = st.sampled_from(["", "", " by g", " by g, b", " by d", " by n"])
    return st.tuples(st.one_of(arith, arith, other), window, group).map(lambda p: "".join(p))


def _insert(conn, rows):
    if rows:
        conn.execute(ITEMS.insert(), [{"id": i + 1, **r} for i, r in enumerate(rows)])


def _row_check(engine, rows, text):
    expr = parse(text)
    check(expr, FIELDS)
    expected = [evaluate(expr, r, now=NOW, fields=FIELDS) for r in rows]
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            _insert(conn, rows)
            got = [v for _, v in conn.execute(
                sa.select(ITEMS.c.id, to_sql(expr, COLUMNS, now=NOW)).order_by(ITEMS.c.id))]
        finally:
            trans.rollback()
    assert len(got) == len(expected)
    for row, g, e in zip(rows, got, expected):
        assert same(g, e), f"{text!r} on {row}: SQL {g!r} != Python {e!r}"


@SETTINGS
@given(rows=rows_strategy, text=boolean(2))
def test_row_filters_agree(engine, rows, text):
    _row_check(engine, rows, text)


@SETTINGS
@given(rows=rows_strategy, text=numeric(3))
def test_row_values_agree(engine, rows, text):
    _row_check(engine, rows, text)


@SETTINGS
@given(rows=rows_strategy, text=aggregate_expression())
def test_aggregates_agree(engine, rows, text):
    expr = parse(text)
    check(expr, FIELDS)
    expected = aggregate(expr, rows, time_field="t", now=NOW, fields=FIELDS, max_rows=5)
    with engine.connect() as conn:
        trans = conn.begin()
        try:
            _insert(conn, rows)
            got = run_aggregate(conn, expr, ITEMS, COLUMNS, time_column="t", now=NOW, max_rows=5)
        finally:
            trans.rollback()
    assert same_rows(got, expected), f"{text!r}: SQL {got!r} != Python {expected!r}"
