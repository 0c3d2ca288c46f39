"""Marshmallow schemas of directories and resources."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import BaseSchema, PageArgs

from .models import LEVELS, RESOURCE_CLASSES, SHARING, STATUSES, UPDATE_CYCLES
from .search import SORTS

_name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
_id = fields.Int(validate=validate.Range(min=1, max=2147483647))


class DirectoryCreate(BaseSchema):
    parent_id = fields.Int(required=True, validate=validate.Range(min=1, max=2147483647))
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=2000))


class DirectoryUpdate(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=2000))


class DirectoryMove(BaseSchema):
    parent_id = fields.Int(required=True, validate=validate.Range(min=1, max=2147483647))
    position = fields.Int(validate=validate.Range(min=0, max=100_000), allow_none=True)


class DirectoryDeleteArgs(BaseSchema):
    recursive = fields.Bool(load_default=False)


class DirectoryTreeQuery(BaseSchema):
    resource_class = fields.Str(validate=validate.OneOf(list(RESOURCE_CLASSES)))


class DirectoryOut(Schema):
    id = fields.Int()
    parent_id = fields.Int(allow_none=True)
    name = fields.Str()
    description = fields.Str()
    resource_class = fields.Str()
    path = fields.Str()
    sort_order = fields.Int()
    version = fields.Int()


class DirectoryTreeNode(DirectoryOut):
    level = fields.Str(allow_none=True, metadata={"description": "the caller's level here: view, use, edit, manage"})
    resource_count = fields.Int(metadata={"description": "visible resources here and below"})
    own_count = fields.Int(metadata={"description": "visible resources directly here"})


class RecycleBatchOut(Schema):
    batch = fields.Str()


class RecycleItem(Schema):
    batch = fields.Str()
    deleted_at = fields.AwareDateTime()
    deleted_by = fields.Int(allow_none=True)
    directories = fields.Int()
    resources = fields.Int()
    title = fields.Str()
    resource_class = fields.Str()


class RestoredOut(Schema):
    directories = fields.Int()
    resources = fields.Int()


class ResourceBase(BaseSchema):
    code = fields.Str(validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$",
                                               error="编码只能包含字母、数字、点、下划线和连字符，最长 64 个字符"))
    name = fields.Str(validate=validate.Length(min=1, max=300))
    description = fields.Str(validate=validate.Length(max=10_000))
    directory_id = _id
    owner_department_id = _id
    status = fields.Str(validate=validate.OneOf(list(STATUSES)))
    sharing = fields.Str(validate=validate.OneOf(list(SHARING)))
    update_cycle = fields.Str(validate=validate.OneOf(list(UPDATE_CYCLES)))
    contact_name = fields.Str(validate=validate.Length(max=64))
    contact_phone = fields.Str(validate=validate.Regexp(r"^[0-9+\- ]{0,32}$", error="电话号码格式不正确"))
    meta = fields.Dict(metadata={"description": "class-specific metadata, validated by the class's JSON Schema"})


class ResourceCreate(ResourceBase):
    code = fields.Str(required=True, validate=ResourceBase._declared_fields["code"].validate)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=300))
    directory_id = fields.Int(required=True, validate=validate.Range(min=1, max=2147483647))


class ResourceUpdate(ResourceBase):
    pass


class ResourceTagShown(Schema):
    tag_id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    value = fields.Str()
    masked = fields.Bool()
    state = fields.Str()


class ResourceOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    description = fields.Str()
    resource_class = fields.Str()
    directory_id = fields.Int()
    directory_path = fields.List(fields.Dict(), metadata={"description": "[{id, name}] from the root down"})
    owner_department_id = fields.Int()
    owner_department_name = fields.Str()
    status = fields.Str()
    sharing = fields.Str()
    update_cycle = fields.Str()
    contact_name = fields.Str()
    contact_phone = fields.Str()
    meta = fields.Dict()
    file = fields.Dict(allow_none=True)
    use_count = fields.Int()
    view_count = fields.Int()
    level = fields.Str(allow_none=True)
    tags = fields.List(fields.Nested(ResourceTagShown))
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ResourceSearchQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=200))
    directory_id = _id
    resource_class = fields.Str(validate=validate.OneOf(list(RESOURCE_CLASSES)))
    status = fields.Str(validate=validate.OneOf(list(STATUSES)))
    sharing = fields.Str(validate=validate.OneOf(list(SHARING)))
    department_id = _id
    tag_id = fields.List(fields.Int(validate=validate.Range(min=1, max=2147483647)), validate=validate.Length(max=5))
    sort = fields.Str(validate=validate.OneOf(SORTS))
    per_page = fields.Int(load_default=20, validate=validate.Range(min=1, max=200))
    facets = fields.Bool(load_default=True)


class ResourceFacet(Schema):
    value = fields.Raw()
    label = fields.Str()
    count = fields.Int()


class ResourceSearchOut(Schema):
    items = fields.List(fields.Nested(ResourceOut))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()
    facets = fields.Dict(keys=fields.Str(), values=fields.List(fields.Nested(ResourceFacet)))


class ResourceHistoryEntry(Schema):
    at = fields.AwareDateTime()
    actor = fields.Str()
    action = fields.Str()
    operation = fields.Str()
    changes = fields.Dict()


class CatalogGrantCreate(BaseSchema):
    directory_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)
    resource_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)
    department_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)
    role_code = fields.Str(validate=validate.Length(max=32), allow_none=True)
    level = fields.Str(required=True, validate=validate.OneOf(LEVELS))


class CatalogGrantQuery(BaseSchema):
    directory_id = _id
    resource_id = _id


class CatalogGrantOut(Schema):
    id = fields.Int()
    directory_id = fields.Int(allow_none=True)
    resource_id = fields.Int(allow_none=True)
    department_id = fields.Int(allow_none=True)
    role_code = fields.Str(allow_none=True)
    principal_name = fields.Str()
    level = fields.Str()
    inherited_from = fields.Str(allow_none=True)
    created_at = fields.AwareDateTime()


class StatCount(Schema):
    value = fields.Raw()
    label = fields.Str()
    count = fields.Int()


class DirectoryStatsOut(Schema):
    directory_id = fields.Int()
    name = fields.Str()
    total = fields.Int()
    by_class = fields.List(fields.Nested(StatCount))
    by_status = fields.List(fields.Nested(StatCount))
    by_owner = fields.List(fields.Nested(StatCount))
    by_month = fields.List(fields.Dict())
    most_used = fields.List(fields.Dict())


class ResourceClassOut(Schema):
    code = fields.Str()
    name = fields.Str()
    name_en = fields.Str()
    schema = fields.Dict()
    file_kind = fields.Str(allow_none=True)


class DirectoryExportArgs(BaseSchema):
    format = fields.Str(load_default="xlsx", validate=validate.OneOf(["xlsx", "json"]))


class ResourceImportOut(Schema):
    created = fields.Int()
    updated = fields.Int()
    directories = fields.Int()
