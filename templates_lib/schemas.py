"""Request and answer schemas of the gallery API."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import BaseSchema, PageArgs, page_of

from .models import SAVED_KINDS
from .package import CATEGORIES, DOMAINS

ID = validate.Range(min=1, max=2147483647)
KINDS = ["scenario", *SAVED_KINDS]


class TemplateQuery(BaseSchema):
    q = fields.Str(validate=validate.Length(max=100))
    category = fields.Str(validate=validate.OneOf(CATEGORIES))
    domain = fields.Str(validate=validate.OneOf(DOMAINS))
    kind = fields.Str(validate=validate.OneOf(KINDS))


class TemplateEntry(Schema):
    code = fields.Str()
    kind = fields.Str()
    builtin = fields.Bool()
    id = fields.Int()
    name = fields.Str()
    name_en = fields.Str()
    summary = fields.Str()
    description = fields.Str()
    categories = fields.List(fields.Str())
    domains = fields.List(fields.Str())
    version = fields.Str()
    cover = fields.Str(allow_none=True)
    contents = fields.Dict(keys=fields.Str(), values=fields.Int())
    saved_by = fields.Str()
    saved_by_id = fields.Int(allow_none=True)
    saved_at = fields.AwareDateTime()


class TemplateList(Schema):
    items = fields.List(fields.Nested(TemplateEntry))
    categories = fields.List(fields.Str())
    domains = fields.List(fields.Str())


class TemplateDetail(TemplateEntry):
    sources = fields.List(fields.Dict())
    pages = fields.List(fields.Dict())
    indicators = fields.List(fields.Dict())
    alert_rules = fields.List(fields.Dict())
    flows = fields.List(fields.Dict())
    reports = fields.List(fields.Dict())
    matters = fields.List(fields.Dict())
    drills = fields.List(fields.Dict())
    sizes = fields.List(fields.Int())
    default_size = fields.Int()
    document = fields.Dict()


class TryOut(Schema):
    app_code = fields.Str()
    page_code = fields.Str()
    pages = fields.List(fields.Dict())
    api_base = fields.Str()


class SourceChoice(BaseSchema):
    mode = fields.Str(load_default="sample", validate=validate.OneOf(["sample", "own"]))
    source_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=ID)


class UseIn(BaseSchema):
    code = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    name = fields.Str(validate=validate.Length(min=1, max=200))
    size = fields.Int(strict=True, validate=validate.Range(min=100, max=1_000_000))
    seed = fields.Int(strict=True, load_default=1, validate=validate.Range(min=0, max=2**31 - 1))
    sources = fields.Dict(keys=fields.Str(validate=validate.Length(max=64)), values=fields.Nested(SourceChoice),
                          load_default=dict)
    app_id = fields.Int(strict=True, validate=ID, metadata={"description": "page and form templates: the app to add to"})


class UseOut(Schema):
    id = fields.Int()
    template = fields.Str()
    template_name = fields.Str()
    kind = fields.Str()
    code = fields.Str()
    name = fields.Str()
    created_at = fields.AwareDateTime()
    created_by = fields.Int(allow_none=True)
    seed = fields.Int()
    size = fields.Int()
    app = fields.Dict(allow_none=True)
    objects = fields.Dict()
    drills = fields.List(fields.Dict())
    state = fields.Str(metadata={"description": "pending | running | succeeded | failed"})
    stage = fields.Str()
    progress = fields.Int()
    message = fields.Str(metadata={"description": "why it failed (zh-CN)"})


UsePage = page_of(UseOut, "TemplateUsePage")


class DrillOut(Schema):
    rows = fields.Int()
    alerts = fields.List(fields.Dict())
    events = fields.List(fields.Dict())


class SaveIn(BaseSchema):
    kind = fields.Str(required=True, validate=validate.OneOf(list(SAVED_KINDS)))
    code = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    summary = fields.Str(load_default="", validate=validate.Length(max=400))
    description = fields.Str(load_default="", validate=validate.Length(max=4000))
    categories = fields.List(fields.Str(validate=validate.OneOf(CATEGORIES)), load_default=list)
    domains = fields.List(fields.Str(validate=validate.OneOf(DOMAINS)), load_default=list)
    app_id = fields.Int(strict=True, validate=ID)
    page_id = fields.Int(strict=True, validate=ID)
    flow_id = fields.Int(strict=True, validate=ID)


class UseQuery(PageArgs):
    pass
