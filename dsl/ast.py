"""The typed syntax tree: frozen dataclasses. `pos` (line, column) is not part of equality, so two
parses of the same text with different spacing compare equal."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


@dataclass(frozen=True)
class Pos:
    line: int = 1
    column: int = 1


@dataclass(frozen=True, kw_only=True)
class Expr:
    pos: Pos = field(default=Pos(), compare=False, repr=False)
    depth: int = field(default=1, compare=False, repr=False)
    size: int = field(default=1, compare=False, repr=False)
    source: str | None = field(default=None, compare=False, repr=False)  # set on the root by parse()

    def children(self) -> tuple["Expr", ...]:
        return ()

    def walk(self):
        """Every node, this one first (depth is bounded by the parser, so recursion is safe)."""
        yield self
        for child in self.children():
            yield from child.walk()

    @cached_property  # trees are immutable and parses are cached: walk each once
    def is_aggregate(self) -> bool:
        return any(isinstance(n, Aggregate) for n in self.walk())


@dataclass(frozen=True)
class Literal(Expr):
    """number (int/float), string, boolean, null (None), duration (timedelta), date, datetime."""
    value: Any
    type: str  # integer number string boolean null duration date datetime


@dataclass(frozen=True)
class Now(Expr):
    pass


@dataclass(frozen=True)
class Today(Expr):
    pass


@dataclass(frozen=True)
class Field(Expr):
    name: str


@dataclass(frozen=True)
class Unary(Expr):
    op: str  # "-" or "not"
    operand: Expr

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Binary(Expr):
    op: str  # + - * / = != < <= > >= and or
    left: Expr
    right: Expr

    def children(self):
        return (self.left, self.right)


@dataclass(frozen=True)
class In(Expr):
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False

    def children(self):
        return (self.operand, *self.items)


@dataclass(frozen=True)
class Between(Expr):
    operand: Expr
    low: Expr
    high: Expr
    negated: bool = False

    def children(self):
        return (self.operand, self.low, self.high)


@dataclass(frozen=True)
class IsNull(Expr):
    operand: Expr
    negated: bool = False

    def children(self):
        return (self.operand,)


@dataclass(frozen=True)
class Call(Expr):
    """A scalar function: round, coalesce, date_trunc."""
    name: str
    args: tuple[Expr, ...]

    def children(self):
        return self.args


@dataclass(frozen=True)
class Aggregate(Expr):
    """count, sum, avg, min, max, distinct_count, percentile; `where` filters the rows it sees."""
    name: str
    args: tuple[Expr, ...]
    where: Expr | None = None

    def children(self):
        return self.args + ((self.where,) if self.where is not None else ())


@dataclass(frozen=True)
class Query(Expr):
    """A top-level aggregate expression with a time window (`over last 7d`) and/or grouping (`by a, b`)."""
    expr: Expr
    window: dt.timedelta | None = None
    group_by: tuple[Field, ...] = ()

    def children(self):
        return (self.expr, *self.group_by)


def unwrap(expr: Expr) -> tuple[Expr, dt.timedelta | None, tuple[Field, ...]]:
    if isinstance(expr, Query):
        return expr.expr, expr.window, expr.group_by
    return expr, None, ()
