"""Marshmallow schemas of events."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from tongguan.schemas import BaseSchema, PageArgs, page_of

from . import lifecycle
from .models import CHANNELS, PRIORITIES

_id = validate.Range(min=1, max=2147483647)


class EventReportIn(BaseSchema):
    title = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    description = fields.Str(validate=validate.Length(max=10_000))
    channel = fields.Str(required=True, validate=validate.OneOf(list(CHANNELS)))
    priority = fields.Str(validate=validate.OneOf(list(PRIORITIES)))
    matter_code = fields.Str(validate=validate.Length(max=64))
    area_department_id = fields.Int(validate=_id, allow_none=True)
    address = fields.Str(validate=validate.Length(max=300))
    longitude = fields.Float(validate=validate.Range(min=-180, max=180), allow_none=True)
    latitude = fields.Float(validate=validate.Range(min=-90, max=90), allow_none=True)
    reporter_name = fields.Str(validate=validate.Length(max=64))
    reporter_phone = fields.Str(validate=validate.Length(max=32))
    source = fields.Str(validate=validate.Length(min=1, max=64),
                        metadata={"description": "the reporting system; with external_id, makes intake idempotent"})
    external_id = fields.Str(validate=validate.Length(min=1, max=128),
                             metadata={"description": "the client's id of this report: a retry never makes a second event"})
    reported_at = fields.AwareDateTime()
    details = fields.Dict()


class EventBatchIn(BaseSchema):
    items = fields.List(fields.Nested(EventReportIn), required=True, validate=validate.Length(min=1, max=1000))


class EventBatchItemOut(Schema):
    index = fields.Int()
    id = fields.Int()
    number = fields.Str()
    created = fields.Bool()


class EventBatchOut(Schema):
    items = fields.List(fields.Nested(EventBatchItemOut))


class EventQuery(PageArgs):
    status = DelimitedList(fields.Str(validate=validate.OneOf(list(lifecycle.STATUSES))))
    department_id = fields.Int(validate=_id)
    matter_code = fields.Str(validate=validate.Length(max=64))
    channel = fields.Str(validate=validate.OneOf(list(CHANNELS)))
    overdue = fields.Bool()
    queue = fields.Bool(metadata={"description": "only the manual dispatch queue"})
    q = fields.Str(validate=validate.Length(max=100))


class EventPointsQuery(EventQuery):
    class Meta:
        exclude = ("page", "per_page")


class EventPointOut(Schema):
    id = fields.Int()
    number = fields.Str()
    title = fields.Str()
    status = fields.Str()
    priority = fields.Str()
    channel = fields.Str()
    longitude = fields.Float()
    latitude = fields.Float()
    department_id = fields.Int(allow_none=True)
    overdue = fields.Bool()


class EventPointsOut(Schema):
    total = fields.Int(metadata={"description": "how many events matched (points holds at most 5,000)"})
    points = fields.List(fields.Nested(EventPointOut))


class EventOut(Schema):
    id = fields.Int()
    number = fields.Str()
    title = fields.Str()
    description = fields.Str()
    channel = fields.Str()
    priority = fields.Str()
    status = fields.Str()
    matter_code = fields.Str()
    area_department_id = fields.Int(allow_none=True)
    address = fields.Str()
    longitude = fields.Float(allow_none=True)
    latitude = fields.Float(allow_none=True)
    # masked unless the caller dispatches (the api sets shown_* from service.masked())
    reporter_name = fields.Str(attribute="shown_reporter_name")
    reporter_phone = fields.Str(attribute="shown_reporter_phone")
    external_source = fields.Str()
    external_id = fields.Str(allow_none=True)
    department_id = fields.Int(allow_none=True)
    assignee_id = fields.Int(allow_none=True)
    dispatch_mode = fields.Str()
    time_limit = fields.Int(allow_none=True)
    time_unit = fields.Str()
    deadline_at = fields.AwareDateTime(allow_none=True)
    reported_at = fields.AwareDateTime()
    accepted_at = fields.AwareDateTime(allow_none=True)
    dispatched_at = fields.AwareDateTime(allow_none=True)
    handled_at = fields.AwareDateTime(allow_none=True)
    closed_at = fields.AwareDateTime(allow_none=True)
    returns = fields.Int()
    refusals = fields.Int()
    refusals_upheld = fields.Int()
    reopens = fields.Int()
    supervised = fields.Bool()
    details = fields.Dict()
    flow_version_id = fields.Int(allow_none=True)
    node_names = fields.Str(metadata={"description": "flow events: the nodes the event is at now"})
    version = fields.Int()


EventPage = page_of(EventOut, "EventPage")


class EventStepOut(Schema):
    id = fields.Int()
    node_id = fields.Str()
    node_name = fields.Str()
    kind = fields.Str(metadata={"description": "task | timer | join"})
    department_id = fields.Int(allow_none=True)
    role = fields.Str()
    assignee_id = fields.Int(allow_none=True)
    entered_at = fields.AwareDateTime()
    due_at = fields.AwareDateTime(allow_none=True)
    left_at = fields.AwareDateTime(allow_none=True)
    outcome = fields.Str()
    moves = fields.List(fields.Str(), metadata={"description": "open task steps: the moves the node permits"})
    jump_to = fields.List(fields.Dict(), metadata={"description": "open task steps: [{node, name}] a jump may reach"})
    mine = fields.Bool(metadata={"description": "the caller may act on this step"})


class EventActIn(BaseSchema):
    comment = fields.Str(validate=validate.Length(max=4000))
    department_id = fields.Int(validate=_id, metadata={"description": "dispatch, transfer: to which department"})
    department_ids = fields.List(fields.Int(validate=_id), validate=validate.Length(max=50),
                                 metadata={"description": "cc: to whom"})
    time_limit = fields.Int(validate=validate.Range(min=1, max=365))
    time_unit = fields.Str(validate=validate.OneOf(["working_days", "hours"]))
    extra_days = fields.Int(validate=validate.Range(min=1, max=60), metadata={"description": "extend: working days"})
    step_id = fields.Int(validate=_id, metadata={"description": "flow events: which open step moves"})
    target = fields.Str(validate=validate.Length(max=64), metadata={"description": "jump: to which node"})


class EventJudgeIn(BaseSchema):
    upheld = fields.Bool(required=True, metadata={"description": "true: 有责退单 (the dispatch was wrong)"})
    comment = fields.Str(load_default="", validate=validate.Length(max=4000))


class EventActionOut(Schema):
    id = fields.Int()
    action = fields.Str()
    from_status = fields.Str()
    to_status = fields.Str()
    actor_name = fields.Str()
    department_id = fields.Int(allow_none=True)
    at = fields.AwareDateTime()
    comment = fields.Str()
    details = fields.Dict()
    event_id = fields.Int()


class EventDispatchOut(Schema):
    id = fields.Int()
    department_id = fields.Int()
    mode = fields.Str()
    reason = fields.Str()
    at = fields.AwareDateTime()
    refused_at = fields.AwareDateTime(allow_none=True)
    refusal_reason = fields.Str()
    refusal_upheld = fields.Bool(allow_none=True)


class EventCountsOut(Schema):
    by_status = fields.Dict(keys=fields.Str(), values=fields.Int())
    overdue = fields.Int()
    queue = fields.Int()


class EventDuplicateOut(Schema):
    id = fields.Int()
    number = fields.Str()
    title = fields.Str()
    channel = fields.Str()
    status = fields.Str()
    reported_at = fields.AwareDateTime()
    address = fields.Str()
    distance_m = fields.Float(allow_none=True)
    hours_apart = fields.Float()


class EventMergeIn(BaseSchema):
    into_id = fields.Int(required=True, validate=_id, metadata={"description": "the event that stays"})
    comment = fields.Str(load_default="", validate=validate.Length(max=4000))
