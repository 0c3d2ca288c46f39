"""Marshmallow schemas of apps."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

from .models import KINDS, STATES


class AppCreate(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Str(required=True, validate=validate.OneOf(list(KINDS)))
    description = fields.Str(validate=validate.Length(max=2000))
    owner_department_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)
    preset = fields.Str(validate=validate.Length(min=1, max=64), metadata={
        "description": "start from this preset template's pages (GET /apps/presets)"})
    settings = fields.Dict(metadata={"description": "welcome page and background (builder/app_settings.py)"})


class AppUpdate(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=2000))
    owner_department_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)
    state = fields.Str(validate=validate.OneOf(list(STATES)))
    settings = fields.Dict(metadata={"description": "{welcome: {enabled, title, text, image, duration_s}, "
                                                    "background: {color, image}}"})


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
    settings = fields.Dict()
    active_release = fields.Int(allow_none=True, metadata={"description": "The release /run shows (null: newest)"})
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


AppPage = page_of(AppOut, "AppPage")


class AppPresetOut(Schema):
    code = fields.Str()
    name = fields.Str()
    name_en = fields.Str()
    kind = fields.Str()
    description = fields.Str()
    pages = fields.List(fields.Str(), metadata={"description": "the names of the pages it starts with"})
    cards = fields.Int(metadata={"description": "how many cards its pages hold"})


# --- pages, revisions, releases (builder.pages) ------------------------------------------------

POSITION = validate.Range(min=0, max=100000)
MESSAGE = validate.Length(max=500)


class AppPageCreate(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    position = fields.Int(validate=POSITION)
    document = fields.Dict(metadata={"description": "The page document (default: an empty grid page)"})
    message = fields.Str(validate=MESSAGE)


class AppPageUpdate(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    position = fields.Int(validate=POSITION)


class AppPageSave(BaseSchema):
    document = fields.Dict(required=True, metadata={
        "description": "layout, size, theme, background, params and cards (see builder/documents.py)"})
    message = fields.Str(validate=MESSAGE, metadata={"description": "What changed, kept with the revision"})


class AppRevisionRestore(BaseSchema):
    message = fields.Str(validate=MESSAGE)


class AppRevisionDiffQuery(BaseSchema):
    before = fields.Int(required=True, validate=validate.Range(min=1, max=2147483647))
    after = fields.Int(required=True, validate=validate.Range(min=1, max=2147483647))


class AppReleaseCreate(BaseSchema):
    note = fields.Str(validate=validate.Length(max=2000))


class AppPageBrief(Schema):
    id = fields.Int()
    app_id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    position = fields.Int()
    version = fields.Int()
    updated_by = fields.Int(allow_none=True)
    updated_by_name = fields.Str()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class AppPageOut(AppPageBrief):
    document = fields.Dict()


class AppRevisionOut(Schema):
    number = fields.Int()
    author_id = fields.Int(allow_none=True)
    author_name = fields.Str()
    message = fields.Str()
    restored_from = fields.Int(allow_none=True)
    created_at = fields.AwareDateTime()


class AppRevisionDocument(AppRevisionOut):
    document = fields.Dict()


class AppPageSaved(Schema):
    page = fields.Nested(AppPageOut)
    revision = fields.Nested(AppRevisionOut)


class AppRevisionDiff(Schema):
    before = fields.Int()
    after = fields.Int()
    page = fields.Dict(metadata={"description": "page-level keys that changed: {key: {before, after}}"})
    added = fields.List(fields.Dict())
    removed = fields.List(fields.Dict())
    changed = fields.List(fields.Dict(), metadata={
        "description": "[{id, changes: {geometry|props|binding|card: {key: {before, after}}}}]"})


class AppReleaseOut(Schema):
    number = fields.Int()
    note = fields.Str()
    pages = fields.List(fields.Dict())
    published_by = fields.Int(allow_none=True)
    published_by_name = fields.Str()
    published_at = fields.AwareDateTime()


class AppReleaseDocuments(AppReleaseOut):
    documents = fields.Dict(metadata={"description": "{page code: document}, frozen at publishing"})


AppRevisionPage = page_of(AppRevisionOut, "AppRevisionPage")
AppReleasePage = page_of(AppReleaseOut, "AppReleasePage")


# --- page data (builder.viewer) ------------------------------------------------------------------

def _scalar(value) -> None:
    if value is not None and not isinstance(value, (str, int, float, bool)):
        raise ValidationError("须为文字、数字或布尔值 (a string, a number or a boolean)")


SCALAR_VALUE = fields.Raw(validate=_scalar)


class PageDataRequest(BaseSchema):
    params = fields.Dict(keys=fields.Str(validate=validate.Length(max=64)), values=SCALAR_VALUE,
                         validate=validate.Length(max=20), load_default=dict,
                         metadata={"description": "page parameters by name (date YYYY-MM-DD, area, text)"})
    filters = fields.Dict(keys=fields.Str(validate=validate.Length(max=128)), values=SCALAR_VALUE,
                          validate=validate.Length(max=10), load_default=dict,
                          metadata={"description": "linkage: {dimension: value} set by a click on a card"})
    origin = fields.Str(allow_none=True, validate=validate.Length(max=64),
                        metadata={"description": "the card clicked: it keeps its own view"})
    cards = fields.List(fields.Str(validate=validate.Length(max=64)), validate=validate.Length(min=1, max=500),
                        metadata={"description": "only these cards (default: every bound card)"})


class DraftPageDataRequest(PageDataRequest):
    document = fields.Dict(metadata={"description": "an unsaved draft document (default: the saved draft)"})


class PageData(Schema):
    computed_at = fields.Str()
    cards = fields.Dict(metadata={"description": "{card id: {ok, rows, dimension, measures, labels, unit, spec, "
                                                 "slots, ms} or {ok: false, error}}"})


class RunApp(Schema):
    app = fields.Dict()
    release = fields.Dict()
    pages = fields.List(fields.Dict())


class RunPage(RunApp):
    page = fields.Dict(metadata={"description": "{code, name, document}"})


class BindingCheck(BaseSchema):
    type = fields.Str(required=True, validate=validate.Length(min=1, max=128))
    binding = fields.Dict(required=True)


class BindingProblems(Schema):
    problems = fields.Dict(metadata={"description": "{JSON path: [messages]}; empty when the binding fits"})


# --- packages of releases, import, activation (builder.transfer) ---------------------------------

class AppImportArgs(BaseSchema):
    on_conflict = fields.Str(validate=validate.OneOf(["rename", "new_version"]), metadata={
        "description": "When the package's app code is taken: import under new_code, or as a new version"})
    new_code = fields.Str(validate=CODE, metadata={"description": "The app's code with on_conflict=rename"})
    allow_unsigned = fields.Bool(load_default=False,
                                 metadata={"description": "Accept a package without a (trusted) signature"})


class AppActiveOut(AppOut):
    active_release = fields.Int(allow_none=True, metadata={"description": "The release /run shows (null: newest)"})


class AppImported(Schema):
    app = fields.Nested(AppActiveOut)
    release = fields.Nested(AppReleaseOut)
    created = fields.Bool(metadata={"description": "A new app was created (false: a new version of one)"})
