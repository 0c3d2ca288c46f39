"""The SQLAlchemy Core back end (SQLite and PostgreSQL). Every value from an expression becomes a
bound parameter; only fixed SQL fragments of this module are ever written as text."""
from __future__ import annotations

import datetime as dt
import math
from typing import Any, Mapping

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from .ast import Aggregate, Between, Binary, Call, Expr, Field, In, IsNull, Literal, Query, Unary, unwrap
from .errors import DslError
from .python import _Evaluator, date_trunc, normalize_now, percentile_cont, seconds_between, sql_round
from .types import TEMPORAL, check_types

MAX_ROWS_CAP = 100_000

SA_TYPES = {
    "integer": sa.Integer(), "number": sa.Float(), "string": sa.String(), "boolean": sa.Boolean(),
    "date": sa.Date(), "datetime": sa.DateTime(), "duration": sa.Interval(),
}


def field_type_of(sa_type: Any) -> str | None:
    """Our field type for a SQLAlchemy column type (TypeDecorators such as UTCDateTime use their impl)."""
    t = sa_type
    while isinstance(t, TypeDecorator) and not isinstance(t, sa.Interval):  # Interval is one on SQLite
        t = t.impl_instance if hasattr(t, "impl_instance") else t.impl
    if isinstance(t, sa.Boolean):
        return "boolean"
    if isinstance(t, sa.Integer):
        return "integer"
    if isinstance(t, (sa.Float, sa.Numeric)):
        return "number"
    if isinstance(t, sa.DateTime):
        return "datetime"
    if isinstance(t, sa.Date):
        return "date"
    if isinstance(t, sa.Interval):
        return "duration"
    if isinstance(t, (sa.String, sa.Enum)):
        return "string"
    return None


def infer_fields(columns: Mapping[str, Any]) -> dict[str, str]:
    out = {}
    for name, col in columns.items():
        kind = field_type_of(col.type)
        if kind is None:
            raise ValueError(f"column for field {name!r} has a type the expression language does not know: {col.type!r}")
        out[name] = kind
    return out


# --- dialect-specific constructs ---------------------------------------------------------------

class _Fn(FunctionElement):
    inherit_cache = True


class _Typed(_Fn):
    """A bound constant: CAST on PostgreSQL so the server knows its type, as-is on SQLite.
    One subclass per type (below), so statement caching stays correct."""
    name = "tg_typed"
    _cast_type: Any = sa.types.NULLTYPE


_TYPED = {kind: type(f"_Typed_{kind}", (_Typed,), {"_cast_type": t, "inherit_cache": True})
          for kind, t in SA_TYPES.items()}


