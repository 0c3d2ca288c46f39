"""Request and response schemas for departments, users, roles and tokens."""
from __future__ import annotations

from marshmallow import fields, validate

from ..permissions import ROLE_PERMISSIONS, ROLES
from ..schemas import BaseSchema, PageArgs, page_of
from .models import DEPARTMENT_KINDS, DEPARTMENT_LEVELS

CODE = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", error="只能包含字母、数字、下划线、点和连字符 (letters, digits, _ . -)")
USERNAME = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{1,63}$", error="用户名需为 2-64 位字母、数字或 _ . @ - (2-64 letters, digits, _ . @ -)")


class DepartmentBase(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    level = fields.Str(required=True, validate=validate.OneOf(DEPARTMENT_LEVELS))
    kind = fields.Str(load_default="office", validate=validate.OneOf(DEPARTMENT_KINDS))
    parent_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    sort_order = fields.Int(strict=True, load_default=0, validate=validate.Range(min=-10_000, max=10_000))
    description = fields.Str(load_default="", validate=validate.Length(max=2000))


class DepartmentCreate(DepartmentBase):
    pass


class DepartmentUpdate(DepartmentBase):
    """PATCH body: used with partial=True, so absent fields stay as they are."""


class DepartmentOut(BaseSchema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    level = fields.Str()
    kind = fields.Str()
    parent_id = fields.Int(allow_none=True)
    sort_order = fields.Int()
    description = fields.Str()
    version = fields.Int()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class DepartmentQuery(PageArgs):
    parent_id = fields.Int(validate=validate.Range(min=0, max=2**31 - 1), metadata={"description": "0 for roots"})
    level = fields.Str(validate=validate.OneOf(DEPARTMENT_LEVELS))
    q = fields.Str(validate=validate.Length(max=100), metadata={"description": "substring of code or name"})


DepartmentPage = page_of(DepartmentOut, "DepartmentPage")


class RoleOut(BaseSchema):
    code = fields.Str()
    name = fields.Str()
    name_en = fields.Str()
    permissions = fields.List(fields.Str())


ROLE_CODE = validate.OneOf(list(ROLES))


class UserBase(BaseSchema):
    username = fields.Str(required=True, validate=USERNAME)
    display_name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    email = fields.Str(load_default="", validate=validate.Length(max=200))
    phone = fields.Str(load_default="", validate=validate.Length(max=32))
    department_id = fields.Int(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=2**31 - 1))
    roles = fields.List(fields.Str(validate=ROLE_CODE), load_default=list, validate=validate.Length(max=len(ROLES)))
    is_active = fields.Bool(load_default=True)
    locale = fields.Str(load_default="", validate=validate.OneOf(["", "zh_CN", "en"]))


class UserCreate(UserBase):
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=8, max=256))


class UserUpdate(UserBase):
    """PATCH body: used with partial=True, so absent fields stay as they are."""

    password = fields.Str(load_only=True, validate=validate.Length(min=8, max=256))


class UserOut(BaseSchema):
    id = fields.Int()
    username = fields.Str()
    display_name = fields.Str()
    email = fields.Str()
    phone = fields.Str()
    department_id = fields.Int(allow_none=True)
    roles = fields.Method("_roles")
    is_active = fields.Bool()
    locale = fields.Str()
    last_login_at = fields.DateTime(allow_none=True)
    version = fields.Int()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

    def _roles(self, user):
        return [r.code for r in user.roles]


class UserQuery(PageArgs):
    department_id = fields.Int(validate=validate.Range(min=1, max=2**31 - 1))
    role = fields.Str(validate=ROLE_CODE)
    q = fields.Str(validate=validate.Length(max=100))
    active = fields.Bool()


UserPage = page_of(UserOut, "UserPage")


class TokenCreate(BaseSchema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    expires_in_days = fields.Int(strict=True, allow_none=True, load_default=None, validate=validate.Range(min=1, max=3650))


class TokenOut(BaseSchema):
    id = fields.Int()
    user_id = fields.Int()
    name = fields.Str()
    prefix = fields.Str()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)


class TokenCreated(TokenOut):
    token = fields.Str(attribute="secret", metadata={"description": "the secret; shown once, never stored"})


class TokenQuery(PageArgs):
    user_id = fields.Int(validate=validate.Range(min=1, max=2**31 - 1))
    include_revoked = fields.Bool(load_default=False)


TokenPage = page_of(TokenOut, "TokenPage")


class MeOut(UserOut):
    permissions = fields.Method("_permissions")

    def _permissions(self, user):
        return sorted(set().union(*(ROLE_PERMISSIONS.get(r.code, ()) for r in user.roles)))
