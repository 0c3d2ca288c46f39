"""Marshmallow schemas of tags, masking, grants and feedback."""
from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from tongguan.schemas import BaseSchema, PageArgs, page_of

from .models import GRANT_STATES, MASKINGS, STATES, VALUE_TYPES

ID = validate.Range(min=1, max=2**31 - 1)
TAG_CODE = validate.Regexp(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$",
                           error="编码须以字母开头，只含字母、数字、下划线、点和连字符 (letters, digits, _ . -)")
SUBJECT_CODE = validate.Regexp(r"^[a-z][a-z0-9_]{0,31}$", error="主体编码须为小写字母开头的 1-32 位字母、数字或下划线 (a-z, 0-9, _)")


class AnyValue(fields.Field):
    """A tag value as sent: text, number or boolean (checked against the tag by the service)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool | int | float | str):
            if isinstance(value, str) and len(value) > 4000:
                raise ValidationError("取值过长 (too long)")
            return value
        raise ValidationError("取值须为文本、数字或布尔值 (text, number or boolean)")


class JsonObject(fields.Dict):
    """A small JSON object (allowed values, masking parameters); the service checks its keys."""

    def _deserialize(self, value, attr, data, **kwargs):
        out = super()._deserialize(value, attr, data, **kwargs)
        if len(str(out)) > 20_000:
            raise ValidationError("内容过长 (too large)")
        return out


# --- subjects and types -------------------------------------------------------------------


class SubjectCreate(BaseSchema):
    code = fields.Str(required=True, validate=SUBJECT_CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    name_en = fields.Str(load_default="", validate=validate.Length(max=100))
    description = fields.Str(load_default="", validate=validate.Length(max=2000))
    sort_order = fields.Int(strict=True, load_default=0, validate=validate.Range(min=-10_000, max=10_000))


class SubjectUpdate(SubjectCreate):
    """PATCH body (partial)."""


class SubjectOut(BaseSchema):
    code = fields.Str()
    name = fields.Str()
    name_en = fields.Str()
    description = fields.Str()
    builtin = fields.Bool()
    sort_order = fields.Int()
    tag_count = fields.Int()


class TypeCreate(BaseSchema):
    code = fields.Str(required=True, validate=TAG_CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    topic = fields.Str(load_default="", validate=validate.Length(max=100))
    description = fields.Str(load_default="", validate=validate.Length(max=2000))
    sort_order = fields.Int(strict=True, load_default=0, validate=validate.Range(min=-10_000, max=10_000))


class TypeUpdate(TypeCreate):
    """PATCH body (partial)."""


class TypeQuery(BaseSchema):
    topic = fields.Str(validate=validate.Length(max=100))


class TypeOut(BaseSchema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    topic = fields.Str()
    description = fields.Str()
    sort_order = fields.Int()
    tag_count = fields.Int()


# --- tags -----------------------------------------------------------------------------------


class TagBase(BaseSchema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    description = fields.Str(load_default="", validate=validate.Length(max=2000))
    type_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=ID)
    value_type = fields.Str(required=True, validate=validate.OneOf(VALUE_TYPES))
    allowed = JsonObject(load_default=dict)
    owner_department_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=ID)
    rule_text = fields.Str(load_default="", validate=validate.Length(max=10_000),
                           metadata={"description": "DSL text computing the tag; stored, not evaluated yet"})
    masking = fields.Str(load_default="none", validate=validate.OneOf(MASKINGS))
    masking_params = JsonObject(load_default=dict)


class TagCreate(TagBase):
    code = fields.Str(required=True, validate=TAG_CODE)
    subject_code = fields.Str(required=True, validate=SUBJECT_CODE)


class TagUpdate(TagCreate):
    """PATCH body for a draft (partial)."""


class TagNewVersion(TagBase):
    """The changes of the next revision of a published tag (partial) and a note."""

    note = fields.Str(load_default="", validate=validate.Length(max=500))


class TagQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100), metadata={"description": "substring of code, name or description"})
    subject = fields.Str(validate=validate.Length(max=32))
    type_id = fields.Int(validate=ID)
    topic = fields.Str(validate=validate.Length(max=100))
    state = fields.Str(validate=validate.OneOf(STATES))
    owner_department_id = fields.Int(validate=ID)
    sort = fields.Str(load_default="rank", validate=validate.OneOf(["rank", "updated", "code", "name"]))


class GrantBrief(BaseSchema):
    id = fields.Int()
    status = fields.Str()
    expires_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class TagOut(BaseSchema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    description = fields.Str()
    subject_code = fields.Str()
    subject_name = fields.Function(lambda t: t.subject.name if t.subject else t.subject_code)
    type_id = fields.Int(allow_none=True)
    type_name = fields.Function(lambda t: t.type.name if t.type else None)
    topic = fields.Function(lambda t: t.type.topic if t.type else None)
    value_type = fields.Str()
    allowed = fields.Dict()
    owner_department_id = fields.Int(allow_none=True)
    owner_department_name = fields.Function(lambda t: t.owner_department.name if t.owner_department else None)
    rule_text = fields.Str()
    masking = fields.Str()
    masking_params = fields.Dict()
    state = fields.Str()
    revision = fields.Int()
    published_at = fields.DateTime(allow_none=True)
    deprecated_at = fields.DateTime(allow_none=True)
    applications = fields.Int()
    favourites = fields.Int()
    likes = fields.Int()
    comments = fields.Int()
    views = fields.Int(attribute="view_count")
    score = fields.Float()
    liked = fields.Bool()
    favourited = fields.Bool()
    clear = fields.Bool(metadata={"description": "whether the caller sees this tag's values clear"})
    version = fields.Int()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class TagDetailOut(TagOut):
    my_grant = fields.Nested(GrantBrief, allow_none=True)
    value_count = fields.Int()


class FavouriteOut(TagOut):
    favourited_at = fields.DateTime()


TagPage = page_of(TagOut, "TagPage")
FavouritePage = page_of(FavouriteOut, "TagFavouritePage")


class RevisionOut(BaseSchema):
    id = fields.Int()
    revision = fields.Int()
    definition = fields.Dict()
    note = fields.Str()
    created_at = fields.DateTime()
    created_by = fields.Int(allow_none=True)


class StateChange(BaseSchema):
    """Body of publish / deprecate (nothing needed; the ETag goes in If-Match)."""


# --- values ---------------------------------------------------------------------------------


class ValueOut(BaseSchema):
    id = fields.Int()
    tag_id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    value = fields.Str(metadata={"description": "masked unless the caller's department owns the tag or holds a grant"})
    masked = fields.Bool()
    state = fields.Str()
    value_type = fields.Str()
    masking = fields.Str()
    subject_code = fields.Str()
    subject_key = fields.Str()
    updated_at = fields.DateTime()


ValuePage = page_of(ValueOut, "TagValuePage")


class ValueSet(BaseSchema):
    tag_id = fields.Int(required=True, strict=True, validate=ID)
    subject = fields.Str(required=True, validate=validate.Length(min=1, max=32))
    key = fields.Str(required=True, validate=validate.Length(min=1, max=128))
    value = AnyValue(required=True)


class ValueSetOut(BaseSchema):
    value = fields.Nested(ValueOut)
    warnings = fields.List(fields.Str())


class SubjectValuesQuery(BaseSchema):
    subject = fields.Str(required=True, validate=validate.Length(min=1, max=32))
    key = fields.Str(required=True, validate=validate.Length(min=1, max=128))


class ValueClearQuery(SubjectValuesQuery):
    tag_id = fields.Int(required=True, validate=ID)


class TagValuesQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100),
                   metadata={"description": "substring of the clear value; refused (403) when values are masked to you"})
    key = fields.Str(validate=validate.Length(max=128), metadata={"description": "subject keys starting with this"})


class ExportQuery(BaseSchema):
    format = fields.Str(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))


# --- grants ---------------------------------------------------------------------------------


class GrantApply(BaseSchema):
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=2000))
    wanted_expires_at = fields.AwareDateTime(allow_none=True, load_default=None)


class GrantDecide(BaseSchema):
    approve = fields.Bool(required=True)
    note = fields.Str(load_default="", validate=validate.Length(max=2000))
    expires_at = fields.AwareDateTime(allow_none=True, load_default=None)


class GrantRevoke(BaseSchema):
    note = fields.Str(load_default="", validate=validate.Length(max=2000))


class GrantQuery(PageArgs):
    tag_id = fields.Int(validate=ID)
    status = fields.Str(validate=validate.OneOf([*GRANT_STATES, "expired"]))
    department_id = fields.Int(validate=ID)
    mine = fields.Bool(load_default=False)


class GrantOut(BaseSchema):
    id = fields.Int()
    tag_id = fields.Int()
    tag_code = fields.Function(lambda g: g.tag.code)
    tag_name = fields.Function(lambda g: g.tag.name)
    department_id = fields.Int()
    department_name = fields.Function(lambda g: g.department.name if g.department else None)
    applicant_id = fields.Int(allow_none=True)
    applicant_name = fields.Function(lambda g: g.applicant.display_name if g.applicant else None)
    reason = fields.Str()
    wanted_expires_at = fields.DateTime(allow_none=True)
    state = fields.Str()
    status = fields.Str(metadata={"description": "state, or expired for a grant past expires_at"})
    decided_by = fields.Int(allow_none=True)
    decider_name = fields.Function(lambda g: g.decider.display_name if g.decider else None)
    decided_at = fields.DateTime(allow_none=True)
    decision_note = fields.Str()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


GrantPage = page_of(GrantOut, "TagGrantPage")


# --- feedback --------------------------------------------------------------------------------


class CommentCreate(BaseSchema):
    body = fields.Str(required=True, validate=validate.Length(min=1, max=1000))


class CommentOut(BaseSchema):
    id = fields.Int()
    tag_id = fields.Int()
    user_id = fields.Int(allow_none=True)
    author_name = fields.Str()
    body = fields.Str()
    created_at = fields.DateTime()
    mine = fields.Bool()


CommentPage = page_of(CommentOut, "TagCommentPage")
