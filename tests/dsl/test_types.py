"""Type checking against field types, with zh/en messages and carets."""
import pytest

from dsl import DslError, check, parse

FIELDS = {"status": "string", "amount": "number", "n": "integer", "closed_at": "datetime", "deadline": "datetime",
          "day": "date", "flag": "boolean", "district": "string", "wait": "duration", "处置部门": "string"}


@pytest.mark.parametrize("text, kind", [
    ("1", "integer"), ("1.5", "number"), ("'a'", "string"), ("true", "boolean"), ("null", "null"),
    ("7d", "duration"), ("now", "datetime"), ("today", "date"), ("date('2026-11-01')", "date"),
    ("n + 1", "integer"), ("n + 1.5", "number"), ("n * n", "integer"), ("n / 2", "number"), ("-n", "integer"),
    ("amount - n", "number"), ("n + null", "integer"),
    ("now - 2h", "datetime"), ("today - 7d", "date"), ("today - 1h", "datetime"), ("day + 1d", "date"),
    ("2d + day", "date"), ("closed_at + 30m", "datetime"),
    ("status = '办结'", "boolean"), ("n > 1.5", "boolean"), ("closed_at <= deadline", "boolean"),
    ("day < closed_at", "boolean"), ("wait > 2h", "boolean"), ("flag = true", "boolean"),
    ("status in ['a', 'b']", "boolean"), ("n not in [1, 2.5]", "boolean"), ("n between 1 and 2.5", "boolean"),
    ("day between date('2026-01-01') and now", "boolean"), ("status is null", "boolean"),
    ("not flag and n > 1 or status is not null", "boolean"),
    ("round(amount)", "number"), ("round(n)", "integer"), ("round(n, 1)", "number"),
    ("coalesce(n, 0)", "integer"), ("coalesce(n, amount)", "number"), ("coalesce(day, now)", "datetime"),
    ("coalesce(null, status)", "string"),
    ("date_trunc('day', closed_at)", "datetime"), ("date_trunc('month', day)", "datetime"),
    ("count()", "integer"), ("count(status)", "integer"), ("count(where flag)", "integer"),
    ("sum(n)", "integer"), ("sum(amount where status = 'x')", "number"), ("avg(n)", "number"),
    ("min(status)", "string"), ("max(closed_at)", "datetime"), ("min(day)", "date"),
    ("distinct_count(district)", "integer"), ("percentile(amount, 0.9)", "number"),
    ("100 * count(where status = '办结' and closed_at <= deadline) / count(where status = '办结') over last 30d by district",
     "number"),
    ("count() by 处置部门", "integer"),
])
def test_types(text, kind):
    assert check(parse(text), FIELDS) == kind


def error(text):
    with pytest.raises(DslError) as info:
        check(parse(text), FIELDS)
    return info.value


def test_type_mismatch_message_and_caret():
    e = error("count(where status > 3)")
    assert e.render("zh-CN") == ("第 1 行第 13 列：需要数值，但 status 是字符串\n"
                                 "  count(where status > 3)\n"
                                 "              ^")
    assert e.render("en") == ("line 1, column 13: expected a number, but status is a string\n"
                              "  count(where status > 3)\n"
                              "              ^")


def test_unknown_field_suggests_the_closest_name():
    e = error("statsu = 'x'")
    assert e.code == "unknown_field"
    assert "未知字段 statsu，是否想用 status？" in e.render("zh")
    assert "unknown field statsu; did you mean status?" in e.render("en")
    assert "是否想用" not in error("zzzzzz = 1").message_zh
    assert "处置部门" in error("处置部 = 'x'").message_zh


@pytest.mark.parametrize("text, column, zh, en", [
    ("status + 1", 8, "不能对字符串和整数做 + 运算", "cannot apply + to a string and an integer"),
    ("status * 2", 1, "需要数值，但 status 是字符串", "expected a number, but status is a string"),
    ("-status", 2, "需要数值", "expected a number"),
    ("not n", 5, "需要布尔值，但 n 是整数", "expected a boolean, but n is an integer"),
    ("n and flag", 1, "需要布尔值", "expected a boolean"),
    ("1 = 'a'", 3, "不能比较整数和字符串", "cannot compare an integer with a string"),
    ("n = null", 3, "is null", "is null"),
    ("flag < true", 6, "布尔值只能用 = 或 != 比较", "booleans can only be compared"),
    ("closed_at + n", 11, "不能对日期时间和整数", "cannot apply + to a datetime and an integer"),
    ("closed_at + wait", 13, "时长常量", "duration literal"),
    ("7d - now", 4, "不能对时长和日期时间", "cannot apply - to a duration and a datetime"),
    ("n in [1, 'a']", 10, "列表元素是字符串", "the list item is a string"),
    ("flag between 1 and 2", 1, "between 需要可比较大小的值", "between needs ordered values"),
    ("n between 'a' and 'b'", 11, "需要整数，但这里是字符串", "expected an integer, but this is a string"),
    ("round(status)", 7, "需要数值", "expected a number"),
    ("coalesce(n, 'a')", 13, "coalesce 的参数类型不一致", "coalesce arguments differ"),
    ("date_trunc('day', n)", 19, "需要日期或日期时间", "expected a date or datetime"),
    ("sum(status)", 5, "需要数值", "expected a number"),
    ("min(flag)", 5, "需要数值、字符串或日期", "expected a number, string or date"),
    ("count(where n)", 13, "需要布尔条件", "expected a boolean condition"),
    ("sum(count())", 5, "聚合函数不能嵌套", "aggregates cannot be nested"),
    ("count() + n", 11, "必须写在聚合函数里", "must be inside an aggregate"),
    ("n > 1 over last 7d", 3, "over / by 只能用于聚合表达式", "over / by need an aggregate expression"),
    ("count() by nope", 12, "未知字段 nope", "unknown field nope"),
    ("distinct_count(wait)", 16, "不支持时长", "does not take durations"),
])
def test_type_errors(text, column, zh, en):
    e = error(text)
    assert e.column == column, e.render("en")
    assert zh in e.message_zh, e.message_zh
    assert en in e.message_en, e.message_en
    assert e.render("zh").splitlines()[1] == "  " + text


def test_unknown_field_type_is_a_programming_error():
    with pytest.raises(ValueError):
        check(parse("a"), {"a": "float"})
