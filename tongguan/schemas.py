"""Base marshmallow schemas shared by every package."""
from __future__ import annotations

import json
from collections.abc import Mapping

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from .pagination import MAX_PER_PAGE


class BaseSchema(Schema):
    class Meta:
        unknown = RAISE

    @pre_load
    def _refuse_nul(self, data, **kwargs):
        # PostgreSQL cannot store NUL in text; refuse it everywhere, on every engine.
        if isinstance(data, Mapping):
            bad = {key: ["不能包含 NUL 字符 (must not contain NUL)"] for key, value in data.items()
                   if ("\x00" in value if type(value) is str else _has_nul(value))}
            if bad:
                raise ValidationError(bad)
        return data


_ENCODER = json.JSONEncoder(default=str)  # ASCII output: a NUL anywhere is written \u0000


def _has_nul(value) -> bool:
    if isinstance(value, list | tuple | Mapping):
        try:  # the encoder runs in C: a batch of a thousand documents is checked at once
            if "\\u0000" not in _ENCODER.encode(value):
                return False
        except (TypeError, ValueError):  # keys JSON cannot hold: look item by item
            pass
    return _has_nul_in(value)


def _has_nul_in(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul_in(v) for v in value)
    if isinstance(value, Mapping):  # free-form documents (flow drafts, details): keys too
        return any(_has_nul_in(k) or _has_nul_in(v) for k, v in value.items())
    return False


# The code of a data source, service, indicator or alert rule: safe in URLs, SQL aliases and the DSL.
CODE = validate.Regexp(r"^[a-z][a-z0-9_]{1,63}$",
                       error="编码须以小写字母开头，只含小写字母、数字和下划线，2–64 个字符")


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
