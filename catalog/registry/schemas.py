"""Marshmallow schemas of the component registry."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from components import CATEGORIES
from components import types as component_types
from tongguan.schemas import BaseSchema, PageArgs, page_of

from . import semver
from .models import CODE_MESSAGE, STATES, is_code


def _code(value: str) -> None:
    if not is_code(value):
        raise ValidationError(CODE_MESSAGE)


def _semver(value: str) -> None:
    if not semver.is_valid(value):
        raise ValidationError(semver.MESSAGE)


CATEGORY = validate.OneOf(list(CATEGORIES), error="未知的组件分类 (unknown category)")
STATE = validate.OneOf(list(STATES), error="未知的生命周期状态 (unknown lifecycle state)")


class ComponentBase(BaseSchema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.Str(load_default="", validate=validate.Length(max=200))
    category = fields.Str(required=True, validate=CATEGORY)
    description = fields.Str(load_default="", validate=validate.Length(max=4000))
    vendor = fields.Str(required=True, validate=validate.Length(min=1, max=200),
                        metadata={"description": "the third-party supplier (供应商)"})


class ComponentCreate(ComponentBase):
    """Register a third-party component with its first version (which starts at `analysis`)."""

    code = fields.Str(required=True, validate=_code)
    version = fields.Str(load_default="1.0.0", validate=_semver)
    notes = fields.Str(load_default="", validate=validate.Length(max=4000))
    props_schema = fields.Dict(load_default=dict, metadata={"description": "JSON Schema of the component's props"})


class ComponentUpdate(ComponentBase):
    """PATCH body: used with partial=True, so absent fields stay as they are. The code never changes."""


class VersionCreate(BaseSchema):
    version = fields.Str(required=True, validate=_semver)
    notes = fields.Str(load_default="", validate=validate.Length(max=4000))
    props_schema = fields.Dict(load_default=dict)


class VersionMove(BaseSchema):
    state = fields.Str(required=True, validate=STATE, metadata={"description": "the lifecycle state to move to"})


class FileOut(BaseSchema):
    id = fields.Int()
    filename = fields.Str()
    size = fields.Int()
    mime = fields.Str()
    created_at = fields.DateTime()


class VersionOut(BaseSchema):
    id = fields.Int()
    code = fields.Str()
    version = fields.Str(attribute="semver", metadata={"description": "the semantic version, e.g. 1.2.0"})
    state = fields.Str()
    next_states = fields.List(fields.Str(), metadata={"description": "the states it may move to"})
    placeable = fields.Bool(metadata={"description": "whether a new page may use it (released or maintenance)"})
    state_changed_at = fields.DateTime()
    notes = fields.Str()
    props_schema = fields.Dict()
    slots = fields.Method("_slots", metadata={
        "description": "the data slots a card binds: [{name, title, title_en, accepts, required, max_measures}]; "
                       "[] for static content and third-party types"})
    manual = fields.Nested(FileOut, allow_none=True)
    api_doc = fields.Nested(FileOut, allow_none=True)
    revision = fields.Int(attribute="version", metadata={"description": "the row's revision (its ETag)"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    renderer = fields.Method("_renderer", metadata={
        "description": "a version registered from a component package: {kind: vega-lite | iframe, entry, "
                       "signed_by, trusted}; null otherwise"})

    def _renderer(self, version) -> dict | None:
        found = version.renderer
        if found is None:
            return None
        return {"kind": found.kind, "entry": found.entry or None, "signed_by": found.signed_by,
                "trusted": found.trusted, "files": len(found.files)}

    def _slots(self, version) -> list[dict]:
        if version.renderer is not None:  # a package's version keeps its slots with its renderer
            return list(version.renderer.slots or [])
        # built-in types declare their slots in code (components.types); the row holds none
        if not version.component.builtin:
            return []
        found = component_types.get(version.code, version.semver)
        return [{"name": s.name, "title": s.title, "title_en": s.title_en, "accepts": s.accepts,
                 "required": s.required, "max_measures": s.max_measures} for s in (found.slots if found else ())]


class ComponentOut(BaseSchema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    name_en = fields.Str()
    category = fields.Str()
    description = fields.Str()
    builtin = fields.Bool()
    vendor = fields.Str()
    latest_version = fields.Str(allow_none=True)
    latest_placeable_version = fields.Str(allow_none=True)
    versions = fields.List(fields.Nested(VersionOut), attribute="sorted_versions",
                           metadata={"description": "oldest first, by semver precedence"})
    revision = fields.Int(attribute="version", metadata={"description": "the row's revision (its ETag)"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ComponentQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100), metadata={"description": "substring of code, name or description"})
    category = fields.Str(validate=CATEGORY)
    state = fields.Str(validate=STATE, metadata={"description": "components with a version in this state"})
    builtin = fields.Bool()


ComponentPage = page_of(ComponentOut, "ComponentPage")


class PlaceableOut(BaseSchema):
    code = fields.Str()
    version = fields.Str()
    state = fields.Str()
    placeable = fields.Bool()
    message = fields.Str(metadata={"description": "why it cannot be placed (zh-CN), empty when it can"})


class CategoryOut(BaseSchema):
    code = fields.Str()
    name = fields.Str()
    name_en = fields.Str()


class UploadForm(BaseSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class PreviewQuery(BaseSchema):
    theme = fields.Str(load_default="light", validate=validate.OneOf(["light", "dark"], error="主题须为 light 或 dark"),
                       metadata={"description": "light (pages) or dark (big screens)"})


class PreviewOut(BaseSchema):
    spec = fields.Dict(metadata={"description": "the Vega-Lite spec, data inline; draw it with vega-embed"})
    rows = fields.List(fields.Dict(), metadata={"description": "the sample rows the spec is drawn over"})
