"""A table service's query: a DSL filter, then a projection or a grouping with DSL aggregates.

    {"table": "...", "filter": "status = '办结' and 区 in ['江东区']",
     "columns": ["district", "mm"], "newest_first": "observed_at"}    # projection, latest rows first
    {"table": "...", "filter": "...", "group_by": ["district"],
     "aggregates": [{"name": "events", "expr": "count()"}, {"name": "mm", "expr": "max(mm)"}]}

Everything compiles to one SELECT with bound parameters that runs where the table is.
"""
from __future__ import annotations

import sqlalchemy as sa

import dsl
from dsl.sql import field_type_of

MAX_GROUPS = 10_000


class QueryError(Exception):
    """Field path -> zh-CN messages, as Invalid wants them."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def fields_of(table: sa.Table, declared: dict[str, str] | None = None) -> dict[str, str]:
    """The expression language's type of each column it understands (others are left out)."""
    out = {}
    for col in table.c:
        if col.name == "_row":
            continue
        kind = (declared or {}).get(col.name) or field_type_of(col.type)
        if kind:
            out[col.name] = kind
    return out


def check(definition: dict, fields: dict[str, str]) -> dict[str, list[str]]:
    """Errors of a table definition against the table's fields (empty when it is fine)."""
    errors: dict[str, list[str]] = {}
    columns = definition.get("columns") or []
    unknown = [c for c in columns if c not in fields]
    if unknown:
        errors["definition.columns"] = [f"表中没有列：{', '.join(unknown)}"]
    if definition.get("filter"):
        try:
            if dsl.check(dsl.parse(definition["filter"]), fields) != "boolean":
                errors["definition.filter"] = ["筛选条件须为真假判断，如 status = '办结'"]
        except dsl.DslError as exc:
            errors["definition.filter"] = [exc.render("zh-CN")]
    newest = definition.get("newest_first")
    if newest and fields.get(newest) not in ("datetime", "date"):
        errors["definition.newest_first"] = [f"须为日期或日期时间列：{newest}"]
    group_by, aggregates = definition.get("group_by") or [], definition.get("aggregates") or []
    if (group_by or aggregates) and newest:
        errors["definition.newest_first"] = ["分组查询不按时间排序"]
    if group_by or aggregates:
        if columns:
            errors["definition.columns"] = ["分组查询的输出为分组字段和聚合，不另选列"]
        unknown = [g for g in group_by if g not in fields]
        if unknown:
            errors["definition.group_by"] = [f"表中没有列：{', '.join(unknown)}"]
        if not aggregates:
            errors["definition.aggregates"] = ["分组查询至少需要一个聚合，如 count()"]
        names = [a.get("name") for a in aggregates]
        if len(set(names)) != len(names) or set(names) & set(group_by):
            errors["definition.aggregates"] = ["聚合的名称须互不相同，也不能与分组字段同名"]
        for i, agg in enumerate(aggregates):
            try:
                expr = dsl.parse(agg.get("expr") or "")
                kind = dsl.check(expr, fields)
                inner = expr.expr if isinstance(expr, dsl.Query) else expr
                if not inner.is_aggregate or isinstance(expr, dsl.Query):
                    errors[f"definition.aggregates.{i}.expr"] = ["须为聚合表达式，如 count()、sum(mm)；分组在 group_by 中指定"]
                elif kind not in dsl.FIELD_TYPES:
                    errors[f"definition.aggregates.{i}.expr"] = [f"结果类型 {kind} 不能作为输出列"]
            except dsl.DslError as exc:
                errors[f"definition.aggregates.{i}.expr"] = [exc.render("zh-CN")]
    return errors


def output(definition: dict, fields: dict[str, str]) -> list[dict]:
    """The columns a checked definition yields, with their types (known without running it)."""
    group_by, aggregates = definition.get("group_by") or [], definition.get("aggregates") or []
    if group_by or aggregates:
        return [{"name": g, "type": fields[g]} for g in group_by] + [
            {"name": a["name"], "type": dsl.check(dsl.parse(a["expr"]), fields)} for a in aggregates]
    return [{"name": n, "type": fields[n]} for n in definition.get("columns") or list(fields)]


def statement(table: sa.Table, definition: dict, fields: dict[str, str], order_by_row: bool = False) -> sa.Select:
    """The SELECT of a checked definition (see check())."""
    cols = {name: table.c[name] for name in fields}
    where = dsl.to_sql(dsl.parse(definition["filter"]), cols, fields=fields) if definition.get("filter") else None
    group_by, aggregates = definition.get("group_by") or [], definition.get("aggregates") or []
    if group_by or aggregates:
        base = sa.select(*cols.values())
        if where is not None:
            base = base.where(where)
        sub = base.subquery("filtered")
        return dsl.aggregate_select_many({a["name"]: dsl.parse(a["expr"]) for a in aggregates}, sub,
                                         {n: sub.c[n] for n in cols}, group_by=tuple(group_by),
                                         max_rows=MAX_GROUPS, fields=fields)
    names = definition.get("columns") or list(fields)
    stmt = sa.select(*[table.c[n] for n in names])
    if where is not None:
        stmt = stmt.where(where)
    if definition.get("newest_first"):  # a list of the latest (alerts, readings) under a row limit
        return stmt.order_by(table.c[definition["newest_first"]].desc())
    if order_by_row and "_row" in table.c:
        stmt = stmt.order_by(table.c._row)
    return stmt
