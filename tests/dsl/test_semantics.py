"""Exact semantics, checked identically on the Python evaluator, SQLite and PostgreSQL."""
import datetime as dt

import pytest
import sqlalchemy as sa

from dsl import DslError, aggregate, aggregate_select, evaluate, matches, parse, run_aggregate, to_sql

from .conftest import COLUMNS, FIELDS, ITEMS, NOW, same, same_rows

D = dt.date
T = dt.datetime
ROW = {"n": 7, "x": 2.5, "s": "办结", "g": "东城", "b": True, "d": D(2026, 11, 20), "t": T(2026, 11, 25, 9, 30)}
NULLS = {k: None for k in FIELDS}

# (expression, row, expected value)
CASES = [
    ("n + 1", ROW, 8), ("n - 10", ROW, -3), ("n * x", ROW, 17.5), ("n / 2", ROW, 3.5), ("n / 0", ROW, None),
    ("x / (n - 7)", ROW, None), ("-n", ROW, -7), ("n + null", ROW, None), ("n / 4", ROW, 1.75),
    ("n = 7.0", ROW, True), ("x > 2", ROW, True), ("n != 7", ROW, False), ("n >= 7 and x <= 2.5", ROW, True),
    ("s = '办结'", ROW, True), ("s < '办' ", ROW, False), ("'B' < 'a'", ROW, True), ("s > 'Z'", ROW, True),
    ("n > 1", NULLS, None), ("not (n > 1)", NULLS, None), ("n > 1 and false", NULLS, False),
    ("n > 1 or true", NULLS, True), ("n > 1 and true", NULLS, None), ("n > 1 or false", NULLS, None),
    ("n in [1, 7]", ROW, True), ("n in [1, 2]", ROW, False), ("n in [1, 2]", NULLS, None),
    ("n not in [1, 2]", ROW, True), ("n not in [1, 2]", NULLS, None), ("s in ['a', '办结']", ROW, True),
    ("n in [1, null]", ROW, None), ("n in [7, null]", ROW, True),
    ("n between 1 and 7", ROW, True), ("n between 8 and 9", ROW, False), ("n not between 8 and 9", ROW, True),
    ("n between 1 and 7", NULLS, None), ("x between 2.5 and null", ROW, None), ("x between 3 and null", ROW, False),
    ("n is null", NULLS, True), ("n is not null", NULLS, False), ("n is null", ROW, False),
    ("b", ROW, True), ("b = false", ROW, False), ("not b", NULLS, None),
    ("round(2.5)", ROW, 3.0), ("round(-2.5)", ROW, -3.0), ("round(x)", ROW, 3.0), ("round(0 - x)", ROW, -3.0),
    ("round(x * 0.05, 2)", ROW, 0.13), ("round(1.005, 2)", ROW, 1.01), ("round(2.675, 2)", ROW, 2.68),
    ("round(n * 100, -2)", ROW, 700.0), ("round(n)", ROW, 7), ("round(n / 3, 3)", ROW, 2.333),
    ("round(x)", NULLS, None),
    ("coalesce(n, 0)", NULLS, 0), ("coalesce(n, 0)", ROW, 7), ("coalesce(s, g, '无')", NULLS, "无"),
    ("coalesce(null, null)", ROW, None),
    ("d = date('2026-11-20')", ROW, True), ("d < today", ROW, True), ("d >= today - 5d", ROW, True),
    ("d >= today - 4d", ROW, False), ("t > d", ROW, True), ("t >= now - 2h", ROW, False),
    ("t >= now - 3h", ROW, True), ("t <= now", ROW, True), ("t > today", ROW, True),
    ("t between today and now", ROW, True), ("d in [date('2026-11-20'), today]", ROW, True),
    ("d + 1d", ROW, D(2026, 11, 21)), ("d - 1w", ROW, D(2026, 11, 13)), ("d + 12h", ROW, T(2026, 11, 20, 12)),
    ("t + 30m", ROW, T(2026, 11, 25, 10)), ("t - 1d", ROW, T(2026, 11, 24, 9, 30)), ("2h + t", ROW, T(2026, 11, 25, 11, 30)),
    ("t + 1d", NULLS, None),
    ("date_trunc('hour', t)", ROW, T(2026, 11, 25, 9)), ("date_trunc('day', t)", ROW, T(2026, 11, 25)),
    ("date_trunc('week', t)", ROW, T(2026, 11, 23)), ("date_trunc('month', t)", ROW, T(2026, 11, 1)),
    ("date_trunc('year', d)", ROW, T(2026, 1, 1)), ("date_trunc('day', d) = d", ROW, True),
    ("date_trunc('day', t) = today", ROW, True), ("date_trunc('day', t)", NULLS, None),
    ("hours_between(d, t)", ROW, 129.5), ("minutes_between(t, d)", ROW, -7770.0), ("hours_between(t, t)", ROW, 0.0),
    ("hours_between(d, t) > 24", ROW, True), ("hours_between(d, t)", NULLS, None),
    ("coalesce(d, t)", ROW, T(2026, 11, 20)), ("coalesce(t, d)", {**ROW, "t": None}, T(2026, 11, 20)),
    ("w > 2h", {**ROW, "w": dt.timedelta(hours=3)}, True), ("w = 90m", {**ROW, "w": dt.timedelta(minutes=90)}, True),
    ("w between 1h and 2h", {**ROW, "w": dt.timedelta(hours=3)}, False), ("w is null", ROW, True),
    ("coalesce(w, 5m)", ROW, dt.timedelta(minutes=5)), ("w", {**ROW, "w": dt.timedelta(seconds=5)}, dt.timedelta(seconds=5)),
    ("now", ROW, NOW), ("today", ROW, NOW.date()), ("1 + 2 * 3", ROW, 7), ("'it''s'", ROW, "it's"),
]


