"""The one expression language (lark): parse -> AST -> SQL or Python. Imports nothing of ours.

    >>> from dsl import parse, check, evaluate
    >>> e = parse("amount * 2 > 10 and status in ['办结', '退回']")
    >>> check(e, {"amount": "number", "status": "string"})
    'boolean'
    >>> evaluate(e, {"amount": 6, "status": "办结"})
    True

See dsl/README.md for the grammar, every function and the null semantics.
"""
from .ast import (Aggregate, Between, Binary, Call, Expr, Field, In, IsNull, Literal, Now, Pos, Query, Today,
                  Unary)
from .errors import DslError
from .parser import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, MAX_NODES, parse
from .python import aggregate, evaluate, matches
from .sql import aggregate_select, aggregate_select_many, infer_fields, register_sqlite_functions, run_aggregate, to_sql
from .types import FIELD_TYPES, check

__all__ = [
    "parse", "check", "evaluate", "matches", "aggregate", "to_sql", "aggregate_select", "aggregate_select_many", "run_aggregate",
    "register_sqlite_functions", "infer_fields", "DslError", "FIELD_TYPES", "FUNCTIONS",
    "MAX_LENGTH", "MAX_DEPTH", "MAX_NODES",
    "Expr", "Pos", "Literal", "Now", "Today", "Field", "Unary", "Binary", "In", "Between", "IsNull", "Call",
    "Aggregate", "Query",
]
