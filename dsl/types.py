"""Type checking against a source's field types."""
from __future__ import annotations

import datetime as dt
import difflib
from typing import Mapping

from .ast import Aggregate, Between, Binary, Call, Expr, Field, In, IsNull, Literal, Now, Query, Today, Unary
from .errors import DslError, type_en, type_zh

FIELD_TYPES = ("integer", "number", "string", "boolean", "date", "datetime", "duration")
NUMERIC = ("integer", "number")
TEMPORAL = ("date", "datetime")
ORDERED = NUMERIC + TEMPORAL + ("string", "duration")


def _err(node: Expr, zh: str, en: str, code: str = "type") -> DslError:
    return DslError(zh, en, node.pos.line, node.pos.column, code=code)


def _describe(node: Expr) -> tuple[str, str]:
    if isinstance(node, Field):
        return node.name, node.name
    return "该表达式", "the expression"


def _category(kind: str) -> tuple[str, str]:
    if kind in NUMERIC:
        return "数值", "a number"
    if kind in TEMPORAL:
        return "日期", "a date"
    return type_zh(kind), type_en(kind)


def whole_days(value: dt.timedelta) -> bool:
    return value % dt.timedelta(days=1) == dt.timedelta(0)


def unify(a: str, b: str) -> str | None:
    """The common type of two operands (for comparisons, coalesce, in), or None if incompatible."""
    if a == "null":
        return b
    if b == "null" or a == b:
        return a
    if a in NUMERIC and b in NUMERIC:
        return "number"
    if a in TEMPORAL and b in TEMPORAL:
        return "datetime"
    return None


