"""The gallery (场景模板库): the built-in scenario packages and the flow, form and page templates
saved from apps; trying a template, using it (a clone into the workspace), the drills a scenario
clone can run, and saving from an app into the gallery."""
from __future__ import annotations

import datetime as dt

import logging

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from builder import pages as app_pages, viewer
from builder.models import App, AppPage, AppRelease
from runtime.alerts import service as alerts
from runtime.alerts.models import AlertNotification
from runtime.events.models import Event
from runtime.flows import service as flows
from runtime.flows.models import Flow
from runtime.sources import service as sources
from tongguan.accounts.models import Department, User
from tongguan.db import utcnow
from tongguan.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from tongguan.pagination import Page, paginate
from tongguan.permissions import Actor, action

from . import package, preview
from .install import PREFIX_RE, Choice, check_choices, install, installer
from .models import SAVED_KINDS, SavedTemplate, TemplateUse

KINDS = ("scenario", *SAVED_KINDS)
# (step, stage) in order; the clone reports each step as it starts it
STAGES = [("queued", "排队中"), ("generate", "生成示例数据"), ("load", "载入示例数据"), ("data", "建立数据服务与指标"),
          ("rules", "建立预警规则、流程与报告"), ("app", "建立应用页面"), ("done", "已完成")]
STAGE_AT = {step: (percent, stage) for (step, stage), percent in zip(STAGES, (0, 5, 25, 55, 75, 90, 100))}
SIZES = (1_000, 10_000, 100_000, 1_000_000)
log = logging.getLogger(__name__)
SAVED_CATEGORY = {"flow": "流程模板", "form": "表单模板", "page": "应用模板"}


# --- the gallery ---------------------------------------------------------------------------------

def _entry(pkg: package.Package) -> dict:
    m = pkg.manifest
    return {"code": m["code"], "kind": "scenario", "builtin": True, "name": m["name"], "name_en": m["name_en"],
            "summary": m["summary"], "description": m.get("description", ""), "categories": m["categories"],
            "domains": m["domains"], "version": m["version"], "cover": m.get("cover"), "contents": pkg.contents()}


def _saved_entry(t: SavedTemplate, savers: dict[int, str]) -> dict:
    cards = len(t.document.get("cards") or []) if t.kind != "flow" else 0
    nodes = len(t.document.get("nodes") or []) if t.kind == "flow" else 0
    return {"code": t.code, "kind": t.kind, "builtin": False, "id": t.id, "name": t.name, "name_en": t.name,
            "summary": t.summary, "description": t.description, "categories": t.categories, "domains": t.domains,
            "version": str(t.version), "cover": None, "saved_by": savers.get(t.created_by, ""),
            "saved_by_id": t.created_by, "saved_at": t.created_at,
            "contents": {"pages": 1 if t.kind != "flow" else 0, "cards": cards, "nodes": nodes, "flows": int(t.kind == "flow")}}


def _matches(entry: dict, q: str | None, category: str | None, domain: str | None, kind: str | None) -> bool:
    if kind and entry["kind"] != kind:
        return False
    if category and category not in entry["categories"]:
        return False
    if domain and domain not in entry["domains"]:
        return False
    if q:
        text = " ".join([entry["code"], entry["name"], entry["name_en"], entry["summary"], entry["description"],
                         *entry["categories"], *entry["domains"]]).lower()
        return all(word in text for word in q.lower().split())
    return True


@action("app.read")
def template_list(session: Session, actor: Actor, *, q=None, category=None, domain=None, kind=None) -> dict:
    """Every template (built-in scenarios first, then saved ones, newest first) that matches."""
    saved = list(session.scalars(select(SavedTemplate).order_by(SavedTemplate.id.desc())))
    savers = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_({t.created_by for t in saved if t.created_by}))).all()) if saved else {}
    entries = [_entry(p) for p in package.all_packages()] + [_saved_entry(t, savers) for t in saved]
    return {"items": [e for e in entries if _matches(e, q, category, domain, kind)],
            "categories": list(package.CATEGORIES), "domains": list(package.DOMAINS)}


def _package(code: str) -> package.Package:
    try:
        return package.get(code)
    except KeyError:
        raise NotFound(f"Template {code} does not exist.") from None


def _saved(session: Session, code: str) -> SavedTemplate | None:
    return session.scalar(select(SavedTemplate).where(SavedTemplate.code == code))


