"""Apps: register, list, change state. (Designing their pages is the builder's next room.)"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.services import apps as runtime_apps
from tongguan.accounts.service import unknown_departments
from tongguan.errors import Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import app_settings, presets
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
    """Register an app. With `preset` (a code of `builder.presets`) it starts with that preset's
    pages; `settings` are its welcome page and background (`builder.app_settings`)."""
    if app_by_code(session, data["code"]) is not None:
        raise Invalid("The app is not valid.", {"code": [f"编码 {data['code']} 已被使用"]})
    if data["kind"] not in KINDS:
        raise Invalid("The app is not valid.", {"kind": [f"取值须为 {', '.join(KINDS)} 之一"]})
    if unknown_departments(session, [data.get("owner_department_id")]):
        raise Invalid("The app is not valid.", {"owner_department_id": ["部门不存在"]})
    _check_extras(data)  # preset and settings (composites/presets slice)
    app = App(code=data["code"], name=data["name"], kind=data["kind"], description=data.get("description", ""),
              owner_department_id=data.get("owner_department_id", actor.department_id), created_by=actor.id,
              settings=data.get("settings") or {})
    session.add(app)
    session.flush()
    if data.get("preset"):
        from . import pages  # pages imports this module
        for page in presets.preset_pages(data["preset"]):
            pages.app_page_create(session, actor, app.id, {**page, "message": f"预置模板 {data['preset']}"})
    return app


def _check_extras(data: dict) -> None:
    """A preset that exists and suits the app's kind, and settings that fit their schema."""
    errors = app_settings.problems(data["settings"]) if "settings" in data else {}
    preset = data.get("preset")
    if preset and preset not in presets.PRESETS:
        errors["preset"] = [f"没有名为 {preset} 的预置模板 (no such preset)"]
    elif preset and presets.PRESETS[preset]["kind"] != data.get("kind", presets.PRESETS[preset]["kind"]):
        kind = presets.PRESETS[preset]["kind"]
        errors["preset"] = [f"预置模板 {preset} 用于{KINDS[kind][0]}类应用 (the preset is for {KINDS[kind][1].lower()} apps)"]
    if errors:
        raise Invalid("The app is not valid.", errors)


@action("app.manage")
def app_update(session: Session, actor: Actor, app_id: int, data: dict, if_version: int | None = None) -> App:
    app = _app(session, app_id)
    check_version(app, if_version)
    if unknown_departments(session, [data.get("owner_department_id")]):
        raise Invalid("The app is not valid.", {"owner_department_id": ["部门不存在"]})
    _check_extras({k: v for k, v in data.items() if k == "settings"})
    for key in ("name", "description", "owner_department_id", "settings"):
        if key in data:
            setattr(app, key, data[key])
    if "state" in data:
        if data["state"] not in STATES:
            raise Invalid("The app is not valid.", {"state": [f"取值须为 {', '.join(STATES)} 之一"]})
        app.state = data["state"]
    return app
