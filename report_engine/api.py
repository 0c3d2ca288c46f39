"""/api/v1/report-templates, /api/v1/reports and /api/v1/report-schedules: report templates (If-Match),
their live preview, rendering on demand or in the background into the archive, the archived
reports with their PDFs, and the schedules that generate and deliver them."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, send_file
from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session
from tongguan.errors import problem
from tongguan.jobs import submit

from . import schedules, service
from .models import ReportSchedule, ReportTemplate
from .schemas import (ReportLatestOut, ReportParams, ReportPreviewOut, ReportPreviewParams, ReportRunCreate,
                      ReportRunOut, ReportRunPage, ReportRunQuery, ReportScheduleCreate, ReportScheduleOut,
                      ReportSchedulePage, ReportScheduleQuery, ReportScheduleUpdate, ReportTemplateCreate,
                      ReportTemplateOut, ReportTemplatePage, ReportTemplateQuery, ReportTemplateUpdate)

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Reports (报告)")
ID = "<int(min=1, max=2147483647):template_id>"
RUN = "<int(min=1, max=2147483647):run_id>"
SCHEDULE = "<int(min=1, max=2147483647):schedule_id>"
CODE = "<string(maxlength=64):code>"


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))


def _queued(run):
    """Commit the queued run, then hand it to the job back end: 202 with the run to poll."""
    get_session().commit()
    submit(current_app, "reports.render", f"run:{run.id}", {"run_id": run.id})
    return run, 202, {"Location": f"/api/v1/reports/{run.id}"}


@blp.route("/report-templates")
class ReportTemplates(MethodView):
    @blp.arguments(ReportTemplateQuery, location="query")
    @blp.response(200, ReportTemplatePage)
    def get(self, args):
        """List report templates."""
        return service.report_template_list(get_session(), current_actor(), **args)

    @blp.arguments(ReportTemplateCreate)
    @blp.response(201, ReportTemplateOut)
    def post(self, data):
        """Create a report template (Jinja2 body, declared variables, cover, page format)."""
        db = get_session()
        template = service.report_template_create(db, current_actor(), data)
        db.commit()
        return with_etag(template, 201)


@blp.route(f"/report-templates/{ID}")
class ReportTemplateItem(MethodView):
    @blp.response(200, ReportTemplateOut)
    def get(self, template_id):
        """One report template; its ETag is needed to change it."""
        return with_etag(service.report_template_get(get_session(), current_actor(), template_id))

    @if_match(ReportTemplate, "template_id")
    @blp.arguments(ReportTemplateUpdate)
    @blp.response(200, ReportTemplateOut)
    def patch(self, data, template_id, if_version):
        """Change a report template; a changed content is a new revision."""
        db = get_session()
        template = service.report_template_update(db, current_actor(), template_id, data, if_version)
        db.commit()
        return with_etag(template)

    @if_match(ReportTemplate, "template_id")
    @blp.response(204)
    def delete(self, template_id, if_version):
        """Delete a report template (its reports stay in the archive)."""
        db = get_session()
        service.report_template_delete(db, current_actor(), template_id, if_version)
        db.commit()


@blp.route(f"/report-templates/{ID}/preview")
class ReportTemplatePreview(MethodView):
    @blp.arguments(ReportPreviewParams)
    @blp.response(200, ReportPreviewOut)
    def post(self, params, template_id):
        """The template's HTML with live data for a date (and period, area); nothing is archived.
        `template` previews unsaved changes (body, variables, cover...) over the saved template.
        A template that fails (syntax, `{{ ''.__class__ }}`, an unknown name) gets 422 with the line."""
        return service.report_preview(get_session(), current_actor(), template_id, params, tz=_tz())


@blp.route(f"/report-templates/by-code/{CODE}/render")
class ReportRender(MethodView):
    @blp.arguments(ReportParams)
    @blp.response(201, ReportRunOut)
    def post(self, params, code):
        """Generate the report now and archive it with its PDF. A failed generation is archived too
        (state `failed`, the reason in `message`) and answered 422 with `run_id`."""
        db = get_session()
        run = service.report_render(db, current_actor(), code, params,
                                    storage_path=current_app.config["STORAGE_PATH"], tz=_tz())
        db.commit()
        if run.state == "failed":
            exc = run.problem
            return problem(422, "The report could not be generated.", run.message,
                           getattr(exc, "errors", None), extra={"run_id": run.id})
        return run


@blp.route("/reports")
class Reports(MethodView):
    @blp.arguments(ReportRunQuery, location="query")
    @blp.response(200, ReportRunPage)
    def get(self, args):
        """The archive of generated reports, newest first; search by title, template, type and date."""
        return service.report_run_list(get_session(), current_actor(), **args)

    @blp.arguments(ReportRunCreate)
    @blp.response(202, ReportRunOut)
    def post(self, data):
        """Generate a report in the background: answers 202 with the pending run at once; poll
        `GET /api/v1/reports/<id>` for its `progress` (0-100), `stage` and, at the end, `state`
        (`succeeded`, or `failed` with the reason in `message`)."""
        code = data.pop("code")
        return _queued(service.report_run_queue(get_session(), current_actor(), code, data))


@blp.route("/reports/latest")
class ReportsLatest(MethodView):
    @blp.response(200, ReportLatestOut)
    def get(self):
        """The newest generated report of each type (daily, weekly, monthly, special), or null."""
        return service.report_run_latest(get_session(), current_actor())


@blp.route(f"/reports/{RUN}")
class ReportItem(MethodView):
    @blp.response(200, ReportRunOut)
    def get(self, run_id):
        """One generated report: its parameters, data digest, state and message."""
        return service.report_run_get(get_session(), current_actor(), run_id)


@blp.route(f"/reports/{RUN}/pdf")
class ReportPdf(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
    def get(self, run_id):
        """The generated report's PDF."""
        stored, path = service.report_run_pdf(get_session(), current_actor(), run_id,
                                              storage_path=current_app.config["STORAGE_PATH"])
        return send_file(path, mimetype="application/pdf", download_name=stored.filename, max_age=0)