@action("app.read")
def template_get(session: Session, actor: Actor, code: str) -> dict:
    """One template with what it holds: for a scenario its sources (the columns a clone may bind to
    the author's own data), pages, indicators, alert rules, flows, reports, matters and drills."""
    saved = _saved(session, code)
    if saved is not None:
        savers = dict(session.execute(select(User.id, User.display_name).where(User.id == saved.created_by)).all())
        return {**_saved_entry(saved, savers), "document": saved.document}
    pkg = _package(code)
    m = pkg.manifest
    return {**_entry(pkg),
            "sources": [{"code": s["code"], "name": s["name"], "builtin": bool(s.get("builtin")),
                         "columns": s.get("columns", [])} for s in m["sources"]],
            "pages": [{"code": p["code"], "name": p["name"], "kind": m["app"]["kind"]} for p in m["app"]["pages"]],
            "indicators": [{"code": i["code"], "name": i["name"], "unit": i.get("unit", "")} for i in m["indicators"]],
            "alert_rules": [{"code": r["code"], "name": r["name"], "indicator": r["indicator"], "levels": r["levels"]}
                            for r in m.get("alert_rules", [])],
            "flows": [{"code": f["code"], "name": f["name"]} for f in m.get("flows", [])],
            "reports": [{"code": r["code"], "name": r["name"], "type": r["type"]} for r in m.get("reports", [])],
            "matters": [{"name": x["name"], "department": x["department"]} for x in m.get("matters", [])],
            "drills": m.get("drills", []), "sizes": m.get("sizes", list(SIZES)),
            "default_size": m.get("default_size", 10_000)}


# --- try it ----------------------------------------------------------------------------------------

def _saved_page(session: Session, code: str) -> SavedTemplate | None:
    saved = _saved(session, code)
    if saved is not None and saved.kind == "flow":
        raise NotFound("A flow template has no page to try; open it in the flow designer after using it.")
    return saved


def _saved_view(saved: SavedTemplate, what: str) -> dict:
    """A saved page as the viewer's answers would give it: an unpublished, one-page app."""
    summary = {"app": {"id": 0, "code": saved.code, "name": saved.name, "kind": "page", "settings": {}},
               "release": {"number": 0, "published_at": saved.updated_at.isoformat()},
               "pages": [{"code": "main", "name": saved.name}]}
    if what == "page":
        summary["page"] = {"code": "main", "name": saved.name, "document": saved.document}
    return summary


@action("app.read")
def template_try(session: Session, actor: Actor, code: str, *, storage_path: str) -> dict:
    """Make sure the template's preview exists; where the viewer finds it. A scenario is shown on its
    own sample data; a saved page or form on the workspace's data, read with the viewer's grants."""
    saved = _saved_page(session, code)
    if saved is not None:
        return {"app_code": saved.code, "page_code": "main", "pages": [{"code": "main", "name": saved.name}],
                "api_base": f"/api/v1/templates/{saved.code}/try"}
    pkg = _package(code)
    preview.engine_for(pkg, storage_path)
    return {"app_code": pkg.code, "page_code": pkg.manifest["app"]["pages"][0]["code"],
            "pages": [{"code": p["code"], "name": p["name"]} for p in pkg.manifest["app"]["pages"]],
            "api_base": f"/api/v1/templates/{pkg.code}/try"}


@action("app.read")
def template_try_view(session: Session, actor: Actor, code: str, what: str, *, storage_path: str,
                      page_code: str | None = None, request: viewer.Request | None = None) -> dict:
    """The viewer's answers (`app`, `page` or `data`) over the template's preview database. The
    preview holds only sample data, so it is read with the preview's own reader."""
    saved = _saved_page(session, code)
    if saved is not None:
        if what != "data":
            return _saved_view(saved, what)
        app = App(code=saved.code, name=saved.name, kind="page", state="draft")  # never added: nothing is saved
        return viewer.page_data(session, actor, app, saved.document, request)
    pkg = _package(code)
    with Session(preview.engine_for(pkg, storage_path)) as own:
        if what == "app":
            return viewer.run_app(own, preview.READER, pkg.code)
        if what == "page":
            return viewer.run_page(own, preview.READER, pkg.code, page_code)
        return viewer.run_page_data(own, preview.READER, pkg.code, page_code, request)


# --- use -----------------------------------------------------------------------------------------

def _check_new_code(session: Session, code: str, field: str = "code") -> None:
    if not PREFIX_RE.fullmatch(code or ""):
        raise Invalid("The code is not valid.", {field: ["编码须以小写字母开头，由小写字母、数字和下划线组成，2 到 31 个字符"]})
    if session.scalar(select(App.id).where(App.code == code)) is not None or \
            session.scalar(select(TemplateUse.id).where(TemplateUse.code == code)) is not None:
        raise Invalid("The code is taken.", {field: [f"编码 {code} 已被使用"]})


