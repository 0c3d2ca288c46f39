"""The browser pages of 流程: the list of flows and the designer. Each is a shell that mounts one
Vue page; the data comes from /api/v1/flows, where the permission checks live."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from tongguan.web.views import login_required

bp = Blueprint("flows_web", __name__, url_prefix="/flows")


@bp.route("/")
@login_required
def index():
    return render_template("flows/page.html", title=_l("流程"), entry="flows", page_class="tg-flows-page", ids={})


@bp.route("/<int(min=1, max=2147483647):flow_id>")
@login_required
def designer(flow_id: int):
    return render_template("flows/page.html", title=_l("流程设计器"), entry="flows-designer",
                           page_class="tg-flow-designer-page", ids={"flow_id": flow_id})


def init_app(app) -> None:
    app.register_blueprint(bp)
