"""The Python back end: evaluate expressions over rows (dicts) with SQL semantics.

Three-valued logic (null = unknown), a filter treats null as false, aggregates skip nulls,
count() counts rows, division by zero gives null, round() rounds half away from zero,
numbers compare as floats, datetimes compare as naive UTC (aware values are converted).
"""
from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any, Iterable, Mapping

from .ast import Aggregate, Between, Binary, Call, Expr, Field, In, IsNull, Literal, Now, Query, Today, Unary, unwrap
from .errors import DslError
from .types import check_types

_ROUND_CONTEXT = decimal.Context(prec=80, rounding=decimal.ROUND_HALF_UP)


def normalize_now(now: dt.datetime | None) -> dt.datetime:
    """`now` as a naive UTC datetime (the current time when None)."""
    if now is None:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(now, dt.datetime):
        if now.tzinfo is not None:
            return now.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return now
    if isinstance(now, dt.date):
        return dt.datetime(now.year, now.month, now.day)
    raise TypeError("now must be a datetime")


def normalize(value: Any) -> Any:
    """A row value in the evaluator's terms: Decimal -> float, aware datetime -> naive UTC."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_date_only(v: Any) -> bool:
    return isinstance(v, dt.date) and not isinstance(v, dt.datetime)


def _as_dt(v: dt.date) -> dt.datetime:
    return v if isinstance(v, dt.datetime) else dt.datetime(v.year, v.month, v.day)


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    if _is_num(a) and _is_num(b):
        return float(a), float(b)
    if isinstance(a, dt.date) and isinstance(b, dt.date) and _is_date_only(a) != _is_date_only(b):
        return _as_dt(a), _as_dt(b)
    if type(a) is not type(b) and not (isinstance(a, str) and isinstance(b, str)):
        if not (isinstance(a, dt.date) and isinstance(b, dt.date)):
            raise DslError("值的类型不一致，无法比较", f"cannot compare {type(a).__name__} with {type(b).__name__}")
    return a, b


def compare(op: str, a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    a, b = _comparable(a, b)
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def sql_and(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = True
    for v in values:
        if v is False:
            return False
        if v is None:
            result = None
    return result


def sql_or(values: Iterable[bool | None]) -> bool | None:
    result: bool | None = False
    for v in values:
        if v is True:
            return True
        if v is None:
            result = None
    return result


def sql_not(v: bool | None) -> bool | None:
    return None if v is None else not v


def sql_round(x: Any, digits: int | None = None) -> Any:
    """Half away from zero, like PostgreSQL's round(numeric, n). Floats go through 15 significant digits
    first, as PostgreSQL's float8 -> numeric cast does."""
    if x is None:
        return None
    if digits is None and isinstance(x, int):
        return x
    d = decimal.Decimal(x) if isinstance(x, int) else decimal.Decimal(format(x, ".15g"))
    q = d.quantize(decimal.Decimal(1).scaleb(-(digits or 0)), context=_ROUND_CONTEXT)
    return float(q)


def add_duration(t: Any, delta: dt.timedelta, sign: int = 1) -> Any:
    if t is None or delta is None:
        return None
    if _is_date_only(t) and delta % dt.timedelta(days=1) == dt.timedelta(0):
        return t + sign * delta
    return _as_dt(t) + sign * delta


def seconds_between(a: Any, b: Any) -> float | None:
    """b - a in seconds (a date counts as its midnight); None if either is null."""
    a, b = normalize(a), normalize(b)
    if a is None or b is None:
        return None
    a = _as_dt(a) if _is_date_only(a) else a
    b = _as_dt(b) if _is_date_only(b) else b
    return (b - a).total_seconds()


def date_trunc(unit: str, t: Any) -> dt.datetime | None:
    if t is None:
        return None
    t = _as_dt(t)
    if unit == "hour":
        return t.replace(minute=0, second=0, microsecond=0)
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "year":
        return day.replace(month=1, day=1)
    raise DslError(f"未知的时间单位 {unit}", f"unknown unit {unit}")


