"""/api/v1/composites: composite components (组合组件), saved groups of cards for the palette."""
from __future__ import annotations

from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session

from . import service
from .models import CompositeComponent
from .schemas import CompositeCreate, CompositeOut, CompositePage, CompositeQuery

blp = Blueprint("composites", __name__, url_prefix="/api/v1", description="Composite components (组合组件)")
ID = "<int(min=1, max=2147483647):composite_id>"


@blp.route("/composites")
class Composites(MethodView):
    @blp.arguments(CompositeQuery, location="query")
    @blp.response(200, CompositePage)
    def get(self, args):
        """The library's composite components (by code, with their cards)."""
        return service.composite_list(get_session(), current_actor(), **args)

    @blp.arguments(CompositeCreate)
    @blp.response(201, CompositeOut)
    def post(self, data):
        """Save a group of cards as a composite component. Every card is checked as on a page
        (type, props, bindings): 422 with every problem by field (`cards[1].props.color`)."""
        db = get_session()
        found = service.composite_create(db, current_actor(), data)
        db.commit()
        return with_etag(found, 201)


@blp.route(f"/composites/{ID}")
class CompositeItem(MethodView):
    @blp.response(200, CompositeOut)
    def get(self, composite_id):
        """One composite component; its ETag is needed to delete it."""
        return with_etag(service.composite_get(get_session(), current_actor(), composite_id))

    @if_match(CompositeComponent, "composite_id")
    @blp.response(204)
    def delete(self, composite_id, if_version):
        """Remove it from the library (pages keep the cards it put there)."""
        db = get_session()
        service.composite_delete(db, current_actor(), composite_id, if_version)
        db.commit()
