"""Parsing: every construct, positions, error messages with carets, limits, random input."""
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dsl import (MAX_DEPTH, MAX_LENGTH, Aggregate, Between, Binary, Call, DslError, Field, In, IsNull, Literal, Now,
                 Query, Today, Unary, parse)


def lit(value, kind):
    return Literal(value, kind)


@pytest.mark.parametrize("text, expected", [
    ("42", lit(42, "integer")),
    ("3.5", lit(3.5, "number")),
    ("-2", lit(-2, "integer")),
    ("'办结'", lit("办结", "string")),
    ("'it''s'", lit("it's", "string")),
    ("''", lit("", "string")),
    ("true", lit(True, "boolean")),
    ("FALSE", lit(False, "boolean")),
    ("null", lit(None, "null")),
    ("24h", lit(dt.timedelta(hours=24), "duration")),
    ("7d", lit(dt.timedelta(days=7), "duration")),
    ("30m", lit(dt.timedelta(minutes=30), "duration")),
    ("15s", lit(dt.timedelta(seconds=15), "duration")),
    ("2w", lit(dt.timedelta(weeks=2), "duration")),
    ("1.5h", lit(dt.timedelta(minutes=90), "duration")),
    ("date('2026-11-01')", lit(dt.date(2026, 11, 1), "date")),
    ("datetime('2026-11-01 08:30')", lit(dt.datetime(2026, 11, 1, 8, 30), "datetime")),
    ("datetime('2026-11-01T08:30:00+08:00')", lit(dt.datetime(2026, 11, 1, 0, 30), "datetime")),
    ("now", Now()),
    ("today", Today()),
    ("状态", Field("状态")),
    ("district", Field("district")),
    ("`处置 部门`", Field("处置 部门")),
    ("`a``b`", Field("a`b")),
    ("android", Field("android")),
    ("byline", Field("byline")),
    ("notes", Field("notes")),
])
def test_atoms(text, expected):
    assert parse(text) == expected


def test_precedence_and_associativity():
    assert parse("1 + 2 * 3") == Binary("+", lit(1, "integer"), Binary("*", lit(2, "integer"), lit(3, "integer")))
    assert parse("(1 + 2) * 3") == Binary("*", Binary("+", lit(1, "integer"), lit(2, "integer")), lit(3, "integer"))
    assert parse("8 - 2 - 1") == Binary("-", Binary("-", lit(8, "integer"), lit(2, "integer")), lit(1, "integer"))
    assert parse("a or b and not c") == Binary("or", Field("a"), Binary("and", Field("b"), Unary("not", Field("c"))))
    assert parse("-x") == Unary("-", Field("x"))
    assert parse("now - 2h") == Binary("-", Now(), lit(dt.timedelta(hours=2), "duration"))


def test_comparisons_and_predicates():
    for op in ("=", "!=", "<", "<=", ">", ">="):
        assert parse(f"a {op} 1") == Binary(op, Field("a"), lit(1, "integer"))
    assert parse("a == 1") == parse("a = 1")
    assert parse("a <> 1") == parse("a != 1")
    assert parse("x in ['a', 'b']") == In(Field("x"), (lit("a", "string"), lit("b", "string")))
    assert parse("x not in [1]") == In(Field("x"), (lit(1, "integer"),), negated=True)
    assert parse("x between 1 and 2 and y") == Binary(
        "and", Between(Field("x"), lit(1, "integer"), lit(2, "integer")), Field("y"))
    assert parse("x not between 1 and 2") == Between(Field("x"), lit(1, "integer"), lit(2, "integer"), negated=True)
    assert parse("x is null") == IsNull(Field("x"))
    assert parse("x IS NOT NULL") == IsNull(Field("x"), negated=True)


