"""/api/v1/data-services: define, publish and call data services."""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from sqlalchemy import select

from tongguan.api import Blueprint, api, current_actor, if_match, with_etag
from tongguan.db import get_session
from tongguan.errors import Invalid

from . import service, subscriptions
from .models import DataService
from .schemas import (
    DataServiceGrantIn, DataServiceGrantsOut, DataServicePreviewIn, DataServiceResult, DataServiceRevisionOut, DataServiceCreate, DataServiceOut, DataServicePage, DataServiceQuery,
    DataServiceUpdate, DataServiceStateIn, DataServiceUsage, DataServiceSubscriptionIn, DataServiceSubscriptionOut,
    DataServiceDeliveryOut,
)

blp = Blueprint("data_services", __name__, url_prefix="/api/v1", description="Data services (数据服务)")
ID = "<int(min=1, max=2147483647):service_id>"
TYPES = {"integer": "integer", "number": "number", "boolean": "boolean", "string": "string", "date": "string",
         "datetime": "string"}


@blp.route("/data-services")
class Services(MethodView):
    @blp.arguments(DataServiceQuery, location="query")
    @blp.response(200, DataServicePage)
    def get(self, args):
        """List data services."""
        return service.service_list(get_session(), current_actor(), **args)

    @blp.arguments(DataServiceCreate)
    @blp.response(201, DataServiceOut)
    def post(self, data):
        """Define a draft service; its query is checked and tried with the parameters' defaults."""
        db = get_session()
        svc = service.service_create(db, current_actor(), data)
        db.commit()
        return with_etag(svc, 201)


@blp.route(f"/data-services/{ID}")
class ServiceItem(MethodView):
    @blp.response(200, DataServiceOut)
    def get(self, service_id):
        """One service's definition; its ETag is needed to change it."""
        return with_etag(service.service_get(get_session(), current_actor(), service_id))

    @if_match(DataService, "service_id")
    @blp.arguments(DataServiceUpdate)
    @blp.response(200, DataServiceOut)
    def patch(self, data, service_id, if_version):
        """Change a service; the definition it had is archived as a revision."""
        db = get_session()
        confirm = data.pop("confirm_breaking")
        svc = service.service_update(db, current_actor(), service_id, data, if_version, confirm)
        db.commit()
        return with_etag(svc)


@blp.route(f"/data-services/{ID}/state")
class ServiceState(MethodView):
    @if_match(DataService, "service_id")
    @blp.arguments(DataServiceStateIn)
    @blp.response(200, DataServiceOut)
    def post(self, data, service_id, if_version):
        """Put a service online or offline."""
        db = get_session()
        svc = service.service_set_state(db, current_actor(), service_id, data["state"], if_version)
        db.commit()
        return with_etag(svc)


@blp.route(f"/data-services/{ID}/revisions")
class ServiceRevisions(MethodView):
    @blp.response(200, DataServiceRevisionOut(many=True))
    def get(self, service_id):
        """Archived definitions, newest first."""
        return service.service_revisions(get_session(), current_actor(), service_id)


@blp.route(f"/data-services/{ID}/preview")
class ServicePreview(MethodView):
    @blp.arguments(DataServicePreviewIn)
    @blp.response(200, DataServiceResult)
    def post(self, data, service_id):
        """Run a service in any state with these parameters (the builder's live preview)."""
        return service.service_preview(get_session(), current_actor(), service_id, data["params"], data["limit"])


@blp.route(f"/data-services/{ID}/grants")
class ServiceGrants(MethodView):
    @blp.response(200, DataServiceGrantsOut)
    def get(self, service_id):
        """The departments and apps allowed to call the service."""
        return service.service_grants(get_session(), current_actor(), service_id)

    @blp.arguments(DataServiceGrantIn)
    @blp.response(200, DataServiceGrantsOut)
    def post(self, data, service_id):
        """Allow (or, with allow=false, stop) a department or an app calling the service."""
        db = get_session()
        if "app_id" in data:
            service.service_grant_app(db, current_actor(), service_id, data["app_id"], data["allow"])
        else:
            service.service_grant(db, current_actor(), service_id, data["department_id"], data["allow"])
        db.commit()
        return service.service_grants(db, current_actor(), service_id)


@blp.route(f"/data-services/{ID}/usages")
class ServiceUsages(MethodView):
    @blp.response(200, DataServiceUsage(many=True))
    def get(self, service_id):
        """What is built on this service: indicators and composite services."""
        return service.service_usages(get_session(), current_actor(), service_id)


