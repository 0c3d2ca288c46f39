"""Marshmallow schemas of the inbox."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import BaseSchema, PageArgs, page_of


class InboxQuery(PageArgs):
    unread = fields.Bool(load_default=False)


class InboxMessageOut(Schema):
    id = fields.Int()
    kind = fields.Str()
    title = fields.Str()
    body = fields.Str()
    link = fields.Str()
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)


InboxPage = page_of(InboxMessageOut, "InboxPage")


class InboxReadIn(BaseSchema):
    ids = fields.List(fields.Int(validate=validate.Range(min=1, max=2147483647)), validate=validate.Length(max=500),
                      metadata={"description": "omit to mark every message read"})


class InboxCountOut(Schema):
    unread = fields.Int()