def percentile_cont(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    pos = fraction * (len(values) - 1)
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(values[lo])
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


class _Evaluator:
    def __init__(self, now: dt.datetime | None, types: dict[int, str] | None = None):
        self.now = normalize_now(now)
        self.types = types or {}  # static types by node id, when the fields were given

    def run(self, node: Expr, row: Mapping[str, Any] | None, rows: list | None = None) -> Any:
        """value(), with Python-level failures (date overflow, mismatched row values) as DslError."""
        try:
            return self.value(node, row, rows)
        except DslError:
            raise
        except (TypeError, ValueError, OverflowError, ArithmeticError) as exc:
            raise DslError("无法计算该表达式（值超出范围或类型不符）",
                           f"cannot evaluate the expression ({type(exc).__name__}: {exc})",
                           node.pos.line, node.pos.column, code="evaluation") from None

    # rows: the group's rows when evaluating an aggregate expression, else None
    def value(self, node: Expr, row: Mapping[str, Any] | None, rows: list | None = None) -> Any:
        v = self.value
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Now):
            return self.now
        if isinstance(node, Today):
            return self.now.date()
        if isinstance(node, Field):
            if row is None:
                raise DslError(f"字段 {node.name} 必须写在聚合函数里", f"the field {node.name} must be inside an aggregate",
                               node.pos.line, node.pos.column)
            return normalize(row.get(node.name))
        if isinstance(node, Unary):
            x = v(node.operand, row, rows)
            if node.op == "not":
                return sql_not(x)
            return None if x is None else -x
        if isinstance(node, Binary):
            op = node.op
            if op == "and":
                return sql_and((v(node.left, row, rows), v(node.right, row, rows)))
            if op == "or":
                return sql_or((v(node.left, row, rows), v(node.right, row, rows)))
            a = v(node.left, row, rows)
            b = v(node.right, row, rows)
            if op in ("=", "!=", "<", "<=", ">", ">="):
                return compare(op, a, b)
            if a is None or b is None:
                return None
            if op == "/":
                return None if b == 0 else float(a) / float(b)
            if op == "*":
                return a * b
            if isinstance(b, dt.timedelta) and isinstance(a, dt.date):
                return add_duration(a, b, 1 if op == "+" else -1)
            if isinstance(a, dt.timedelta) and isinstance(b, dt.date):
                return add_duration(b, a)
            return a + b if op == "+" else a - b
        if isinstance(node, In):
            x = v(node.operand, row, rows)
            result = sql_or(compare("=", x, v(item, row, rows)) for item in node.items)
            return sql_not(result) if node.negated else result
        if isinstance(node, Between):
            x = v(node.operand, row, rows)
            result = sql_and((compare(">=", x, v(node.low, row, rows)), compare("<=", x, v(node.high, row, rows))))
            return sql_not(result) if node.negated else result
        if isinstance(node, IsNull):
            x = v(node.operand, row, rows)
            return (x is not None) if node.negated else (x is None)
        if isinstance(node, Call):
            if node.name == "round":
                digits = v(node.args[1], row, rows) if len(node.args) > 1 else None
                if len(node.args) > 1 and digits is None:
                    return None
                return sql_round(v(node.args[0], row, rows), digits)
            if node.name == "coalesce":
                for a in node.args:
                    x = v(a, row, rows)
                    if x is not None:
                        if self.types.get(id(node)) == "datetime" and _is_date_only(x):
                            return _as_dt(x)
                        return x
                return None
            if node.name == "date_trunc":
                return date_trunc(v(node.args[0], row, rows), v(node.args[1], row, rows))
            if node.name in ("hours_between", "minutes_between"):
                seconds = seconds_between(v(node.args[0], row, rows), v(node.args[1], row, rows))
                if seconds is None:
                    return None
                return seconds / (3600 if node.name == "hours_between" else 60)
        if isinstance(node, Aggregate):
            if rows is None:
                raise DslError("聚合函数只能用于聚合计算（aggregate），不能逐行求值",
                               "an aggregate cannot be evaluated on a single row", node.pos.line, node.pos.column)
            return self.aggregate(node, rows)
        raise DslError("无法求值的表达式", "cannot evaluate the expression", node.pos.line, node.pos.column)

    def aggregate(self, node: Aggregate, rows: list) -> Any:
        if node.where is not None:
            rows = [r for r in rows if self.value(node.where, r) is True]
        if node.name == "count" and not node.args:
            return len(rows)
        values = [x for x in (self.value(node.args[0], r) for r in rows) if x is not None]
        name = node.name
        if name == "count":
            return len(values)
        if name == "distinct_count":
            return len({(float(x) if _is_num(x) else x) for x in values})
        if not values:
            return None
        if name == "sum":
            return sum(values) if all(isinstance(x, int) for x in values) else math.fsum(values)
        if name == "avg":
            return math.fsum(values) / len(values)
        if name == "min":
            return min(values, key=_sort_key)
        if name == "max":
            return max(values, key=_sort_key)
        if name == "percentile":
            return percentile_cont([float(x) for x in values], float(self.value(node.args[1], None, rows)))
        raise DslError(f"未知聚合函数 {name}", f"unknown aggregate {name}")  # pragma: no cover


