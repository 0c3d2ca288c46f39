"""/api/v1/apps: the apps operators build."""
from __future__ import annotations

from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session

from . import service
from .models import App
from .schemas import AppCreate, AppOut, AppPage, AppQuery, AppUpdate

blp = Blueprint("apps", __name__, url_prefix="/api/v1", description="Apps (应用)")
ID = "<int(min=1, max=2147483647):app_id>"


@blp.route("/apps")
class Apps(MethodView):
    @blp.arguments(AppQuery, location="query")
    @blp.response(200, AppPage)
    def get(self, args):
        """List apps."""
        return service.app_list(get_session(), current_actor(), **args)

    @blp.arguments(AppCreate)
    @blp.response(201, AppOut)
    def post(self, data):
        """Register an app (card, page, big screen or mobile)."""
        db = get_session()
        app = service.app_create(db, current_actor(), data)
        db.commit()
        return with_etag(app, 201)


@blp.route(f"/apps/{ID}")
class AppItem(MethodView):
    @blp.response(200, AppOut)
    def get(self, app_id):
        """One app; its ETag is needed to change it."""
        return with_etag(service.app_get(get_session(), current_actor(), app_id))

    @if_match(App, "app_id")
    @blp.arguments(AppUpdate)
    @blp.response(200, AppOut)
    def patch(self, data, app_id, if_version):
        """Rename, describe, publish or take offline."""
        db = get_session()
        app = service.app_update(db, current_actor(), app_id, data, if_version)
        db.commit()
        return with_etag(app)