class Checker:
    def __init__(self, fields: Mapping[str, str]):
        for name, kind in fields.items():
            if kind not in FIELD_TYPES:
                raise ValueError(f"field {name!r} has unknown type {kind!r}; use one of {FIELD_TYPES}")
        self.fields = dict(fields)
        self.types: dict[int, str] = {}

    def run(self, expr: Expr) -> str:
        inner = expr.expr if isinstance(expr, Query) else expr
        aggregate = inner.is_aggregate
        if isinstance(expr, Query):
            if not aggregate:
                raise _err(expr, "over / by 只能用于聚合表达式（如 count()、sum(x)）",
                           "over / by need an aggregate expression (such as count() or sum(x))", code="not_aggregate")
            for g in expr.group_by:
                self.visit(g, False)
        result = self.visit(inner, aggregate)
        self.types[id(expr)] = result
        return result

    def visit(self, node: Expr, agg_expr: bool, inside_agg: bool = False) -> str:
        kind = self._visit(node, agg_expr, inside_agg)
        self.types[id(node)] = kind
        return kind

    def _visit(self, node: Expr, agg_expr: bool, inside: bool) -> str:
        v = lambda n: self.visit(n, agg_expr, inside)  # noqa: E731
        if isinstance(node, Literal):
            return node.type
        if isinstance(node, Now):
            return "datetime"
        if isinstance(node, Today):
            return "date"
        if isinstance(node, Field):
            if node.name not in self.fields:
                close = difflib.get_close_matches(node.name, list(self.fields), n=1, cutoff=0.5)
                zh = f"未知字段 {node.name}" + (f"，是否想用 {close[0]}？" if close else "")
                en = f"unknown field {node.name}" + (f"; did you mean {close[0]}?" if close else "")
                raise _err(node, zh, en, code="unknown_field")
            if agg_expr and not inside:
                raise _err(node, f"聚合表达式中的字段 {node.name} 必须写在聚合函数里（如 sum({node.name})）",
                           f"in an aggregate expression the field {node.name} must be inside an aggregate (e.g. sum({node.name}))",
                           code="not_aggregate")
            return self.fields[node.name]
        if isinstance(node, Unary):
            if node.op == "not":
                self._want_inside(node.operand, ("boolean",), "布尔值", "a boolean", agg_expr, inside)
                return "boolean"
            kind = self._want_inside(node.operand, NUMERIC, "数值", "a number", agg_expr, inside)
            return kind if kind != "null" else "integer"
        if isinstance(node, Binary):
            return self._binary(node, agg_expr, inside)
        if isinstance(node, In):
            base = v(node.operand)
            for item in node.items:
                kind = v(item)
                if unify(base, kind) is None or base == "boolean" and kind not in ("boolean", "null"):
                    raise _err(item, f"列表元素是{type_zh(kind)}，与{type_zh(base)}不能比较",
                               f"the list item is {type_en(kind)}, which cannot be compared with {type_en(base)}")
            return "boolean"
        if isinstance(node, Between):
            base = v(node.operand)
            if base not in ORDERED and base != "null":
                raise _err(node.operand, f"between 需要可比较大小的值，但这里是{type_zh(base)}",
                           f"between needs ordered values, not {type_en(base)}")
            for bound in (node.low, node.high):
                kind = v(bound)
                if unify(base, kind) is None:
                    raise _err(bound, f"需要{type_zh(base)}，但这里是{type_zh(kind)}",
                               f"expected {type_en(base)}, but this is {type_en(kind)}")
            return "boolean"
        if isinstance(node, IsNull):
            v(node.operand)
            return "boolean"
        if isinstance(node, Call):
            return self._call(node, agg_expr, inside)
        if isinstance(node, Aggregate):
            return self._aggregate(node, agg_expr, inside)
        raise _err(node, "无法识别的表达式", "unknown expression")  # pragma: no cover

    def _want_inside(self, node, allowed, zh, en, agg_expr, inside=False):
        kind = self.visit(node, agg_expr, inside)
        if kind != "null" and kind not in allowed:
            what_zh, what_en = _describe(node)
            raise _err(node, f"需要{zh}，但 {what_zh} 是{type_zh(kind)}", f"expected {en}, but {what_en} is {type_en(kind)}")
        return kind

    def _binary(self, node: Binary, agg_expr: bool, inside: bool) -> str:
        op = node.op
        want = lambda n, allowed, zh, en: self._want_inside(n, allowed, zh, en, agg_expr, inside)  # noqa: E731
        if op in ("and", "or"):
            want(node.left, ("boolean",), "布尔值", "a boolean")
            want(node.right, ("boolean",), "布尔值", "a boolean")
            return "boolean"
        if op in ("=", "!=", "<", "<=", ">", ">="):
            left = self.visit(node.left, agg_expr, inside)
            right = self.visit(node.right, agg_expr, inside)
            if "null" in (left, right):
                raise _err(node, "与 null 比较永远得到空值，请用 is null / is not null",
                           "comparing with null is always null; use is null / is not null")
            common = unify(left, right)
            if common is None:
                for mine, kind, other in ((node.left, left, right), (node.right, right, left)):
                    if isinstance(mine, Field):
                        want_zh, want_en = _category(other)
                        raise _err(mine, f"需要{want_zh}，但 {mine.name} 是{type_zh(kind)}",
                                   f"expected {want_en}, but {mine.name} is {type_en(kind)}")
                raise _err(node, f"不能比较{type_zh(left)}和{type_zh(right)}",
                           f"cannot compare {type_en(left)} with {type_en(right)}")
            if common == "boolean" and op not in ("=", "!="):
                raise _err(node, "布尔值只能用 = 或 != 比较", "booleans can only be compared with = or !=")
            return "boolean"
        if op in ("*", "/"):
            left = want(node.left, NUMERIC, "数值", "a number")
            right = want(node.right, NUMERIC, "数值", "a number")
            if op == "/":
                return "number"
            return "integer" if left in ("integer", "null") and right in ("integer", "null") else "number"
        # + and -
        left = self.visit(node.left, agg_expr, inside)
        right = self.visit(node.right, agg_expr, inside)
        if left in NUMERIC + ("null",) and right in NUMERIC + ("null",):
            return "integer" if left in ("integer", "null") and right in ("integer", "null") else "number"
        temporal, duration = (left, node.right) if left in TEMPORAL else (right, node.left)
        if (left in TEMPORAL and right == "duration") or (op == "+" and right in TEMPORAL and left == "duration"):
            if not (isinstance(duration, Literal) and duration.type == "duration"):
                raise _err(duration, "日期加减只支持时长常量（如 7d、2h）", "date arithmetic takes a duration literal (e.g. 7d, 2h)")
            if temporal == "date" and whole_days(duration.value):
                return "date"
            return "datetime"
        raise _err(node, f"不能对{type_zh(left)}和{type_zh(right)}做 {op} 运算",
                   f"cannot apply {op} to {type_en(left)} and {type_en(right)}")

    def _call(self, node: Call, agg_expr: bool, inside: bool) -> str:
        v = lambda n: self.visit(n, agg_expr, inside)  # noqa: E731
        if node.name == "round":
            kind = self._want_inside(node.args[0], NUMERIC, "数值", "a number", agg_expr, inside)
            for a in node.args[1:]:
                v(a)
            if len(node.args) == 1 and kind in ("integer", "null"):
                return "integer"
            return "number"
        if node.name == "coalesce":
            result = "null"
            for a in node.args:
                kind = v(a)
                common = unify(result, kind)
                if common is None:
                    raise _err(a, f"coalesce 的参数类型不一致：{type_zh(result)}和{type_zh(kind)}",
                               f"coalesce arguments differ in type: {type_en(result)} and {type_en(kind)}")
                result = common
            return result
        if node.name == "date_trunc":
            v(node.args[0])
            self._want_inside(node.args[1], TEMPORAL, "日期或日期时间", "a date or datetime", agg_expr, inside)
            return "datetime"
        if node.name in ("hours_between", "minutes_between"):
            for a in node.args:
                self._want_inside(a, TEMPORAL, "日期或日期时间", "a date or datetime", agg_expr, inside)
            return "number"
        raise _err(node, f"未知函数 {node.name}", f"unknown function {node.name}")  # pragma: no cover

    def _aggregate(self, node: Aggregate, agg_expr: bool, inside: bool) -> str:
        if inside:
            raise _err(node, "聚合函数不能嵌套", "aggregates cannot be nested", code="not_aggregate")
        if node.where is not None:
            self._want_inside(node.where, ("boolean",), "布尔条件", "a boolean condition", agg_expr, True)
        name = node.name
        if name == "count":
            for a in node.args:
                self.visit(a, agg_expr, True)
            return "integer"
        if name == "distinct_count":
            kind = self.visit(node.args[0], agg_expr, True)
            if kind == "duration":
                raise _err(node.args[0], "distinct_count 不支持时长", "distinct_count does not take durations")
            return "integer"
        if name in ("sum", "avg", "percentile"):
            kind = self._want_inside(node.args[0], NUMERIC, "数值", "a number", agg_expr, True)
            for a in node.args[1:]:
                self.visit(a, agg_expr, True)
            if name == "sum":
                return "integer" if kind in ("integer", "null") else "number"
            return "number"
        # min / max
        kind = self._want_inside(node.args[0], NUMERIC + TEMPORAL + ("string",), "数值、字符串或日期",
                                 "a number, string or date", agg_expr, True)
        return kind if kind != "null" else "integer"


def check_types(expr: Expr, fields: Mapping[str, str]) -> tuple[str, dict[int, str]]:
    """The expression's type and the type of every node (by id)."""
    checker = Checker(fields)
    try:
        result = checker.run(expr)
    except DslError as exc:
        raise exc.with_source(expr.source) if expr.source is not None else exc
    return result, checker.types


def check(expr: Expr, fields: Mapping[str, str]) -> str:
    """Type-check `expr` against {field name: type}; return its type or raise DslError."""
    return check_types(expr, fields)[0]
