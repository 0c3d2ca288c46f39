"""/api/v1/flows: design, check, publish and bind flows."""
from __future__ import annotations

from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session

from . import service
from .models import Flow
from .schemas import (FlowBindIn, FlowCheckIn, FlowCreate, FlowDebugIn, FlowDebugOut, FlowMattersOut, FlowMigrateIn,
                      FlowMigrateOut, FlowOut,
                      FlowPage, FlowProblemOut, FlowPublishIn, FlowQuery, FlowSimulateIn, FlowSimulateOut, FlowUpdate,
                      FlowVersionOut)

blp = Blueprint("flows", __name__, url_prefix="/api/v1", description="Flows (流程)")
ID = "<int(min=1, max=2147483647):flow_id>"


@blp.route("/flows")
class Flows(MethodView):
    @blp.arguments(FlowQuery, location="query")
    @blp.response(200, FlowPage)
    def get(self, args):
        """List flows."""
        return service.flow_list(get_session(), current_actor(), **args)

    @blp.arguments(FlowCreate)
    @blp.response(201, FlowOut)
    def post(self, data):
        """Start a flow (its draft begins with a start and an end node)."""
        db = get_session()
        flow = service.flow_create(db, current_actor(), data)
        db.commit()
        return with_etag(flow, 201)


@blp.route(f"/flows/{ID}")
class FlowItem(MethodView):
    @blp.response(200, FlowOut)
    def get(self, flow_id):
        """One flow and its draft; the ETag is needed to save."""
        return with_etag(service.flow_get(get_session(), current_actor(), flow_id))

    @if_match(Flow, "flow_id")
    @blp.arguments(FlowUpdate)
    @blp.response(200, FlowOut)
    def patch(self, data, flow_id, if_version):
        """Save the draft as it is (publishing checks it)."""
        db = get_session()
        flow = service.flow_update(db, current_actor(), flow_id, data, if_version)
        db.commit()
        return with_etag(flow)


@blp.route(f"/flows/{ID}/check")
class FlowCheck(MethodView):
    @blp.arguments(FlowCheckIn)
    @blp.response(200, FlowProblemOut(many=True))
    def post(self, data, flow_id):
        """What stops the draft (or the posted document) being published, node by node."""
        return service.flow_check(get_session(), current_actor(), flow_id, data.get("draft"))


@blp.route(f"/flows/{ID}/publish")
class FlowPublish(MethodView):
    @if_match(Flow, "flow_id")
    @blp.arguments(FlowPublishIn)
    @blp.response(201, FlowVersionOut)
    def post(self, data, flow_id, if_version):
        """Publish the draft as the next version (refused, with the problems, if it does not check)."""
        db = get_session()
        version = service.flow_publish(db, current_actor(), flow_id, data["note"], if_version)
        db.commit()
        return version, 201


@blp.route(f"/flows/{ID}/versions")
class FlowVersions(MethodView):
    @blp.response(200, FlowVersionOut(many=True))
    def get(self, flow_id):
        """Published versions, newest first."""
        return service.flow_versions(get_session(), current_actor(), flow_id)


@blp.route(f"/flows/{ID}/matters")
class FlowMatters(MethodView):
    @blp.arguments(FlowBindIn)
    @blp.response(200, FlowMattersOut)
    def post(self, data, flow_id):
        """Make a matter's events follow this flow (bind=false to stop)."""
        db = get_session()
        matters = service.flow_bind_matter(db, current_actor(), flow_id, data["matter_code"], data["bind"])
        db.commit()
        return {"matters": matters}


@blp.route(f"/flows/{ID}/debug")
class FlowDebug(MethodView):
    @blp.arguments(FlowDebugIn)
    @blp.response(200, FlowDebugOut)
    def post(self, data, flow_id):
        """Step a sample event through the draft (or a version): replays `moves`, returns the open steps."""
        return service.flow_debug(get_session(), current_actor(), flow_id, data)


@blp.route(f"/flows/{ID}/simulate")
class FlowSimulate(MethodView):
    @blp.arguments(FlowSimulateIn)
    @blp.response(200, FlowSimulateOut)
    def post(self, data, flow_id):
        """Simulate up to 10,000 random events: paths taken, time per step, deadlines missed."""
        return service.flow_simulate(get_session(), current_actor(), flow_id, data)


@blp.route(f"/flows/{ID}/migrate")
class FlowMigrate(MethodView):
    @blp.arguments(FlowMigrateIn)
    @blp.response(200, FlowMigrateOut)
    def post(self, data, flow_id):
        """Move running events from one version to another (dry_run: just report). Checked: refused,
        moving nothing, while any open step has no node of its kind to go to."""
        db = get_session()
        report = service.flow_migrate(db, current_actor(), flow_id, data)
        db.commit()
        return report
