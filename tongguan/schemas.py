"""Base marshmallow schemas shared by every package."""
from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate

from .pagination import MAX_PER_PAGE


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE


class PageArgs(BaseSchema):
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_of(item_schema: type[Schema], name: str) -> type[Schema]:
    """A paginated envelope: {"items": [...], "total", "page", "per_page"}."""
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Int(),
            "page": fields.Int(),
            "per_page": fields.Int(),
        },
    )