def test_functions_and_aggregates():
    assert parse("count()") == Aggregate("count", ())
    assert parse("count(*)") == Aggregate("count", ())
    assert parse("COUNT(where status = '办结')") == Aggregate(
        "count", (), Binary("=", Field("status"), lit("办结", "string")))
    assert parse("sum(amount where amount > 0)") == Aggregate(
        "sum", (Field("amount"),), Binary(">", Field("amount"), lit(0, "integer")))
    assert parse("distinct_count(street)") == Aggregate("distinct_count", (Field("street"),))
    assert parse("percentile(x, 0.9)") == Aggregate("percentile", (Field("x"), lit(0.9, "number")))
    assert parse("round(x)") == Call("round", (Field("x"),))
    assert parse("round(x, -1)") == Call("round", (Field("x"), lit(-1, "integer")))
    assert parse("coalesce(a, b, 0)") == Call("coalesce", (Field("a"), Field("b"), lit(0, "integer")))
    assert parse("date_trunc('week', t)") == Call("date_trunc", (lit("week", "string"), Field("t")))


def test_window_and_grouping():
    text = ("100 * count(where status = '办结' and closed_at <= deadline) / count(where status = '办结') "
            "over last 30d by district")
    q = parse(text)
    assert isinstance(q, Query)
    assert q.window == dt.timedelta(days=30)
    assert q.group_by == (Field("district"),)
    assert q.expr.op == "/"
    assert parse("count() by a, `b c`").group_by == (Field("a"), Field("b c"))
    assert parse("count() over last 24h").window == dt.timedelta(hours=24)
    assert parse("count()").is_aggregate and not parse("a = 1").is_aggregate


def test_positions():
    e = parse("count(where status > 3)")
    cond = e.where
    assert (cond.pos.line, cond.pos.column) == (1, 20)
    assert (cond.left.pos.line, cond.left.pos.column) == (1, 13)
    e = parse("a = 1\n  and 状态 = 'x'")
    assert (e.pos.line, e.pos.column) == (2, 3)
    assert (e.right.left.pos.line, e.right.left.pos.column) == (2, 7)


def test_parse_is_cached_and_equal_across_spacing():
    assert parse("a+1") is parse("a+1")
    assert parse("a + 1") == parse("a+1")


def error(text):
    with pytest.raises(DslError) as info:
        parse(text)
    return info.value


def test_syntax_error_render_zh_and_en():
    e = error("count(where status > 3")
    assert (e.line, e.column) == (1, 23)
    assert e.render("zh-CN") == "第 1 行第 23 列：表达式不完整，需要 ')'\n  count(where status > 3\n                        ^"
    assert e.render("en") == ("line 1, column 23: the expression ends too early, expected ')'\n"
                              "  count(where status > 3\n                        ^")


def test_caret_counts_wide_characters_twice():
    e = error("状态 = = 1")
    assert e.column == 6
    assert e.render("zh").splitlines()[2] == "  " + " " * 7 + "^"  # 状态 is 4 columns wide, then " = "


@pytest.mark.parametrize("text, column, zh, en", [
    ("'abc", 1, "字符串缺少结束的单引号", "no closing quote"),
    ("`abc", 1, "反引号", "backquote"),
    ("x @ 1", 3, "无法识别的字符 '@'", "unexpected character '@'"),
    ("a < b < c", 7, "此处不应出现 '<'", "unexpected '<'"),
    ("foo(1)", 1, "未知函数 foo", "unknown function foo"),
    ("cout()", 1, "是否想用 count", "did you mean count"),
    ("sum()", 1, "sum 需要 1 个参数，实际给了 0 个", "sum takes 1 argument(s), 0 given"),
    ("round(1, 2, 3)", 1, "round 需要 1 到 2 个参数", "round takes 1 to 2 argument(s)"),
    ("round(x, y)", 10, "小数位数", "digits"),
    ("sum(*)", 1, "只有 count 可以写 *", "only count accepts *"),
    ("round(x where y)", 1, "不是聚合函数", "not an aggregate"),
    ("percentile(x, 2)", 15, "0 到 1", "from 0 to 1"),
    ("date_trunc('decade', t)", 12, "单位", "unit"),
    ("date('2026-13-01')", 6, "无效的日期", "invalid date"),
    ("date(x)", 6, "字符串字面量", "string literal"),
    ("x in []", 6, "列表不能为空", "list must not be empty"),
    ("count() over last 0d", 19, "大于 0", "longer than 0"),
    ("7days", 1, "无效的数字或时长 7days", "invalid number or duration 7days"),
    ("x > 1.2.3", 5, "无效的数字或时长", "invalid number"),
    ("", 1, "表达式为空", "empty"),
])
def test_errors(text, column, zh, en):
    e = error(text)
    assert e.column == column, e.render("en")
    assert zh in e.render("zh-CN")
    assert en in e.render("en")
    assert e.render("zh").startswith(f"第 {e.line} 行第 {column} 列：")
    assert e.render("en").startswith(f"line {e.line}, column {column}: ")
    assert e.to_dict()["message_en"] == e.message_en


