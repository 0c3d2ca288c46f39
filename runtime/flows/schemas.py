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
