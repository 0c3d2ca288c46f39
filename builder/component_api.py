"""Component packages: POST /api/v1/components/packages registers one (builder.component_packages),
and /components/<code>/<version>/renderer/<path> serves a released version's renderer files to the
sandboxed iframes that show them.

The renderer files are the third party's code: they are served only for released (or maintained)
versions, by exact stored path, with a Content-Security-Policy that lets them load nothing but
their own files and reach no server (connect-src 'none'), and with `sandbox allow-scripts` in that
policy too, so even a renderer opened on its own (not in the page's iframe) runs in an opaque
origin and cannot act as the platform. They are public, like /static: an iframe without
allow-same-origin sends no session cookie, and released component code is no secret."""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import current_app, send_file
from flask.views import MethodView
from marshmallow import fields

from catalog.registry import packages as registry_packages
from catalog.registry.schemas import VersionOut
from tongguan.api import Blueprint, current_actor, with_etag
from tongguan.db import get_session
from tongguan.schemas import BaseSchema

from . import component_packages
from .packages.api import PACKAGE_BODY, _package

blp = Blueprint("component_packages", __name__, url_prefix="/api/v1",
                description="Third-party component packages (组件包)")
assets_blp = FlaskBlueprint("component_assets", __name__)

RENDERER_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "connect-src 'none'; frame-ancestors 'self'; sandbox allow-scripts")


class UploadArgs(BaseSchema):
    allow_unsigned = fields.Bool(load_default=False, metadata={
        "description": "accept an unsigned package (or one signed by an unknown key); honoured only where the "
                       "platform allows it (COMPONENT_PACKAGES_ALLOW_UNSIGNED)"})


@blp.route("/components/packages")
class Packages(MethodView):
    @PACKAGE_BODY
    @blp.arguments(UploadArgs, location="query")
    @blp.response(201, VersionOut)
    def post(self, args):
        """Register a component package (component.json, renderer/, manual, API document), signed by the
        platform key or a trusted key. A refused package gets 422 listing every problem; nothing is written."""
        db = get_session()
        allowed = bool(args["allow_unsigned"] and current_app.config.get("COMPONENT_PACKAGES_ALLOW_UNSIGNED"))
        version = component_packages.component_package_upload(
            db, current_actor(), _package(), storage_path=current_app.config["STORAGE_PATH"], allow_unsigned=allowed)
        db.commit()
        return with_etag(version, 201)


@assets_blp.route("/components/<string(maxlength=64):code>/<string(maxlength=64):version>/renderer/<path:path>")
def renderer_file(code: str, version: str, path: str):
    stored, disk = registry_packages.renderer_asset(get_session(), code, version, path,
                                                    storage_path=current_app.config["STORAGE_PATH"])
    response = send_file(disk, mimetype=stored.mime, etag=stored.sha256, max_age=300, conditional=True)
    response.headers["Content-Security-Policy"] = RENDERER_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
