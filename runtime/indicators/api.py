"""/api/v1/indicators: define indicators and read their values (with drill-down by dimension)."""
from __future__ import annotations

from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session

from . import service
from .models import Indicator
from .schemas import (
    IndicatorCreate, IndicatorOut, IndicatorPage, IndicatorQuery, IndicatorStateIn, IndicatorUpdate, IndicatorUsage,
    IndicatorValuesOut, IndicatorValuesQuery,
)

blp = Blueprint("indicators", __name__, url_prefix="/api/v1", description="Indicators (指标)")
ID = "<int(min=1, max=2147483647):indicator_id>"


@blp.route("/indicators")
class Indicators(MethodView):
    @blp.arguments(IndicatorQuery, location="query")
    @blp.response(200, IndicatorPage)
    def get(self, args):
        """List indicators."""
        return service.indicator_list(get_session(), current_actor(), **args)

    @blp.arguments(IndicatorCreate)
    @blp.response(201, IndicatorOut)
    def post(self, data):
        """Define a draft indicator; its formula is type-checked now."""
        db = get_session()
        ind = service.indicator_create(db, current_actor(), data)
        db.commit()
        return with_etag(ind, 201)


@blp.route("/indicators/values")
class IndicatorValues(MethodView):
    @blp.arguments(IndicatorValuesQuery, location="query")
    @blp.response(200, IndicatorValuesOut)
    def get(self, args):
        """Values of several indicators, by a dimension (drill-down: district, street, grid, ...),
        over a window; computed by one SQL statement per data service and window."""
        return service.indicator_values(get_session(), current_actor(), args["codes"], by=args.get("by"),
                                        window=args.get("window"))


@blp.route(f"/indicators/{ID}")
class IndicatorItem(MethodView):
    @blp.response(200, IndicatorOut)
    def get(self, indicator_id):
        """One indicator; its ETag is needed to change it."""
        return with_etag(service.indicator_get(get_session(), current_actor(), indicator_id))

    @if_match(Indicator, "indicator_id")
    @blp.arguments(IndicatorUpdate)
    @blp.response(200, IndicatorOut)
    def patch(self, data, indicator_id, if_version):
        """Change an indicator."""
        db = get_session()
        confirm = data.pop("confirm_breaking")
        ind = service.indicator_update(db, current_actor(), indicator_id, data, if_version, confirm)
        db.commit()
        return with_etag(ind)


@blp.route(f"/indicators/{ID}/state")
class IndicatorState(MethodView):
    @if_match(Indicator, "indicator_id")
    @blp.arguments(IndicatorStateIn)
    @blp.response(200, IndicatorOut)
    def post(self, data, indicator_id, if_version):
        """Publish or retire (retiring one still used is refused with the list of users)."""
        db = get_session()
        ind = service.indicator_set_state(db, current_actor(), indicator_id, data["state"], if_version)
        db.commit()
        return with_etag(ind)


@blp.route(f"/indicators/{ID}/usages")
class IndicatorUsages(MethodView):
    @blp.response(200, IndicatorUsage(many=True))
    def get(self, indicator_id):
        """What depends on this indicator."""
        return service.indicator_usages(get_session(), current_actor(), indicator_id)
