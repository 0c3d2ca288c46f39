"""/api/v1/templates and /api/v1/template-uses: the gallery, trying a template on its sample data,
using it (a clone into the workspace), a clone's drills, and saving pages and flows as templates."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from builder import viewer
from builder.schemas import PageData, PageDataRequest, RunApp, RunPage
from tongguan.api import Blueprint, current_actor
from tongguan.db import get_session
from tongguan.jobs import submit

from . import service
from .schemas import (DrillOut, SaveIn, TemplateDetail, TemplateEntry, TemplateList, TemplateQuery, TryOut, UseIn,
                      UseOut, UsePage, UseQuery)

blp = Blueprint("templates", __name__, url_prefix="/api/v1", description="Scenario templates (场景模板)")
CODE = "<string(minlength=1, maxlength=64):code>"
PAGE = "<string(minlength=1, maxlength=64):page_code>"
APP = "<string(minlength=1, maxlength=64):app_code>"
USE = "<int(min=1, max=2147483647):use_id>"


def _request(args: dict) -> viewer.Request:
    return viewer.Request(params=args.get("params") or {}, filters=args.get("filters") or {},
                          origin=args.get("origin"), cards=args.get("cards"))


def _storage() -> str:
    return current_app.config["STORAGE_PATH"]


@blp.route("/templates")
class Templates(MethodView):
    @blp.arguments(TemplateQuery, location="query")
    @blp.response(200, TemplateList)
    def get(self, args):
        """The gallery: built-in scenarios and saved flow, form and page templates, filtered."""
        return service.template_list(get_session(), current_actor(), **args)


@blp.route(f"/templates/{CODE}")
class TemplateItem(MethodView):
    @blp.response(200, TemplateDetail)
    def get(self, code):
        """One template and everything it holds."""
        return service.template_get(get_session(), current_actor(), code)


@blp.route(f"/templates/{CODE}/try")
class TemplateTry(MethodView):
    @blp.response(200, TryOut)
    def post(self, code):
        """Prepare the template's live preview on its sample data (nothing is created here)."""
        return service.template_try(get_session(), current_actor(), code, storage_path=_storage())


@blp.route(f"/templates/{CODE}/try/run/{APP}")
class TemplateTryApp(MethodView):
    @blp.response(200, RunApp)
    def get(self, code, app_code):
        """The preview's app, as GET /run/<app> answers it."""
        return service.template_try_view(get_session(), current_actor(), code, "app", storage_path=_storage())


@blp.route(f"/templates/{CODE}/try/run/{APP}/{PAGE}")
class TemplateTryPage(MethodView):
    @blp.response(200, RunPage)
    def get(self, code, app_code, page_code):
        """One page of the preview."""
        return service.template_try_view(get_session(), current_actor(), code, "page", storage_path=_storage(),
                                         page_code=page_code)


@blp.route(f"/templates/{CODE}/try/run/{APP}/{PAGE}/data")
class TemplateTryData(MethodView):
    @blp.arguments(PageDataRequest)
    @blp.response(200, PageData)
    def post(self, args, code, app_code, page_code):
        """The preview page's data on the sample data."""
        return service.template_try_view(get_session(), current_actor(), code, "data", storage_path=_storage(),
                                         page_code=page_code, request=_request(args))


@blp.route(f"/templates/{CODE}/use")
class TemplateUse(MethodView):
    @blp.arguments(UseIn)
    @blp.response(201, UseOut)
    @blp.alt_response(202, schema=UseOut, description="a scenario: the clone is queued; follow its progress")
    def post(self, data, code):
        """Clone the template into the workspace; everything it makes stays editable. A scenario is
        cloned in the background (202: poll GET /template-uses/<id>); a saved page, form or flow at once."""
        db = get_session()
        use = service.template_use_queue(db, current_actor(), code, data)
        db.commit()
        if use.state != "pending":
            return service.use_view(db, use)
        submit(current_app, "templates.clone", f"use:{use.id}", {"use_id": use.id})
        return service.use_view(db, use), 202, {"Location": f"/api/v1/template-uses/{use.id}"}


@blp.route("/templates/saved")
class SavedTemplates(MethodView):
    @blp.arguments(SaveIn)
    @blp.response(201, TemplateEntry)
    def post(self, data):
        """Save a page (as a page or form template) or a flow into the gallery."""
        db = get_session()
        saved = service.template_save(db, current_actor(), data)
        db.commit()
        return service.template_get(db, current_actor(), saved.code)


@blp.route(f"/templates/saved/{CODE}")
class SavedTemplateItem(MethodView):
    @blp.response(204)
    def delete(self, code):
        """Remove a saved template (its saver, or a gallery manager)."""
        db = get_session()
        service.template_saved_delete(db, current_actor(), code)
        db.commit()


@blp.route("/template-uses")
class TemplateUses(MethodView):
    @blp.arguments(UseQuery, location="query")
    @blp.response(200, UsePage)
    def get(self, args):
        """The clones made by the current user, newest first."""
        return service.template_use_list(get_session(), current_actor(), **args)


@blp.route(f"/template-uses/{USE}")
class TemplateUseItem(MethodView):
    @blp.response(200, UseOut)
    def get(self, use_id):
        """One clone: its progress, what it created and the drills it can run."""
        return service.template_use_get(get_session(), current_actor(), use_id)

    @blp.response(204)
    def delete(self, use_id):
        """Remove a failed clone's record, so that its code is free again."""
        db = get_session()
        service.template_use_delete(db, current_actor(), use_id)
        db.commit()


@blp.route(f"/template-uses/{USE}/drills/<string(minlength=1, maxlength=64):drill>")
class TemplateDrill(MethodView):
    @blp.response(200, DrillOut)
    def post(self, use_id, drill):
        """Run a drill: append its readings ending now and evaluate the clone's alert rules at once."""
        db = get_session()
        out = service.template_drill(db, current_actor(), use_id, drill)
        db.commit()
        return out