def _choices(data: dict) -> dict[str, Choice]:
    return {code: Choice(c.get("mode", "sample"), c.get("source_id")) for code, c in (data.get("sources") or {}).items()}


def _new_use(session: Session, actor: Actor, pkg: package.Package, data: dict) -> TemplateUse:
    """A scenario clone's record, checked (code, size, the data bindings) and not yet carried out."""
    _check_new_code(session, data.get("code", ""))
    size = int(data.get("size") or pkg.manifest.get("default_size", 10_000))
    if not 100 <= size <= 1_000_000:
        raise Invalid("The size is out of range.", {"size": ["示例数据规模须在 100 到 1,000,000 行之间"]})
    choices = _choices(data)
    check_choices(session, pkg, choices)
    use = TemplateUse(template_code=pkg.code, template_version=pkg.manifest["version"], kind="scenario",
                      code=data["code"], name=(data.get("name") or pkg.manifest["name"]).strip()[:200],
                      seed=int(data.get("seed", 1)), size=size, state="pending", stage=STAGES[0][1], progress=0,
                      bindings={"sources": {k: vars(v) for k, v in choices.items()}}, objects={},
                      created_by=actor.id)
    session.add(use)
    session.flush()
    return use


def _carry_out(session: Session, actor: Actor, use: TemplateUse, now: dt.datetime, tell=None) -> None:
    pkg = package.get(use.template_code)
    choices = {k: Choice(**v) for k, v in (use.bindings.get("sources") or {}).items()}
    made = install(session, actor, pkg, code=use.code, name=use.name, size=use.size, seed=use.seed, now=now,
                   choices=choices, tell=tell)
    use.app_id, use.objects = made["app"].id, made["objects"]
    use.state, use.stage, use.progress, use.message = "succeeded", STAGES[-1][1], 100, ""


@action("template.use")
def template_use(session: Session, actor: Actor, code: str, data: dict, *, now: dt.datetime | None = None) -> TemplateUse:
    """Clone a template into the workspace, here and now. A scenario: everything it holds, under
    `data.code`, on its sample data (`size` rows, `seed`) or the author's own sources. A saved page or
    form: a page added to `data.app_id`; a saved flow: a new draft flow. (The API queues a scenario
    instead: `template_use_queue`.)"""
    saved = _saved(session, code)
    if saved is not None:
        return _use_saved(session, actor, saved, data)
    use = _new_use(session, actor, _package(code), data)
    _carry_out(session, actor, use, now or utcnow())
    session.flush()
    return use


@action("template.use")
def template_use_queue(session: Session, actor: Actor, code: str, data: dict) -> TemplateUse:
    """Check a clone and record it as pending; the caller commits and hands it to the job
    `templates.clone` (tick `use:<id>`), whose progress `template_use_get` follows. A saved template
    is used at once (it is one page or one flow)."""
    saved = _saved(session, code)
    if saved is not None:
        return _use_saved(session, actor, saved, data)
    return _new_use(session, actor, _package(code), data)


class _Progress:
    """Writes a clone's stage through a short session of its own, so a reader polling it sees it while
    the clone's own transaction is open. SQLite has one writer at a time: there only the start and
    the end are written (the clone's transaction holds the database in between)."""

    def __init__(self, bind, use_id: int):
        self.bind, self.use_id = bind, use_id
        self.live = bind.dialect.name != "sqlite"

    def __call__(self, percent: int, stage: str, force: bool = False, **more) -> None:
        if not (self.live or force):
            return
        try:
            with Session(bind=self.bind) as short:
                short.execute(update(TemplateUse).where(TemplateUse.id == self.use_id).values(
                    progress=percent, stage=stage, **more))
                short.commit()
        except SQLAlchemyError as exc:  # progress is advice: the clone goes on without it
            log.warning("template use %s: progress not recorded: %r", self.use_id, exc)


def use_execute(session: Session, use_id: int, *, now: dt.datetime | None = None) -> TemplateUse | None:
    """Carry out a queued clone (the job `templates.clone`) as the author who asked for it; a clone
    already finished is left alone. A failure leaves nothing of the clone but its record, failed,
    with the reason."""
    use = session.get(TemplateUse, use_id)
    if use is None or use.state in ("succeeded", "failed"):
        return use
    progress = _Progress(session.get_bind(), use.id)
    progress(1, STAGES[1][1], force=True, state="running")
    session.expire(use)
    user = session.get(User, use.created_by) if use.created_by else None
    actor = Actor.for_user(user, via="system") if user is not None and user.is_active else None
    try:
        if actor is None or not actor.can("template.use"):
            raise Forbidden("The author may no longer use templates.")
        _carry_out(session, actor, use, now or utcnow(), tell=lambda step: progress(*STAGE_AT[step]))
        session.flush()
        return use
    except Exception as exc:  # noqa: BLE001 - whatever stops a clone is its author's to read, not a stuck "running"
        if not isinstance(exc, DomainError):
            log.exception("template use %s failed", use_id)
        session.rollback()
        use = session.get(TemplateUse, use_id)
        use.state, use.stage, use.message = "failed", "失败", _reason(exc)
        session.flush()
        return use