@blp.route(f"/data-services/{ID}/subscriptions")
class ServiceSubscriptions(MethodView):
    @blp.response(200, DataServiceSubscriptionOut(many=True))
    def get(self, service_id):
        """My subscriptions to the service (a data manager sees everybody's)."""
        return subscriptions.subscription_list(get_session(), current_actor(), service_id)

    @blp.arguments(DataServiceSubscriptionIn)
    @blp.response(201, DataServiceSubscriptionOut)
    def post(self, data, service_id):
        """Be told when the definition or the data changes: in the inbox, or by a signed webhook."""
        db = get_session()
        sub, secret = subscriptions.subscription_create(db, current_actor(), service_id, data,
                                                        list(current_app.config["HTTP_SOURCE_ALLOWED_HOSTS"]))
        db.commit()
        if secret:
            sub.plain_secret = secret  # answered this once; only its encryption is stored
        return sub, 201


SUB = "<int(min=1, max=2147483647):subscription_id>"


@blp.route(f"/data-service-subscriptions/{SUB}")
class SubscriptionItem(MethodView):
    @blp.response(204)
    def delete(self, subscription_id):
        """Stop a subscription."""
        db = get_session()
        subscriptions.subscription_delete(db, current_actor(), subscription_id)
        db.commit()


@blp.route(f"/data-service-subscriptions/{SUB}/deliveries")
class SubscriptionDeliveries(MethodView):
    @blp.response(200, DataServiceDeliveryOut(many=True))
    def get(self, subscription_id):
        """A webhook's latest deliveries and their outcome."""
        return subscriptions.subscription_deliveries(get_session(), current_actor(), subscription_id)


@blp.route(f"/data-services/{ID}/export")
class ServiceExport(MethodView):
    @blp.response(200, {"type": "object"})
    def get(self, service_id):
        """The service as a JSON document to import elsewhere."""
        from flask import jsonify

        return jsonify(service.service_export(get_session(), current_actor(), service_id))


@blp.route("/data-services/import")
class ServiceImport(MethodView):
    @blp.response(200, DataServiceOut)
    def post(self):
        """Create or update (by code) a service from an exported document."""
        doc = request.get_json(silent=True)
        if not isinstance(doc, dict):
            raise Invalid("Send the exported JSON document.", {"json": ["请提交导出的 JSON 文档"]})
        db = get_session()
        svc = service.service_import(db, current_actor(), doc)
        db.commit()
        return with_etag(svc)


@blp.route("/data-services/<string(minlength=2, maxlength=64):code>")
class ServiceCall(MethodView):
    @blp.response(200, DataServiceResult)
    def get(self, code):
        """Call an online service: its parameters are query parameters; `_limit` caps the rows (≤ 10,000);
        `_app` names the published app whose page makes the call."""
        args = request.args.to_dict()
        app = args.pop("_app", None)
        try:
            limit = int(args.pop("_limit", 1000))
        except ValueError:
            raise Invalid("_limit must be a number.", {"_limit": ["须为整数"]}) from None
        return service.service_call(get_session(), current_actor(), code, args, limit, app)


def _online_paths() -> dict:
    """Each online service as its own documented operation."""
    paths = {}
    for svc in get_session().scalars(select(DataService).where(DataService.state == "online")
                                     .order_by(DataService.code)):
        params = [{"in": "query", "name": p["name"], "required": bool(p.get("required")),
                   "description": p.get("description", ""),
                   "schema": {"type": TYPES.get(p["type"], "string"),
                              **({"format": p["type"]} if p["type"] in ("date", "datetime") else {})}}
                  for p in svc.params]
        params += [{"in": "query", "name": "_limit", "required": False, "description": "at most this many rows",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}},
                   {"in": "query", "name": "_app", "required": False,
                    "description": "the published app whose page makes the call", "schema": {"type": "string"}}]
        paths[f"/api/v1/data-services/{svc.code}"] = {"get": {
            "tags": ["Data services (数据服务)"], "summary": f"{svc.name}（数据服务 {svc.code}，第 {svc.revision} 版）",
            "description": svc.description, "operationId": f"data_service_{svc.code}", "parameters": params,
            "security": [{"bearerAuth": []}, {"cookieAuth": []}],
            "responses": {"200": {"description": "rows", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"columns": {"type": "array", "items": {"type": "object"}},
                                                 "rows": {"type": "array", "items": {"type": "object"}},
                                                 "truncated": {"type": "boolean"}}}}}},
                          "403": {"$ref": "#/components/responses/Problem"},
                          "409": {"$ref": "#/components/responses/Problem"},
                          "422": {"$ref": "#/components/responses/Problem"}}}}
    return paths


api.dynamic_paths.append(_online_paths)
