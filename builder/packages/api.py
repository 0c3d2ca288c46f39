"""/api/v1/packages: sign and verify resource packages, the platform key, the trusted keys.

A package is sent as a multipart upload (field `file`) or as the raw body (application/zip)."""
from __future__ import annotations

import io
import re

from flask import request, send_file
from flask.views import MethodView

from tongguan.api import Blueprint, current_actor
from tongguan.db import get_session
from tongguan.errors import Invalid

from . import archive, service
from .schemas import (
    PublicKeyOut, SignArgs, TrustedKeyCreate, TrustedKeyOut, TrustedKeyPage, TrustedKeyQuery, VerifyArgs, VerifyOut,
)

blp = Blueprint("packages", __name__, url_prefix="/api/v1/packages",
                description="Signed resource packages (资源包签名与验签)")

ZIP = "application/zip"
PACKAGE_BODY = blp.doc(requestBody={"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "The package (a zip)"}}}},
    ZIP: {"schema": {"type": "string", "format": "binary"}},
}})
MULTIPART_SLACK = 64 * 1024  # boundaries and part headers around the file


def _package() -> bytes:
    """The uploaded package's bytes, read no further than the size limit (and a byte, so that the
    service can say it is too big)."""
    limit = archive.LIMITS.max_bytes
    request.max_content_length = limit + MULTIPART_SLACK
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("No package was uploaded.", {"file": ["请选择要上传的资源包 (no package uploaded)"]})
        return upload.stream.read(limit + 1)
    return request.get_data(cache=False)


def _download_name(data: bytes) -> str:
    """name-version.zip from the signed manifest, reduced to safe characters."""
    import json
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read(archive.MANIFEST))
    stem = re.sub(r"[^\w.-]+", "_", f"{manifest['name']}-{manifest['version']}").strip("._") or "package"
    return f"{stem[:100]}.zip"


@blp.route("/sign")
class Sign(MethodView):
    @PACKAGE_BODY
    @blp.arguments(SignArgs, location="query")
    @blp.response(200, content_type=ZIP, description="The signed package, as an attachment")
    def post(self, args):
        """Sign a package with the platform key: manifest.json's file list is computed from the zip.
        A zip without manifest.json needs kind, name and version."""
        signed = service.sign_package(get_session(), current_actor(), _package(), args)
        return send_file(io.BytesIO(signed), mimetype=ZIP, as_attachment=True, download_name=_download_name(signed),
                         max_age=0)


@blp.route("/verify")
class Verify(MethodView):
    @PACKAGE_BODY
    @blp.arguments(VerifyArgs, location="query")
    @blp.response(200, VerifyOut)
    def post(self, args):
        """Verify a package: safe paths, every file listed with its hash, a good signature by a
        trusted key. A refused package gets 422 listing every problem."""
        return service.verify_package(get_session(), current_actor(), _package(), args["allow_unsigned"])


@blp.route("/public-key")
class PublicKey(MethodView):
    @blp.response(200, PublicKeyOut)
    def get(self):
        """The platform's signing public key and its fingerprint (sha256 of the raw key)."""
        return service.package_public_key(get_session(), current_actor())


@blp.route("/trusted-keys")
class TrustedKeys(MethodView):
    @blp.arguments(TrustedKeyQuery, location="query")
    @blp.response(200, TrustedKeyPage)
    def get(self, args):
        """The trusted public keys (the platform's own key is always trusted besides these)."""
        return service.trusted_key_list(get_session(), current_actor(), **args)

    @blp.arguments(TrustedKeyCreate)
    @blp.response(201, TrustedKeyOut)
    def post(self, data):
        """Trust an Ed25519 public key (PEM or base64 of the raw 32 bytes)."""
        db = get_session()
        key = service.trusted_key_add(db, current_actor(), data)
        db.commit()
        return key


@blp.route("/trusted-keys/<int(min=1, max=2147483647):key_id>")
class TrustedKeyItem(MethodView):
    @blp.response(200, TrustedKeyOut)
    def delete(self, key_id):
        """Revoke a trusted key: packages it signed are refused from now on (final)."""
        db = get_session()
        key = service.trusted_key_revoke(db, current_actor(), key_id)
        db.commit()
        return key
