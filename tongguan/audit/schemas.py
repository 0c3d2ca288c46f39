from __future__ import annotations

import datetime as dt

from marshmallow import ValidationError, fields, validate

from ..schemas import BaseSchema, PageArgs, page_of


class AuditOut(BaseSchema):
    id = fields.Int()
    at = fields.DateTime()
    actor_id = fields.Int(allow_none=True)
    actor_name = fields.Str()
    via = fields.Str()
    action = fields.Str()
    operation = fields.Str()
    object_type = fields.Str()
    object_id = fields.Str()
    before_digest = fields.Str(allow_none=True)
    after_digest = fields.Str(allow_none=True)
    changes = fields.Dict()
    request_id = fields.Str()
    ip = fields.Str()


class AuditQuery(PageArgs):
    actor_id = fields.Int(validate=validate.Range(min=1, max=2**31 - 1))
    actor_name = fields.Str(validate=validate.Length(max=64))
    action = fields.Str(validate=validate.Length(max=64))
    operation = fields.Str(validate=validate.OneOf(["insert", "update", "delete"]))
    object_type = fields.Str(validate=validate.Length(max=64))
    object_id = fields.Str(validate=validate.Length(max=64))
    since = fields.AwareDateTime(default_timezone=None, validate=lambda v: _in_range(v),
                                 metadata={"description": "ISO 8601 with offset"})
    until = fields.AwareDateTime(default_timezone=None, validate=lambda v: _in_range(v))


def _in_range(value: dt.datetime) -> None:
    try:
        value.astimezone(dt.timezone.utc)
    except OverflowError:
        raise ValidationError("时间超出范围 (time out of range)") from None


AuditPage = page_of(AuditOut, "AuditPage")
