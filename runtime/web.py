"""The browser pages of 数据与指标: data sources, data services, indicators and alerts. Each is a shell that mounts
one Vue page; the data comes from /api/v1, where the permission checks live."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from tongguan.web.views import login_required

bp = Blueprint("data_web", __name__, url_prefix="/data")

# endpoint -> (label, Vite entry); the order is the tab order.
PAGES = {
    "sources": (_l("数据源"), "data-sources"),
    "services": (_l("数据服务"), "data-services"),
    "indicators": (_l("指标"), "data-indicators"),
    "alerts": (_l("预警"), "data-alerts"),
}
PATHS = {"sources": "/", "services": "/services", "indicators": "/indicators", "alerts": "/alerts"}


def _page(endpoint: str):
    @login_required
    def view():
        label, entry = PAGES[endpoint]
        return render_template("data/page.html", title=label, entry=entry, ids={})

    view.__name__ = endpoint
    return view


for _endpoint, _path in PATHS.items():
    bp.add_url_rule(_path, _endpoint, _page(_endpoint))


@bp.route("/services/<int(min=0, max=2147483647):service_id>")
@login_required
def service(service_id: int):
    """The builder of one data service; 0 builds a new one."""
    return render_template("data/page.html", title=_l("数据服务") if service_id else _l("新建数据服务"),
                           entry="data-service", ids={"service_id": service_id}, tab="services")


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["data_tabs"] = [(f"data_web.{e}", label) for e, (label, _) in PAGES.items()]
