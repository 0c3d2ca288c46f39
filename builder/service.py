"""Apps: register, list, change state. (Designing their pages is the builder's next room.)"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.services import apps as runtime_apps
from tongguan.accounts.service import unknown_departments
from tongguan.errors import Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from .models import KINDS, STATES, App


def _app(session: Session, app_id: int, *, lock: bool = False) -> App:
    app = session.get(App, app_id, with_for_update=lock or None)
    if app is None:
        raise NotFound(f"App {app_id} does not exist.")
    return app


def app_by_code(session: Session, code: str) -> App | None:
    return session.scalar(select(App).where(App.code == code))


@runtime_apps.provider
def _found(session: Session, *, code: str | None = None, id: int | None = None) -> runtime_apps.FoundApp | None:
    app = app_by_code(session, code) if code is not None else session.get(App, id)
    return runtime_apps.FoundApp(app.id, app.code, app.state == "published") if app else None


@action("app.read")
def app_list(session: Session, actor: Actor, *, q=None, kind=None, state=None, page=1, per_page=50) -> Page:
    stmt = select(App).order_by(App.code)
    if q:
        stmt = stmt.where(App.name.ilike(f"%{q}%") | App.code.ilike(f"%{q}%"))
    if kind:
        stmt = stmt.where(App.kind == kind)
    if state:
        stmt = stmt.where(App.state == state)
    return paginate(session, stmt, page, per_page)


@action("app.read")
def app_get(session: Session, actor: Actor, app_id: int) -> App:
    return _app(session, app_id)


@action("app.manage")
def app_create(session: Session, actor: Actor, data: dict) -> App:
    if app_by_code(session, data["code"]) is not None:
        raise Invalid("The app is not valid.", {"code": [f"编码 {data['code']} 已被使用"]})
    if data["kind"] not in KINDS:
        raise Invalid("The app is not valid.", {"kind": [f"取值须为 {', '.join(KINDS)} 之一"]})
    if unknown_departments(session, [data.get("owner_department_id")]):
        raise Invalid("The app is not valid.", {"owner_department_id": ["部门不存在"]})
    app = App(code=data["code"], name=data["name"], kind=data["kind"], description=data.get("description", ""),
              owner_department_id=data.get("owner_department_id", actor.department_id), created_by=actor.id)
    session.add(app)
    session.flush()
    return app


@action("app.manage")
def app_update(session: Session, actor: Actor, app_id: int, data: dict, if_version: int | None = None) -> App:
    app = _app(session, app_id)
    check_version(app, if_version)
    if unknown_departments(session, [data.get("owner_department_id")]):
        raise Invalid("The app is not valid.", {"owner_department_id": ["部门不存在"]})
    for key in ("name", "description", "owner_department_id"):
        if key in data:
            setattr(app, key, data[key])
    if "state" in data:
        if data["state"] not in STATES:
            raise Invalid("The app is not valid.", {"state": [f"取值须为 {', '.join(STATES)} 之一"]})
        app.state = data["state"]
    return app