@pytest.mark.parametrize("text, row, expected", CASES)
def test_python_evaluator(text, row, expected):
    assert same(evaluate(parse(text), row, now=NOW, fields=FIELDS), expected), evaluate(parse(text), row, now=NOW)


def test_sql_back_end(engine):
    failures = []
    with engine.connect() as conn:
        trans = conn.begin()
        for i, (text, row, expected) in enumerate(CASES):
            conn.execute(ITEMS.insert(), [{"id": i + 1, **row}])
        for i, (text, row, expected) in enumerate(CASES):
            value = conn.execute(sa.select(to_sql(parse(text), COLUMNS, now=NOW)).where(ITEMS.c.id == i + 1)).scalar_one()
            if not same(value, expected):
                failures.append((text, value, expected))
        trans.rollback()
    assert failures == []


def test_filter_treats_null_as_false(engine):
    rows = [{"id": 1, **ROW}, {"id": 2, **NULLS}, {"id": 3, **ROW, "n": 1}]
    expr = parse("not (n > 5)")
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(ITEMS.insert(), rows)
        ids = conn.execute(sa.select(ITEMS.c.id).where(to_sql(expr, COLUMNS)).order_by(ITEMS.c.id)).scalars().all()
        trans.rollback()
    assert ids == [3]
    assert [r["id"] for r in rows if matches(expr, r)] == [3]


def test_sql_uses_only_bound_parameters():
    expr = parse("s = 'x''; DROP TABLE dsl_items; --' and n > 12345 and t > now - 2h and s in ['秘密']")
    sql = str(to_sql(expr, COLUMNS, now=NOW).compile())
    assert "DROP" not in sql and "12345" not in sql and "秘密" not in sql and "2026" not in sql
    stmt = aggregate_select(parse("sum(x where s = 'zz9') over last 7d by g"), ITEMS, COLUMNS, time_column="t", now=NOW)
    sql = str(stmt.compile())
    assert "zz9" not in sql and "2026" not in sql


def test_now_defaults_to_the_current_time_and_accepts_aware_datetimes():
    row = {"t": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(minutes=5)}
    assert evaluate(parse("t > now - 1h"), row) is True
    aware_now = dt.datetime(2026, 11, 25, 20, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))  # 12:00 UTC
    assert evaluate(parse("now"), {}, now=aware_now) == NOW
    aware_row = {"t": dt.datetime(2026, 11, 25, 19, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))}
    assert evaluate(parse("t = now - 1h"), aware_row, now=NOW) is True


