"""Marshmallow schemas of the matter catalog, domain catalogs and mappings."""
from __future__ import annotations

import datetime as dt

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from tongguan.schemas import BaseSchema, PageArgs, page_of

from .models import LEVELS, TIERS, TIME_UNITS, city_today

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$",
                       error="只能包含字母、数字、下划线、点和连字符，最长 64 位 (letters, digits, _ . -)")
ID = validate.Range(min=1, max=2**31 - 1)
DATE_RANGE = validate.Range(min=dt.date(1900, 1, 1), max=dt.date(9998, 12, 31),
                            error="日期须在 1900 至 9998 年之间 (a date between 1900 and 9998)")


def _date(**kwargs):
    return fields.Date(validate=DATE_RANGE, **kwargs)


# --- matters ------------------------------------------------------------------------------------


class RuleIn(BaseSchema):
    area_department_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=ID,
                                    metadata={"description": "a district or street department; null = the whole city"})
    department_id = fields.Int(strict=True, required=True, validate=ID)
    time_limit = fields.Int(strict=True, required=True, validate=validate.Range(min=1, max=10_000))
    time_unit = fields.Str(required=True, validate=validate.OneOf(TIME_UNITS))
    legal_basis = fields.Str(load_default="", validate=validate.Length(max=4000))


class MatterCreate(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    tier = fields.Str(required=True, validate=validate.OneOf(TIERS))
    parent_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=ID)
    level = fields.Str(load_default="city", validate=validate.OneOf(LEVELS))
    description = fields.Str(load_default="", validate=validate.Length(max=4000))
    sort_order = fields.Int(strict=True, load_default=0, validate=validate.Range(min=-10_000, max=10_000))
    effective_from = _date(load_default=None, allow_none=True, metadata={"description": "default today"})
    rules = fields.List(fields.Nested(RuleIn), load_default=list, validate=validate.Length(max=500))
    note = fields.Str(load_default="", validate=validate.Length(max=2000))


class MatterUpdate(BaseSchema):
    """PATCH body: the code, tier, parent and dates change only through split and retire."""

    name = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str(validate=validate.Length(max=4000))
    sort_order = fields.Int(strict=True, validate=validate.Range(min=-10_000, max=10_000))
    level = fields.Str(validate=validate.OneOf(LEVELS))


class MatterOut(BaseSchema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    tier = fields.Str()
    parent_id = fields.Int(allow_none=True)
    level = fields.Str()
    description = fields.Str()
    sort_order = fields.Int()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    status = fields.Method("_status", metadata={"description": "active, pending, retiring or retired"})
    split_from = fields.Method("_split_from")
    path = fields.Method("_path", metadata={"description": "the names from the 大类 down to this matter"})
    version = fields.Int()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _status(self, m):
        from .service import status_of

        return status_of(m)

    def _split_from(self, m):
        return {"id": m.split_from.id, "code": m.split_from.code, "name": m.split_from.name} if m.split_from else None

    def _path(self, m):
        names, node = [], m
        for _ in range(5):
            if node is None:
                break
            names.insert(0, node.name)
            node = node.parent
        return names


class MatterQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100), metadata={"description": "substring of code or name"})
    tier = fields.Str(validate=validate.OneOf(TIERS))
    parent_id = fields.Int(validate=validate.Range(min=0, max=2**31 - 1), metadata={"description": "0 for the 大类"})
    level = fields.Str(validate=validate.OneOf(LEVELS))
    include_retired = fields.Bool(load_default=False)


MatterPage = page_of(MatterOut, "MatterPage")


class TreeQuery(BaseSchema):
    include_retired = fields.Bool(load_default=False)


class MatterNode(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    tier = fields.Str()
    level = fields.Str()
    status = fields.Str()
    parent_id = fields.Int(allow_none=True)
    children = fields.List(fields.Nested(lambda: MatterNode()))


class RulesQuery(BaseSchema):
    on = _date(metadata={"description": "the day asked about; default today"})
    history = fields.Bool(load_default=False, metadata={"description": "every rule ever recorded"})


class RuleOut(BaseSchema):
    id = fields.Int()
    matter_id = fields.Int()
    area_department_id = fields.Int(allow_none=True)
    area_name = fields.Function(lambda r: r.area.name if r.area else "全市")
    area_level = fields.Function(lambda r: r.area.level if r.area else "city")
    department_id = fields.Int()
    department_name = fields.Function(lambda r: r.department.name)
    time_limit = fields.Int()
    time_unit = fields.Str()
    legal_basis = fields.Str()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    in_force = fields.Function(lambda r: r.in_force(city_today()))


class ChangeOut(BaseSchema):
    id = fields.Int()
    matter_id = fields.Int()
    kind = fields.Str(metadata={"description": "add, split, retire, change or update"})
    effective_on = fields.Date()
    details = fields.Dict()
    note = fields.Str()
    actor_name = fields.Str()
    created_at = fields.DateTime()


class ChangeIn(BaseSchema):
    effective_from = _date(required=True)
    area_department_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=ID)
    department_id = fields.Int(strict=True, allow_none=True, validate=ID)
    time_limit = fields.Int(strict=True, allow_none=True, validate=validate.Range(min=1, max=10_000))
    time_unit = fields.Str(allow_none=True, validate=validate.OneOf(TIME_UNITS))
    legal_basis = fields.Str(allow_none=True, validate=validate.Length(max=4000))
    inherit = fields.Bool(load_default=False, metadata={"description": "end the area's own rule: its parent's applies"})
    note = fields.Str(load_default="", validate=validate.Length(max=2000))


