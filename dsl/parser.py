"""Text -> syntax tree. One LALR parser (built once) with an inline Transformer, so no parse tree is
built and nothing recurses on the input's depth; the limits are checked while reducing."""
from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
from pathlib import Path

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .ast import Aggregate, Between, Binary, Call, Expr, Field, In, IsNull, Literal, Now, Pos, Query, Today, Unary
from .errors import DslError

MAX_LENGTH = 4000
MAX_DEPTH = 64
MAX_NODES = 1000

AGGREGATES = ("count", "sum", "avg", "min", "max", "distinct_count", "percentile")
SCALARS = ("round", "coalesce", "date_trunc", "hours_between", "minutes_between")
LITERAL_FUNCTIONS = ("date", "datetime")
FUNCTIONS = AGGREGATES + SCALARS + LITERAL_FUNCTIONS
TRUNC_UNITS = ("hour", "day", "week", "month", "year")
DURATION_UNITS = {"ms": dt.timedelta(milliseconds=1), "s": dt.timedelta(seconds=1), "m": dt.timedelta(minutes=1),
                  "h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}
MAX_INT = 2**63 - 1

TOKEN_NAMES = {  # terminal -> (zh, en) for "expected ..." messages
    "RPAR": ("')'", "')'"), "LPAR": ("'('", "'('"), "COMMA": ("','", "','"), "RSQB": ("']'", "']'"),
    "LSQB": ("'['", "'['"), "NAME": ("字段名", "a field name"), "QUOTED_NAME": ("字段名", "a field name"),
    "NUMBER": ("数字", "a number"), "STRING": ("字符串", "a string"), "DURATION": ("时长（如 7d）", "a duration (e.g. 7d)"),
    "COMP": ("比较运算符", "a comparison operator"), "PLUS": ("'+'", "'+'"), "MINUS": ("'-'", "'-'"),
    "STAR": ("'*'", "'*'"), "SLASH": ("'/'", "'/'"), "$END": ("表达式结束", "the end of the expression"),
}


def _tok_name(name: str) -> tuple[str, str]:
    if name in TOKEN_NAMES:
        return TOKEN_NAMES[name]
    return (name.lower(), name.lower())  # keywords: and, or, where, ...


def _pos(tok: Token) -> Pos:
    return Pos(tok.line or 1, tok.column or 1)


def _error(node_or_tok, zh: str, en: str, code: str = "invalid") -> DslError:
    pos = node_or_tok.pos if isinstance(node_or_tok, Expr) else _pos(node_or_tok)
    return DslError(zh, en, pos.line, pos.column, code=code)


def make(cls, pos: Pos, *args, **kwargs) -> Expr:
    """Build a node, tracking depth and size and enforcing the limits."""
    depth, size = 0, 1
    for a in list(args) + list(kwargs.values()):
        for c in (a if isinstance(a, tuple) else (a,)):
            if isinstance(c, Expr):
                depth = max(depth, c.depth)
                size += c.size
    node = cls(*args, pos=pos, depth=depth + 1, size=size, **kwargs)
    if node.depth > MAX_DEPTH:
        raise DslError(f"表达式嵌套太深（最多 {MAX_DEPTH} 层）", f"the expression is nested too deeply (at most {MAX_DEPTH} levels)",
                       pos.line, pos.column, code="too_deep")
    if node.size > MAX_NODES:
        raise DslError(f"表达式太复杂（最多 {MAX_NODES} 个节点）", f"the expression is too complex (at most {MAX_NODES} nodes)",
                       pos.line, pos.column, code="too_large")
    return node


def _string_value(tok: Token) -> str:
    return tok.value[1:-1].replace("''", "'")


def _duration(tok: Token) -> dt.timedelta:
    text = tok.value
    unit = "ms" if text.endswith("ms") else text[-1]
    number = text[: -len(unit)]
    try:
        return DURATION_UNITS[unit] * (float(number) if "." in number else int(number))
    except OverflowError:
        raise _error(tok, "时长太大", "the duration is too large") from None


class _Build(Transformer):
    """Inline LALR callbacks: children -> nodes."""

    def start(self, c):
        expr = c[0]
        window = None
        group: tuple = ()
        for extra in c[1:]:
            if isinstance(extra, dt.timedelta):
                window = extra
            else:
                group = extra
        if window is None and not group:
            return expr
        return make(Query, expr.pos, expr, window=window, group_by=group)

    def window(self, c):
        value = _duration(c[2])
        if value <= dt.timedelta(0):
            raise _error(c[2], "时间窗口必须大于 0", "the time window must be longer than 0")
        return value

    def grouping(self, c):
        return tuple(c[1:])

    def field(self, c):
        tok = c[0]
        name = tok.value[1:-1].replace("``", "`") if tok.type == "QUOTED_NAME" else tok.value
        return make(Field, _pos(tok), name)

    def logical(self, c):
        return make(Binary, _pos(c[1]), c[1].value.lower(), c[0], c[2])

    def not_(self, c):
        return make(Unary, _pos(c[0]), "not", c[1])

    def compare(self, c):
        op = {"==": "=", "<>": "!="}.get(c[1].value, c[1].value)
        return make(Binary, _pos(c[1]), op, c[0], c[2])

    def in_(self, c):
        return make(In, _pos(c[1]), c[0], c[2])

    def not_in(self, c):
        return make(In, _pos(c[1]), c[0], c[3], negated=True)

    def between(self, c):
        return make(Between, _pos(c[1]), c[0], c[2], c[4])

    def not_between(self, c):
        return make(Between, _pos(c[1]), c[0], c[3], c[5], negated=True)

    def is_null(self, c):
        return make(IsNull, _pos(c[1]), c[0])

    def is_not_null(self, c):
        return make(IsNull, _pos(c[1]), c[0], negated=True)

    def arith(self, c):
        return make(Binary, _pos(c[1]), c[1].value, c[0], c[2])

    def neg(self, c):
        operand = c[1]
        if isinstance(operand, Literal) and operand.type in ("integer", "number") and operand.depth == 1:
            return make(Literal, _pos(c[0]), -operand.value, operand.type)
        return make(Unary, _pos(c[0]), "-", operand)

    def number(self, c):
        tok = c[0]
        if "." in tok.value:
            return make(Literal, _pos(tok), float(tok.value), "number")
        value = int(tok.value)
        if value > MAX_INT:
            raise _error(tok, "整数太大", "the integer is too large")
        return make(Literal, _pos(tok), value, "integer")

    def string(self, c):
        return make(Literal, _pos(c[0]), _string_value(c[0]), "string")

    def duration(self, c):
        return make(Literal, _pos(c[0]), _duration(c[0]), "duration")

    def true(self, c):
        return make(Literal, _pos(c[0]), True, "boolean")

    def false(self, c):
        return make(Literal, _pos(c[0]), False, "boolean")

    def null(self, c):
        return make(Literal, _pos(c[0]), None, "null")

    def now(self, c):
        return make(Now, _pos(c[0]))

    def today(self, c):
        return make(Today, _pos(c[0]))

    def paren(self, c):
        return c[1]

    def list(self, c):
        items = tuple(x for x in c[1:-1] if isinstance(x, Expr))
        if not items:
            raise _error(c[0], "列表不能为空", "the list must not be empty")
        return items

    def arglist(self, c):
        return tuple(x for x in c if isinstance(x, Expr))

    def star_args(self, c):
        return ("star", (), None)

    def plain_args(self, c):
        return ("plain", c[0], None)

    def where_args(self, c):
        return ("plain", c[0], c[2])

    def only_where(self, c):
        return ("plain", (), c[1])

    def call(self, c):
        name_tok = c[0]
        name = name_tok.value.lower()
        kind, args, where = ("plain", (), None)
        if len(c) == 4:
            kind, args, where = c[2]
        pos = _pos(name_tok)
        if name not in FUNCTIONS:
            close = difflib.get_close_matches(name, FUNCTIONS, n=1)
            hint_zh = f"，是否想用 {close[0]}？" if close else ""
            hint_en = f"; did you mean {close[0]}?" if close else ""
            raise _error(name_tok, f"未知函数 {name_tok.value}{hint_zh}", f"unknown function {name_tok.value}{hint_en}",
                         code="unknown_function")
        if kind == "star" and name != "count":
            raise _error(name_tok, f"只有 count 可以写 *", f"only count accepts *", code="arity")
        if where is not None and name not in AGGREGATES:
            raise _error(name_tok, f"{name} 不是聚合函数，不能带 where", f"{name} is not an aggregate, it takes no where",
                         code="arity")

        def arity(lo, hi):
            if not lo <= len(args) <= hi:
                want = str(lo) if lo == hi else (f"{lo} 到 {hi}" if hi < 99 else f"至少 {lo}")
                want_en = str(lo) if lo == hi else (f"{lo} to {hi}" if hi < 99 else f"at least {lo}")
                raise _error(name_tok, f"{name} 需要 {want} 个参数，实际给了 {len(args)} 个",
                             f"{name} takes {want_en} argument(s), {len(args)} given", code="arity")

        if name in LITERAL_FUNCTIONS:
            arity(1, 1)
            arg = args[0]
            if not (isinstance(arg, Literal) and arg.type == "string"):
                raise _error(arg, f"{name}() 需要一个字符串字面量，如 {name}('2026-11-01')",
                             f"{name}() takes a string literal, e.g. {name}('2026-11-01')")
            return self._temporal_literal(name, arg)
        if name == "count":
            arity(0, 1)
        elif name == "percentile":
            arity(2, 2)
            frac = args[1]
            if not (isinstance(frac, Literal) and frac.type in ("integer", "number") and 0 <= frac.value <= 1):
                raise _error(frac, "percentile 的第二个参数必须是 0 到 1 之间的数字", "percentile's second argument must be a number from 0 to 1")
        elif name in AGGREGATES:
            arity(1, 1)
        elif name == "round":
            arity(1, 2)
            if len(args) == 2 and not (isinstance(args[1], Literal) and args[1].type == "integer" and -12 <= args[1].value <= 12):
                raise _error(args[1], "round 的小数位数必须是 -12 到 12 之间的整数", "round's digits must be an integer from -12 to 12")
        elif name == "coalesce":
            arity(1, 99)
        elif name == "date_trunc":
            arity(2, 2)
            unit = args[0]
            if not (isinstance(unit, Literal) and unit.type == "string" and unit.value in TRUNC_UNITS):
                units = "、".join(f"'{u}'" for u in TRUNC_UNITS)
                raise _error(unit, f"date_trunc 的单位必须是 {units} 之一", f"date_trunc's unit must be one of {', '.join(TRUNC_UNITS)}")
        elif name in ("hours_between", "minutes_between"):
            arity(2, 2)
        if name in AGGREGATES:
            return make(Aggregate, pos, name, args, where=where)
        return make(Call, pos, name, args)

    @staticmethod
    def _temporal_literal(name: str, arg: Literal) -> Literal:
        text = arg.value.strip()
        try:
            if name == "date":
                value = dt.date.fromisoformat(text)
                return make(Literal, arg.pos, value, "date")
            value = dt.datetime.fromisoformat(text)
            if value.tzinfo is not None:
                value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return make(Literal, arg.pos, value, "datetime")
        except ValueError:
            fmt = "YYYY-MM-DD" if name == "date" else "YYYY-MM-DD HH:MM[:SS]"
            raise _error(arg, f"无效的{'日期' if name == 'date' else '日期时间'}：{arg.value}，格式应为 {fmt}",
                         f"invalid {name} {arg.value!r}, expected {fmt}") from None


_GRAMMAR = (Path(__file__).parent / "grammar.lark").read_text(encoding="utf-8")
_PARSER = Lark(_GRAMMAR, parser="lalr", lexer="contextual", transformer=_Build(), maybe_placeholders=False)


def _translate(exc: UnexpectedInput, text: str) -> DslError:
    line = getattr(exc, "line", None) or 1
    column = getattr(exc, "column", None) or 1
    if isinstance(exc, UnexpectedCharacters):
        ch = text[exc.pos_in_stream] if 0 <= exc.pos_in_stream < len(text) else ""
        if ch == "'":
            return DslError("字符串缺少结束的单引号", "the string has no closing quote", line, column, code="syntax")
        if ch == "`":
            return DslError("字段名缺少结束的反引号", "the field name has no closing backquote", line, column, code="syntax")
        if ch.isdigit():
            word = text[exc.pos_in_stream:].split()[0][:20]
            return DslError(f"无效的数字或时长 {word}（时长单位：ms、s、m、h、d、w，如 7d）",
                            f"invalid number or duration {word} (duration units: ms, s, m, h, d, w, e.g. 7d)",
                            line, column, code="syntax")
        return DslError(f"无法识别的字符 {ch!r}", f"unexpected character {ch!r}", line, column, code="syntax")
    expected = sorted(getattr(exc, "expected", None) or getattr(exc, "accepts", None) or [])
    names = []
    for e in expected:
        if e not in names:
            names.append(e)
    zh_list = "、".join(dict.fromkeys(_tok_name(e)[0] for e in names[:8]))
    en_list = ", ".join(dict.fromkeys(_tok_name(e)[1] for e in names[:8]))
    tok = getattr(exc, "token", None)
    if isinstance(exc, UnexpectedEOF) or (tok is not None and tok.type == "$END"):
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
        return DslError(f"表达式不完整，需要 {zh_list}", f"the expression ends too early, expected {en_list}",
                        line, column, code="syntax")
    shown = tok.value if tok is not None else ""
    return DslError(f"此处不应出现 {shown!r}，需要 {zh_list}", f"unexpected {shown!r}, expected {en_list}",
                    line, column, code="syntax")


@functools.lru_cache(maxsize=2048)
def _parse_cached(text: str) -> Expr | DslError:
    try:
        return dataclasses.replace(_PARSER.parse(text), source=text)
    except DslError as exc:
        return exc.with_source(text)
    except UnexpectedInput as exc:
        return _translate(exc, text).with_source(text)
    except LarkError as exc:  # inline callbacks may be wrapped by lark
        inner = getattr(exc, "orig_exc", None)
        if isinstance(inner, DslError):
            return inner.with_source(text)
        return DslError("无法解析表达式", "cannot parse the expression", code="syntax").with_source(text)


def parse(text: str) -> Expr:
    """Parse an expression. Raises DslError (never anything else) on bad input."""
    if not isinstance(text, str):
        raise DslError("表达式必须是文本", "the expression must be text")
    if len(text) > MAX_LENGTH:
        raise DslError(f"表达式太长（最多 {MAX_LENGTH} 个字符）", f"the expression is too long (at most {MAX_LENGTH} characters)",
                       code="too_long")
    if not text.strip():
        raise DslError("表达式为空", "the expression is empty", code="syntax").with_source(text)
    result = _parse_cached(text)
    if isinstance(result, DslError):
        # a fresh copy each time: callers may keep or annotate the exception
        raise DslError(result.message_zh, result.message_en, result.line, result.column, text, result.code)
    return result
