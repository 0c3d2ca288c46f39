"""Marshmallow schemas of data services."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

from .models import KINDS, PARAM_TYPES, STATES



class DataServiceParamIn(BaseSchema):
    name = fields.Str(required=True, validate=validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$"))
    type = fields.Str(required=True, validate=validate.OneOf(PARAM_TYPES))
    default = fields.Raw(allow_none=True)
    required = fields.Bool(load_default=False)
    description = fields.Str(validate=validate.Length(max=500))


_expr = validate.Length(min=1, max=4000)
_name = validate.Length(min=1, max=200)


class DataServiceAggregateIn(BaseSchema):
    name = fields.Str(required=True, validate=_name)
    expr = fields.Str(required=True, validate=_expr, metadata={"description": "DSL aggregate, e.g. count(where x > 1)"})


class DataServicePartIn(BaseSchema):
    service = fields.Str(required=True, validate=CODE)
    params = fields.Dict(keys=fields.Str(validate=_name), metadata={
        "description": 'literal values, or ":name" for the composite\'s own parameter'})


class DataServiceJoinIn(BaseSchema):
    how = fields.Str(load_default="inner", validate=validate.OneOf(["inner", "left"]))
    on = fields.List(fields.Str(validate=_name), validate=validate.Length(max=10))


class DataServiceDerivedIn(BaseSchema):
    name = fields.Str(required=True, validate=_name)
    expr = fields.Str(required=True, validate=_expr)


class DataServiceDefinitionIn(BaseSchema):
    sql = fields.Str(validate=validate.Length(min=1, max=20_000))
    table = fields.Str(validate=validate.Length(min=1, max=200))
    columns = fields.List(fields.Str(validate=_name), validate=validate.Length(max=200))
    filter = fields.Str(validate=_expr, metadata={"description": "table: a DSL condition on the rows"})
    newest_first = fields.Str(validate=_name, metadata={"description": "table: latest rows first by this date(time) column"})
    group_by = fields.List(fields.Str(validate=_name), validate=validate.Length(max=10))
    aggregates = fields.List(fields.Nested(DataServiceAggregateIn), validate=validate.Length(max=50))
    parts = fields.List(fields.Nested(DataServicePartIn), validate=validate.Length(max=8))
    combine = fields.Str(validate=validate.OneOf(["join", "union"]))
    join = fields.Nested(DataServiceJoinIn)
    derived = fields.List(fields.Nested(DataServiceDerivedIn), validate=validate.Length(max=50))


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
    source_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True,
                           metadata={"description": "required except for kind composite"})
    kind = fields.Str(required=True, validate=validate.OneOf(list(KINDS)))
    definition = fields.Nested(DataServiceDefinitionIn, required=True)


class DataServiceUpdate(DataServiceBase):
    confirm_breaking = fields.Bool(load_default=False, metadata={
        "description": "save even though the change breaks the dependants a 409 listed"})


class DataServiceQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))
    state = fields.Str(validate=validate.OneOf(list(STATES)))
    source_id = fields.Int(validate=validate.Range(min=1, max=2147483647))


class DataServiceOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    description = fields.Str()
    source_id = fields.Int(allow_none=True)
    source_code = fields.Function(lambda s: s.source.code if s.source else None)
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
    department_id = fields.Int(validate=validate.Range(min=1, max=2147483647))
    app_id = fields.Int(validate=validate.Range(min=1, max=2147483647))
    allow = fields.Bool(load_default=True)

    @validates_schema
    def _one_grantee(self, data, **kwargs):
        if ("department_id" in data) == ("app_id" in data):
            raise ValidationError("给出 department_id 或 app_id 之一", "department_id")


class DataServiceGrantsOut(Schema):
    departments = fields.List(fields.Int())
    apps = fields.List(fields.Int())


class DataServiceImportIn(Schema):
    class Meta:
        unknown = "include"


class DataServiceUsage(Schema):
    kind = fields.Str(metadata={"description": "indicator, data_service, card, report, ..."})
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    state = fields.Str()
    problem = fields.Str()


class DataServiceSubscriptionIn(BaseSchema):
    channel = fields.Str(load_default="inapp", validate=validate.OneOf(["inapp", "webhook"]))
    url = fields.Str(validate=validate.Length(max=500), metadata={"description": "webhook only"})
    secret = fields.Str(validate=validate.Length(min=16, max=200),
                        metadata={"description": "webhook signing secret; generated when omitted"})
    on_definition = fields.Bool(load_default=True)
    on_data = fields.Bool(load_default=True)


class DataServiceSubscriptionOut(Schema):
    id = fields.Int()
    service_id = fields.Int()
    user_id = fields.Int()
    channel = fields.Str()
    url = fields.Str()
    on_definition = fields.Bool()
    on_data = fields.Bool()
    checked_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    secret = fields.Str(attribute="plain_secret",
                        metadata={"description": "shown once, when a webhook subscription is created"})


class DataServiceDeliveryOut(Schema):
    id = fields.Int()
    event = fields.Str()
    payload = fields.Dict()
    created_at = fields.AwareDateTime()
    attempts = fields.Int()
    delivered_at = fields.AwareDateTime(allow_none=True)
    failed_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.Str()
