"""Marshmallow schemas of data services."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

from .models import KINDS, PARAM_TYPES, STATES



class DataServiceParamIn(BaseSchema):
    name = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$"))
    type = fields.Str(required=True, validate=validate.OneOf(PARAM_TYPES))
    default = fields.Raw(allow_none=True)
    required = fields.Bool(load_default=False)
    description = fields.Str(validate=validate.Length(max=500))


class DataServiceDefinitionIn(BaseSchema):
    sql = fields.Str(validate=validate.Length(min=1, max=20_000))
    table = fields.Str(validate=validate.Length(min=1, max=200))
    columns = fields.List(fields.Str(validate=validate.Length(min=1, max=200)), validate=validate.Length(max=200))


class DataServiceOutputField(BaseSchema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    type = fields.Str(required=True, validate=validate.OneOf(PARAM_TYPES))


class DataServiceBase(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=2000))
    source_id = fields.Int(validate=validate.Range(min=1, max=2147483647))
    definition = fields.Nested(DataServiceDefinitionIn)
    params = fields.List(fields.Nested(DataServiceParamIn), validate=validate.Length(max=50))
    owner_department_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)
    output = fields.List(fields.Nested(DataServiceOutputField), validate=validate.Length(max=200),
                         metadata={"description": "the result's columns and types (else guessed from the first rows)"})


class DataServiceCreate(DataServiceBase):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    source_id = fields.Int(required=True, validate=validate.Range(min=1, max=2147483647))
    kind = fields.Str(required=True, validate=validate.OneOf(list(KINDS)))
    definition = fields.Nested(DataServiceDefinitionIn, required=True)


class DataServiceUpdate(DataServiceBase):
    pass


class DataServiceQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))
    state = fields.Str(validate=validate.OneOf(list(STATES)))
    source_id = fields.Int(validate=validate.Range(min=1, max=2147483647))


class DataServiceOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    description = fields.Str()
    source_id = fields.Int()
    source_code = fields.Function(lambda s: s.source.code)
    kind = fields.Str()
    definition = fields.Dict()
    params = fields.List(fields.Dict())
    output = fields.List(fields.Dict())
    state = fields.Str()
    revision = fields.Int()
    owner_department_id = fields.Int(allow_none=True)
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


DataServicePage = page_of(DataServiceOut, "DataServicePage")


class DataServiceStateIn(BaseSchema):
    state = fields.Str(required=True, validate=validate.OneOf(list(STATES)))


class DataServicePreviewIn(BaseSchema):
    params = fields.Dict(load_default=dict)
    limit = fields.Int(load_default=20, validate=validate.Range(min=1, max=200))


class DataServiceResult(Schema):
    service = fields.Str()
    revision = fields.Int()
    columns = fields.List(fields.Dict())
    rows = fields.List(fields.Dict())
    truncated = fields.Bool()


class DataServiceRevisionOut(Schema):
    revision = fields.Int()
    snapshot = fields.Dict()
    created_at = fields.AwareDateTime()
    created_by = fields.Int(allow_none=True)


class DataServiceGrantIn(BaseSchema):
    department_id = fields.Int(required=True, validate=validate.Range(min=1, max=2147483647))
    allow = fields.Bool(load_default=True)


class DataServiceGrantsOut(Schema):
    departments = fields.List(fields.Int())


class DataServiceImportIn(Schema):
    class Meta:
        unknown = "include"