def _sort_key(v: Any) -> Any:
    if _is_num(v):
        return float(v)
    if isinstance(v, dt.date):
        return _as_dt(v)
    return v


def _group_sort_key(key: tuple) -> tuple:
    return tuple((v is None, _sort_key(v) if v is not None else 0) for v in key)


def evaluate(expr: Expr, row: Mapping[str, Any], *, now: dt.datetime | None = None,
             fields: Mapping[str, str] | None = None) -> Any:
    """The value of a row expression for one row (a mapping of field name -> value)."""
    types = check_types(expr, fields)[1] if fields is not None else None
    if isinstance(expr, Query) or expr.is_aggregate:
        raise DslError("这是聚合表达式，请用 aggregate()", "this is an aggregate expression; use aggregate()",
                       expr.pos.line, expr.pos.column).with_source(expr.source or "")
    return _Evaluator(now, types).run(expr, row)


def matches(expr: Expr, row: Mapping[str, Any], *, now: dt.datetime | None = None,
            fields: Mapping[str, str] | None = None) -> bool:
    """A filter: true only when the expression is true (null counts as false)."""
    return evaluate(expr, row, now=now, fields=fields) is True


def aggregate(expr: Expr, rows: Iterable[Mapping[str, Any]], *, time_field: str | None = None,
              now: dt.datetime | None = None, fields: Mapping[str, str] | None = None,
              max_rows: int | None = 1000) -> list[dict[str, Any]]:
    """Evaluate an aggregate expression (optionally `over last ...` and `by ...`) over rows.

    Returns [{group field: value, ..., "value": result}] sorted by the group values (nulls last);
    without `by`, exactly one dict {"value": result}, even for no rows."""
    types = check_types(expr, fields)[1] if fields is not None else None
    inner, window, group_by = unwrap(expr)
    if not inner.is_aggregate:
        raise DslError("不是聚合表达式（需要 count()、sum(x) 等）", "not an aggregate expression (use count(), sum(x), ...)",
                       expr.pos.line, expr.pos.column).with_source(expr.source or "")
    ev = _Evaluator(now, types)
    rows = list(rows)
    if window is not None:
        if time_field is None:
            raise ValueError("an expression with `over last ...` needs time_field")
        try:
            start = ev.now - window
        except OverflowError:
            start = dt.datetime.min
        rows = [r for r in rows if sql_and((compare(">=", normalize(r.get(time_field)), start),
                                            compare("<=", normalize(r.get(time_field)), ev.now))) is True]
    names = [g.name for g in group_by]
    if not names:
        return [{"value": ev.run(inner, None, rows)}]
    groups: dict[tuple, list] = {}
    for r in rows:
        key = tuple(normalize(r.get(n)) for n in names)
        groups.setdefault(key, []).append(r)
    out = []
    for key in sorted(groups, key=_group_sort_key):
        item = dict(zip(names, key))
        item["value"] = ev.run(inner, None, groups[key])
        out.append(item)
        if max_rows is not None and len(out) >= max_rows:
            break
    return out
