"""Page data: every bound card of a page resolved in one request, for the runtime viewer
(`/run/<app>/<page>`, the live release) and the designer's live preview (a draft).

A request carries the page's parameters (`params`: date, area, text), the linkage filters
(`filters`: {dimension: value}, set by clicking a district on one card; `origin` is that card,
which keeps its own view) and optionally the ids of the cards wanted (a card refreshing alone).
Each card gets its own answer::

    {"ok": true, "ms": 3.1, "rows": [...], "dimension": "district", "measures": ["events"],
     "labels": {"events": "事件数"}, "unit": "件", "spec": {Vega-Lite} | None, "slots": {...}}
    {"ok": false, "error": "中文 (English)"}

so one failing binding shows its error in place and the rest of the page keeps working.
Indicator bindings that share their grouping, window, parameters and filters are computed
together: one `indicator_values` call, which is itself one SQL statement per data service.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import orjson
from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import dsl
from catalog.registry import packages as third_party  # third-party component renderers
from components import lookup
from components.bindings import validate_bindings
from components.vega import has_spec
from components.vega import spec as vega_spec
from runtime.indicators import parallel
from runtime.indicators import service as indicators
from runtime.indicators.models import Indicator
from runtime.services import service as services
from tongguan.errors import DomainError, Invalid, NotFound
from tongguan.permissions import Actor, action

from . import documents
from .models import App, AppPage, AppRelease
from .service import _app, app_by_code

log = logging.getLogger(__name__)
SERIES_LIMIT = 1000
PARALLEL_FROM = 4  # a page computes its indicators on parallel sessions from this many statements
# the value kinds where a window's previous period is drawn next to the value (trend arrows)
VALUE_KINDS = {"value"}


@dataclass
class Request:
    """What the viewer asks for: page parameters, linkage filters, and which cards."""

    params: dict = field(default_factory=dict)
    filters: dict = field(default_factory=dict)
    origin: str | None = None
    cards: list[str] | None = None
    now: dt.datetime | None = None


# --- the live release and its pages ------------------------------------------------------------

def _live(session: Session, app: App) -> AppRelease:
    stmt = select(AppRelease).where(AppRelease.app_id == app.id)
    if app.active_release is not None:
        stmt = stmt.where(AppRelease.number == app.active_release)
    release = session.scalar(stmt.order_by(AppRelease.number.desc()).limit(1))
    if release is None or app.state != "published":
        raise NotFound(f"应用 {app.code} 尚未发布 (app {app.code} is not published)")
    return release


def _published(session: Session, app_code: str) -> tuple[App, AppRelease]:
    app = app_by_code(session, app_code)
    if app is None:
        raise NotFound(f"应用 {app_code} 不存在 (app {app_code} does not exist)")
    return app, _live(session, app)


def _frozen_page(release: AppRelease, page_code: str) -> tuple[dict, dict]:
    meta = next((p for p in release.pages if p["code"] == page_code), None)
    if meta is None or page_code not in release.documents:
        raise NotFound(f"页面 {page_code} 不存在 (page {page_code} does not exist)")
    return meta, release.documents[page_code]


def _summary(app: App, release: AppRelease) -> dict:
    return {"app": {"id": app.id, "code": app.code, "name": app.name, "kind": app.kind,
                    "settings": app.settings or {}},  # welcome page and background (builder.app_settings)
            "release": {"number": release.number, "published_at": release.published_at.isoformat()},
            "pages": [{"code": p["code"], "name": p["name"]} for p in release.pages]}


@action("app.read")
def run_app(session: Session, actor: Actor, app_code: str) -> dict:
    """The live release of a published app: its pages, in order."""
    app, release = _published(session, app_code)
    return _summary(app, release)


@action("app.read")
def run_page(session: Session, actor: Actor, app_code: str, page_code: str) -> dict:
    """One page of the live release, with its frozen document."""
    app, release = _published(session, app_code)
    meta, document = _frozen_page(release, page_code)
    return {**_summary(app, release), "page": {"code": meta["code"], "name": meta["name"], "document": document}}


class _Answers:
    """Live pages' answers, kept per process. A big screen's viewers all ask for the same page: one
    answer serves them for `FRESH_S`. An older one (up to `STALE_S`) is still served to the others while
    one request computes the next, so the minute the indicator cache turns over costs one viewer a
    wait, not all of them. The key holds what decides the answer: the database, the release, the
    request, and the viewer's department and data rights (data services are granted per department)."""

    FRESH_S, STALE_S, SIZE = 10.0, 120.0, 256

    def __init__(self):
        self.kept: OrderedDict[tuple, tuple[float, dict]] = OrderedDict()
        self.busy: dict[tuple, threading.Event] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple, compute) -> dict:
        with self.lock:
            found = self.kept.get(key)
            age = time.monotonic() - found[0] if found else None
            running = self.busy.get(key)
            if found and (age < self.FRESH_S or (age < self.STALE_S and running)):
                return found[1]
            if running is None:
                self.busy[key] = threading.Event()
        if running is not None:  # nothing to serve yet: wait for the one computing it, not compute it twice
            running.wait(30)
            with self.lock:
                found = self.kept.get(key)
            if found:
                return found[1]
            return compute()
        try:
            answer = compute()
            with self.lock:
                self.kept[key] = (time.monotonic(), answer)
                self.kept.move_to_end(key)
                while len(self.kept) > self.SIZE:
                    self.kept.popitem(last=False)
            return answer
        finally:
            with self.lock:
                self.busy.pop(key).set()


