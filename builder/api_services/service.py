"""API services (API服务): a published app's data services and indicators offered as an outbound API.

An operator lists what the API offers (items); each caller gets a token scoped to that one API
service. Only what the app itself may use can be offered: a data service granted to the app
(the runtime's app authorisation, which is what an outbound call runs under), and an indicator
that the app's live release binds or whose data service is granted to the app.

Outbound calls authenticate with `api_open_authorize`, then run as an actor that stands for the
API service: it holds `data.read` only, belongs to no department, and calls data services with
`app=<the app's code>`, so the runtime's grants to the app decide, as for the app's own pages.
"""
from __future__ import annotations

import datetime as dt
import secrets
import threading
import time

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from runtime.indicators.models import Indicator
from runtime.indicators.service import indicator_values, parse_window
from runtime.services.models import DataService, DataServiceAppGrant
from runtime.services.service import service_call
from tongguan.accounts.passwords import token_digest
from tongguan.db import utcnow
from tongguan.errors import Forbidden, Invalid, NotFound, TooManyRequests, Unauthorized
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from ..models import App, AppRelease
from ..service import _app
from .models import STATES, ApiService, ApiServiceToken

MOVES = {("draft", "online"), ("online", "offline"), ("offline", "online"), ("offline", "draft")}
TOKEN_PREFIX = "tgo_"  # o for outbound: an account token starts tg_, so a mix-up is visible at a glance
TOUCH_EVERY = dt.timedelta(minutes=5)
MAX_LIMIT = 1000
# a field's type as JSON Schema says it (dates travel as ISO 8601 strings)
JSON_TYPES = {"integer": {"type": "integer"}, "number": {"type": "number"}, "boolean": {"type": "boolean"},
              "string": {"type": "string"}, "date": {"type": "string", "format": "date"},
              "datetime": {"type": "string", "format": "date-time"}}


def _api(session: Session, app_id: int, api_service_id: int) -> ApiService:
    api = session.get(ApiService, api_service_id)
    if api is None or api.app_id != app_id:
        raise NotFound(f"API service {api_service_id} of app {app_id} does not exist.")
    return api


def _live_release(session: Session, app: App) -> AppRelease | None:
    """The release /run shows: the chosen one, or else the newest."""
    stmt = select(AppRelease).where(AppRelease.app_id == app.id)
    if app.active_release is not None:
        stmt = stmt.where(AppRelease.number == app.active_release)
    return session.scalar(stmt.order_by(AppRelease.number.desc()).limit(1))


def bound_codes(release: AppRelease | None) -> dict[str, set[str]]:
    """{"service": codes, "indicator": codes} that the release's cards bind (one binding or slots)."""
    out: dict[str, set[str]] = {"service": set(), "indicator": set()}
    for document in (release.documents if release else {}).values():
        for card in document.get("cards") or []:
            binding = card.get("binding") or {}
            for one in (binding["slots"].values() if isinstance(binding.get("slots"), dict) else [binding]):
                if isinstance(one.get("service"), str):
                    out["service"].add(one["service"])
                codes = one.get("indicator")
                out["indicator"].update([codes] if isinstance(codes, str) else codes if isinstance(codes, list) else [])
    return out


def _granted(session: Session, app: App, service_id: int | None) -> bool:
    return service_id is not None and session.scalar(select(DataServiceAppGrant.id).where(
        DataServiceAppGrant.service_id == service_id, DataServiceAppGrant.app_id == app.id)) is not None


