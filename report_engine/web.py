"""The browser pages of 报告: the leaders' reports page, one report, the templates, the designer
and the schedules. Each is a shell that mounts one Vue page; data and permission checks live
behind /api/v1."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from tongguan.web.views import login_required, vue_page

bp = Blueprint("reports_web", __name__)
TEMPLATE = "<int(min=1, max=2147483647):template_id>"
RUN = "<int(min=1, max=2147483647):run_id>"


@bp.route("/reports")
@login_required
def home():
    """The latest report of each type, and the archive searchable by date."""
    return vue_page(_l("报告"), "reports-home", "tg-reports-page")


@bp.route(f"/reports/runs/{RUN}")
@login_required
def run(run_id: int):
    return vue_page(_l("报告"), "reports-view", "tg-report-view-page", run_id=run_id)


@bp.route("/reports/templates")
@login_required
def templates():
    return vue_page(_l("报告模板"), "reports-templates", "tg-report-templates-page")


@bp.route(f"/reports/templates/{TEMPLATE}")
@login_required
def designer(template_id: int):
    return vue_page(_l("报告设计器"), "reports-designer", "tg-report-designer-page", template_id=template_id)


@bp.route("/reports/schedules")
@login_required
def schedules():
    return vue_page(_l("报告计划"), "reports-schedules", "tg-report-schedules-page")


def init_app(app) -> None:
    app.register_blueprint(bp)
