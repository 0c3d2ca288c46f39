"""Marshmallow schemas of composite components."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of


class CompositeCreate(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=2000))
    layout = fields.Str(load_default="free", validate=validate.OneOf(["free", "grid"]),
                        metadata={"description": "the units of the cards' geometry: pixels (free) or grid cells"})
    cards = fields.List(fields.Dict(), required=True, validate=validate.Length(min=1, max=50), metadata={
        "description": "page-document cards (type, x, y, w, h, props, binding...), placed from the group's top-left"})


class CompositeQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))


class CompositeOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    description = fields.Str()
    category = fields.Str()
    layout = fields.Str()
    cards = fields.List(fields.Dict())
    created_by = fields.Int(allow_none=True)
    created_by_name = fields.Str()
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


CompositePage = page_of(CompositeOut, "CompositePage")