@blp.route(f"/reports/{RUN}/html")
class ReportHtml(MethodView):
    @blp.response(200, {"type": "string"}, content_type="text/html")
    def get(self, run_id):
        """The generated report as HTML (for reading in the browser); scripts never run in it."""
        run = service.report_run_get(get_session(), current_actor(), run_id)
        return current_app.response_class(run.html, mimetype="text/html", headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"})


@blp.route("/report-schedules")
class ReportSchedules(MethodView):
    @blp.arguments(ReportScheduleQuery, location="query")
    @blp.response(200, ReportSchedulePage)
    def get(self, args):
        """List report schedules, with when each runs next."""
        return schedules.report_schedule_list(get_session(), current_actor(), **args, tz=_tz())

    @blp.arguments(ReportScheduleCreate)
    @blp.response(201, ReportScheduleOut)
    def post(self, data):
        """Schedule a template's report daily, weekly (Mondays) or monthly (the 1st) at a time of day,
        delivered to users, roles and e-mail addresses."""
        db = get_session()
        schedule = schedules.report_schedule_create(db, current_actor(), data, tz=_tz())
        db.commit()
        return with_etag(schedule, 201)


@blp.route(f"/report-schedules/{SCHEDULE}")
class ReportScheduleItem(MethodView):
    @blp.response(200, ReportScheduleOut)
    def get(self, schedule_id):
        """One report schedule; its ETag is needed to change it."""
        return with_etag(schedules.report_schedule_get(get_session(), current_actor(), schedule_id, tz=_tz()))

    @if_match(ReportSchedule, "schedule_id")
    @blp.arguments(ReportScheduleUpdate)
    @blp.response(200, ReportScheduleOut)
    def patch(self, data, schedule_id, if_version):
        """Change a report schedule."""
        db = get_session()
        schedule = schedules.report_schedule_update(db, current_actor(), schedule_id, data, if_version, tz=_tz())
        db.commit()
        return with_etag(schedule)

    @if_match(ReportSchedule, "schedule_id")
    @blp.response(204)
    def delete(self, schedule_id, if_version):
        """Delete a report schedule (its reports stay in the archive)."""
        db = get_session()
        schedules.report_schedule_delete(db, current_actor(), schedule_id, if_version)
        db.commit()


@blp.route(f"/report-schedules/{SCHEDULE}/run-now")
class ReportScheduleRunNow(MethodView):
    @blp.response(202, ReportRunOut)
    def post(self, schedule_id):
        """Generate the schedule's report for its latest due period now, in the background, and
        deliver it like a scheduled one; answers 202 with the run to poll."""
        return _queued(schedules.report_schedule_run_now(get_session(), current_actor(), schedule_id, tz=_tz()))
