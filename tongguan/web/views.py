"""The server-rendered shell: login, navigation, section pages and admin pages.

Views only parse, call services and render; permission checks live in the services."""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..accounts import service as accounts
from ..accounts.models import Department, User
from ..auth import login_user, logout_user
from ..db import get_session
from ..errors import Forbidden, TooManyRequests, Unauthorized
from ..i18n import LOCALES, current_code, messages_for
from ..permissions import ANONYMOUS
from .forms import LoginForm

bp = Blueprint("web", __name__)

NAV = [
    ("catalog_web.directories", _l("目录")),
    ("builder_web.apps", _l("场景构建")),
    ("templates_web.gallery", _l("场景模板")),
    ("events_web.index", _l("事件")),
    ("flows_web.index", _l("流程")),
    ("data_web.sources", _l("数据与指标")),
    ("reports_web.home", _l("报告")),
    ("web.admin_users", _l("系统管理")),
]

SECTIONS = {
    "catalog": (_l("目录"), _l("数字资源目录、事项目录、标签与组件库。")),
    "builder": (_l("场景构建"), _l("卡片、页面与大屏的可视化设计，流程、指标与报告模板。")),
    "templates": (_l("场景模板"), _l("防汛、渣土车、12345 热线、网格治理等开箱即用的场景，先试用再一键创建。")),
    "events": (_l("事件"), _l("事件的上报、受理、分拨、处置、审核与办结。")),
    "data": (_l("数据与指标"), _l("数据源、数据服务、指标与指标预警。")),
    "reports": (_l("报告"), _l("日报、周报、月报与专报。")),
}


def vue_page(title, entry: str, page_class: str, **ids):
    """A page that is one Vue app: the shell mounts `static/src/pages/<entry>.ts` on `#app`, with
    `ids` as its data attributes (`app_id=3` -> `data-app-id="3"`)."""
    return render_template("builder/page.html", title=title, entry=entry, page_class=page_class, ids=ids)


def login_required(view):
    @functools.wraps(view)
    def inner(*args, **kwargs):
        if not g.get("actor", ANONYMOUS).is_authenticated:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return inner


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        db = get_session()
        try:
            user = accounts.login(
                db, form.username.data.strip(), form.password.data, ip=request.remote_addr or "",
                max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                lockout_seconds=current_app.config["LOGIN_LOCKOUT_SECONDS"],
            )
        except TooManyRequests:
            error, status = _("登录失败次数过多，请稍后再试。"), 429
        except Unauthorized:
            db.commit()  # keep the failure: it counts towards throttling
            error, status = _("用户名或密码错误。"), 401
        else:
            db.commit()
            login_user(user)
            if user.locale in LOCALES:
                session["locale"] = user.locale
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("已退出登录。"), "info")
    return redirect(url_for("web.login"))


@bp.route("/locale", methods=["POST"])
def set_locale():
    locale = request.form.get("locale", "")
    if locale not in LOCALES:
        abort(400)
    session["locale"] = locale
    actor = g.get("actor", ANONYMOUS)
    if actor.is_authenticated and actor.id is not None:
        db = get_session()
        accounts.user_set_locale(db, actor, locale)
        db.commit()
    return redirect(_safe_next(request.form.get("next")))


@bp.route("/")
@login_required
def home():
    db = get_session()
    counts = {
        "departments": db.scalar(select(func.count()).select_from(Department)),
        "users": db.scalar(select(func.count()).select_from(User)),
    }
    me = db.get(User, g.actor.id) if g.actor.id else None
    return render_template("home.html", sections=SECTIONS, counts=counts, me=me)


def _section(key):
    @login_required
    def view():
        title, summary = SECTIONS[key]
        return render_template("section.html", key=key, title=title, summary=summary)

    view.__name__ = key
    return view


for _key in SECTIONS:
    if _key not in ("catalog", "data", "events", "builder", "reports", "templates"):  # pages of their own (catalog/web.py, runtime/web.py, runtime/events/web.py, builder/web.py, report_engine/web.py)
        bp.add_url_rule(f"/{_key}", _key, _section(_key))


@bp.route("/catalog")
def catalog():
    return redirect(url_for("catalog_web.directories"))


@bp.route("/data")
def data():
    return redirect(url_for("data_web.sources"))


@bp.route("/builder/home")
def builder():
    return redirect(url_for("builder_web.apps"))


@bp.route("/templates/home")
def templates():
    return redirect(url_for("templates_web.gallery"))


@bp.route("/reports/home")
def reports():
    return redirect(url_for("reports_web.home"))


@bp.route("/events")
def events():
    return redirect(url_for("events_web.index"))


@bp.route("/admin")
@login_required
def admin():
    return redirect(url_for("web.admin_users"))


@bp.route("/admin/users")
@login_required
def admin_users():
    return render_template("admin/users.html")


@bp.route("/admin/departments")
@login_required
def admin_departments():
    return render_template("admin/departments.html")


@bp.route("/admin/audit")
@login_required
def admin_audit():
    if not g.actor.can("audit.read"):
        raise Forbidden("audit.read")
    return render_template("admin/audit.html")


@bp.route("/account/tokens")
@login_required
def account_tokens():
    return render_template("account/tokens.html")


def init_app(app) -> None:
    from builder import web as builder_web
    from report_engine import web as reports_web
    from catalog import web as catalog_web
    from runtime import web as data_web
    from runtime.events import web as events_web
    from runtime.flows import web as flows_web
    from templates_lib import web as templates_web

    app.register_blueprint(bp)
    catalog_web.init_app(app)
    data_web.init_app(app)
    events_web.init_app(app)
    flows_web.init_app(app)
    builder_web.init_app(app)
    reports_web.init_app(app)
    templates_web.init_app(app)
    app.jinja_env.globals["nav_items"] = NAV
    app.jinja_env.globals["i18n_messages"] = lambda: messages_for(current_code())