def _check_items(session: Session, app: App, items: list[dict]) -> dict[str, list[str]]:
    """Why each item cannot be offered, by field path (empty when all can)."""
    errors: dict[str, list[str]] = {}
    if app.state != "published":
        errors["app"] = [f"应用 {app.code} 未发布，不能开放 API (the app is not published)"]
        return errors
    bound = bound_codes(_live_release(session, app))
    seen = set()
    for i, item in enumerate(items):
        kind, code, at = item["kind"], item["code"], f"items.{i}"
        if (kind, code) in seen:
            errors.setdefault(f"{at}.code", []).append(f"{code} 重复 (listed twice)")
            continue
        seen.add((kind, code))
        if kind == "service":
            svc = session.scalar(select(DataService).where(DataService.code == code))
            if svc is None:
                errors[f"{at}.code"] = [f"数据服务 {code} 不存在 (no such data service)"]
                continue
            if not _granted(session, app, svc.id):
                errors[f"{at}.code"] = [
                    f"应用的页面绑定了数据服务 {code}，但它未授权给本应用；出站 API 以应用的身份调用，"
                    f"请数据管理员先把服务授权给应用 (bound by a page but not granted to the app; "
                    f"outbound calls run as the app)" if code in bound["service"] else
                    f"数据服务 {code} 既未被本应用的页面绑定，也未授权给本应用，不能开放 "
                    f"(neither bound by the app's pages nor granted to the app)"]
                continue
            if svc.state != "online":
                errors[f"{at}.code"] = [f"数据服务 {code} 未上线 (the data service is not online)"]
            unknown = sorted(set(item.get("params") or []) - {p["name"] for p in svc.params})
            if unknown:
                errors[f"{at}.params"] = [f"数据服务 {code} 没有参数：{', '.join(unknown)} (no such parameters)"]
        else:
            ind = session.scalar(select(Indicator).where(Indicator.code == code))
            if ind is None:
                errors[f"{at}.code"] = [f"指标 {code} 不存在 (no such indicator)"]
                continue
            if code not in bound["indicator"] and not (ind.kind == "base" and _granted(session, app, ind.service_id)):
                errors[f"{at}.code"] = [
                    f"指标 {code} 既未被本应用的页面绑定，其数据服务也未授权给本应用，不能开放 "
                    f"(neither bound by the app's pages nor over a data service granted to the app)"]
                continue
            if ind.state != "published":
                errors[f"{at}.code"] = [f"指标 {code} 未发布 (the indicator is not published)"]
            if item.get("by") and item["by"] not in (ind.dimensions or []):
                errors[f"{at}.by"] = [f"指标 {code} 不能按 {item['by']} 分组（可用维度："
                                      f"{', '.join(ind.dimensions or []) or '无'}） (not a dimension)"]
            if item.get("window"):
                try:
                    parse_window(item["window"])
                except Invalid:
                    errors[f"{at}.window"] = ["时间窗口须形如 24h、7d、30d、4w (a window such as 7d)"]
    return errors


def _items(data_items: list[dict]) -> list[dict]:
    """Items as stored: only the keys their kind uses."""
    out = []
    for item in data_items:
        one = {"kind": item["kind"], "code": item["code"], "params": list(item.get("params") or [])}
        if item["kind"] == "indicator":
            one.update({"by": item.get("by") or None, "window": item.get("window") or None})
        out.append(one)
    return out


# --- managing API services ------------------------------------------------------------------------

@action("app.read")
def api_service_list(session: Session, actor: Actor, app_id: int, *, state=None, page=1, per_page=50) -> Page:
    """The app's API services, by code."""
    _app(session, app_id)
    stmt = select(ApiService).where(ApiService.app_id == app_id).order_by(ApiService.code)
    if state:
        stmt = stmt.where(ApiService.state == state)
    return paginate(session, stmt, page, per_page)


@action("app.read")
def api_service_get(session: Session, actor: Actor, app_id: int, api_service_id: int) -> ApiService:
    return _api(session, app_id, api_service_id)


@action("app.manage")
def api_service_create(session: Session, actor: Actor, app_id: int, data: dict) -> ApiService:
    """A new draft API service of a published app. Every item is checked now: only a data service
    granted to the app, or an indicator its live release binds (or over such a service), can be offered."""
    app = _app(session, app_id)
    errors = {}
    if session.scalar(select(ApiService.id).where(ApiService.app_id == app_id, ApiService.code == data["code"])):
        errors["code"] = [f"编码 {data['code']} 已被本应用的其他 API 服务使用 (code taken)"]
    errors.update(_check_items(session, app, data.get("items") or []))
    if errors:
        raise Invalid("The API service is not valid.", errors)
    api = ApiService(app_id=app_id, code=data["code"], name=data["name"], description=data.get("description", ""),
                     items=_items(data.get("items") or []), state="draft", rate_limit=data.get("rate_limit"),
                     created_by=actor.id)
    session.add(api)
    return api


@action("app.manage")
def api_service_update(session: Session, actor: Actor, app_id: int, api_service_id: int, data: dict,
                       if_version: int | None = None) -> ApiService:
    """Rename, describe, change items or the rate limit, or move the state (draft → online ⇄ offline →
    draft). Items are checked again on every change and whenever the API goes online."""
    api = _api(session, app_id, api_service_id)
    check_version(api, if_version)
    app = _app(session, app_id)
    state = data.get("state", api.state)
    errors = {}
    if state != api.state and (api.state, state) not in MOVES:
        errors["state"] = [f"不能从“{STATES[api.state][0]}”变为“{STATES[state][0]}” "
                           f"(cannot move from {api.state} to {state})"]
    items = _items(data["items"]) if "items" in data else api.items
    if "items" in data or (state == "online" and api.state != "online"):
        errors.update(_check_items(session, app, items))
    if errors:
        raise Invalid("The API service is not valid.", errors)
    for key in ("name", "description", "rate_limit"):
        if key in data:
            setattr(api, key, data[key])
    api.items, api.state = items, state
    return api


