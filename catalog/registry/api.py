"""/api/v1 for the component registry: parse, call the service, dump.

Components and versions are addressed by code and semantic version (`/components/chart.bar/
versions/1.0.0`), the way pages refer to them; their ETags are the usual `"<table>-<id>-v<n>"`."""
from __future__ import annotations

import re

from flask import current_app, request, send_file
from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, with_etag
from tongguan.db import get_session
from tongguan.errors import Invalid, PreconditionFailed, PreconditionRequired

from . import service
from .schemas import (
    CategoryOut, ComponentCreate, ComponentOut, ComponentPage, ComponentQuery, ComponentUpdate, PlaceableOut,
    PreviewOut, PreviewQuery, VersionCreate, VersionMove, VersionOut,
)

blp = Blueprint("registry", __name__, url_prefix="/api/v1", description="The component registry (组件管理)")

_ETAG = re.compile(r'^(?:W/)?"([a-z_]+)-(\d+)-v(\d+)"$')
PROBLEM_REF = {"$ref": "#/components/responses/Problem"}


def _if_match(obj, *, required: bool) -> int | None:
    """The version named by If-Match for `obj` (a 412 when it names another document)."""
    header = request.headers.get("If-Match")
    if not header:
        if required:
            raise PreconditionRequired("Send the document's ETag in If-Match to change it (GET it first).")
        return None
    match = _ETAG.match(header.strip())
    if not match or match.group(1) != obj.__tablename__ or int(match.group(2)) != obj.id:
        raise PreconditionFailed("If-Match does not name a version of this document.")
    return int(match.group(3))


def if_match_doc(required: bool):
    return blp.doc(
        parameters=[{"in": "header", "name": "If-Match", "required": required, "schema": {"type": "string"},
                     "description": "The ETag from the last GET; a stale one gets 412"
                                    + ("" if required else " (optional)")}],
        responses={"412": PROBLEM_REF, "428": PROBLEM_REF} if required else {"412": PROBLEM_REF},
    )