def test_limits_length():
    e = error("1" + " + 1" * (MAX_LENGTH // 4 + 1))
    assert e.code == "too_long"


@pytest.mark.parametrize("text", [
    "not " * 5000 + "x",
    "(" * 3000 + "1" + ")" * 3000,
    "-" * 3999 + "x",
    "1+" * 1999 + "1",
    "[" * 3999,
    "coalesce(" * 400 + "1" + ")" * 400,
])
def test_deep_or_huge_input_is_a_dsl_error_not_recursion(text):
    text = text[:MAX_LENGTH]
    with pytest.raises(DslError) as info:
        parse(text)
    assert info.value.render("en")


def test_depth_limit_is_exact():
    parse("not " * (MAX_DEPTH - 2) + "x")
    assert error("not " * (MAX_DEPTH + 1) + "x").code == "too_deep"


def test_error_render_long_line_shows_a_window():
    e = error("a + " * 60 + "@")
    lines = e.render("en").splitlines()
    assert lines[1].startswith("  …") and lines[2].endswith("^")
    assert len(lines[1]) < 120


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=60))
def test_random_strings_never_crash_the_parser(text):
    try:
        parse(text)
    except DslError as e:
        assert e.render("zh") and e.render("en")


ALPHABET = list("abx 状态()[]'`,.<>=!+-*/0123456789") + [
    "and ", "or ", "not ", "in ", "between ", "is ", "null ", "where ", "over last ", "by ", "count(", "sum(",
    "7d ", " n ", " x ", " s ", " d ", " t ", " b ", "now ", "today ", "round(", "coalesce(", "min(", "avg(",
    "date_trunc('week', ", "percentile(", "date('2026-11-01')", "99999999999w ", "'a' ", "2.5 "]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(ALPHABET), max_size=30))
def test_random_token_soup_only_ever_raises_dsl_error(parts):
    """Through the whole pipeline: parse, check, evaluate or aggregate, compile to SQL."""
    from dsl import aggregate, aggregate_select, check, evaluate, to_sql

    from .conftest import COLUMNS, FIELDS, ITEMS, NOW

    row = {"n": 3, "x": 1.5, "s": "a", "g": "b", "b": True, "d": dt.date(2026, 11, 1), "t": NOW}
    try:
        expr = parse("".join(parts))
        check(expr, FIELDS)
        if expr.is_aggregate:
            aggregate(expr, [row, {}], time_field="t", now=NOW, fields=FIELDS)
            str(aggregate_select(expr, ITEMS, COLUMNS, time_column="t", now=NOW).compile())
        else:
            evaluate(expr, row, now=NOW, fields=FIELDS)
            evaluate(expr, {}, now=NOW, fields=FIELDS)
            str(to_sql(expr, COLUMNS, now=NOW).compile())
    except DslError as e:
        assert e.render("en") and e.render("zh")