# --- tokens ---------------------------------------------------------------------------------------

@action("app.manage")
def api_service_token_create(session: Session, actor: Actor, app_id: int, api_service_id: int,
                             data: dict) -> tuple[ApiServiceToken, str]:
    """A token good for this API service only. Returns it and its secret; only the secret's
    sha256 is stored (as for account tokens), so the secret is shown this once."""
    api = _api(session, app_id, api_service_id)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = data.get("expires_in_days")
    token = ApiServiceToken(api_service_id=api.id, name=data["name"], prefix=secret[:10],
                            token_hash=token_digest(secret), created_by=actor.id,
                            expires_at=utcnow() + dt.timedelta(days=days) if days else None)
    session.add(token)
    return token, secret


@action("app.manage")
def api_service_token_list(session: Session, actor: Actor, app_id: int, api_service_id: int, *,
                           include_revoked: bool = False, page=1, per_page=50) -> Page:
    """The API service's tokens, newest first (never their secrets)."""
    _api(session, app_id, api_service_id)
    stmt = select(ApiServiceToken).where(ApiServiceToken.api_service_id == api_service_id).order_by(
        ApiServiceToken.created_at.desc(), ApiServiceToken.id.desc())
    if not include_revoked:
        stmt = stmt.where(ApiServiceToken.revoked_at.is_(None))
    return paginate(session, stmt, page, per_page)


