"""Report templates (define, change, preview) and generated reports (render, archive, read).

A render on demand writes one `ReportRun` whatever happens: succeeded, with the PDF stored like
any other file and the digest of the data it showed, or failed, with the reason in `message`.
A template or data problem fails at once (it would fail again); anything unexpected (a dropped
connection, a full disk) is tried a second time before the run is marked failed.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tongguan.errors import Conflict, DomainError, Invalid, NotFound
from tongguan.files import storage
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import render
from .models import RUN_STATES, TYPES, ReportRun, ReportTemplate

log = logging.getLogger(__name__)
ATTEMPTS = 2
STARTING = (2, "准备")  # (percent, stage) before render.STAGES
ARCHIVING = (95, "归档")  # after them: the PDF is stored
_SHANGHAI = ZoneInfo("Asia/Shanghai")
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
    template = ReportTemplate(**{**defaults, **data, "cover": data.get("cover") or {}}, revision=1, created_by=actor.id,
                              published_by=actor.id if data.get("state") == "published" else None)
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
    was_published = template.state == "published"
    for key, value in data.items():
        setattr(template, key, value)
    _check_syntax(template)
    if CONTENT & set(data):
        template.revision += 1
    # Whoever publishes it, or changes what a published one reads, lends it their grants (an editor
    # must not reach data through the grants of the one who published it first).
    if template.state == "published" and (not was_published or CONTENT & set(data)):
        template.published_by = actor.id
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
    """The template's HTML with real data for `params` (date, optional period and area, and `template`:
    unsaved changes to show instead of the saved fields), draft or not; nothing is archived. A template or data problem is a 422 naming the field and the line."""
    saved = _template(session, template_id)
    changes = params.get("template") or {}
    template = saved
    if changes:  # unsaved edits: a copy that is never added to the session
        fields = {k: getattr(saved, k) for k in CONTENT | {"id", "code", "revision", "state"}}
        template = ReportTemplate(**{**fields, **changes})
        template.cover = template.cover or {}
        _check_syntax(template)
    out = render.render_report(session, actor, template, _period(template, params), tz=tz, pdf=False)
    return {"html": out.html, "digest": out.digest, "charts": out.charts, "tables": out.tables}


def _user_actor(session: Session, user_id: int | None) -> Actor | None:
    from tongguan.accounts.models import User

    user = session.get(User, user_id) if user_id is not None else None
    return Actor.for_user(user, via="system") if user is not None and user.is_active else None


def _requester(session: Session, user_id: int | None) -> Actor:
    """Who asked for a background run: a schedule made by the system runs as the system; a user
    who has left may no longer render drafts."""
    if user_id is None:
        return Actor.system("报告计划")
    return _user_actor(session, user_id) or Actor(user_id, f"user:{user_id}", via="system")


def _reader(session: Session, actor: Actor, template: ReportTemplate) -> tuple[Actor, int | None]:
    """(whose grants read the data, their user id). A published template is distributed by its
    publisher: its data is read with the publisher's grants, so a leader who may only read reports
    can generate it. A draft renders only for those who manage templates, with their own grants."""
    if template.state != "published":
        if not actor.can("report.manage"):
            raise Conflict(f"报告模板 {template.code} 尚未发布 (the report template is not published)")
        return actor, actor.id
    publisher = template.published_by or template.created_by
    if publisher is None:  # published by the system itself (the demo, the command line)
        return Actor.system("报告发布"), None
    reader = _user_actor(session, publisher)
    if reader is None:
        raise Conflict(f"报告模板 {template.code} 的发布人（用户 {publisher}）已停用或不存在，请重新发布该模板 "
                       f"(the template's publisher is inactive: publish it again)")
    return reader, publisher


def _title(template: ReportTemplate) -> str:
    title = (template.cover or {}).get("title") or ""
    return template.name if not title or "{" in title else title  # not the Jinja source of a cover title


def _new_run(template: ReportTemplate, period: render.Period, *, created_by: int | None, data_as: int | None,
             state: str = "pending", trigger: str = "manual", schedule_id: int | None = None) -> ReportRun:
    return ReportRun(template_id=template.id, template_code=template.code, template_revision=template.revision,
                     type=template.type, title=_title(template), report_date=period.date, period_start=period.start,
                     period_end=period.end, area=period.area, state=state, attempts=0, message="", html="", pages=0,
                     digest="", progress=0, stage=RUN_STATES[state][0], trigger=trigger, schedule_id=schedule_id,
                     created_by=created_by, data_as=data_as, delivery={})


@dataclasses.dataclass
class _Outcome:
    attempts: int = 0
    state: str = "failed"
    message: str = ""
    problem: DomainError | None = None
    rendered: render.Rendered | None = None
    stored: object = None


def _generate(session: Session, reader: Actor, template: ReportTemplate, period: render.Period, *,
              storage_path: str, tz: ZoneInfo | None, owner: int | None,
              tell: Callable[[int, int, str], None]) -> _Outcome:
    """The attempts of one run, on demand or in the background: a template or data problem fails at
    once (it would fail again); anything else is tried ATTEMPTS times. `tell(attempt, percent, stage)`
    hears each stage. Rendering only reads; the one write, storing the PDF, is undone when it fails.
    (Its savepoint opens only then: on SQLite a transaction opened before the progress written
    alongside could no longer write.)"""
    outcome = _Outcome()
    while outcome.attempts < ATTEMPTS:
        outcome.attempts += 1
        attempt = outcome.attempts
        try:
            out = render.render_report(session, reader, template, period, tz=tz,
                                       progress=lambda percent, stage: tell(attempt, percent, stage))
            tell(attempt, *ARCHIVING)
            with session.begin_nested():
                stored = storage.save(session, io.BytesIO(out.pdf), f"{template.code}-{period.date.isoformat()}.pdf",
                                      "document", storage_path=storage_path, created_by=owner)
        except DomainError as exc:
            outcome.message, outcome.problem = _text(exc), exc
            break
        except Exception as exc:  # noqa: BLE001 - anything else may pass on a second try
            log.warning("report %s attempt %s failed: %r", template.code, attempt, exc)
            outcome.message = f"生成失败（第 {attempt} 次）：{type(exc).__name__}: {exc}"
            continue
        outcome.state, outcome.message, outcome.rendered, outcome.stored = "succeeded", "", out, stored
        break
    return outcome


def _settle(run: ReportRun, outcome: _Outcome, template: ReportTemplate | None = None,
            data_as: int | None = None) -> None:
    run.attempts, run.state, run.message = outcome.attempts, outcome.state, outcome.message
    run.problem = outcome.problem
    if template is not None:  # in the background: what was actually rendered, and as whom
        run.template_revision, run.data_as = template.revision, data_as
    if outcome.rendered is not None:
        out = outcome.rendered
        run.pdf_file_id, run.html, run.pages, run.digest = outcome.stored.id, out.html, out.pages, out.digest
        run.title = (out.title or run.title)[:200]
    run.progress, run.stage = 100, RUN_STATES[run.state][0]
    run.finished_at = dt.datetime.now(dt.timezone.utc)


@action("report.read")
def report_render(session: Session, actor: Actor, code: str, params: dict, *, storage_path: str,
                  tz: ZoneInfo | None = None) -> ReportRun:
    """Generate the report of template `code` for `params` now, and archive it. A published template
    reads its data with its publisher's grants; a draft renders only for those who manage templates.
    Returns the run, succeeded or failed; a failed run carries the problem in `run.problem` (not
    stored: the message is)."""
    template = _by_code(session, code)
    reader, data_as = _reader(session, actor, template)
    period = _period(template, params)
    run = _new_run(template, period, created_by=actor.id, data_as=data_as, state="running")
    run.started_at = dt.datetime.now(dt.timezone.utc)
    session.add(run)
    session.flush()

    def tell(attempt: int, percent: int, stage: str) -> None:
        run.attempts, run.progress, run.stage = attempt, percent, stage

    _settle(run, _generate(session, reader, template, period, storage_path=storage_path, tz=tz, owner=actor.id,
                           tell=tell))
    session.flush()
    return run


@action("report.read")
def report_run_queue(session: Session, actor: Actor, code: str, params: dict) -> ReportRun:
    """Queue the report of template `code` for `params` (the rules of `report_render`): a pending run
    (progress 0, stage 排队中). The caller commits, then hands it to the job `reports.render` with the
    tick `run:<id>`; `report_run_get` follows its progress."""
    template = _by_code(session, code)
    data_as = _reader(session, actor, template)[1]
    run = _new_run(template, _period(template, params), created_by=actor.id, data_as=data_as)
    session.add(run)
    session.flush()
    return run


# --- for the jobs: no actor asks, the job system runs these ---------------------------------------

class _Progress:
    """Writes a background run's state through a short session of its own, committed at once, so that
    a reader polling the run sees it while the render's own transaction is still open. The render's
    session must not have written the run row meanwhile (it would hold the row)."""

    def __init__(self, bind, run_id: int):
        self.bind, self.run_id = bind, run_id

    def __call__(self, attempt: int, percent: int, stage: str, **more) -> None:
        try:
            with Session(bind=self.bind) as short:
                short.execute(update(ReportRun).where(ReportRun.id == self.run_id).values(
                    attempts=attempt, progress=percent, stage=stage, **more))
                short.commit()
        except SQLAlchemyError as exc:  # progress is advice: the report goes on without it
            log.warning("report run %s: progress not recorded: %r", self.run_id, exc)


def run_execute(session: Session, run_id: int, *, storage_path: str, tz: ZoneInfo | None = None) -> ReportRun | None:
    """Carry out a queued run (the job `reports.render`); a run already finished is left alone. Whose
    grants read the data is decided now, by the rules of `report_render`, with the run's requester."""
    run = session.get(ReportRun, run_id)
    if run is None or run.state in ("succeeded", "failed"):
        return run
    progress = _Progress(session.get_bind(), run.id)
    progress(0, *STARTING, state="running", started_at=dt.datetime.now(dt.timezone.utc))
    template = session.get(ReportTemplate, run.template_id) if run.template_id is not None else None
    data_as = run.data_as
    try:
        if template is None:
            raise NotFound(f"报告模板 {run.template_code} 已删除 (the report template was deleted)")
        reader, data_as = _reader(session, _requester(session, run.created_by), template)
    except DomainError as exc:
        outcome = _Outcome(message=_text(exc), problem=exc)
    else:
        period = render.Period(run.report_date, run.period_start, run.period_end, run.area)
        outcome = _generate(session, reader, template, period, storage_path=storage_path, tz=tz,
                            owner=run.created_by, tell=progress)
    session.refresh(run)  # what the short sessions wrote
    _settle(run, outcome, template, data_as)
    session.flush()
    return run


# --- the archive ----------------------------------------------------------------------------------

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
def report_run_list(session: Session, actor: Actor, *, q=None, code=None, type=None, state=None, date_from=None,
                    date_to=None, page=1, per_page=50) -> Page:
    """The archive, newest report date first; filter by title (`q`, contains), template code, type,
    state and date range."""
    stmt = select(ReportRun).order_by(ReportRun.report_date.desc(), ReportRun.id.desc())
    if q:
        stmt = stmt.where(ReportRun.title.icontains(q, autoescape=True))
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
def report_run_latest(session: Session, actor: Actor) -> dict:
    """{type: the newest succeeded report of that type, or None} for every report type (the leaders'
    page); newest by report date, then by generation."""
    return {kind: session.scalar(select(ReportRun).where(ReportRun.type == kind, ReportRun.state == "succeeded")
                                 .order_by(ReportRun.report_date.desc(), ReportRun.id.desc()).limit(1))
            for kind in TYPES}


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
