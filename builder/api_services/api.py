"""API services over HTTP.

`blp`: /api/v1/apps/<app_id>/api-services, managed by the app's authors (in the main OpenAPI document).

`open_blp`: /api/open/v1/<app_code>/<api_code>, what outside systems call with a token scoped to one
API service. It is a plain blueprint, left out of the platform's OpenAPI document on purpose: that
document describes the platform's own API for accounts (session or account token), while each API
service describes itself at its own root (an OpenAPI document of just what it offers), takes another
credential, and its paths change with what operators offer. tongguan.auth leaves its bearer header alone.
"""
from __future__ import annotations

import flask
from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session
from tongguan.errors import Unauthorized

from . import service
from .models import ApiService
from .schemas import (ApiServiceCreate, ApiServiceOut, ApiServicePage, ApiServiceQuery, ApiServiceTokenCreate,
                      ApiServiceTokenCreated, ApiServiceTokenOut, ApiServiceTokenPage, ApiServiceTokenQuery,
                      ApiServiceUpdate)

blp = Blueprint("api_services", __name__, url_prefix="/api/v1", description="API services of apps (API服务)")
APP = "<int(min=1, max=2147483647):app_id>"
ITEM = f"/apps/{APP}/api-services/<int(min=1, max=2147483647):api_service_id>"


@blp.route(f"/apps/{APP}/api-services")
class ApiServices(MethodView):
    @blp.arguments(ApiServiceQuery, location="query")
    @blp.response(200, ApiServicePage)
    def get(self, args, app_id):
        """The app's API services."""
        return service.api_service_list(get_session(), current_actor(), app_id, **args)

    @blp.arguments(ApiServiceCreate)
    @blp.response(201, ApiServiceOut)
    def post(self, data, app_id):
        """Offer some of a published app's data services and indicators as an outbound API (a draft)."""
        db = get_session()
        api = service.api_service_create(db, current_actor(), app_id, data)
        db.commit()
        return with_etag(api, 201)


@blp.route(ITEM)
class ApiServiceItem(MethodView):
    @blp.response(200, ApiServiceOut)
    def get(self, app_id, api_service_id):
        """One API service; its ETag is needed to change it."""
        return with_etag(service.api_service_get(get_session(), current_actor(), app_id, api_service_id))

    @if_match(ApiService, "api_service_id")
    @blp.arguments(ApiServiceUpdate)
    @blp.response(200, ApiServiceOut)
    def patch(self, data, app_id, api_service_id, if_version):
        """Change items, rate limit or texts, or take it online or offline."""
        db = get_session()
        api = service.api_service_update(db, current_actor(), app_id, api_service_id, data, if_version)
        db.commit()
        return with_etag(api)


@blp.route(f"{ITEM}/tokens")
class ApiServiceTokens(MethodView):
    @blp.arguments(ApiServiceTokenQuery, location="query")
    @blp.response(200, ApiServiceTokenPage)
    def get(self, args, app_id, api_service_id):
        """The API service's tokens (never their secrets)."""
        return service.api_service_token_list(get_session(), current_actor(), app_id, api_service_id, **args)

    @blp.arguments(ApiServiceTokenCreate)
    @blp.response(201, ApiServiceTokenCreated)
    def post(self, data, app_id, api_service_id):
        """A token good for this API service only; the secret is in the answer and never again."""
        db = get_session()
        token, secret = service.api_service_token_create(db, current_actor(), app_id, api_service_id, data)
        db.commit()
        token.secret = secret  # not a column: exists only for this answer
        return token


@blp.route(f"{ITEM}/tokens/<int(min=1, max=2147483647):token_id>")
class ApiServiceTokenItem(MethodView):
    @blp.response(200, ApiServiceTokenOut)
    def delete(self, app_id, api_service_id, token_id):
        """Revoke a token: it stops working at once."""
        db = get_session()
        token = service.api_service_token_revoke(db, current_actor(), app_id, api_service_id, token_id)
        db.commit()
        return token


# --- /api/open/v1: the outbound API --------------------------------------------------------------

open_blp = flask.Blueprint("api_open", __name__, url_prefix="/api/open/v1")
ROOT = "/<string(maxlength=64):app_code>/<string(maxlength=64):api_code>"
CODE = "<string(maxlength=64):code>"


def _authorize(app_code: str, api_code: str):
    scheme, _, secret = flask.request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized("请使用 'Authorization: Bearer <令牌>' (use 'Authorization: Bearer <token>')")
    db = get_session()
    try:
        return service.api_open_authorize(db, secret.strip(), app_code, api_code)
    finally:
        if db.info.pop("token_touched", False):
            db.commit()  # kept even when the call is refused


def _query(*reserved: str) -> dict:
    """The query string as parameters (a name given twice keeps its first value), minus reserved names."""
    return {k: v for k, v in flask.request.args.items() if k not in reserved}


@open_blp.get(ROOT)
def describe(app_code, api_code):
    api, app, actor = _authorize(app_code, api_code)
    base = flask.request.script_root + flask.request.path.rstrip("/")
    return service.api_open_describe(get_session(), actor, api, app, base)


@open_blp.get(f"{ROOT}/services/{CODE}")
def call_service(app_code, api_code, code):
    api, app, actor = _authorize(app_code, api_code)
    limit = flask.request.args.get("_limit", type=int) or service.MAX_LIMIT
    return service.api_open_service(get_session(), actor, api, app, code, _query("_limit"), limit=limit)


@open_blp.get(f"{ROOT}/indicators/{CODE}")
def indicator(app_code, api_code, code):
    api, app, actor = _authorize(app_code, api_code)
    args = flask.request.args
    # `by=` (given, empty) asks for no grouping; no `by` at all takes the item's default
    return service.api_open_indicator(get_session(), actor, api, code, by=args.get("by"),
                                      window=args.get("window") or None, params=_query("by", "window"))
