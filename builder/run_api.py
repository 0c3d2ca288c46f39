"""/api/v1/run: published apps as the runtime viewer reads them (the live release, its pages and their
data in one request per page), the designer's live preview of a draft, and the live check of a binding."""
from __future__ import annotations

from flask.views import MethodView

from tongguan.api import Blueprint, current_actor
from tongguan.db import get_session

from . import viewer
from .schemas import BindingCheck, BindingProblems, DraftPageDataRequest, PageData, PageDataRequest, RunApp, RunPage

blp = Blueprint("run", __name__, url_prefix="/api/v1", description="Runtime viewer and page data (应用运行)")
CODE = "<string(minlength=1, maxlength=64):{}>"
APP = CODE.format("app_code")
PAGE = CODE.format("page_code")


def _request(args: dict) -> viewer.Request:
    return viewer.Request(params=args.get("params") or {}, filters=args.get("filters") or {},
                          origin=args.get("origin"), cards=args.get("cards"))


@blp.route(f"/run/{APP}")
class RunAppView(MethodView):
    @blp.response(200, RunApp)
    def get(self, app_code):
        """The live release of a published app and its pages."""
        return viewer.run_app(get_session(), current_actor(), app_code)


@blp.route(f"/run/{APP}/{PAGE}")
class RunPageView(MethodView):
    @blp.response(200, RunPage)
    def get(self, app_code, page_code):
        """One page of the live release with its frozen document."""
        return viewer.run_page(get_session(), current_actor(), app_code, page_code)


@blp.route(f"/run/{APP}/{PAGE}/data")
class RunPageDataView(MethodView):
    @blp.arguments(PageDataRequest)
    @blp.response(200, PageData)
    def post(self, args, app_code, page_code):
        """Every bound card of the page resolved in one request; a card whose data fails answers
        `{ok: false, error}` and the others are unaffected."""
        return viewer.run_page_data(get_session(), current_actor(), app_code, page_code, _request(args))


@blp.route("/apps/<int(min=1, max=2147483647):app_id>/pages/<int(min=1, max=2147483647):page_id>/data")
class DraftPageDataView(MethodView):
    @blp.arguments(DraftPageDataRequest)
    @blp.response(200, PageData)
    def post(self, args, app_id, page_id):
        """Live preview of a draft page (the saved draft or the unsaved `document`)."""
        return viewer.draft_page_data(get_session(), current_actor(), app_id, page_id, _request(args),
                                      document=args.get("document"))


@blp.route("/builder/check-binding")
class BindingCheckView(MethodView):
    @blp.arguments(BindingCheck)
    @blp.response(200, BindingProblems)
    def post(self, args):
        """Check a card's binding for its component type as the designer types it: every problem by
        JSON path, an expression's syntax errors with line and column."""
        return viewer.binding_check(get_session(), current_actor(), args["type"], args["binding"])