def test_row_and_aggregate_apis_refuse_the_other_kind():
    with pytest.raises(DslError):
        evaluate(parse("count()"), {})
    with pytest.raises(DslError):
        to_sql(parse("count()"), COLUMNS)
    with pytest.raises(DslError):
        aggregate(parse("n > 1"), [])
    with pytest.raises(DslError):
        aggregate_select(parse("n > 1"), ITEMS, COLUMNS)


def test_back_ends_report_type_errors_with_source():
    with pytest.raises(DslError) as info:
        to_sql(parse("s > 3"), COLUMNS)
    assert info.value.render("en").splitlines()[1] == "  s > 3"


AGG_ROWS = [
    {"id": 1, "n": 1, "x": 1.5, "s": "办结", "g": "东城", "b": True, "d": D(2026, 11, 1), "t": T(2026, 11, 25, 8)},
    {"id": 2, "n": 2, "x": None, "s": "办结", "g": "西城", "b": False, "d": D(2026, 11, 2), "t": T(2026, 11, 20)},
    {"id": 3, "n": None, "x": 4.0, "s": "退回", "g": "东城", "b": None, "d": None, "t": T(2026, 10, 1)},
    {"id": 4, "n": 4, "x": 2.0, "s": None, "g": None, "b": True, "d": D(2026, 11, 3), "t": None},
    {"id": 5, "n": 4, "x": 3.0, "s": "办结", "g": "东城", "b": False, "d": D(2026, 11, 3), "t": T(2026, 11, 25, 13)},
]

AGG_CASES = [
    ("count()", [{"value": 5}]),
    ("count(w)", [{"value": 0}]),
    ("count(n)", [{"value": 4}]),
    ("count(*)", [{"value": 5}]),
    ("count(where s = '办结')", [{"value": 3}]),
    ("count(where not b)", [{"value": 2}]),
    ("sum(n)", [{"value": 11}]),
    ("sum(x where s = '办结')", [{"value": 4.5}]),
    ("sum(x where s = '无')", [{"value": None}]),
    ("avg(n)", [{"value": 2.75}]),
    ("min(x)", [{"value": 1.5}]), ("max(s)", [{"value": "退回"}]), ("min(d)", [{"value": D(2026, 11, 1)}]),
    ("max(t)", [{"value": T(2026, 11, 25, 13)}]),
    ("distinct_count(n)", [{"value": 3}]), ("distinct_count(s where b)", [{"value": 1}]),
    ("percentile(x, 0.5)", [{"value": 2.5}]), ("percentile(n, 0.9)", [{"value": 4.0}]),
    ("percentile(x, 0.25 where n > 1)", [{"value": 2.25}]), ("percentile(x, 0.5 where false)", [{"value": None}]),
    ("100 * count(where s = '办结') / count()", [{"value": 60.0}]),
    ("count() / count(where false)", [{"value": None}]),
    ("round(avg(x), 1)", [{"value": 2.6}]),
    ("coalesce(sum(n where false), 0)", [{"value": 0}]),
    ("count() over last 7d", [{"value": 2}]),
    ("count() over last 1h", [{"value": 0}]),
    ("count() by g", [{"g": "东城", "value": 3}, {"g": "西城", "value": 1}, {"g": None, "value": 1}]),
    ("sum(n) over last 30d by g, b", [{"g": "东城", "b": True, "value": 1}, {"g": "西城", "b": False, "value": 2}]),
    ("sum(n) by g, b", [{"g": "东城", "b": False, "value": 4}, {"g": "东城", "b": True, "value": 1},
                        {"g": "东城", "b": None, "value": None}, {"g": "西城", "b": False, "value": 2},
                        {"g": None, "b": True, "value": 4}]),
    ("100 * count(where s = '办结' and t <= now - 1h) / count(where s = '办结') over last 30d by g",
     [{"g": "东城", "value": 100.0}, {"g": "西城", "value": 100.0}]),
    ("100 * count(where s = '办结' and t <= now - 5h) / count(where s = '办结') by g",
     [{"g": "东城", "value": 0.0}, {"g": "西城", "value": 100.0}, {"g": None, "value": None}]),
    ("max(d + 1d) by b", [{"b": False, "value": D(2026, 11, 4)}, {"b": True, "value": D(2026, 11, 4)},
                         {"b": None, "value": None}]),
    ("count(where date_trunc('day', t) = today)", [{"value": 2}]),
]


