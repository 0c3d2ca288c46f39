"""/api/v1/data-sources: parse, call the service, dump."""
from __future__ import annotations

from flask import current_app, jsonify, request
from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session
from tongguan.errors import Invalid

from . import service
from .models import DataSource
from .schemas import DataSourcePreviewQuery, DataSourceCreate, DataSourceOut, DataSourcePage, DataSourceQuery, DataSourceUpdate, DataSourceTable

blp = Blueprint("data_sources", __name__, url_prefix="/api/v1", description="Data sources (数据源)")
ID = "<int(min=1, max=2147483647):source_id>"


def policy() -> service.Policy:
    return service.Policy(sqlite_dirs=list(current_app.config["DATA_SOURCE_SQLITE_DIRS"]),
                          allowed_hosts=list(current_app.config["HTTP_SOURCE_ALLOWED_HOSTS"]))


@blp.route("/data-sources")
class Sources(MethodView):
    @blp.arguments(DataSourceQuery, location="query")
    @blp.response(200, DataSourcePage)
    def get(self, args):
        """List data sources."""
        return service.source_list(get_session(), current_actor(), **args)

    @blp.arguments(DataSourceCreate)
    @blp.response(201, DataSourceOut)
    def post(self, data):
        """Register a source; SQL and HTTP sources are tested before they are kept."""
        db = get_session()
        src = service.source_create(db, current_actor(), data, policy())
        db.commit()
        return with_etag(src, 201)


@blp.route(f"/data-sources/{ID}")
class SourceItem(MethodView):
    @blp.response(200, DataSourceOut)
    def get(self, source_id):
        """One source (never its password); the ETag is needed to change it."""
        return with_etag(service.source_get(get_session(), current_actor(), source_id))

    @if_match(DataSource, "source_id")
    @blp.arguments(DataSourceUpdate)
    @blp.response(200, DataSourceOut)
    def patch(self, data, source_id, if_version):
        """Change a source; a new URL or password is tested first."""
        db = get_session()
        src = service.source_update(db, current_actor(), source_id, data, policy(), if_version)
        db.commit()
        return with_etag(src)

    @if_match(DataSource, "source_id")
    @blp.response(204)
    def delete(self, source_id, if_version):
        """Delete a source."""
        db = get_session()
        service.source_delete(db, current_actor(), source_id, if_version)
        db.commit()


@blp.route(f"/data-sources/{ID}/test")
class SourceTest(MethodView):
    @blp.response(200, DataSourceOut)
    def post(self, source_id):
        """Test the connection (or fetch) again; the outcome is in `status` and `last_error`."""
        db = get_session()
        src = service.source_test(db, current_actor(), source_id, policy())
        db.commit()
        return with_etag(src)


@blp.route(f"/data-sources/{ID}/tables")
class SourceTables(MethodView):
    @blp.response(200, DataSourceTable(many=True))
    def get(self, source_id):
        """The tables and columns the source offers."""
        return service.source_tables(get_session(), current_actor(), source_id, policy())


@blp.route(f"/data-sources/{ID}/preview")
class SourcePreview(MethodView):
    @blp.arguments(DataSourcePreviewQuery, location="query")
    @blp.response(200, {"type": "array", "items": {"type": "object"}})
    def get(self, args, source_id):
        """The first rows of one table."""
        rows = service.source_preview(get_session(), current_actor(), source_id, args["table"], policy(),
                                      args["limit"])
        return jsonify([{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in r.items()} for r in rows])


@blp.route(f"/data-sources/{ID}/upload")
class SourceUpload(MethodView):
    @blp.response(200, DataSourceOut)
    def post(self, source_id):
        """Load a CSV, XLSX or JSON file (multipart field `file`) into a file source, replacing its rows.
        All or nothing: the answer to a bad file lists every bad row."""
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("Send the file as multipart field `file`.", {"file": ["请选择要上传的文件"]})
        db = get_session()
        src = service.source_upload(db, current_actor(), source_id, upload.read(), upload.filename or "")
        db.commit()
        return with_etag(src)