_answers = _Answers()


@action("app.read")
def run_page_data(session: Session, actor: Actor, app_code: str, page_code: str, request: Request) -> dict:
    """Every bound card of a live page resolved (see the module's docstring). Answers are shared by
    the page's viewers for a few seconds (`_Answers`), unless the request fixes its own `now`."""
    app, release = _published(session, app_code)
    _, document = _frozen_page(release, page_code)
    if request.now is not None:
        return page_data(session, actor, app, document, request)
    key = (str(session.get_bind().url), release.id, release.published_at.isoformat(), page_code,
           orjson.dumps([request.params, request.filters, request.origin, request.cards], option=orjson.OPT_SORT_KEYS),
           actor.department_id, actor.can("data.manage"))
    return _answers.get(key, lambda: page_data(session, actor, app, document, request))


@action("app.read")
def draft_page_data(session: Session, actor: Actor, app_id: int, page_id: int, request: Request,
                    document: dict | None = None) -> dict:
    """The designer's live preview: the saved draft, or the unsaved `document` sent with it
    (checked like a save, so a half-typed card gets its problem, not a crash)."""
    app = _app(session, app_id)
    page = session.get(AppPage, page_id)
    if page is None or page.app_id != app.id:
        raise NotFound(f"Page {page_id} of app {app_id} does not exist.")
    if document is not None:
        errors = documents.problems(document)
        if errors:
            raise Invalid("The page document is not valid.",
                          {f"document.{path}": messages for path, messages in errors.items()})
    return page_data(session, actor, app, page.document if document is None else document, request)


@action("app.read")
def binding_check(session: Session, actor: Actor, type_ref: str, binding: dict) -> dict:
    """A card's binding checked for its component type as the designer types it:
    {"problems": {JSON path: [messages]}}, an expression's syntax errors with line and column."""
    component_type = lookup(type_ref)
    if component_type is None:
        return {"problems": {"type": [f"未知的组件类型 {type_ref} (unknown component type)"]}}
    problems: dict = {}
    for path, message in validate_bindings(component_type, binding):
        key = path[2:] if path.startswith("$.") else (path.removeprefix("$") or "binding")
        problems.setdefault(key, []).append(message)
    return {"problems": problems}


# --- resolving cards ------------------------------------------------------------------------------

def _tz() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def _page_context(document: dict, request: Request) -> tuple[dict, dict, dt.datetime]:
    """Page parameters with their defaults; a date parameter moves `now` to the end of that day
    (the windows end there), an area parameter filters like a linkage click on that dimension."""
    params, filters = {}, {}
    now = request.now or dt.datetime.now(dt.timezone.utc)
    for declared in document.get("params") or []:
        name = declared["name"]
        value = request.params.get(name, declared.get("default"))
        if value in (None, ""):
            continue
        if declared["type"] == "date":
            try:
                day = dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                raise Invalid("A page parameter is not valid.",
                              {f"params.{name}": [f"日期格式应为 YYYY-MM-DD (a date, YYYY-MM-DD)"]}) from None
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), _tz()) - dt.timedelta(seconds=1)
            now = min(now, end.astimezone(dt.timezone.utc)) if request.now is None else end.astimezone(dt.timezone.utc)
        elif declared["type"] == "area":
            filters[name] = value
        params[name] = value
    filters.update({k: v for k, v in request.filters.items() if isinstance(v, (str, int, float, bool))})
    return params, filters, now


