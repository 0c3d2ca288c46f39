"""Marshmallow schemas of signed packages and trusted keys."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import BaseSchema, PageArgs, page_of


class TrustedKeyCreate(BaseSchema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    public_key = fields.Str(required=True, validate=validate.Length(min=1, max=2000),
                            metadata={"description": "PEM (SubjectPublicKeyInfo) or base64 of the raw 32-byte key"})
    note = fields.Str(validate=validate.Length(max=2000))


class TrustedKeyQuery(PageArgs):
    include_revoked = fields.Bool(load_default=False)


class TrustedKeyOut(Schema):
    id = fields.Int()
    name = fields.Str()
    public_key = fields.Str(metadata={"description": "base64 of the raw 32-byte Ed25519 key"})
    fingerprint = fields.Str(metadata={"description": "sha256 of the raw key, hex"})
    note = fields.Str()
    created_by = fields.Int(allow_none=True)
    created_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)


TrustedKeyPage = page_of(TrustedKeyOut, "TrustedKeyPage")


class PublicKeyOut(Schema):
    algorithm = fields.Str()
    fingerprint = fields.Str()
    public_key = fields.Str(metadata={"description": "base64 of the raw 32-byte Ed25519 key"})
    public_key_pem = fields.Str()


class SignArgs(BaseSchema):
    kind = fields.Str(validate=validate.Length(min=1, max=64),
                      metadata={"description": "The manifest's kind, when the zip has no manifest.json yet"})
    name = fields.Str(validate=validate.Length(min=1, max=200))
    version = fields.Str(validate=validate.Length(min=1, max=64))


class VerifyArgs(BaseSchema):
    allow_unsigned = fields.Bool(load_default=False,
                                 metadata={"description": "Accept a package without a (trusted) signature"})


class VerifyOut(Schema):
    manifest = fields.Dict(metadata={"description": "manifest.json as signed"})
    signed_by = fields.Str(allow_none=True, metadata={"description": "The signing key's fingerprint"})
    key_name = fields.Str(allow_none=True)
    trusted = fields.Bool()
    files = fields.Int(metadata={"description": "How many files the package holds"})