UPLOAD_DOC = blp.doc(
    requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary",
                                "description": "PDF, Word, Excel, PowerPoint or plain text"}}}}}},
)
DOWNLOAD_DOC = blp.doc(responses={"200": {"description": "The file, as an attachment", "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})


@blp.route("/component-categories")
class Categories(MethodView):
    @blp.response(200, CategoryOut(many=True))
    def get(self):
        """The component categories, in display order."""
        return service.component_categories(get_session(), current_actor())


@blp.route("/components")
class Components(MethodView):
    @blp.arguments(ComponentQuery, location="query")
    @blp.response(200, ComponentPage)
    def get(self, args):
        """List components (built-in and third-party) with their versions."""
        return service.component_list(get_session(), current_actor(), **args)

    @blp.arguments(ComponentCreate)
    @blp.response(201, ComponentOut)
    def post(self, data):
        """Register a third-party component with its first version (state: analysis)."""
        db = get_session()
        component = service.component_create(db, current_actor(), data)
        db.commit()
        return with_etag(component, 201)


@blp.route("/components/<code>")
class ComponentItem(MethodView):
    @blp.response(200, ComponentOut)
    def get(self, code):
        """One component with its versions (oldest first, by semver precedence)."""
        return with_etag(service.component_get(get_session(), current_actor(), code))

    @if_match_doc(required=True)
    @blp.arguments(ComponentUpdate(partial=True))
    @blp.response(200, ComponentOut)
    def patch(self, data, code):
        """Change a third-party component's name, category, description or vendor."""
        db = get_session()
        actor = current_actor()
        if_version = _if_match(service.component_get(db, actor, code), required=True)
        component = service.component_update(db, actor, code, data, if_version)
        db.commit()
        return with_etag(component)


@blp.route("/components/<code>/versions")
class Versions(MethodView):
    @blp.response(200, VersionOut(many=True))
    def get(self, code):
        """A component's versions, oldest first by semver precedence (1.9.0 before 1.10.0)."""
        return service.component_version_list(get_session(), current_actor(), code)

    @blp.arguments(VersionCreate)
    @blp.response(201, VersionOut)
    def post(self, data, code):
        """Add a version (state: analysis); it coexists with the others."""
        db = get_session()
        version = service.component_version_create(db, current_actor(), code, data)
        db.commit()
        return with_etag(version, 201)


@blp.route("/components/<code>/versions/<version>")
class VersionItem(MethodView):
    @blp.response(200, VersionOut)
    def get(self, code, version):
        """One version, whatever its state."""
        return with_etag(service.component_version_get(get_session(), current_actor(), code, version))


@blp.route("/components/<code>/versions/<version>/move")
class VersionMoveView(MethodView):
    @if_match_doc(required=False)
    @blp.arguments(VersionMove)
    @blp.response(200, VersionOut)
    def post(self, data, code, version):
        """Move a version along its lifecycle: one step forward, or back from testing to development.
        Retired is final; releasing a third-party version needs its manual and API document."""
        db = get_session()
        actor = current_actor()
        if_version = _if_match(service.component_version_get(db, actor, code, version), required=False)
        moved = service.component_version_move(db, actor, code, version, data["state"], if_version)
        db.commit()
        return with_etag(moved)


@blp.route("/components/<code>/versions/<version>/placeable")
class Placeable(MethodView):
    @blp.response(200, PlaceableOut)
    def get(self, code, version):
        """Whether a new page may use this version (released or maintenance), and if not, why."""
        db = get_session()
        actor = current_actor()
        found = service.component_resolve(db, actor, code, version)
        try:
            service.component_check_placeable(db, actor, code, version)
            message = ""
        except Invalid as exc:
            message = exc.detail
        return {"code": code, "version": version, "state": found.state, "placeable": not message,
                "message": message}


@blp.route("/components/<code>/versions/<version>/preview")
class Preview(MethodView):
    @blp.arguments(PreviewQuery, location="query")
    @blp.response(200, PreviewOut)
    def get(self, args, code, version):
        """A chart type's Vega-Lite spec over built-in sample rows (组件预览), for vega-embed.
        Only built-in chart types have one; other types get 404."""
        return service.component_version_preview(get_session(), current_actor(), code, version, theme=args["theme"])


def _upload(code: str, version: str, which: str):
    request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]
    db = get_session()
    actor = current_actor()
    if_version = _if_match(service.component_version_get(db, actor, code, version), required=False)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid("No file was uploaded.", {which: ["请选择要上传的文件 (no file uploaded)"]})
    found = service.component_version_attach(db, actor, code, version, which, upload.stream, upload.filename,
                                             storage_path=current_app.config["STORAGE_PATH"], if_version=if_version)
    db.commit()
    return with_etag(found)


def _download(code: str, version: str, which: str):
    stored, path = service.component_version_file(get_session(), current_actor(), code, version, which,
                                                  storage_path=current_app.config["STORAGE_PATH"])
    return send_file(path, mimetype=stored.mime, as_attachment=True, download_name=stored.filename,
                     etag=stored.sha256, max_age=0)


@blp.route("/components/<code>/versions/<version>/manual")
class Manual(MethodView):
    @DOWNLOAD_DOC
    @blp.response(200)
    def get(self, code, version):
        """Download the version's component manual (组件手册)."""
        return _download(code, version, "manual")

    @UPLOAD_DOC
    @if_match_doc(required=False)
    @blp.response(200, VersionOut)
    def post(self, code, version):
        """Upload (or replace) the version's component manual; the content is sniffed, not the name."""
        return _upload(code, version, "manual")


@blp.route("/components/<code>/versions/<version>/api-doc")
class ApiDoc(MethodView):
    @DOWNLOAD_DOC
    @blp.response(200)
    def get(self, code, version):
        """Download the version's API document (接口文档)."""
        return _download(code, version, "api_doc")

    @UPLOAD_DOC
    @if_match_doc(required=False)
    @blp.response(200, VersionOut)
    def post(self, code, version):
        """Upload (or replace) the version's API document; the content is sniffed, not the name."""
        return _upload(code, version, "api_doc")

