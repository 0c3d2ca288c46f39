"""Marshmallow schemas of data sources."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

from .models import FIELD_TYPES, KINDS

_code = fields.Str(validate=CODE)


class DataSourceBase(BaseSchema):
    code = _code
    name = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=2000))
    owner_department_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)
    url = fields.Str(validate=validate.Length(min=1, max=2000),
                     metadata={"description": "SQL: a SQLAlchemy URL (its password is stored encrypted); HTTP: the API"})
    keep_password = fields.Bool(metadata={"description": "SQL: false drops the stored password when the URL has none"})
    auth_header = fields.Str(validate=validate.Length(max=2000), load_only=True,
                             metadata={"description": "HTTP: Authorization header value, stored encrypted"})
    json_path = fields.Str(validate=validate.Length(max=200))
    timeout_s = fields.Float(validate=validate.Range(min=0.5, max=60))
    max_bytes = fields.Int(validate=validate.Range(min=1024, max=50_000_000))
    dataset = fields.Str(validate=validate.Length(min=1, max=64),
                         metadata={"description": "builtin: which of the platform's data sets (events)"})


class DataSourceFieldIn(BaseSchema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=63))
    type = fields.Str(required=True, validate=validate.OneOf(list(FIELD_TYPES)))


class DataSourceCreate(DataSourceBase):
    code = fields.Str(required=True, validate=CODE)
    columns = fields.List(fields.Nested(DataSourceFieldIn), validate=validate.Length(max=200), data_key="fields",
                          metadata={"description": "file sources: the columns and their types (else inferred)"})
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Str(required=True, validate=validate.OneOf(list(KINDS)))


class DataSourceUpdate(DataSourceBase):
    pass


class DataSourceQuery(PageArgs):
    kind = fields.Str(validate=validate.OneOf(list(KINDS)))
    q = fields.Str(validate=validate.Length(max=100))


class DataSourceField(Schema):
    name = fields.Str()
    type = fields.Str()


class DataSourceOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    description = fields.Str()
    kind = fields.Str()
    owner_department_id = fields.Int(allow_none=True)
    config = fields.Dict(metadata={"description": "what may be shown: URLs without passwords, limits"})
    has_secret = fields.Function(lambda s: bool(s.secret))
    fields_ = fields.List(fields.Nested(DataSourceField), data_key="fields", attribute="fields")
    status = fields.Str()
    last_checked_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.Str()
    row_count = fields.Int(allow_none=True)
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


DataSourcePage = page_of(DataSourceOut, "DataSourcePage")


class DataSourceTable(Schema):
    name = fields.Str()
    columns = fields.List(fields.Dict())


class DataSourcePreviewQuery(BaseSchema):
    table = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    limit = fields.Int(load_default=20, validate=validate.Range(min=1, max=200))
