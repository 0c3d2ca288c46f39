"""Marshmallow schemas of flows."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of


class FlowCreate(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=2000))
    draft = fields.Dict(metadata={"description": "the flow document (nodes, edges, layout)"})
    special = fields.Bool(metadata={"description": "a flow for hard matters (疑难事项) handled jointly"})


class FlowUpdate(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=2000))
    draft = fields.Dict()
    special = fields.Bool()


class FlowQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))


class FlowOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    description = fields.Str()
    draft = fields.Dict()
    published_version = fields.Int()
    special = fields.Bool()
    version = fields.Int()
    updated_at = fields.AwareDateTime()


FlowPage = page_of(FlowOut, "FlowPage")


class FlowCheckIn(BaseSchema):
    draft = fields.Dict(metadata={"description": "check this document instead of the saved draft"})


class FlowProblemOut(Schema):
    node = fields.Str(allow_none=True)
    edge = fields.Str(allow_none=True)
    message = fields.Str()


class FlowPublishIn(BaseSchema):
    note = fields.Str(load_default="", validate=validate.Length(max=2000))


class FlowVersionOut(Schema):
    version = fields.Int()
    document = fields.Dict()
    note = fields.Str()
    published_at = fields.AwareDateTime()
    published_by = fields.Int(allow_none=True)


class FlowBindIn(BaseSchema):
    matter_code = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    bind = fields.Bool(load_default=True)


class FlowMattersOut(Schema):
    matters = fields.List(fields.Str())


class FlowMoveIn(BaseSchema):
    token = fields.Int(allow_none=True, metadata={"description": "the open step to move (optional when only one is open)"})
    move = fields.Str(required=True, validate=validate.OneOf(["send", "return", "jump", "timer"]))
    target = fields.Str(validate=validate.Length(max=64), metadata={"description": "where a jump goes"})
    hours = fields.Float(validate=validate.Range(min=0, max=24 * 365),
                         metadata={"description": "time the step took before the move"})


class FlowTryIn(BaseSchema):
    draft = fields.Dict(metadata={"description": "try this document instead of the saved draft"})
    version = fields.Int(validate=validate.Range(min=1), metadata={"description": "try a published version"})


class FlowDebugIn(FlowTryIn):
    facts = fields.Dict(load_default=dict, metadata={"description": "the sample event's fields (priority, channel, ...)"})
    moves = fields.List(fields.Nested(FlowMoveIn), load_default=list, validate=validate.Length(max=500))


class FlowSimulateIn(FlowTryIn):
    count = fields.Int(load_default=1000, validate=validate.Range(min=1, max=10000))
    seed = fields.Int(load_default=1, validate=validate.Range(min=0, max=2**31 - 1))


class FlowDebugOut(Schema):
    ended = fields.Bool()
    clock_hours = fields.Float()
    open = fields.List(fields.Dict())
    history = fields.List(fields.Dict())
    path = fields.List(fields.Str())


class FlowSimulateOut(Schema):
    count = fields.Int()
    ended = fields.Int()
    stuck = fields.Int()
    late_events = fields.Int()
    paths = fields.List(fields.Dict())
    nodes = fields.List(fields.Dict())
    total_hours = fields.Dict()


class FlowMigrateIn(BaseSchema):
    from_version = fields.Int(required=True, validate=validate.Range(min=1))
    to_version = fields.Int(required=True, validate=validate.Range(min=1))
    mapping = fields.Dict(keys=fields.Str(validate=validate.Length(max=64)),
                          values=fields.Str(validate=validate.Length(max=64)), load_default=dict,
                          metadata={"description": "old node id -> new node id, for nodes that changed id"})
    dry_run = fields.Bool(load_default=True, metadata={"description": "report only (the default)"})


class FlowMigrateOut(Schema):
    events = fields.Int()
    moves = fields.List(fields.Dict())
    problems = fields.List(fields.Dict())
    applied = fields.Bool()