def _binding_params(binding: dict, page_params: dict) -> dict:
    """A binding's own parameters; a value "$name" takes the page parameter `name`."""
    out = {}
    for key, value in (binding.get("params") or {}).items():
        if isinstance(value, str) and value.startswith("$"):
            if value[1:] in page_params:
                out[key] = page_params[value[1:]]
        else:
            out[key] = value
    return out


def _slot_bindings(card: dict, component_type) -> list[tuple[object, dict]]:
    binding = card.get("binding")
    if not isinstance(binding, dict) or not component_type.slots:
        return []
    if "slots" in binding:
        return [(component_type.slot(name), b) for name, b in binding["slots"].items() if component_type.slot(name)]
    return [(component_type.slots[0], binding)]


def _error_text(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        details = [m for messages in (exc.errors or {}).values() for m in messages]
        return "；".join(details) if details else str(exc.detail)
    if isinstance(exc, dsl.DslError):
        return f"第 {exc.line} 行第 {exc.column} 列：{exc.message_zh} ({exc.message_en})"
    return "数据读取失败，请稍后重试 (the data could not be read; try again later)"


class _Plan:
    """The page's indicator bindings, gathered so that those sharing grouping, window, parameters and
    filters are computed by one `indicator_values` call. When a shared call fails (one card names an
    unknown indicator, say), each card's own indicators are computed alone, so only that card fails."""

    def __init__(self):
        self.calls: dict[tuple, set[frozenset]] = {}
        self.args: dict[tuple, tuple] = {}
        self.results: dict[tuple, dict | Exception] = {}

    @staticmethod
    def key(by, window, params: dict, filters: dict, now: dt.datetime) -> tuple:
        return (by, window, tuple(sorted((k, str(v)) for k, v in params.items())),
                tuple(sorted((k, str(v)) for k, v in filters.items())), now)

    def want(self, key: tuple, codes: list[str], args: tuple) -> None:
        self.calls.setdefault(key, set()).add(frozenset(codes))
        self.args[key] = args

    def _request(self, key: tuple, codes) -> dict:
        by, window, params, filters, now = self.args[key]
        return {"codes": sorted(codes), "by": [by] if by else None, "window": window, "params": params, "now": now,
                "where": filters}

    def _values(self, session: Session, actor: Actor, wanted: list[tuple]) -> list:
        requests = [self._request(k, c) for k, c in wanted]
        if parallel.worth_it(session, len(requests), PARALLEL_FROM):
            return parallel.values_parallel(session, actor, requests)
        return parallel.values_serial(session, actor, requests)

    def run(self, session: Session, actor: Actor) -> None:
        shared = [(key, frozenset().union(*code_sets)) for key, code_sets in self.calls.items()]
        answers = dict(zip(shared, self._values(session, actor, shared)))
        alone = []
        for key, code_sets in self.calls.items():
            answer = answers[(key, frozenset().union(*code_sets))]
            for codes in code_sets:
                if isinstance(answer, Exception) and len(code_sets) > 1:
                    alone.append((key, codes))
                else:
                    self.results[(key, codes)] = answer
        if alone:
            self.results.update(zip(alone, self._values(session, actor, alone)))

    def result(self, key: tuple, codes: list[str]) -> dict | Exception | None:
        return self.results.get((key, frozenset(codes)))


def _indicator_codes(session: Session, binding: dict) -> tuple[list[str], dsl.Expr | None]:
    """The indicators a binding reads: named, or those an `expr` (a formula over indicators) uses."""
    if "indicator" in binding:
        value = binding["indicator"]
        return ([value] if isinstance(value, str) else list(value)), None
    expr = dsl.parse(binding["expr"])
    names = sorted({node.name for node in _walk(expr) if isinstance(node, dsl.Field)})
    if not names:
        raise Invalid("The expression reads no indicator.", {"binding.expr": [
            "表达式须引用至少一个指标编码，如 closed / received (the expression must use indicator codes)"]})
    known = set(session.scalars(select(Indicator.code).where(Indicator.code.in_(names))))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise Invalid("Unknown indicators.", {"binding.expr": [f"未知的指标：{', '.join(unknown)} (unknown indicators)"]})
    return names, expr


def _walk(expr):
    yield expr
    for child in expr.children():
        yield from _walk(child)


@dataclass
class _Pending:
    """One slot of one card waiting for the plan: how to turn the shared result into its rows."""

    card: dict
    slot: object
    binding: dict
    key: tuple | None = None
    codes: list[str] = field(default_factory=list)
    expr: object = None
    previous_key: tuple | None = None


def _window_of(session: Session, binding: dict, codes: list[str]) -> str | None:
    if binding.get("window"):
        return binding["window"]
    return session.scalar(select(Indicator.default_window).where(Indicator.code == codes[0]))


def _plan_slot(session: Session, plan: _Plan, pending: _Pending, page_params: dict, filters: dict,
               origin: str | None, now: dt.datetime) -> None:
    binding = pending.binding
    codes, expr = _indicator_codes(session, binding)
    pending.codes, pending.expr = codes, expr
    by = binding.get("by")
    params = {**page_params, **_binding_params(binding, page_params)}
    own = {} if pending.card.get("id") == origin else filters
    raw = (by, binding.get("window"), params, own, now)
    pending.key = plan.key(*raw)
    plan.want(pending.key, codes, raw)
    if pending.slot.accepts in VALUE_KINDS and not by:
        window = _window_of(session, binding, codes)
        span = indicators.parse_window(window) if window else None
        if span:
            raw = (by, binding.get("window"), params, own, now - span)
            pending.previous_key = plan.key(*raw)
            plan.want(pending.previous_key, codes, raw)


def _labels(result: dict, codes: list[str]) -> dict:
    return {c: (result["indicators"].get(c) or {}).get("name", c) for c in codes}


def _series(pending: _Pending, result: dict) -> dict:
    by = pending.binding.get("by")
    measures = [m for m in (pending.binding.get("measures") or pending.codes)]
    if pending.expr is not None:
        rows = [{**({by: r.get(by)} if by else {}),
                 "value": dsl.evaluate(pending.expr, {c: r.get(c) for c in pending.codes},
                                       fields={c: "number" for c in pending.codes})} for r in result["rows"]]
        measures, labels = ["value"], {"value": pending.card.get("title") or "值"}
    else:
        rows = [{**({by: r.get(by)} if by else {}), **{m: r.get(m) for m in measures}} for r in result["rows"]]
        labels = _labels(result, measures)
    limit = pending.binding.get("limit") or SERIES_LIMIT
    if len(rows) > limit:  # the largest values are the ones worth showing (a ranking's top ten)
        rows = sorted(rows, key=lambda r: (not isinstance(r.get(measures[0]), (int, float)),
                                           -(r.get(measures[0]) or 0)))[:limit]
    if by:  # numbers (hours, floors) in numeric order, then text
        rows.sort(key=lambda r: (r.get(by) is None, not isinstance(r.get(by), (int, float)),
                                 r.get(by) if isinstance(r.get(by), (int, float)) else 0, str(r.get(by))))
    units = {(result["indicators"].get(c) or {}).get("unit") or "" for c in pending.codes}
    return {"rows": rows, "dimension": by, "measures": measures,
            "labels": labels, "unit": units.pop() if len(units) == 1 else ""}


def _value(pending: _Pending, result: dict, previous: dict | None) -> dict:
    out = _series(pending, result)
    measure = out["measures"][0]

    def first(res):
        if not res or isinstance(res, Exception) or not res["rows"]:
            return None
        row = res["rows"][0]
        if pending.expr is not None:
            return dsl.evaluate(pending.expr, {c: row.get(c) for c in pending.codes},
                                fields={c: "number" for c in pending.codes})
        return row.get(measure)

    target = (pending.card.get("props") or {}).get("target")
    out["rows"] = [{"value": first(result), "previous": first(previous), "target": target}]
    out["measures"] = ["value"]
    return out


def _service_slot(session: Session, actor: Actor, app: App, pending: _Pending, page_params: dict,
                  filters: dict, origin: str | None) -> dict:
    binding = pending.binding
    params = _binding_params(binding, page_params)
    limit = binding.get("limit") or SERIES_LIMIT
    answer = services.service_call(session, actor, binding["service"], params, limit=limit,
                                   app=app.code if app.state == "published" else None)
    rows = answer["rows"]
    own = {} if pending.card.get("id") == origin else filters
    shared = {k: v for k, v in own.items() if rows and k in rows[0]}
    if shared:
        rows = [r for r in rows if all(r.get(k) == v for k, v in shared.items())]
    columns = [c["name"] for c in answer.get("columns", [])] or (list(rows[0]) if rows else [])
    by = binding.get("by")
    measures = binding.get("measures") or [c["name"] for c in answer.get("columns", [])
                                            if c.get("type") in ("integer", "number") and c["name"] != by]
    return {"rows": rows, "dimension": by, "measures": measures, "labels": {c: c for c in columns}, "unit": ""}


_specs: OrderedDict[bytes, dict] = OrderedDict()
_specs_lock = threading.Lock()
SPEC_CACHE = 1024


def _spec(component_type, card: dict, slot_data: dict, theme: str) -> dict | None:
    """The card's Vega-Lite spec. Building one with altair costs tens of milliseconds, and a page's data
    changes at most once a minute (the indicator cache): the same inputs give the same spec, kept."""
    if third_party.is_packaged(component_type):  # [third-party] its template with the rows; None for an iframe
        return third_party.filled_spec(component_type, slot_data["rows"]) if slot_data.get("rows") else None
    if not has_spec(component_type) or not slot_data.get("rows"):
        return None
    key = hashlib.blake2b(orjson.dumps(
        [component_type.ref, card.get("props") or {}, theme, slot_data.get("dimension"), slot_data.get("measures"),
         slot_data.get("labels"), slot_data["rows"]],
        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str), digest_size=16).digest()
    with _specs_lock:
        found = _specs.get(key)
        if found is not None:
            _specs.move_to_end(key)
            return found
    built = vega_spec(component_type, card.get("props") or {}, slot_data["rows"], theme=theme,
                      dimension=slot_data.get("dimension"), measures=slot_data.get("measures") or None,
                      labels=slot_data.get("labels") or None)
    with _specs_lock:
        _specs[key] = built
        while len(_specs) > SPEC_CACHE:
            _specs.popitem(last=False)
    return built


def page_data(session: Session, actor: Actor, app: App, document: dict, request: Request) -> dict:
    """Resolve the bound cards of `document` (the caller has checked the permission)."""
    page_params, filters, now = _page_context(document, request)
    wanted = set(request.cards) if request.cards else None
    theme = document.get("theme") or "dark"
    plan, pending_by_card, answers = _Plan(), {}, {}
    for card in document.get("cards") or []:
        if wanted is not None and card.get("id") not in wanted:
            continue
        component_type = lookup(card.get("type")) if isinstance(card.get("type"), str) else None
        slots = _slot_bindings(card, component_type) if component_type else []
        if not slots:
            continue
        started = time.perf_counter()
        pendings = []
        try:
            for slot, binding in slots:
                pending = _Pending(card, slot, binding)
                if "service" not in binding:
                    _plan_slot(session, plan, pending, page_params, filters, request.origin, now)
                pendings.append(pending)
        except (DomainError, dsl.DslError) as exc:
            answers[card["id"]] = {"ok": False, "error": _error_text(exc)}
            continue
        pending_by_card[card["id"]] = (card, component_type, pendings, time.perf_counter() - started)
    plan.run(session, actor)
    for card_id, (card, component_type, pendings, spent) in pending_by_card.items():
        started = time.perf_counter()
        try:
            slots = {}
            for pending in pendings:
                if "service" in pending.binding:
                    slots[pending.slot.name] = _service_slot(session, actor, app, pending, page_params, filters,
                                                             request.origin)
                    continue
                result = plan.result(pending.key, pending.codes)
                if isinstance(result, Exception):
                    raise result
                if pending.previous_key is not None:
                    slots[pending.slot.name] = _value(pending, result, plan.result(pending.previous_key, pending.codes))
                elif pending.slot.accepts in VALUE_KINDS:
                    slots[pending.slot.name] = _value(pending, result, None)
                else:
                    slots[pending.slot.name] = _series(pending, result)
            first = slots[pendings[0].slot.name]
            answers[card_id] = {"ok": True, **first, "slots": slots,
                                "spec": _spec(component_type, card, first, theme),
                                # [third-party] how the browser draws it: a Vega-Lite spec, or a sandboxed iframe
                                **({"renderer": third_party.renderer_answer(component_type)}
                                   if third_party.is_packaged(component_type) else {}),
                                "ms": round((spent + time.perf_counter() - started) * 1000, 1)}
        except (DomainError, dsl.DslError, ValueError, SQLAlchemyError) as exc:
            if isinstance(exc, SQLAlchemyError):
                log.warning("page data: card %s failed: %s", card_id, exc)
                session.rollback()
            answers[card_id] = {"ok": False, "error": _error_text(exc)}
    return {"computed_at": now.isoformat(), "cards": answers}


