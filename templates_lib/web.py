"""The browser pages of 场景模板: the gallery, a template's try-it preview and what one use of a
template made. Each is a shell that mounts one Vue page; data and permission checks live behind
/api/v1 (templates_lib/api.py)."""
from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

from tongguan.web.views import login_required, vue_page

bp = Blueprint("templates_web", __name__)
CODE = "<string(maxlength=64):template_code>"
USE = "<int(min=1, max=2147483647):use_id>"


@bp.route("/templates")
@login_required
def gallery():
    """The gallery, and (tab 我的场景) the signed-in user's clones."""
    return vue_page(_l("场景模板"), "templates-gallery", "tg-templates-page")


@bp.route(f"/templates/{CODE}/try")
@login_required
def try_it(template_code: str):
    return vue_page(_l("场景模板"), "templates-try", "tg-template-try-page", template_code=template_code)


@bp.route(f"/templates/uses/{USE}")
@login_required
def use(use_id: int):
    return vue_page(_l("场景模板"), "templates-use", "tg-template-use-page", use_id=use_id)


def init_app(app) -> None:
    app.register_blueprint(bp)
