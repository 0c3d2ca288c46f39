"""A report template and its parameters -> the variables' values -> HTML -> PDF.

The variables are resolved through the runtime's one exit (indicators, data services), for the
report's period: the windows end at the end of the period's last day in the city's time zone,
and an indicator's window defaults to the period's length. The HTML is a whole print document
(cover, table of contents, sections, running header and footer, page numbers in the @page margin
boxes); WeasyPrint lays it out with fontconfig's Noto Sans CJK SC, embedded and subset in the PDF.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import hashlib
import json
import re
from collections.abc import Callable
from typing import NamedTuple
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import dsl
from runtime.indicators import parallel
from runtime.indicators.service import parse_window
from runtime.services.service import service_call
from tongguan.errors import DomainError, Invalid
from tongguan.permissions import Actor

from . import charts, sandbox
from .models import TYPES, ReportTemplate

FONT_STACK = '"Noto Sans CJK SC", "Noto Sans CJK", sans-serif'


@dataclasses.dataclass
class Rendered:
    pdf: bytes | None
    html: str
    pages: int
    digest: str
    charts: int = 0
    tables: int = 0
    values: dict = dataclasses.field(default_factory=dict)
    title: str = ""  # the cover's title as rendered (it may be a template: "{{ report.date|date }} 日报")


@dataclasses.dataclass(frozen=True)
class Period:
    date: dt.date
    start: dt.date
    end: dt.date
    area: str = ""


def period_of(kind: str, day: dt.date, start: dt.date | None = None, end: dt.date | None = None,
              area: str = "") -> Period:
    """The period a report of `kind` dated `day` covers, unless given: daily that day, weekly the
    seven days ending that day, monthly the month up to that day, special that day."""
    if start is None or end is None:
        end = end or day
        start = start or {"weekly": end - dt.timedelta(days=6), "monthly": end.replace(day=1)}.get(kind, end)
    if start > end:
        raise Invalid("The period is not valid.", {"period_start": ["开始日期不能晚于结束日期 (start after end)"]})
    return Period(day, start, end, area or "")


# --- variables ------------------------------------------------------------------------------------

def _plain(value):
    """Database numbers as Python ones (PostgreSQL's NUMERIC arrives as Decimal), so the filters,
    the charts and the digest see the same values on every engine."""
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2 ** 53 else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _substitute(mapping: dict | None, period: Period) -> dict:
    """Parameter values "$date", "$period_start", "$period_end", "$area" take the report's; an
    unset area drops the entry (the whole city)."""
    known = {"$date": period.date.isoformat(), "$period_start": period.start.isoformat(),
             "$period_end": period.end.isoformat(), "$area": period.area}
    out = {}
    for key, value in (mapping or {}).items():
        if isinstance(value, str) and value in known:
            value = known[value]
            if value == "":
                continue
        out[key] = value
    return out


def _now(period: Period, tz: ZoneInfo) -> dt.datetime:
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), tz) - dt.timedelta(seconds=1)
    return end.astimezone(dt.timezone.utc)


def _sorted(rows: list[dict], key: str, how: str) -> list[dict]:
    if how == "key" or not rows:
        return rows
    numbers = [r for r in rows if isinstance(r.get(key), (int, float))]
    rest = [r for r in rows if not isinstance(r.get(key), (int, float))]
    return sorted(numbers, key=lambda r: r[key], reverse=how != "value_asc") + rest


def _indicator_requests(variables: list[dict], period: Period, tz: ZoneInfo) -> dict[tuple, list[int]]:
    """{request key: the indices of the variables it answers}. Variables that differ only in their
    indicator (same grouping, window, offset and filters) share one request, and so one statement
    per data service: a daily report's forty variables come to about twenty statements."""
    groups: dict[tuple, list[int]] = {}
    for i, var in enumerate(variables):
        if var.get("source", "indicator") != "indicator":
            continue
        key = (var.get("by") or "", var.get("window") or "", var.get("offset") or "",
               json.dumps(_substitute(var.get("params"), period), sort_keys=True),
               json.dumps(_substitute(var.get("where"), period), sort_keys=True))
        groups.setdefault(key, []).append(i)
    return groups


def _request(variables: list[dict], indices: list[int], period: Period, now: dt.datetime) -> dict:
    var = variables[indices[0]]
    days = (period.end - period.start).days + 1
    offset = parse_window(var.get("offset")) if var.get("offset") else dt.timedelta(0)
    return {"codes": list(dict.fromkeys(variables[i]["code"] for i in indices)),
            "by": [var["by"]] if var.get("by") else None, "window": var.get("window") or f"{days}d",
            "params": _substitute(var.get("params"), period), "now": now - offset,
            "where": _substitute(var.get("where"), period)}


def _answers(session: Session, actor: Actor, requests: list[dict]) -> list:
    if parallel.worth_it(session, len(requests)):
        return parallel.values_parallel(session, actor, requests)
    return parallel.values_serial(session, actor, requests)


def resolve(session: Session, actor: Actor, template: ReportTemplate, period: Period, tz: ZoneInfo) -> dict:
    """{variable name: value}: a number for an indicator without `by`, rows otherwise."""
    variables = template.variables or []
    now = _now(period, tz)
    groups = list(_indicator_requests(variables, period, tz).values())
    answers = _answers(session, actor, [_request(variables, g, period, now) for g in groups]) if groups else []
    broken = next((a for a in answers if isinstance(a, SQLAlchemyError)), None)
    if broken is not None:
        raise broken  # the database, not the template: the caller may try again
    # a shared request that failed is asked again one variable at a time, so the error names the one at fault
    failed = [isinstance(a, Exception) and len(g) > 1 for g, a in zip(groups, answers)]
    if any(failed):
        again = [[i] for g, bad in zip(groups, failed) if bad for i in g]
        answers = [a for a, bad in zip(answers, failed) if not bad]
        groups = [g for g, bad in zip(groups, failed) if not bad] + again
        answers += _answers(session, actor, [_request(variables, g, period, now) for g in again])
    values, problems = {}, {}
    for indices, answer in zip(groups, answers):
        for i in indices:
            var = variables[i]
            if isinstance(answer, Exception):
                problems[f"variables[{i}]"] = [f"变量 {var['name']}：{_message(answer)}"]
                continue
            code = var["code"]
            if var.get("by"):
                key = var.get("key") or code
                rows = [{var["by"]: r.get(var["by"]), key: r.get(code)} for r in _plain(answer["rows"])]
                rows = _sorted(rows, key, var.get("sort", "value_desc"))
                values[var["name"]] = rows[: var["limit"]] if var.get("limit") else rows
            else:
                rows = answer["rows"]
                values[var["name"]] = _plain(rows[0].get(code)) if rows else None
    for i, var in enumerate(variables):
        if var.get("source") != "service":
            continue
        try:
            out = service_call(session, actor, var["code"], _substitute(var.get("params"), period),
                               limit=min(int(var.get("limit") or 1000), 5000))
        except (DomainError, dsl.DslError) as exc:
            problems[f"variables[{i}]"] = [f"变量 {var['name']}：{_message(exc)}"]
            continue
        values[var["name"]] = _plain(out["rows"])
    if problems:
        raise Invalid("The report's data cannot be read.", problems)
    return values


def _message(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        details = [m for msgs in (exc.errors or {}).values() for m in (msgs if isinstance(msgs, list) else [msgs])]
        return "；".join(str(m) for m in details) or exc.detail or exc.title
    return str(exc)


def digest_of(values: dict) -> str:
    """sha256 of the values' canonical JSON: the same numbers give the same digest."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- HTML -----------------------------------------------------------------------------------------

_H2 = re.compile(r"<h2(\s[^>]*)?>(.*?)</h2>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def _sections(body: str) -> tuple[str, list[tuple[str, str]]]:
    """Give every <h2> an id and list (id, text) for the table of contents."""
    toc = []

    def number(m):
        attrs, inner = m.group(1) or "", m.group(2)
        found = re.search(r'\sid="([^"]+)"', attrs)
        anchor = found.group(1) if found else f"sec-{len(toc) + 1}"
        toc.append((anchor, _TAG.sub("", inner).strip()))
        return m.group(0) if found else f'<h2 id="{anchor}"{attrs}>{inner}</h2>'

    return _H2.sub(number, body), toc


def _css(orientation: str, cover: bool) -> str:
    first = ("@page :first { @top-left { content: none } @bottom-left { content: none }"
             " @bottom-right { content: none } }") if cover else ""  # the cover has no running texts
    return f"""
@page {{ size: A4 {orientation}; margin: 20mm 16mm 18mm 16mm;
  @top-left {{ content: element(header); width: 100%; vertical-align: bottom; }}
  @bottom-left {{ content: element(footer); }}
  @bottom-right {{ content: "第 " counter(page) " 页 / 共 " counter(pages) " 页"; font-size: 8.5pt; color: #666; }} }}
{first}
html {{ font-family: {FONT_STACK}; font-size: 10.5pt; line-height: 1.65; color: #222; }}
.running-header {{ position: running(header); font-size: 8.5pt; color: #666; border-bottom: 0.6pt solid #c9cdd4;
  padding-bottom: 2pt; }}
.running-header .right {{ float: right; }}
.running-footer {{ position: running(footer); font-size: 8.5pt; color: #888; }}
.cover {{ page: cover; break-after: page; padding-top: 70mm; text-align: center; }}
.cover h1 {{ font-size: 26pt; color: #1f3a68; margin: 0 0 8mm; letter-spacing: 1pt; }}
.cover .subtitle {{ font-size: 14pt; color: #555; margin-bottom: 40mm; }}
.cover .org, .cover .date {{ font-size: 13pt; color: #333; margin: 3mm 0; }}
.toc {{ break-after: page; }}
.toc h2 {{ font-size: 16pt; text-align: center; border: none; }}
.toc ol {{ list-style: none; padding: 0; }}
.toc li {{ margin: 3mm 0; }}
.toc a {{ color: #222; text-decoration: none; }}
.toc a::after {{ content: leader('.') target-counter(attr(href), page); }}
h1 {{ font-size: 18pt; color: #1f3a68; }}
h2 {{ font-size: 14pt; color: #1f3a68; border-left: 4pt solid #1f6feb; padding-left: 6pt; margin: 14pt 0 6pt;
  break-after: avoid; bookmark-level: 1; }}
h3 {{ font-size: 12pt; margin: 10pt 0 4pt; break-after: avoid; }}
p {{ margin: 4pt 0; text-align: justify; }}
figure {{ margin: 8pt 0; break-inside: avoid; text-align: center; }}
figure svg {{ display: block; margin: 0 auto; max-width: 100%; height: auto; }}
table.report-table {{ width: 100%; border-collapse: collapse; margin: 6pt 0 10pt; font-size: 9.5pt; break-inside: auto; }}
table.report-table caption {{ caption-side: top; text-align: left; font-weight: bold; padding: 2pt 0 4pt; }}
table.report-table th {{ background: #1f3a68; color: #fff; font-weight: bold; padding: 4pt 6pt; text-align: left; }}
table.report-table td {{ padding: 3pt 6pt; border-bottom: 0.5pt solid #e3e6eb; }}
table.report-table tbody tr:nth-child(even) td {{ background: #f3f6fb; }}
table.report-table .num {{ text-align: right; font-variant-numeric: tabular-nums; }}
table.report-table tr.totals td {{ font-weight: bold; border-top: 1pt solid #1f3a68; background: #e8eef8; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
"""


def _document(template: ReportTemplate, texts: dict, body: str, period: Period) -> str:
    body, toc = _sections(body)
    date_text = sandbox.date(period.date)
    title = texts["title"] or template.name
    parts = [
        "<!doctype html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{_css(template.orientation, bool(template.cover))}</style></head><body>",
        f'<div class="running-header"><span class="right">{escape(template.organisation)}　{escape(date_text)}</span>'
        f'{escape(texts["header"] or title)}</div>',
        f'<div class="running-footer">{escape(texts["footer"])}</div>',
    ]
    if template.cover:
        parts.append(f'<section class="cover"><h1>{escape(title)}</h1>'
                     f'<div class="subtitle">{escape(texts["subtitle"])}</div>'
                     f'<div class="org">{escape(template.organisation)}</div>'
                     f'<div class="date">{escape(date_text)}</div></section>')
    if template.toc and toc:
        items = "".join(f'<li><a href="#{escape(a)}">{escape(t)}</a></li>' for a, t in toc)
        parts.append(f'<nav class="toc"><h2 id="toc">目　录</h2><ol>{items}</ol></nav>')
    parts.append(f'<main class="report-body">{body}</main></body></html>')
    return "".join(parts)


def _problem(field: str, exc: sandbox.TemplateProblem) -> Invalid:
    where = f"第 {exc.line} 行：" if exc.line else ""
    return Invalid("The report template cannot be rendered.", {field: [f"{where}{exc.message}"]})


class Html(NamedTuple):
    html: str
    counter: charts.Counter
    title: str


def render_html(template: ReportTemplate, values: dict, period: Period) -> Html:
    counter = charts.Counter()
    context = {**values, "report": {
        "name": template.name, "code": template.code, "type": template.type, "type_name": TYPES[template.type][0],
        "date": period.date, "period_start": period.start, "period_end": period.end, "area": period.area,
        "organisation": template.organisation}}
    cover = template.cover or {}
    texts = {}
    for field, source in (("title", cover.get("title", "")), ("subtitle", cover.get("subtitle", "")),
                          ("header", template.header_text), ("footer", template.footer_text)):
        try:  # short texts are templates too: "{{ report.date|date }} 城市运行日报"
            texts[field] = Markup(sandbox.render(source or "", context)).striptags() if source else ""
        except sandbox.TemplateProblem as exc:
            raise _problem({"title": "cover.title", "subtitle": "cover.subtitle"}.get(field, f"{field}_text"),
                           exc) from None
    context["report"]["title"] = texts["title"] or template.name
    try:
        body = sandbox.render(template.body or "", context, charts.helpers(counter))
    except sandbox.TemplateProblem as exc:
        raise _problem("body", exc) from None
    try:
        body = counter.finish(body)
    except (TypeError, ValueError, LookupError) as exc:  # drawn after the template ran: no line to name
        raise _problem("body", sandbox.TemplateProblem("error", f"图表无法绘制：{exc} (chart failed)")) from None
    return Html(_document(template, texts, body, period), counter, context["report"]["title"])


def to_pdf(html: str) -> tuple[bytes, int]:
    """(PDF bytes, pages). Nothing is fetched: only data: URLs may be referenced (no file or network
    access from an operator's template)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    document = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).render()
    return document.write_pdf(), len(document.pages)


STAGES = {"data": (10, "读取数据"), "charts": (40, "绘制图表"), "pdf": (70, "排版 PDF")}


def render_report(session: Session, actor: Actor, template: ReportTemplate, period: Period, *,
                  tz: ZoneInfo | None = None, pdf: bool = True,
                  progress: Callable[[int, str], None] | None = None) -> Rendered:
    """Resolve, render and (with `pdf`) lay out one report; raises Invalid naming the field at fault.
    `progress(percent, stage)` is told as each stage begins (the stage is a zh-CN label)."""
    tell = progress or (lambda percent, stage: None)
    tell(*STAGES["data"])
    values = resolve(session, actor, template, period, tz or ZoneInfo("Asia/Shanghai"))
    tell(*STAGES["charts"])
    html, counter, title = render_html(template, values, period)
    if pdf:
        tell(*STAGES["pdf"])
    data, pages = to_pdf(html) if pdf else (None, 0)
    return Rendered(data, html, pages, digest_of(values), counter.charts, counter.tables, values, title)