def _reason(exc: Exception) -> str:
    if isinstance(exc, Forbidden):
        return "创建者已没有使用场景模板的权限"
    if isinstance(exc, DomainError):
        found = [m for ms in (getattr(exc, "errors", None) or {}).values() for m in ms]
        return "；".join(found) or str(exc.detail)
    return f"{type(exc).__name__}：{exc}"[:2000]


@action("template.use")
def template_use_delete(session: Session, actor: Actor, use_id: int) -> None:
    """Remove the record of a clone that failed (its code is free again). A finished clone is the
    objects it made: those are removed where they are managed."""
    use = _use(session, use_id)
    if use.created_by != actor.id and not actor.can("template.manage"):
        raise Forbidden("Only its author or a gallery manager may remove a clone's record.")
    if use.state != "failed":
        raise Conflict("Only a failed clone's record can be removed.", {"state": ["只能删除创建失败的记录"]})
    session.delete(use)


def _use_saved(session: Session, actor: Actor, saved: SavedTemplate, data: dict) -> TemplateUse:
    code = data.get("code", "")
    if saved.kind == "flow":
        if not actor.can("flow.manage"):
            raise Forbidden("Using a flow template needs flow.manage.")
        flow = flows.flow_create(session, actor, {"code": code, "name": data.get("name") or saved.name,
                                                  "draft": saved.document,
                                                  "description": f"由流程模板「{saved.name}」创建"})
        objects, app_id = {"flows": [{"id": flow.id, "code": flow.code, "name": flow.name}]}, None
    else:
        if not data.get("app_id") or session.get(App, data["app_id"]) is None:
            raise Invalid("Choose the app.", {"app_id": ["请选择要添加页面的应用"]})
        page = app_pages.app_page_create(session, actor, data["app_id"], {
            "code": code, "name": data.get("name") or saved.name, "document": saved.document})
        objects, app_id = {"pages": [{"id": page.id, "code": page.code, "name": page.name}]}, data["app_id"]
    use = TemplateUse(template_code=saved.code, template_version=str(saved.version), kind=saved.kind,
                      code=f"{saved.code}-{utcnow():%Y%m%d%H%M%S%f}"[:64], name=data.get("name") or saved.name,
                      app_id=app_id, objects=objects, created_by=actor.id)
    session.add(use)
    session.flush()
    return use


def _use(session: Session, use_id: int) -> TemplateUse:
    use = session.get(TemplateUse, use_id)
    if use is None:
        raise NotFound(f"Template use {use_id} does not exist.")
    return use


def use_view(session: Session, use: TemplateUse) -> dict:
    app = session.get(App, use.app_id) if use.app_id else None
    live = app is not None and session.scalar(select(func.count(AppRelease.id)).where(AppRelease.app_id == app.id)) > 0
    pkg = package.get(use.template_code) if use.kind == "scenario" and use.template_code in package.codes() else None
    return {"id": use.id, "template": use.template_code, "template_name": pkg.manifest["name"] if pkg else use.template_code,
            "kind": use.kind, "code": use.code, "name": use.name, "created_at": use.created_at,
            "created_by": use.created_by, "seed": use.seed, "size": use.size, "objects": use.objects,
            "app": {"id": app.id, "code": app.code, "name": app.name, "state": app.state, "released": live} if app else None,
            "drills": pkg.manifest.get("drills", []) if pkg else [],
            "state": use.state, "stage": use.stage, "progress": use.progress, "message": use.message}


@action("app.read")
def template_use_list(session: Session, actor: Actor, *, page=1, per_page=50) -> Page:
    """The clones made by the actor (all of them for an administrator), newest first."""
    stmt = select(TemplateUse).order_by(TemplateUse.id.desc())
    if not actor.can("template.manage"):
        stmt = stmt.where(TemplateUse.created_by == actor.id)
    found = paginate(session, stmt, page, per_page)
    return Page([use_view(session, u) for u in found.items], found.total, found.page, found.per_page)


@action("app.read")
def template_use_get(session: Session, actor: Actor, use_id: int) -> dict:
    return use_view(session, _use(session, use_id))


