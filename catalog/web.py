"""The catalog's browser pages: each is a shell that mounts one Vue page; the data
comes from /api/v1, where the permission checks live."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l

from tongguan.web.views import login_required

bp = Blueprint("catalog_web", __name__, url_prefix="/catalog")

# endpoint -> (label, Vite entry); the order is the tab order.
PAGES = {
    "directories": (_l("资源目录"), "catalog-directories"),
    "recycle_bin": (_l("回收站"), "catalog-recycle-bin"),
    "matters": (_l("事项目录"), "catalog-matters"),
    "tags": (_l("标签"), "catalog-tags"),
    "favourites": (_l("我的收藏"), "catalog-favourites"),
    "components": (_l("组件库"), "catalog-components"),
}
PATHS = {
    "directories": "/", "recycle_bin": "/recycle-bin", "matters": "/matters", "tags": "/tags",
    "favourites": "/favourites", "components": "/components",
}


def _page(endpoint: str):
    @login_required
    def view(**ids):
        label, entry = PAGES[endpoint]
        return render_template("catalog/page.html", title=label, entry=entry, ids=ids)

    view.__name__ = endpoint
    return view


for _endpoint, _path in PATHS.items():
    bp.add_url_rule(_path, _endpoint, _page(_endpoint))


@bp.route("/resources/<int(min=1, max=2147483647):resource_id>")
@login_required
def resource(resource_id: int):
    return render_template("catalog/page.html", title=_l("资源"), entry="catalog-resource",
                           ids={"resource_id": resource_id}, tab="directories")


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["catalog_tabs"] = [(f"catalog_web.{e}", label) for e, (label, _) in PAGES.items()]
