"""Marshmallow schemas of environments and deployments."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

ID = validate.Range(min=1, max=2147483647)
URL = validate.Length(min=1, max=500)
TOKEN = validate.Length(max=500)


class EnvironmentCreate(BaseSchema):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    url = fields.Str(required=True, validate=URL, metadata={"description": "http(s)://host[:port][/prefix]"})
    token = fields.Str(required=True, validate=TOKEN, load_only=True,
                       metadata={"description": "An API token of a user with app.manage there; never shown again"})
    note = fields.Str(validate=validate.Length(max=2000))


class EnvironmentUpdate(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    url = fields.Str(validate=URL)
    token = fields.Str(validate=TOKEN, load_only=True, metadata={"description": "A new token (empty: keep the old)"})
    note = fields.Str(validate=validate.Length(max=2000))


class EnvironmentQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))


class EnvironmentOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    url = fields.Str()
    has_token = fields.Function(lambda env: bool(env.secret))
    note = fields.Str()
    created_by = fields.Int(allow_none=True)
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


EnvironmentPage = page_of(EnvironmentOut, "EnvironmentPage")


class EnvironmentCheck(Schema):
    ok = fields.Bool()
    reachable = fields.Bool()
    ready = fields.Bool()
    revision = fields.Str(allow_none=True, metadata={"description": "The environment's schema revision"})
    user = fields.Str(allow_none=True, metadata={"description": "Whose token it is"})
    can_deploy = fields.Bool()
    trusts_us = fields.Bool(allow_none=True, metadata={"description": "It trusts this platform's signing key"})
    problems = fields.List(fields.Str())


class DeployRequest(BaseSchema):
    app_id = fields.Int(required=True, validate=ID)
    number = fields.Int(required=True, validate=ID, metadata={"description": "The release to deploy"})
    environment_ids = fields.List(fields.Int(validate=ID), required=True, validate=validate.Length(min=1, max=50))


class DeploymentOut(Schema):
    id = fields.Int()
    environment_id = fields.Int()
    app_id = fields.Int()
    app_code = fields.Str()
    release_number = fields.Int()
    package_sha256 = fields.Str()
    state = fields.Str(metadata={"description": "pending, succeeded or failed"})
    message = fields.Str()
    remote_app_id = fields.Int(allow_none=True)
    remote_release = fields.Int(allow_none=True)
    rolled_back_from = fields.Int(allow_none=True)
    created_by = fields.Int(allow_none=True)
    created_by_name = fields.Str()
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)


DeploymentPage = page_of(DeploymentOut, "DeploymentPage")