@pytest.mark.parametrize("text, expected", AGG_CASES)
def test_python_aggregates(text, expected):
    got = aggregate(parse(text), AGG_ROWS, time_field="t", now=NOW, fields=FIELDS)
    assert same_rows(got, expected), got


def test_sql_aggregates(engine):
    failures = []
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(ITEMS.insert(), AGG_ROWS)
        for text, expected in AGG_CASES:
            got = run_aggregate(conn, parse(text), ITEMS, COLUMNS, time_column="t", now=NOW)
            if not same_rows(got, expected):
                failures.append((text, got, expected))
        trans.rollback()
    assert failures == []


def test_max_rows_limits_groups(engine):
    expr = parse("count() by n")
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(ITEMS.insert(), AGG_ROWS)
        got = run_aggregate(conn, expr, ITEMS, COLUMNS, max_rows=2)
        trans.rollback()
    assert got == [{"n": 1, "value": 1}, {"n": 2, "value": 1}]
    assert aggregate(expr, AGG_ROWS, max_rows=2) == got
    with pytest.raises(ValueError):
        aggregate_select(expr, ITEMS, COLUMNS, max_rows=0)


def test_aggregate_of_no_rows():
    assert aggregate(parse("count()"), []) == [{"value": 0}]
    assert aggregate(parse("sum(n)"), []) == [{"value": None}]
    assert aggregate(parse("count() by g"), []) == []


def test_window_needs_a_time_field():
    with pytest.raises(ValueError):
        aggregate(parse("count() over last 7d"), AGG_ROWS)
    with pytest.raises(ValueError):
        aggregate_select(parse("count() over last 7d"), ITEMS, COLUMNS)


def test_time_column_may_be_a_date(engine):
    expr = parse("count() over last 3d")
    assert aggregate(expr, AGG_ROWS, time_field="d", now=T(2026, 11, 4, 12)) == [{"value": 3}]
    with engine.connect() as conn:
        trans = conn.begin()
        conn.execute(ITEMS.insert(), AGG_ROWS)
        got = run_aggregate(conn, expr, ITEMS, COLUMNS, time_column=ITEMS.c.d, now=T(2026, 11, 4, 12))
        trans.rollback()
    assert got == [{"value": 3}]


def test_chinese_and_quoted_field_names_end_to_end(engine):
    table = sa.Table("dsl_cn", sa.MetaData(), sa.Column("编号", sa.Integer, primary_key=True),
                     sa.Column("状态", sa.String(20)), sa.Column("处置 部门", sa.String(20)))
    columns = {"状态": table.c["状态"], "处置 部门": table.c["处置 部门"]}
    rows = [{"编号": 1, "状态": "办结", "处置 部门": "城管"}, {"编号": 2, "状态": "退回", "处置 部门": "城管"},
            {"编号": 3, "状态": "办结", "处置 部门": None}]
    expr = parse("count(where 状态 = '办结') by `处置 部门`")
    with engine.connect() as conn:
        trans = conn.begin()
        table.create(conn)
        conn.execute(table.insert(), rows)
        got = run_aggregate(conn, expr, table, columns)
        ids = conn.execute(sa.select(table.c["编号"]).where(to_sql(parse("状态 = '办结'"), columns))
                           .order_by(table.c["编号"])).scalars().all()
        trans.rollback()
    assert got == aggregate(expr, rows) == [{"处置 部门": "城管", "value": 1}, {"处置 部门": None, "value": 1}]
    assert ids == [1, 3]


def test_hours_and_minutes_between_two_times():
    from dsl import evaluate, parse

    row = {"a": T(2026, 11, 25, 8, 30), "b": T(2026, 11, 26, 10), "d": dt.date(2026, 11, 25)}
    fields = {"a": "datetime", "b": "datetime", "d": "date"}
    assert evaluate(parse("hours_between(a, b)"), row, fields=fields) == 25.5
    assert evaluate(parse("minutes_between(b, a)"), row, fields=fields) == -1530
    assert evaluate(parse("hours_between(d, a)"), row, fields=fields) == 8.5
    assert evaluate(parse("hours_between(a, null_field)"), {**row, "null_field": None},
                    fields={**fields, "null_field": "datetime"}) is None