@compiles(_Typed)
def _typed_default(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(_Typed, "postgresql")
def _typed_pg(element, compiler, **kw):
    return compiler.process(sa.cast(list(element.clauses)[0], element._cast_type), **kw)


class _COrder(_Fn):
    name = "tg_c_order"
    inherit_cache = True


@compiles(_COrder)
def _corder_default(element, compiler, **kw):
    return compiler.process(list(element.clauses)[0], **kw)


@compiles(_COrder, "postgresql")
def _corder_pg(element, compiler, **kw):
    return '(%s COLLATE "C")' % compiler.process(list(element.clauses)[0], **kw)


class _DateToTs(_Fn):
    name = "tg_date_to_ts"
    inherit_cache = True


@compiles(_DateToTs)
def _date_to_ts_default(element, compiler, **kw):  # SQLAlchemy's SQLite DateTime storage format
    return "(%s || ' 00:00:00.000000')" % compiler.process(list(element.clauses)[0], **kw)


@compiles(_DateToTs, "postgresql")
def _date_to_ts_pg(element, compiler, **kw):
    return "CAST(%s AS TIMESTAMP WITHOUT TIME ZONE)" % compiler.process(list(element.clauses)[0], **kw)


class _AddDays(_Fn):
    name = "tg_add_days"
    inherit_cache = True


@compiles(_AddDays)
def _add_days_default(element, compiler, **kw):
    t, n = list(element.clauses)
    return "date(%s, %s || ' days')" % (compiler.process(t, **kw), compiler.process(n, **kw))


@compiles(_AddDays, "postgresql")
def _add_days_pg(element, compiler, **kw):
    t, n = list(element.clauses)
    return "(%s + %s)" % (compiler.process(t, **kw), compiler.process(n, **kw))


class _AddSeconds(_Fn):
    name = "tg_add_seconds"
    inherit_cache = True


@compiles(_AddSeconds)
def _add_seconds_default(element, compiler, **kw):
    t, s = list(element.clauses)
    return "tg_add_seconds(%s, %s)" % (compiler.process(t, **kw), compiler.process(s, **kw))


@compiles(_AddSeconds, "postgresql")
def _add_seconds_pg(element, compiler, **kw):
    t, s = list(element.clauses)
    return "(CAST(%s AS TIMESTAMP WITHOUT TIME ZONE) + make_interval(secs => %s))" % (
        compiler.process(t, **kw), compiler.process(s, **kw))


class _DateTrunc(_Fn):
    name = "tg_date_trunc"
    inherit_cache = True


@compiles(_DateTrunc)
def _date_trunc_default(element, compiler, **kw):
    unit, t = list(element.clauses)
    return "tg_date_trunc(%s, %s)" % (compiler.process(unit, **kw), compiler.process(t, **kw))


@compiles(_DateTrunc, "postgresql")
def _date_trunc_pg(element, compiler, **kw):
    unit, t = list(element.clauses)
    return "date_trunc(%s, CAST(%s AS TIMESTAMP WITHOUT TIME ZONE))" % (
        compiler.process(unit, **kw), compiler.process(t, **kw))


class _SecondsBetween(_Fn):
    name = "tg_seconds_between"
    inherit_cache = True


@compiles(_SecondsBetween)
def _seconds_between_default(element, compiler, **kw):
    a, b = list(element.clauses)
    return "tg_seconds_between(%s, %s)" % (compiler.process(a, **kw), compiler.process(b, **kw))


@compiles(_SecondsBetween, "postgresql")
def _seconds_between_pg(element, compiler, **kw):
    a, b = list(element.clauses)
    return "EXTRACT(EPOCH FROM (CAST(%s AS TIMESTAMP WITHOUT TIME ZONE) - CAST(%s AS TIMESTAMP WITHOUT TIME ZONE)))" % (
        compiler.process(b, **kw), compiler.process(a, **kw))


class _Round(_Fn):
    name = "tg_round"
    inherit_cache = True


@compiles(_Round)
def _round_default(element, compiler, **kw):
    x, n = list(element.clauses)
    return "tg_round(%s, %s)" % (compiler.process(x, **kw), compiler.process(n, **kw))


@compiles(_Round, "postgresql")
def _round_pg(element, compiler, **kw):
    x, n = list(element.clauses)
    return "CAST(round(CAST(%s AS NUMERIC), %s) AS DOUBLE PRECISION)" % (
        compiler.process(x, **kw), compiler.process(n, **kw))


class _Percentile(_Fn):
    name = "tg_percentile"
    inherit_cache = True


@compiles(_Percentile)
def _percentile_default(element, compiler, **kw):
    x, p = list(element.clauses)
    return "percentile_cont(%s, %s)" % (compiler.process(x, **kw), compiler.process(p, **kw))


@compiles(_Percentile, "postgresql")
def _percentile_pg(element, compiler, **kw):
    x, p = list(element.clauses)
    return "percentile_cont(%s) WITHIN GROUP (ORDER BY CAST(%s AS DOUBLE PRECISION))" % (
        compiler.process(p, **kw), compiler.process(x, **kw))


# --- SQLite functions ----------------------------------------------------------------------------

def _parse_sqlite_temporal(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return None
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


def _fmt(value: dt.datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_add_seconds(value, seconds):
    t = _parse_sqlite_temporal(value)
    if t is None or seconds is None:
        return None
    try:
        return _fmt(t + dt.timedelta(seconds=seconds))
    except OverflowError:
        return None


def _sqlite_date_trunc(unit, value):
    t = _parse_sqlite_temporal(value)
    if t is None or unit not in ("hour", "day", "week", "month", "year"):
        return None
    return _fmt(date_trunc(unit, t))


def _sqlite_seconds_between(a, b):
    return seconds_between(_parse_sqlite_temporal(a), _parse_sqlite_temporal(b))


def _sqlite_round(x, n):
    if x is None or n is None or isinstance(x, (str, bytes)):
        return None
    if isinstance(x, float) and not math.isfinite(x):
        return x
    return sql_round(x, int(n))


class _PercentileCont:
    def __init__(self):
        self.values: list[float] = []
        self.fraction = None

    def step(self, value, fraction):
        if fraction is not None:
            self.fraction = float(fraction)
        if value is not None and not isinstance(value, (str, bytes)):
            self.values.append(float(value))

    def finalize(self):
        if self.fraction is None:
            return None
        return percentile_cont(self.values, self.fraction)


def register_sqlite_functions(dbapi_connection) -> None:
    """Create the functions the SQL back end needs on a sqlite3 connection. Call it from a SQLAlchemy
    `connect` event: `event.listen(engine, "connect", lambda c, r: register_sqlite_functions(c))`."""
    dbapi_connection.create_function("tg_add_seconds", 2, _sqlite_add_seconds, deterministic=True)
    dbapi_connection.create_function("tg_date_trunc", 2, _sqlite_date_trunc, deterministic=True)
    dbapi_connection.create_function("tg_seconds_between", 2, _sqlite_seconds_between, deterministic=True)
    dbapi_connection.create_function("tg_round", 2, _sqlite_round, deterministic=True)
    dbapi_connection.create_aggregate("percentile_cont", 2, _PercentileCont)


# --- compiling -----------------------------------------------------------------------------------

def _constant_ids(root: Expr) -> set[int]:
    """ids of the nodes that read no field and hold no aggregate (they are folded to parameters)."""
    out: set[int] = set()

    def visit(node: Expr) -> bool:
        kids = [visit(c) for c in node.children()]
        const = all(kids) and not isinstance(node, (Field, Aggregate))
        if const:
            out.add(id(node))
        return const

    visit(root)
    return out


class _Compiler:
    def __init__(self, expr: Expr, columns: Mapping[str, Any], fields: Mapping[str, str] | None,
                 now: dt.datetime | None):
        self.columns = columns
        self.fields = dict(fields) if fields is not None else infer_fields(columns)
        self.result_type, self.types = check_types(expr, self.fields)
        self.now = normalize_now(now)
        self.evaluator = _Evaluator(self.now, self.types)
        self.constants = _constant_ids(expr)

    def bind(self, value: Any, kind: str):
        if kind not in SA_TYPES:  # an untyped null: the server infers its type from the context
            return sa.literal(None)
        sa_type = SA_TYPES[kind]
        if isinstance(value, dt.datetime) and kind == "date":
            sa_type = SA_TYPES["datetime"]
        if isinstance(value, dt.datetime) and kind == "date":
            kind = "datetime"
        return sa.type_coerce(_TYPED[kind](sa.literal(value, sa_type)), sa_type)

    def compile(self, node: Expr):
        kind = self.types[id(node)]
        if id(node) in self.constants:
            return self.bind(self.evaluator.run(node, {}), kind)
        return self._compile(node, kind)

    def compare(self, op: str, left, lkind: str, right, rkind: str):
        if lkind in TEMPORAL and rkind in TEMPORAL and lkind != rkind:
            if lkind == "date":
                left = sa.type_coerce(_DateToTs(left), sa.DateTime())
            else:
                right = sa.type_coerce(_DateToTs(right), sa.DateTime())
        if "string" in (lkind, rkind) and op not in ("=", "!="):
            left, right = _COrder(left), _COrder(right)
        return {"=": sa.sql.operators.eq, "!=": sa.sql.operators.ne, "<": sa.sql.operators.lt,
                "<=": sa.sql.operators.le, ">": sa.sql.operators.gt, ">=": sa.sql.operators.ge}[op](left, right)

    def _cmp_nodes(self, op: str, a: Expr, b: Expr):
        return self.compare(op, self.compile(a), self.types[id(a)], self.compile(b), self.types[id(b)])

    def _compile(self, node: Expr, kind: str):
        c = self.compile
        if isinstance(node, Field):
            return self.columns[node.name]
        if isinstance(node, Unary):
            if node.op == "not":
                return sa.not_(c(node.operand))
            return -c(node.operand)
        if isinstance(node, Binary):
            op = node.op
            if op == "and":
                return sa.and_(c(node.left), c(node.right))
            if op == "or":
                return sa.or_(c(node.left), c(node.right))
            if op in ("=", "!=", "<", "<=", ">", ">="):
                return self._cmp_nodes(op, node.left, node.right)
            lk, rk = self.types[id(node.left)], self.types[id(node.right)]
            if lk in TEMPORAL or rk in TEMPORAL:
                t_node, d_node = (node.left, node.right) if lk in TEMPORAL else (node.right, node.left)
                delta = self.evaluator.value(d_node, {})
                sign = -1 if op == "-" else 1
                t = c(t_node)
                if kind == "date":
                    return sa.type_coerce(_AddDays(t, self.bind(sign * (delta // dt.timedelta(days=1)), "integer")),
                                          sa.Date())
                if self.types[id(t_node)] == "date":
                    t = sa.type_coerce(_DateToTs(t), sa.DateTime())
                return sa.type_coerce(_AddSeconds(t, self.bind(sign * delta.total_seconds(), "number")), sa.DateTime())
            left, right = c(node.left), c(node.right)
            if op == "/":
                num = sa.cast(left, sa.Float())
                den = sa.func.nullif(sa.cast(right, sa.Float()), self.bind(0.0, "number"))
                return sa.type_coerce(num / den, sa.Float())
            result = {"+": sa.sql.operators.add, "-": sa.sql.operators.sub, "*": sa.sql.operators.mul}[op](left, right)
            return sa.type_coerce(result, SA_TYPES[kind])
        if isinstance(node, In):
            result = sa.or_(*[self._cmp_nodes("=", node.operand, item) for item in node.items])
            return sa.not_(result) if node.negated else result
        if isinstance(node, Between):
            result = sa.and_(self._cmp_nodes(">=", node.operand, node.low), self._cmp_nodes("<=", node.operand, node.high))
            return sa.not_(result) if node.negated else result
        if isinstance(node, IsNull):
            x = c(node.operand)
            return x.is_not(None) if node.negated else x.is_(None)
        if isinstance(node, Call):
            return self._call(node, kind)
        if isinstance(node, Aggregate):
            return self._aggregate(node, kind)
        raise DslError("无法编译的表达式", "cannot compile the expression", node.pos.line, node.pos.column)

    def _call(self, node: Call, kind: str):
        if node.name == "round":
            x = self.compile(node.args[0])
            if len(node.args) == 1 and kind == "integer":
                return x
            digits = node.args[1].value if len(node.args) > 1 else 0
            return sa.type_coerce(_Round(x, self.bind(digits, "integer")), sa.Float())
        if node.name == "coalesce":
            args = []
            for a in node.args:
                x = self.compile(a)
                if kind == "datetime" and self.types[id(a)] == "date":
                    x = sa.type_coerce(_DateToTs(x), sa.DateTime())
                elif kind == "number" and self.types[id(a)] == "integer":
                    x = sa.cast(x, sa.Float())
                args.append(x)
            return sa.type_coerce(sa.func.coalesce(*args), SA_TYPES.get(kind, sa.types.NULLTYPE))
        if node.name == "date_trunc":
            unit = self.bind(node.args[0].value, "string")
            return sa.type_coerce(_DateTrunc(unit, self.compile(node.args[1])), sa.DateTime())
        if node.name in ("hours_between", "minutes_between"):
            seconds = sa.cast(_SecondsBetween(self.compile(node.args[0]), self.compile(node.args[1])), sa.Float())
            return seconds / (3600.0 if node.name == "hours_between" else 60.0)
        raise DslError(f"未知函数 {node.name}", f"unknown function {node.name}", node.pos.line, node.pos.column)

    def _aggregate(self, node: Aggregate, kind: str):
        def filtered(value):
            if node.where is None:
                return value
            return sa.case((self.compile(node.where), value))

        name = node.name
        if name == "count":
            if not node.args:
                if node.where is None:
                    return sa.func.count()
                return sa.func.count(filtered(self.bind(1, "integer")))
            return sa.func.count(filtered(self.compile(node.args[0])))
        arg = filtered(self.compile(node.args[0]))
        akind = self.types[id(node.args[0])]
        if name == "distinct_count":
            return sa.func.count(sa.distinct(arg))
        if name == "sum":
            if kind == "integer":  # PostgreSQL's sum(bigint) is numeric; keep whole numbers ints
                return sa.cast(sa.func.sum(arg), sa.BigInteger())
            return sa.type_coerce(sa.func.sum(arg), SA_TYPES[kind])
        if name == "avg":
            return sa.type_coerce(sa.func.avg(sa.cast(arg, sa.Float())), sa.Float())
        if name == "percentile":
            frac = self.bind(float(node.args[1].value), "number")
            return sa.type_coerce(_Percentile(arg, frac), sa.Float())
        fn = sa.func.min if name == "min" else sa.func.max
        if akind == "string":
            arg = _COrder(arg)
        return sa.type_coerce(fn(arg), SA_TYPES.get(kind, sa.Integer()))


def to_sql(expr: Expr, columns: Mapping[str, Any], *, now: dt.datetime | None = None,
           fields: Mapping[str, str] | None = None):
    """Compile a row expression to a SQLAlchemy ColumnElement. `columns` maps field names to columns;
    field types are taken from the column types unless `fields` is given."""
    try:
        comp = _Compiler(expr, columns, fields, now)
        if isinstance(expr, Query) or expr.is_aggregate:
            raise DslError("这是聚合表达式，请用 aggregate_select()", "this is an aggregate expression; use aggregate_select()",
                           expr.pos.line, expr.pos.column)
        result = comp.compile(expr)
    except DslError as exc:
        raise exc.with_source(expr.source) if expr.source is not None else exc
    return sa.type_coerce(result, SA_TYPES.get(comp.result_type, sa.types.NULLTYPE)) \
        if comp.result_type in SA_TYPES else result


def aggregate_select(expr: Expr, selectable, columns: Mapping[str, Any], *, time_column: Any = None,
                     now: dt.datetime | None = None, max_rows: int = 1000,
                     fields: Mapping[str, str] | None = None) -> sa.Select:
    """Compile an aggregate expression (with `over last ...` and `by ...`) to a SELECT over `selectable`.

    The result has one column per group field (labelled with the field name) and a column "value";
    rows are ordered by the group fields (nulls last, strings by code point) and limited to max_rows.
    `time_column` (a field name or a column) is what `over last 7d` filters on."""
    if not 1 <= max_rows <= MAX_ROWS_CAP:
        raise ValueError(f"max_rows must be between 1 and {MAX_ROWS_CAP}")
    inner, window, group_by = unwrap(expr)
    try:
        comp = _Compiler(expr, columns, fields, now)
        if not inner.is_aggregate:
            raise DslError("不是聚合表达式（需要 count()、sum(x) 等）", "not an aggregate expression (use count(), sum(x), ...)",
                           expr.pos.line, expr.pos.column)
        value = comp.compile(inner)
    except DslError as exc:
        raise exc.with_source(expr.source) if expr.source is not None else exc
    value = sa.type_coerce(value, SA_TYPES.get(comp.result_type, sa.Integer()))
    group_cols = []
    for g in group_by:
        if g.name == "value":
            raise DslError("不能按名为 value 的字段分组", "cannot group by a field named value", g.pos.line, g.pos.column,
                           expr.source)
        group_cols.append((g.name, columns[g.name], comp.fields[g.name]))
    stmt = sa.select(*[col.label(name) for name, col, _ in group_cols], value.label("value")).select_from(selectable)
    if window is not None:
        if time_column is None:
            raise ValueError("an expression with `over last ...` needs time_column")
        tcol = columns[time_column] if isinstance(time_column, str) else time_column
        tkind = field_type_of(tcol.type) or "datetime"
        try:
            start = comp.bind(comp.now - window, "datetime")
        except OverflowError:
            start = comp.bind(dt.datetime.min, "datetime")
        end = comp.bind(comp.now, "datetime")
        stmt = stmt.where(comp.compare(">=", tcol, tkind, start, "datetime"),
                          comp.compare("<=", tcol, tkind, end, "datetime"))
    if group_cols:
        stmt = stmt.group_by(*[col for _, col, _ in group_cols])
        stmt = stmt.order_by(*[sa.nulls_last((_COrder(col) if kind == "string" else col).asc())
                               for _, col, kind in group_cols])
        stmt = stmt.limit(max_rows)
    return stmt


def aggregate_select_many(exprs: Mapping[str, Expr], selectable, columns: Mapping[str, Any], *,
                          group_by: tuple[str, ...] = (), window: dt.timedelta | None = None, time_column: Any = None,
                          now: dt.datetime | None = None, max_rows: int = 1000,
                          fields: Mapping[str, str] | None = None) -> sa.Select:
    """Several aggregate expressions over the same rows, window and grouping in ONE select: a column
    per group field and a column per label of `exprs`. The expressions' own `over`/`by` suffixes must be
    absent or equal to `window`/`group_by` (the caller groups indicators that share them)."""
    if not 1 <= max_rows <= MAX_ROWS_CAP:
        raise ValueError(f"max_rows must be between 1 and {MAX_ROWS_CAP}")
    values, comp = [], None
    for label, expr in exprs.items():
        inner, own_window, own_group = unwrap(expr)
        try:
            comp = _Compiler(expr, columns, fields, now)
            if not inner.is_aggregate:
                raise DslError("不是聚合表达式（需要 count()、sum(x) 等）",
                               "not an aggregate expression (use count(), sum(x), ...)", expr.pos.line, expr.pos.column)
            value = comp.compile(inner)
        except DslError as exc:
            raise exc.with_source(expr.source) if expr.source is not None else exc
        values.append(sa.type_coerce(value, SA_TYPES.get(comp.result_type, sa.Integer())).label(label))
    if comp is None:
        raise ValueError("no expressions")
    group_cols = [(name, columns[name]) for name in group_by]
    stmt = sa.select(*[col.label(name) for name, col in group_cols], *values).select_from(selectable)
    if window is not None:
        if time_column is None:
            raise ValueError("a window needs time_column")
        tcol = columns[time_column] if isinstance(time_column, str) else time_column
        tkind = field_type_of(tcol.type) or "datetime"
        start = comp.bind(comp.now - window, "datetime")
        end = comp.bind(comp.now, "datetime")
        stmt = stmt.where(comp.compare(">=", tcol, tkind, start, "datetime"),
                          comp.compare("<=", tcol, tkind, end, "datetime"))
    if group_cols:
        kinds = comp.fields
        stmt = stmt.group_by(*[col for _, col in group_cols])
        stmt = stmt.order_by(*[sa.nulls_last((_COrder(col) if kinds.get(name) == "string" else col).asc())
                               for name, col in group_cols])
        stmt = stmt.limit(max_rows)
    return stmt


def run_aggregate(connection, expr: Expr, selectable, columns: Mapping[str, Any], **kwargs) -> list[dict[str, Any]]:
    """aggregate_select() executed: [{group field: value, ..., "value": result}] like dsl.aggregate()."""
    stmt = aggregate_select(expr, selectable, columns, **kwargs)
    return [dict(row._mapping) for row in connection.execute(stmt)]
