"""Operators' SELECTs are parsed (sqlglot) before they are kept or run: one statement, a
query, nothing that writes, locks or creates; its :placeholders are the service's parameters."""
from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError

WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Into, exp.Command,
          exp.TruncateTable, exp.Lock)
DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql", "mariadb": "mysql", "mssql": "tsql",
            "oracle": "oracle"}


def check(sql: str, backend: str) -> tuple[list[str], set[str]]:
    """(problems in zh-CN, placeholder names)."""
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECTS.get(backend, "postgres")) if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        where = f"第 {first.get('line', '?')} 行第 {first.get('col', '?')} 列" if first else ""
        return [f"SQL 无法解析{('（' + where + '）') if where else ''}：{first.get('description', exc)}"], set()
    if len(statements) != 1:
        return ["只能包含一条 SQL 语句"], set()
    stmt = statements[0]
    problems = []
    if not isinstance(stmt, exp.Query):
        problems.append("只允许查询语句（SELECT / WITH ... SELECT）")
    for node in stmt.walk():
        if isinstance(node, WRITES):
            problems.append(f"查询中不能包含写入或结构变更（{node.key.upper()}）")
            break
        if isinstance(node, exp.Lock):
            problems.append("查询中不能加锁（FOR UPDATE）")
            break
    names = {p.name for p in stmt.find_all(exp.Placeholder) if p.name}
    return problems, names
