"""Marshmallow schemas of apps."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

from .models import KINDS, STATES


class AppCreate(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Str(required=True, validate=validate.OneOf(list(KINDS)))
    description = fields.Str(validate=validate.Length(max=2000))
    owner_department_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)


class AppUpdate(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=2000))
    owner_department_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)
    state = fields.Str(validate=validate.OneOf(list(STATES)))


class AppQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))
    kind = fields.Str(validate=validate.OneOf(list(KINDS)))
    state = fields.Str(validate=validate.OneOf(list(STATES)))


class AppOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    kind = fields.Str()
    description = fields.Str()
    state = fields.Str()
    owner_department_id = fields.Int(allow_none=True)
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


AppPage = page_of(AppOut, "AppPage")
