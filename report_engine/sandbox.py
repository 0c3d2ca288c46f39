"""The one place report templates are run: Jinja2's immutable sandbox, HTML autoescaping, strict
undefined names, a bounded render, and the zh-CN formatting filters.

Operators write the templates, so nothing in them may reach Python internals
(`{{ ''.__class__ }}` raises `SecurityError`), change the data they are given, or run unbounded:
the source has a size limit, `range` is capped, every attribute access and call spends from one
budget, and the output has a size limit. A failure is a `TemplateProblem` with the line at fault.
"""
from __future__ import annotations

import datetime as dt
import math
from numbers import Number

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_SOURCE = 200_000  # characters of template source
MAX_OUTPUT = 20_000_000  # characters of HTML (charts' SVG included)
MAX_RANGE = 10_000  # items of one range()
MAX_OPERATIONS = 2_000_000  # attribute lookups, item lookups and calls in one render
WEEKDAYS = "一二三四五六日"


class TemplateProblem(Exception):
    """A template that cannot be rendered: `kind` is syntax | security | undefined | limit | error."""

    def __init__(self, kind: str, message: str, line: int | None = None):
        super().__init__(message)
        self.kind, self.message, self.line = kind, message, line


# --- filters --------------------------------------------------------------------------------------

def _is_number(value) -> bool:
    return isinstance(value, Number) and not isinstance(value, bool) and math.isfinite(value)


def number(value, decimals: int = 0, unit: str = "") -> str:
    """12345.6 -> "12,346"; `decimals` fixed places; None (no data) -> "—"."""
    if not _is_number(value):
        return "—"
    return f"{value:,.{max(0, min(int(decimals), 6))}f}{unit}"


def percent(value, decimals: int = 1, ratio: bool = True) -> str:
    """0.873 -> "87.3%" (a ratio); `ratio=False` for values already in percent (87.3 -> "87.3%")."""
    if not _is_number(value):
        return "—"
    return f"{value * (100 if ratio else 1):,.{max(0, min(int(decimals), 6))}f}%"


def change(now, before, label: str = "较昨日", decimals: int = 0) -> str:
    """(now, before) -> "较昨日上升 12%" / "较昨日下降 5%" / "较昨日持平"; from nothing: "较昨日增加 3"."""
    if not (_is_number(now) and _is_number(before)):
        return f"{label}无可比数据"
    if before == 0:
        return f"{label}持平" if now == 0 else f"{label}{'增加' if now > 0 else '减少'} {number(abs(now))}"
    pct = (now - before) / abs(before) * 100
    if round(pct, decimals) == 0:
        return f"{label}持平"
    return f"{label}{'上升' if pct > 0 else '下降'} {abs(pct):,.{decimals}f}%"


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def date(value, style: str = "long") -> str:
    """long "2026年11月25日", short "11月25日 星期三", month "2026年11月", weekday "星期三"."""
    day = _as_date(value)
    if day is None:
        return "—"
    weekday = f"星期{WEEKDAYS[day.weekday()]}"
    return {"long": f"{day.year}年{day.month}月{day.day}日", "short": f"{day.month}月{day.day}日 {weekday}",
            "month": f"{day.year}年{day.month}月", "weekday": weekday,
            "full": f"{day.year}年{day.month}月{day.day}日 {weekday}"}.get(style, f"{day.year}年{day.month}月{day.day}日")


def duration(value, unit: str = "s") -> str:
    """A length of time in words: 93784 (s) -> "1天2小时"; `unit` s, m or h says what `value` counts."""
    if not _is_number(value):
        return "—"
    seconds = int(round(value * {"s": 1, "m": 60, "h": 3600}.get(unit, 1)))
    if seconds < 60:
        return f"{seconds}秒"
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    return f"{minutes}分钟"


FILTERS = {"number": number, "percent": percent, "change": change, "date": date, "duration": duration}


# --- the environment ------------------------------------------------------------------------------

class _Budget(Exception):
    pass


class ReportSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox that also counts what a render does (see the module's docstring)."""

    def __init__(self):
        super().__init__(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.filters.update(FILTERS)
        self.globals["range"] = self._range
        self.operations = 0

    def _spend(self) -> None:
        self.operations += 1
        if self.operations > MAX_OPERATIONS:
            raise _Budget(f"模板运算超过 {MAX_OPERATIONS:,} 次上限 (the template does too much work)")

    def _range(self, *args):
        r = range(*args)
        if len(r) > MAX_RANGE:
            raise _Budget(f"range() 最多 {MAX_RANGE:,} 项 (range too long)")
        return r

    def getattr(self, obj, attribute):
        self._spend()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):
        self._spend()
        return super().getitem(obj, argument)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        __self._spend()
        return super().call(__context, __obj, *args, **kwargs)


def _template_line(exc: BaseException) -> int | None:
    """The template line of a render error: Jinja rewrites the traceback so that the template's
    frames carry its file name ("<template>") and line."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render(source: str, context: dict, helpers: dict | None = None) -> str:
    """Render template `source` with `context` (the variables' values) and `helpers` (chart, table...);
    raises TemplateProblem."""
    if len(source) > MAX_SOURCE:
        raise TemplateProblem("limit", f"模板超过 {MAX_SOURCE:,} 字符上限 (template too long)")
    env = ReportSandbox()
    env.globals.update(helpers or {})
    try:
        template = env.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem("syntax", f"模板语法错误：{exc.message} (syntax error)", exc.lineno) from None
    out, size = [], 0
    try:
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise _Budget(f"报告内容超过 {MAX_OUTPUT:,} 字符上限 (output too large)")
            out.append(chunk)
    except SecurityError as exc:
        raise TemplateProblem("security", f"模板试图访问不允许的内容：{exc} (not allowed in a template)",
                              _template_line(exc)) from None
    except UndefinedError as exc:
        raise TemplateProblem("undefined", f"模板使用了未定义的名称：{exc.message} (undefined)",
                              _template_line(exc)) from None
    except _Budget as exc:
        raise TemplateProblem("limit", str(exc), _template_line(exc)) from None
    except RecursionError as exc:
        raise TemplateProblem("limit", "模板递归过深 (recursion too deep)", _template_line(exc)) from None
    except TemplateError as exc:
        raise TemplateProblem("error", f"模板错误：{exc.message} (template error)", _template_line(exc)) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise TemplateProblem("error", f"模板运行出错：{exc} (template error)", _template_line(exc)) from None
    return "".join(out)