@action("template.use")
def template_drill(session: Session, actor: Actor, use_id: int, drill_code: str, *,
                   now: dt.datetime | None = None) -> dict:
    """Run a drill (演练) on a scenario clone: append the drill's readings, ending now, to the clone's
    sample sources and evaluate the clone's alert rules at once. Answers the alerts raised and the
    events they reported, with the department each went to."""
    use = _use(session, use_id)
    pkg = package.get(use.template_code) if use.kind == "scenario" and use.template_code in package.codes() else None
    if pkg is None or drill_code not in {d["code"] for d in pkg.manifest.get("drills", [])}:
        raise NotFound(f"Drill {drill_code} does not exist.")
    now = now or utcnow()
    rows = pkg.generator.drill(drill_code, seed=use.seed, now=now)
    by_local = {s["local"]: s for s in use.objects.get("sources", [])}
    own = [local for local in rows if by_local.get(local, {}).get("mode") != "sample"]
    if own:
        raise Conflict("A drill writes sample rows only.", {"drill": [
            f"演练只在示例数据上进行：{'、'.join(own)} 已绑定到自有数据源"]})
    act = installer(actor)
    for local, items in rows.items():
        sources.source_load(session, act, by_local[local]["id"], items, append=True)
    session.flush()
    rule_ids = [r["id"] for r in use.objects.get("alert_rules", [])]
    first = session.scalar(select(func.max(AlertNotification.id))) or 0
    if rule_ids:
        alerts.evaluate(session, now=now, rule_ids=rule_ids)
    raised = list(session.scalars(select(AlertNotification).where(
        AlertNotification.id > first, AlertNotification.rule_id.in_(rule_ids)).order_by(AlertNotification.id)))
    names = {r["id"]: r["name"] for r in use.objects.get("alert_rules", [])}
    events = [session.get(Event, n.event_id) for n in raised if n.event_id]
    depts = dict(session.execute(select(Department.id, Department.name).where(
        Department.id.in_({e.department_id for e in events if e.department_id}))).all())
    return {"rows": sum(len(v) for v in rows.values()),
            "alerts": [{"rule": names.get(n.rule_id, ""), "group": n.group_key, "level": n.level, "kind": n.kind,
                        "message": n.message} for n in raised],
            "events": [{"id": e.id, "number": e.number, "title": e.title, "status": e.status,
                        "department": depts.get(e.department_id, "")} for e in events]}


# --- save from an app ----------------------------------------------------------------------------

@action("app.manage")
def template_save(session: Session, actor: Actor, data: dict) -> SavedTemplate:
    """Save a page (as a page or form template) or a flow (as a flow template) into the gallery."""
    code = data.get("code", "")
    if not PREFIX_RE.fullmatch(code):
        raise Invalid("The code is not valid.", {"code": ["编码须以小写字母开头，由小写字母、数字和下划线组成，2 到 31 个字符"]})
    if code in package.codes() or _saved(session, code) is not None:
        raise Invalid("The code is taken.", {"code": [f"编码 {code} 已被使用"]})
    kind = data.get("kind")
    if kind == "flow":
        flow = session.get(Flow, data.get("flow_id") or 0)
        if flow is None:
            raise Invalid("Choose the flow.", {"flow_id": ["流程不存在"]})
        document, source = flow.draft, {"flow_id": flow.id, "flow_code": flow.code}
    else:
        page = session.get(AppPage, data.get("page_id") or 0)
        if page is None or page.app_id != data.get("app_id"):
            raise Invalid("Choose the page.", {"page_id": ["页面不存在"]})
        document, source = page.document, {"app_id": page.app_id, "page_id": page.id, "page_code": page.code}
    categories = list(dict.fromkeys([SAVED_CATEGORY[kind], *(data.get("categories") or [])]))
    saved = SavedTemplate(code=code, kind=kind, name=data["name"], summary=data.get("summary", ""),
                          description=data.get("description", ""), categories=categories,
                          domains=data.get("domains") or [], document=document, source=source, created_by=actor.id)
    session.add(saved)
    session.flush()
    return saved


@action("app.manage")
def template_saved_delete(session: Session, actor: Actor, code: str) -> None:
    """Remove a saved template: its saver, or whoever may manage the gallery. Clones keep what they made."""
    saved = _saved(session, code)
    if saved is None:
        raise NotFound(f"Saved template {code} does not exist.")
    if saved.created_by != actor.id and not actor.can("template.manage"):
        raise Forbidden("Only its saver or a gallery manager may remove a saved template.")
    session.delete(saved)
