"""The browser pages of 场景构建: the app list, the designer and the runtime viewer `/run/<app>/<page>`.
Each is a shell that mounts one Vue page; data and permission checks live behind /api/v1."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from tongguan.web.views import login_required, vue_page

bp = Blueprint("builder_web", __name__)
ID = "<int(min=1, max=2147483647):app_id>"
CODE = "<string(maxlength=64):{}>"


@bp.route("/builder")
@login_required
def apps():
    return vue_page(_l("场景构建"), "builder-apps", "tg-builder-apps-page")


@bp.route(f"/builder/apps/{ID}")
@login_required
def designer(app_id: int):
    return vue_page(_l("应用设计器"), "builder-designer", "tg-designer-page", app_id=app_id)


@bp.route(f"/builder/apps/{ID}/manage")
@login_required
def manage(app_id: int):
    """Releases (export, import, activate), deployments and API services of one app."""
    return vue_page(_l("应用管理"), "builder-app", "tg-app-manage-page", app_id=app_id)


@bp.route("/builder/environments")
@login_required
def environments():
    return vue_page(_l("环境"), "builder-environments", "tg-environments-page")


@bp.route(f"/run/{CODE.format('app_code')}")
@bp.route(f"/run/{CODE.format('app_code')}/{CODE.format('page_code')}")
@login_required
def run(app_code: str, page_code: str = ""):
    return vue_page(_l("应用"), "run-page", "tg-run-page", app_code=app_code, page_code=page_code)


def init_app(app) -> None:
    app.register_blueprint(bp)
