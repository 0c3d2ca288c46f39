"""/api/v1/events: intake, queues, the event page's data and the lifecycle moves."""
from __future__ import annotations

from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session

from . import lifecycle, service
from .models import Event
from .schemas import (EventActIn, EventActionOut, EventBatchIn, EventBatchOut, EventCountsOut, EventDispatchOut,
                      EventDuplicateOut, EventJudgeIn, EventMergeIn, EventOut, EventPage, EventPointsOut,
                      EventPointsQuery, EventQuery, EventReportIn, EventStepOut)

blp = Blueprint("events", __name__, url_prefix="/api/v1", description="Events (事件 / 工单)")
ID = "<int(min=1, max=2147483647):event_id>"
ACTION = "<any({}):act>".format(", ".join(sorted(lifecycle.ACTIONS)))


def _out(event: Event) -> Event:
    """The event as the caller may see it: reporter fields masked unless they dispatch
    (plain attributes beside the mapped ones: nothing masked is ever written back)."""
    for key, value in service.masked(event, current_actor()).items():
        setattr(event, f"shown_{key}", value)
    return event


@blp.route("/events")
class Events(MethodView):
    @blp.arguments(EventQuery, location="query")
    @blp.response(200, EventPage)
    def get(self, args):
        """Events I may see, overdue first, then by deadline."""
        page = service.event_list(get_session(), current_actor(), **args)
        for event in page.items:
            _out(event)
        return page

    @blp.arguments(EventReportIn)
    @blp.response(201, EventOut)
    @blp.alt_response(200, schema=EventOut, description="already reported (same source and external_id)")
    def post(self, data):
        """Report an event: accepted and dispatched by the responsibility list at once. With
        source + external_id a retry answers 200 with the event already made."""
        db = get_session()
        event, created = service.event_report(db, current_actor(), data)
        db.commit()
        return with_etag(_out(event), 201 if created else 200)


@blp.route("/events/batch")
class EventBatch(MethodView):
    @blp.arguments(EventBatchIn)
    @blp.response(200, EventBatchOut)
    def post(self, data):
        """Report up to 1,000 events at once (sensors, alerts): all or nothing."""
        db = get_session()
        items = service.event_report_batch(db, current_actor(), data["items"])
        db.commit()
        return {"items": items}


@blp.route("/events/points")
class EventPoints(MethodView):
    @blp.arguments(EventPointsQuery, location="query")
    @blp.response(200, EventPointsOut)
    def get(self, args):
        """The list's events as map points (same filters; those with coordinates, at most 5,000)."""
        return service.event_points(get_session(), current_actor(), **args)


@blp.route("/events/counts")
class EventCounts(MethodView):
    @blp.response(200, EventCountsOut)
    def get(self):
        """Counts by status, overdue and the manual queue (for badges)."""
        return service.event_counts(get_session(), current_actor())


@blp.route(f"/events/{ID}")
class EventItem(MethodView):
    @blp.response(200, EventOut)
    def get(self, event_id):
        """One event; its ETag is needed to act on it."""
        return with_etag(_out(service.event_get(get_session(), current_actor(), event_id)))


@blp.route(f"/events/{ID}/timeline")
class EventTimeline(MethodView):
    @blp.response(200, EventActionOut(many=True))
    def get(self, event_id):
        """Every action on the event (and on reports merged into it), oldest first."""
        return service.event_timeline(get_session(), current_actor(), event_id)


@blp.route(f"/events/{ID}/steps")
class EventSteps(MethodView):
    @blp.response(200, EventStepOut(many=True))
    def get(self, event_id):
        """A flow event's steps, oldest first: the open ones are where it is now, with their moves."""
        return service.event_steps(get_session(), current_actor(), event_id)


@blp.route(f"/events/{ID}/dispatches")
class EventDispatches(MethodView):
    @blp.response(200, EventDispatchOut(many=True))
    def get(self, event_id):
        """Every dispatch decision with its reason, and refusals."""
        return service.event_dispatches(get_session(), current_actor(), event_id)


@blp.route(f"/events/{ID}/actions/{ACTION}")
class EventAct(MethodView):
    @if_match(Event, "event_id")
    @blp.arguments(EventActIn)
    @blp.response(200, EventOut)
    def post(self, data, event_id, act, if_version):
        """One move of the lifecycle (accept, dispatch, refuse, take, transfer, submit, approve,
        return, reopen, suspend, resume, cancel, supervise, extend, cc, comment)."""
        db = get_session()
        event = service.event_act(db, current_actor(), event_id, act, data, if_version)
        db.commit()
        return with_etag(_out(event))


@blp.route(f"/events/{ID}/refusal")
class EventRefusal(MethodView):
    @blp.arguments(EventJudgeIn)
    @blp.response(200, EventOut)
    def post(self, data, event_id):
        """Decide the latest refusal: upheld (the dispatch was wrong) or not."""
        db = get_session()
        event = service.event_judge_refusal(db, current_actor(), event_id, data["upheld"], data["comment"])
        db.commit()
        return with_etag(_out(event))


@blp.route(f"/events/{ID}/duplicates")
class EventDuplicates(MethodView):
    @blp.response(200, EventDuplicateOut(many=True))
    def get(self, event_id):
        """Reports that look like the same problem (same matter, near in place and time)."""
        return service.event_duplicates(get_session(), current_actor(), event_id)


@blp.route(f"/events/{ID}/merge")
class EventMerge(MethodView):
    @if_match(Event, "event_id")
    @blp.arguments(EventMergeIn)
    @blp.response(200, EventOut)
    def post(self, data, event_id, if_version):
        """Merge this report into the event that stays (`into_id`); answers with that event."""
        db = get_session()
        event = service.event_merge(db, current_actor(), event_id, data["into_id"], data["comment"], if_version)
        db.commit()
        return with_etag(_out(event))
