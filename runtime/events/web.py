"""The browser pages of 事件: the to-do list of a department's handlers (and, for the operations
center, every event), and the event page. Each is a shell that mounts one Vue page; the data comes
from /api/v1/events, where the permission checks live."""
from __future__ import annotations

from flask import Blueprint, g, render_template
from flask_babel import lazy_gettext as _l

from tongguan.web.views import login_required

bp = Blueprint("events_web", __name__, url_prefix="/events")


def _ids(**extra) -> dict:
    """What the Vue page needs to know of the signed-in user beyond window.__TG__."""
    return {"department_id": g.actor.department_id or "", **extra}


@bp.route("/")
@login_required
def index():
    """我的待办 (events at my department); 指挥中心 for those who dispatch."""
    title = _l("指挥中心") if g.actor.can("event.dispatch") else _l("我的待办")
    return render_template("events/page.html", title=title, entry="events", ids=_ids())


@bp.route("/<int(min=1, max=2147483647):event_id>")
@login_required
def event(event_id: int):
    return render_template("events/page.html", title=_l("事件"), entry="events-detail",
                           ids=_ids(event_id=event_id))


def init_app(app) -> None:
    app.register_blueprint(bp)
