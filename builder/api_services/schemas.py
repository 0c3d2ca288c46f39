"""Marshmallow schemas of API services and their tokens."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

from .models import ITEM_KINDS, STATES

NAME = validate.Length(min=1, max=200)
PARAM = validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", error="参数名须为字母、数字和下划线")


class ApiServiceItem(BaseSchema):
    kind = fields.Str(required=True, validate=validate.OneOf(list(ITEM_KINDS)))
    code = fields.Str(required=True, validate=CODE)
    params = fields.List(fields.Str(validate=PARAM), validate=validate.Length(max=20),
                         metadata={"description": "the parameters a caller may pass (others are refused)"})
    by = fields.Str(allow_none=True, validate=validate.Length(min=1, max=128),
                    metadata={"description": "indicators: the dimension used when the caller gives none"})
    window = fields.Str(allow_none=True, validate=validate.Regexp(r"^[0-9]{1,4}[mhdw]$"),
                        metadata={"description": "indicators: the window used when the caller gives none"})


class ApiServiceCreate(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=NAME)
    description = fields.Str(validate=validate.Length(max=2000))
    items = fields.List(fields.Nested(ApiServiceItem), load_default=list, validate=validate.Length(max=50))
    rate_limit = fields.Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=100_000),
                            metadata={"description": "calls per minute for all the API's tokens together"})


class ApiServiceUpdate(BaseSchema):
    name = fields.Str(validate=NAME)
    description = fields.Str(validate=validate.Length(max=2000))
    items = fields.List(fields.Nested(ApiServiceItem), validate=validate.Length(max=50))
    rate_limit = fields.Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=100_000))
    state = fields.Str(validate=validate.OneOf(list(STATES)))


class ApiServiceQuery(PageArgs):
    state = fields.Str(validate=validate.OneOf(list(STATES)))


class ApiServiceOut(Schema):
    id = fields.Int()
    app_id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    description = fields.Str()
    items = fields.List(fields.Dict())
    state = fields.Str()
    rate_limit = fields.Int(allow_none=True)
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


ApiServicePage = page_of(ApiServiceOut, "ApiServicePage")


class ApiServiceTokenCreate(BaseSchema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    expires_in_days = fields.Int(strict=True, allow_none=True, load_default=None,
                                 validate=validate.Range(min=1, max=3650))


class ApiServiceTokenQuery(PageArgs):
    include_revoked = fields.Bool(load_default=False)


class ApiServiceTokenOut(Schema):
    id = fields.Int()
    api_service_id = fields.Int()
    name = fields.Str()
    prefix = fields.Str()
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)
    last_used_at = fields.AwareDateTime(allow_none=True)


class ApiServiceTokenCreated(ApiServiceTokenOut):
    token = fields.Str(attribute="secret", metadata={"description": "the secret; shown once, never stored"})


ApiServiceTokenPage = page_of(ApiServiceTokenOut, "ApiServiceTokenPage")