class RetireIn(BaseSchema):
    effective_from = _date(required=True)
    note = fields.Str(load_default="", validate=validate.Length(max=2000))


class SplitPart(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    description = fields.Str(load_default="", validate=validate.Length(max=4000))
    rules = fields.List(fields.Nested(RuleIn), allow_none=True, load_default=None, validate=validate.Length(max=500),
                        metadata={"description": "default: a copy of the rules in force that day"})


class SplitIn(BaseSchema):
    effective_from = _date(required=True)
    parts = fields.List(fields.Nested(SplitPart), required=True, validate=validate.Length(min=1, max=50))
    note = fields.Str(load_default="", validate=validate.Length(max=2000))


class SplitOut(Schema):
    matter = fields.Nested(MatterOut)
    parts = fields.List(fields.Nested(MatterOut))


class ResponsibilityQuery(BaseSchema):
    area = fields.Int(validate=ID, metadata={"description": "a department id; none = the whole city"})
    on = _date(metadata={"description": "default today"})


class ResponsibilityOut(Schema):
    matter = fields.Str()
    name = fields.Str()
    department_id = fields.Int()
    department_name = fields.Str()
    time_limit = fields.Int()
    time_unit = fields.Str()
    legal_basis = fields.Str()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    area_department_id = fields.Int(allow_none=True, metadata={"description": "the area whose rule applied"})


class FileIn(Schema):
    file = Upload(required=True, metadata={"description": "an .xlsx workbook"})


class ExportQuery(BaseSchema):
    include_retired = fields.Bool(load_default=True)


class MatterImportOut(Schema):
    created = fields.Int()
    updated = fields.Int()
    rules_changed = fields.Int()
    retired = fields.Int()


# --- domain catalogs -------------------------------------------------------------------------------


class DomainCatalogBase(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    owner_department_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=ID)
    description = fields.Str(load_default="", validate=validate.Length(max=4000))


class DomainCatalogCreate(DomainCatalogBase):
    pass


class DomainCatalogUpdate(DomainCatalogBase):
    """PATCH body: used with partial=True."""


class DomainCatalogOut(BaseSchema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    owner_department_id = fields.Int(allow_none=True)
    owner_name = fields.Function(lambda c: c.owner.name if c.owner else "")
    description = fields.Str()
    version = fields.Int()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class DomainCatalogQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))


DomainCatalogPage = page_of(DomainCatalogOut, "DomainCatalogPage")


class DomainItemBase(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    category = fields.Str(load_default="", validate=validate.Length(max=200))
    description = fields.Str(load_default="", validate=validate.Length(max=4000))


class DomainItemCreate(DomainItemBase):
    matter_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=ID)


class DomainItemUpdate(DomainItemBase):
    """PATCH body: used with partial=True; the mapping changes through /mapping."""


class MatterRef(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    effective_to = fields.Date(allow_none=True)


class DomainItemOut(BaseSchema):
    id = fields.Int()
    catalog_id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    category = fields.Str()
    description = fields.Str()
    matter_id = fields.Int(allow_none=True)
    matter = fields.Nested(MatterRef, allow_none=True)
    mapping_state = fields.Method("_state", metadata={"description": "mapped, unmapped or stale (retired matter)"})
    mapped_at = fields.DateTime(allow_none=True)
    version = fields.Int()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _state(self, item):
        from .service import mapping_state

        return mapping_state(item)


class DomainItemQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))
    unmapped_only = fields.Bool(load_default=False)
    matter_id = fields.Int(validate=ID)


DomainItemPage = page_of(DomainItemOut, "DomainItemPage")


class MappingIn(BaseSchema):
    matter_id = fields.Int(strict=True, validate=ID)
    matter_code = fields.Str(validate=CODE)


class ItemImportOut(Schema):
    created = fields.Int()
    updated = fields.Int()
    mapped = fields.Int()
