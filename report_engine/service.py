"""Report templates (define, change, preview) and generated reports (render, archive, read).

A render on demand writes one `ReportRun` whatever happens: succeeded, with the PDF stored like
any other file and the digest of the data it showed, or failed, with the reason in `message`.
A template or data problem fails at once (it would fail again); anything unexpected (a dropped
connection, a full disk) is tried a second time before the run is marked failed.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.errors import Conflict, DomainError, Invalid, NotFound
from tongguan.files import storage
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import render
from .models import ReportRun, ReportTemplate

log = logging.getLogger(__name__)
ATTEMPTS = 2
CONTENT = {"name", "type", "orientation", "cover", "toc", "header_text", "footer_text", "organisation", "body",
           "variables"}


def _template(session: Session, template_id: int) -> ReportTemplate:
    found = session.get(ReportTemplate, template_id)
    if found is None:
        raise NotFound(f"Report template {template_id} does not exist.")
    return found


def _by_code(session: Session, code: str) -> ReportTemplate:
    found = session.scalar(select(ReportTemplate).where(ReportTemplate.code == code))
    if found is None:
        raise NotFound(f"报告模板 {code} 不存在 (report template {code} does not exist)")
    return found


@action("report.read")
def report_template_list(session: Session, actor: Actor, *, q=None, type=None, state=None, page=1,
                         per_page=50) -> Page:
    """Templates by code; `q` matches code or name."""
    stmt = select(ReportTemplate).order_by(ReportTemplate.code)
    if q:
        stmt = stmt.where(ReportTemplate.name.ilike(f"%{q}%") | ReportTemplate.code.ilike(f"%{q}%"))
    if type:
        stmt = stmt.where(ReportTemplate.type == type)
    if state:
        stmt = stmt.where(ReportTemplate.state == state)
    return paginate(session, stmt, page, per_page)


@action("report.read")
def report_template_get(session: Session, actor: Actor, template_id: int) -> ReportTemplate:
    return _template(session, template_id)


@action("report.manage")
def report_template_create(session: Session, actor: Actor, data: dict) -> ReportTemplate:
    """A template (draft unless `state` says otherwise); its body is checked to parse."""
    if session.scalar(select(ReportTemplate.id).where(ReportTemplate.code == data["code"])) is not None:
        raise Invalid("The report template is not valid.", {"code": [f"编码 {data['code']} 已被使用 (code taken)"]})
    defaults = {"type": "daily", "orientation": "portrait", "cover": {}, "toc": False, "header_text": "",
                "footer_text": "", "organisation": "", "body": "", "variables": [], "state": "draft"}
    template = ReportTemplate(**{**defaults, **data, "cover": data.get("cover") or {}}, revision=1, created_by=actor.id)
    _check_syntax(template)
    session.add(template)
    session.flush()
    return template


@action("report.manage")
def report_template_update(session: Session, actor: Actor, template_id: int, data: dict,
                           if_version: int | None = None) -> ReportTemplate:
    """Change a template; a change of its content is a new revision (the archive names it)."""
    template = _template(session, template_id)
    check_version(template, if_version)
    if "cover" in data:
        data = {**data, "cover": data["cover"] or {}}
    for key, value in data.items():
        setattr(template, key, value)
    _check_syntax(template)
    if CONTENT & set(data):
        template.revision += 1
    session.flush()
    return template


@action("report.manage")
def report_template_delete(session: Session, actor: Actor, template_id: int, if_version: int | None = None) -> None:
    """Delete a template; its generated reports stay in the archive under its code."""
    template = _template(session, template_id)
    check_version(template, if_version)
    for run in session.scalars(select(ReportRun).where(ReportRun.template_id == template.id)):
        run.template_id = None  # also in the session's copies, not only by the foreign key's SET NULL
    session.delete(template)
    session.flush()


def _check_syntax(template: ReportTemplate) -> None:
    from jinja2 import TemplateSyntaxError

    from .sandbox import ReportSandbox

    try:
        ReportSandbox().parse(template.body or "")
    except TemplateSyntaxError as exc:
        raise Invalid("The report template is not valid.",
                      {"body": [f"第 {exc.lineno} 行：模板语法错误：{exc.message} (syntax error)"]}) from None


def _period(template: ReportTemplate, params: dict) -> render.Period:
    return render.period_of(template.type, params["date"], params.get("period_start"), params.get("period_end"),
                            params.get("area", ""))


@action("report.manage")
def report_preview(session: Session, actor: Actor, template_id: int, params: dict, *,
                   tz: ZoneInfo | None = None) -> dict:
    """The template's HTML with real data for `params` (date, optional period and area), draft or not;
    nothing is archived. A template or data problem is a 422 naming the field and the line."""
    template = _template(session, template_id)
    out = render.render_report(session, actor, template, _period(template, params), tz=tz, pdf=False)
    return {"html": out.html, "digest": out.digest, "charts": out.charts, "tables": out.tables}


@action("report.read")
def report_render(session: Session, actor: Actor, code: str, params: dict, *, storage_path: str,
                  tz: ZoneInfo | None = None) -> ReportRun:
    """Generate the report of template `code` for `params` and archive it. Only a published template
    renders, unless the actor may manage templates. Returns the run, succeeded or failed; a failed
    run carries the problem in `run.problem` (not stored: the message is)."""
    template = _by_code(session, code)
    if template.state != "published" and not actor.can("report.manage"):
        raise Conflict(f"报告模板 {code} 尚未发布 (the report template is not published)")
    period = _period(template, params)
    run = ReportRun(template_id=template.id, template_code=template.code, template_revision=template.revision,
                    type=template.type, title=(template.cover or {}).get("title") or template.name,
                    report_date=period.date, period_start=period.start, period_end=period.end, area=period.area,
                    state="running", attempts=0, message="", html="", pages=0, digest="", created_by=actor.id,
                    started_at=dt.datetime.now(dt.timezone.utc))
    session.add(run)
    session.flush()
    run.problem = None
    while run.attempts < ATTEMPTS:
        run.attempts += 1
        try:
            with session.begin_nested():  # a failed attempt's writes are undone, the run row stays
                out = render.render_report(session, actor, template, period, tz=tz)
                stored = storage.save(session, io.BytesIO(out.pdf), f"{template.code}-{period.date.isoformat()}.pdf",
                                      "document", storage_path=storage_path, created_by=actor.id)
        except DomainError as exc:  # the template or its data: trying again gives the same answer
            run.state, run.message, run.problem = "failed", _text(exc), exc
            break
        except Exception as exc:  # noqa: BLE001 - anything else may pass on a second try
            log.warning("report %s attempt %s failed: %r", code, run.attempts, exc)
            run.state, run.message = "failed", f"生成失败 (generation failed): {type(exc).__name__}: {exc}"
            continue
        run.state, run.message = "succeeded", ""
        run.pdf_file_id, run.html, run.pages, run.digest = stored.id, out.html, out.pages, out.digest
        break
    run.finished_at = dt.datetime.now(dt.timezone.utc)
    session.flush()
    return run


def _text(exc: DomainError) -> str:
    lines = [f"{field}: {m}" for field, msgs in (exc.errors or {}).items()
             for m in (msgs if isinstance(msgs, list) else [msgs])]
    return "\n".join(lines) or exc.detail or exc.title


def _run(session: Session, run_id: int) -> ReportRun:
    found = session.get(ReportRun, run_id)
    if found is None:
        raise NotFound(f"Report {run_id} does not exist.")
    return found


@action("report.read")
def report_run_list(session: Session, actor: Actor, *, code=None, type=None, state=None, date_from=None,
                    date_to=None, page=1, per_page=50) -> Page:
    """The archive, newest report date first; filter by template code, type, state and date range."""
    stmt = select(ReportRun).order_by(ReportRun.report_date.desc(), ReportRun.id.desc())
    if code:
        stmt = stmt.where(ReportRun.template_code == code)
    if type:
        stmt = stmt.where(ReportRun.type == type)
    if state:
        stmt = stmt.where(ReportRun.state == state)
    if date_from:
        stmt = stmt.where(ReportRun.report_date >= date_from)
    if date_to:
        stmt = stmt.where(ReportRun.report_date <= date_to)
    return paginate(session, stmt, page, per_page)


@action("report.read")
def report_run_get(session: Session, actor: Actor, run_id: int) -> ReportRun:
    return _run(session, run_id)


@action("report.read")
def report_run_pdf(session: Session, actor: Actor, run_id: int, *, storage_path: str):
    """(stored file, path on disk) of a generated report's PDF."""
    run = _run(session, run_id)
    if run.pdf_file_id is None:
        raise NotFound(f"报告 {run_id} 没有 PDF（{run.state}） (the report has no PDF)")
    return storage.open_file(session, run.pdf_file_id, storage_path=storage_path)