@action("app.manage")
def api_service_token_revoke(session: Session, actor: Actor, app_id: int, api_service_id: int,
                             token_id: int) -> ApiServiceToken:
    """Revoke a token: it stops working at once. Revoking twice is harmless."""
    _api(session, app_id, api_service_id)
    token = session.get(ApiServiceToken, token_id)
    if token is None or token.api_service_id != api_service_id:
        raise NotFound(f"Token {token_id} of API service {api_service_id} does not exist.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


# --- the outbound API -----------------------------------------------------------------------------

class _FixedWindow:
    """Calls per API service per minute: a fixed window counted in this process only. With several
    workers each counts its own share, so the real ceiling is the limit times the workers; a shared
    limit would need a shared counter (the database or Redis), which one call a minute does not earn."""

    def __init__(self):
        self._lock = threading.Lock()
        self._counts: dict[int, tuple[int, int]] = {}  # api id -> (minute, calls in it)

    def take(self, api_id: int, limit: int, now: float | None = None) -> int | None:
        """None when the call may go ahead, else the seconds until the next window."""
        now = time.time() if now is None else now
        minute = int(now // 60)
        with self._lock:
            seen, calls = self._counts.get(api_id, (minute, 0))
            if seen != minute:
                calls = 0
            if calls >= limit:
                return max(1, int(60 - now % 60))
            self._counts[api_id] = (minute, calls + 1)
            if len(self._counts) > 10_000:  # APIs come and go; old windows are worthless
                self._counts = {k: v for k, v in self._counts.items() if v[0] == minute}
            return None


RATE = _FixedWindow()


def _caller(app: App, api: ApiService) -> Actor:
    """Who an outbound call acts as: the API service, with nothing but `data.read`, in no department
    (so no department grant applies: only what is granted to the app)."""
    return Actor(None, f"api:{app.code}/{api.code}", frozenset(), None, frozenset({"data.read"}), "token")


def api_open_authorize(session: Session, secret: str, app_code: str, api_code: str) -> tuple[ApiService, App, Actor]:
    """Check a bearer secret against the API service the URL names; refuse with 401 (unknown, revoked,
    expired), 403 (another API service's token, an API or app not live) or 429 (over the rate limit).
    Records the token's last use (at most every 5 minutes) in `session.info["token_touched"]`."""
    token = session.scalar(select(ApiServiceToken).where(ApiServiceToken.token_hash == token_digest(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at and token.expires_at <= now):
        raise Unauthorized("令牌无效、已吊销或已过期 (the token is unknown, revoked or expired)")
    if token.last_used_at is None or now - token.last_used_at > TOUCH_EVERY:
        # bookkeeping, not anybody's change: a Core update the audit log does not record
        session.execute(update(ApiServiceToken).where(ApiServiceToken.id == token.id).values(last_used_at=now))
        session.info["token_touched"] = True
    api = session.get(ApiService, token.api_service_id)
    app = session.get(App, api.app_id)
    if (app.code, api.code) != (app_code, api_code):
        raise Forbidden("该令牌属于另一个 API 服务 (the token belongs to another API service)")
    if api.state != "online":
        raise Forbidden(f"API 服务 {api.code} 未上线（当前：{STATES[api.state][0]}） (the API service is not online)")
    if app.state != "published":
        raise Forbidden(f"应用 {app.code} 未发布 (the app is not published)")
    if api.rate_limit:
        wait = RATE.take(api.id, api.rate_limit)
        if wait is not None:
            raise TooManyRequests(f"超过每分钟 {api.rate_limit} 次的调用上限，请 {wait} 秒后再试 "
                                  f"(rate limit of {api.rate_limit} calls a minute)", retry_after=wait)
    return api, app, _caller(app, api)


def _item(api: ApiService, kind: str, code: str) -> dict:
    for item in api.items:
        if item["kind"] == kind and item["code"] == code:
            return item
    raise NotFound(f"API 服务 {api.code} 未开放{'数据服务' if kind == 'service' else '指标'} {code} "
                   f"(not offered by this API service)")


def _params(item: dict, given: dict) -> dict:
    unknown = sorted(set(given) - set(item.get("params") or []))
    if unknown:
        raise Invalid("Parameters not offered.", {name: [f"本 API 不接受参数 {name} (parameter not offered)"]
                                                 for name in unknown})
    return given


@action("data.read")
def api_open_service(session: Session, actor: Actor, api: ApiService, app: App, code: str, params: dict,
                     limit: int = MAX_LIMIT) -> dict:
    """An offered data service's rows, called as the app (`service_call(..., app=)`)."""
    item = _item(api, "service", code)
    return service_call(session, actor, code, _params(item, params), limit=max(1, min(limit, MAX_LIMIT)),
                        app=app.code)


@action("data.read")
def api_open_indicator(session: Session, actor: Actor, api: ApiService, code: str, *, by: str | None = None,
                       window: str | None = None, params: dict | None = None) -> dict:
    """An offered indicator's values, by the caller's `by` and `window` or else the item's defaults
    (`by=""` asks for no grouping)."""
    item = _item(api, "indicator", code)
    ind = session.scalar(select(Indicator).where(Indicator.code == code))
    if ind is None or ind.state != "published":
        raise NotFound(f"指标 {code} 不存在或未发布 (the indicator is not published)")
    by = by if by is not None else item.get("by")
    return indicator_values(session, actor, [code], by=[by] if by else None, window=window or item.get("window"),
                            params=_params(item, params or {}))


@action("data.read")
def api_open_describe(session: Session, actor: Actor, api: ApiService, app: App, base_url: str) -> dict:
    """The API service as an OpenAPI 3.1 document: one GET per offered item."""
    paths = {}
    for item in api.items:
        extra = [{"name": p, "in": "query", "required": False, "schema": {"type": "string"}} for p in item["params"]]
        if item["kind"] == "service":
            svc = session.scalar(select(DataService).where(DataService.code == item["code"]))
            declared = {p["name"]: p for p in (svc.params if svc else [])}
            for p in extra:
                p["description"] = declared.get(p["name"], {}).get("description", "")
            paths[f"/services/{item['code']}"] = {"get": {
                "operationId": f"service_{item['code']}", "summary": svc.name if svc else item["code"],
                "description": svc.description if svc else "",
                "parameters": extra + [{"name": "_limit", "in": "query", "required": False,
                                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}}],
                "responses": {"200": {"description": "rows", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"columns": {"type": "array"}, "rows": {"type": "array", "items": {
                        "type": "object", "properties": {f["name"]: JSON_TYPES.get(f["type"], {}) for f in
                                                         (svc.output if svc else [])}}}}}}}}}}}
        else:
            ind = session.scalar(select(Indicator).where(Indicator.code == item["code"]))
            paths[f"/indicators/{item['code']}"] = {"get": {
                "operationId": f"indicator_{item['code']}", "summary": ind.name if ind else item["code"],
                "description": (ind.definition_text if ind else "") + (f"（单位：{ind.unit}）" if ind and ind.unit else ""),
                "parameters": extra + [
                    {"name": "by", "in": "query", "required": False, "description": f"默认 {item.get('by') or '不分组'}",
                     "schema": {"type": "string", "enum": list(ind.dimensions or []) if ind else []}},
                    {"name": "window", "in": "query", "required": False,
                     "description": f"默认 {item.get('window') or (ind.default_window if ind else '')}",
                     "schema": {"type": "string", "pattern": "^[0-9]+[mhdw]$"}}],
                "responses": {"200": {"description": "values"}}}}
    return {"openapi": "3.1.0",
            "info": {"title": api.name, "description": api.description, "version": str(api.version),
                     "x-app": app.code},
            "servers": [{"url": base_url}],
            "security": [{"bearerAuth": []}],
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "paths": paths}
