"""/api/v1 directories, resources, grants, the recycle bin, statistics, import and export."""
from __future__ import annotations

from flask import Response, current_app, request, send_file
from flask.views import MethodView

from tongguan import charts
from tongguan.api import Blueprint, current_actor, etag, if_match, with_etag
from tongguan.db import get_session
from tongguan.errors import Invalid
from tongguan.files.storage import open_file

from . import io, service, stats
from .classes import FILE_KINDS, SCHEMAS
from .models import RESOURCE_CLASSES, Directory, Resource
from .present import present
from .schemas import (
    RecycleBatchOut, ResourceClassOut, DirectoryExportArgs, DirectoryCreate, DirectoryDeleteArgs, DirectoryMove, DirectoryOut, DirectoryUpdate,
    CatalogGrantCreate, CatalogGrantOut, CatalogGrantQuery, ResourceHistoryEntry, ResourceImportOut, RecycleItem, ResourceCreate, ResourceOut,
    ResourceUpdate, RestoredOut, ResourceSearchOut, ResourceSearchQuery, DirectoryStatsOut, DirectoryTreeNode, DirectoryTreeQuery,
)
from .search import resource_search

blp = Blueprint("resources", __name__, url_prefix="/api/v1", description="Directories and resources (目录管理)")

ID = "<int(min=1, max=2147483647):{}>"


def _one(resource: Resource, status: int = 200):
    db = get_session()
    return present(db, current_actor(), [resource])[0], status, {"ETag": etag(resource)}


@blp.route("/resource-classes")
class Classes(MethodView):
    @blp.response(200, ResourceClassOut(many=True))
    def get(self):
        """The resource classes, each with the JSON Schema of its metadata."""
        return [{"code": c, "name": zh, "name_en": en, "schema": SCHEMAS[c], "file_kind": FILE_KINDS.get(c)}
                for c, (zh, en) in RESOURCE_CLASSES.items()]


@blp.route("/directories")
class Directories(MethodView):
    @blp.arguments(DirectoryTreeQuery, location="query")
    @blp.response(200, DirectoryTreeNode(many=True))
    def get(self, args):
        """The directory tree the caller may see, with visible resource counts."""
        return service.directory_tree(get_session(), current_actor(), **args)

    @blp.arguments(DirectoryCreate)
    @blp.response(201, DirectoryOut)
    def post(self, data):
        """Create a sub-directory (needs edit on the parent)."""
        db = get_session()
        d = service.directory_create(db, current_actor(), data)
        db.commit()
        return with_etag(d, 201)


@blp.route(f"/directories/{ID.format('directory_id')}")
class DirectoryItem(MethodView):
    @blp.response(200, DirectoryOut)
    def get(self, directory_id):
        """One directory; its ETag is needed to change, move or delete it."""
        return with_etag(service.directory_get(get_session(), current_actor(), directory_id))

    @if_match(Directory, "directory_id")
    @blp.arguments(DirectoryUpdate)
    @blp.response(200, DirectoryOut)
    def patch(self, data, directory_id, if_version):
        """Rename a directory or change its description."""
        db = get_session()
        d = service.directory_update(db, current_actor(), directory_id, data, if_version)
        db.commit()
        return with_etag(d)

    @if_match(Directory, "directory_id")
    @blp.arguments(DirectoryDeleteArgs, location="query")
    @blp.response(200, RecycleBatchOut)
    def delete(self, args, directory_id, if_version):
        """Move a directory to the recycle bin (with `recursive=true` when it is not empty)."""
        db = get_session()
        batch = service.directory_delete(db, current_actor(), directory_id, args["recursive"], if_version)
        db.commit()
        return {"batch": batch}


@blp.route(f"/directories/{ID.format('directory_id')}/move")
class DirectoryMoveView(MethodView):
    @if_match(Directory, "directory_id")
    @blp.arguments(DirectoryMove)
    @blp.response(200, DirectoryOut)
    def post(self, data, directory_id, if_version):
        """Move a directory under another (cycles refused) or reorder it among its siblings."""
        db = get_session()
        d = service.directory_move(db, current_actor(), directory_id, data["parent_id"], data.get("position"),
                                   if_version)
        db.commit()
        return with_etag(d)


@blp.route(f"/directories/{ID.format('directory_id')}/stats")
class DirectoryStats(MethodView):
    @blp.response(200, DirectoryStatsOut)
    def get(self, directory_id):
        """Recursive statistics: by class, status, owner, month added, and the most used."""
        return stats.directory_stats(get_session(), current_actor(), directory_id,
                                     tz=current_app.config["TIMEZONE"])


CHARTS = ("by_class", "by_status", "by_owner", "by_month", "most_used")


@blp.route(f"/directories/{ID.format('directory_id')}/stats/<any({', '.join(CHARTS)}):chart>.svg")
class DirectoryChart(MethodView):
    @blp.response(200, {"type": "string"}, content_type="image/svg+xml")
    def get(self, directory_id, chart):
        """One statistics chart as SVG (drawn on the server, in the CJK font)."""
        from flask_babel import gettext as _

        s = stats.directory_stats(get_session(), current_actor(), directory_id, tz=current_app.config["TIMEZONE"])
        if chart == "by_month":
            svg = charts.line(s["by_month"], "month", "count", title=_("每月新增"), y_title=_("资源数"),
                              width=760, height=200)
        elif chart == "most_used":
            svg = charts.bar([{"label": r["name"][:18], "count": r["use_count"]} for r in s["most_used"]],
                             "label", "count", title=_("使用最多"), x_title="", y_title=_("使用次数"))
        elif chart == "by_status":
            svg = charts.donut(s["by_status"], "label", "count", title=_("按状态"))
        else:
            title = {"by_class": _("按资源类别"), "by_owner": _("按所属部门")}[chart]
            svg = charts.bar(s[chart][:12], "label", "count", title=title, y_title=_("资源数"))
        return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=30"})


@blp.route(f"/directories/{ID.format('directory_id')}/export")
class DirectoryExport(MethodView):
    @blp.arguments(DirectoryExportArgs, location="query")
    @blp.response(200, {"type": "string", "format": "binary"},
                  content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    def get(self, args, directory_id):
        """Export a directory subtree (what the caller may see; tag values masked) as XLSX or JSON."""
        db = get_session()
        data, name = io.export_directory(db, current_actor(), directory_id, args["format"])
        mime = "application/json" if args["format"] == "json" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return send_file(data, mimetype=mime, as_attachment=True, download_name=name)


@blp.route(f"/directories/{ID.format('directory_id')}/import")
class DirectoryImport(MethodView):
    @blp.response(200, ResourceImportOut)
    def post(self, directory_id):
        """Import resources into a directory subtree from an XLSX or JSON file (multipart field
        `file`). All or nothing: one bad row imports nothing, and the answer lists every bad row."""
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("Send the file as multipart field `file`.", {"file": ["请选择要导入的文件"]})
        db = get_session()
        result = io.import_directory(db, current_actor(), directory_id, upload.stream, upload.filename or "")
        db.commit()
        return result


@blp.route("/resources")
class Resources(MethodView):
    @blp.arguments(ResourceSearchQuery, location="query")
    @blp.response(200, ResourceSearchOut)
    def get(self, args):
        """Search resources: Chinese substrings, facets, sort by relevance, recency or use."""
        db = get_session()
        actor = current_actor()
        result = resource_search(db, actor, **args)
        result.items = present(db, actor, result.items)
        return result

    @blp.arguments(ResourceCreate)
    @blp.response(201, ResourceOut)
    def post(self, data):
        """Catalogue a resource in a directory (needs edit there)."""
        db = get_session()
        r = service.resource_create(db, current_actor(), data)
        db.commit()
        return _one(r, 201)


@blp.route(f"/resources/{ID.format('resource_id')}")
class ResourceItem(MethodView):
    @blp.response(200, ResourceOut)
    def get(self, resource_id):
        """One resource (counts a view); its ETag is needed to change it."""
        db = get_session()
        actor = current_actor()
        service.resource_record_view(db, actor, resource_id)
        db.commit()
        return _one(service.resource_get(db, actor, resource_id))

    @if_match(Resource, "resource_id")
    @blp.arguments(ResourceUpdate)
    @blp.response(200, ResourceOut)
    def patch(self, data, resource_id, if_version):
        """Change a resource; a new `directory_id` moves it."""
        db = get_session()
        r = service.resource_update(db, current_actor(), resource_id, data, if_version)
        db.commit()
        return _one(r)

    @if_match(Resource, "resource_id")
    @blp.response(200, RecycleBatchOut)
    def delete(self, resource_id, if_version):
        """Move a resource to the recycle bin."""
        db = get_session()
        batch = service.resource_delete(db, current_actor(), resource_id, if_version)
        db.commit()
        return {"batch": batch}


@blp.route(f"/resources/{ID.format('resource_id')}/use")
class ResourceUse(MethodView):
    @blp.response(204)
    def post(self, resource_id):
        """Record a use of the resource (needs the use level)."""
        db = get_session()
        service.resource_record_use(db, current_actor(), resource_id)
        db.commit()


@blp.route(f"/resources/{ID.format('resource_id')}/history")
class ResourceHistory(MethodView):
    @blp.response(200, ResourceHistoryEntry(many=True))
    def get(self, resource_id):
        """Every change of the resource: who, when, and what changed."""
        return service.resource_history(get_session(), current_actor(), resource_id)


@blp.route(f"/resources/{ID.format('resource_id')}/file")
class ResourceFile(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="application/octet-stream")
    def get(self, resource_id):
        """Download the resource's file (needs the use level; counts as a use)."""
        db = get_session()
        r = service.resource_download(db, current_actor(), resource_id)
        db.commit()
        stored, path = open_file(db, r.file_id, storage_path=current_app.config["STORAGE_PATH"])
        return send_file(path, mimetype=stored.mime, as_attachment=True, download_name=stored.filename)

    @blp.response(200, ResourceOut)
    def post(self, resource_id):
        """Upload the file of a document, image, audio or video resource (multipart field `file`);
        the content is sniffed, not trusted from the name."""
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"]
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("Send the file as multipart field `file`.", {"file": ["请选择要上传的文件"]})
        db = get_session()
        r = service.resource_upload(db, current_actor(), resource_id, upload.stream, upload.filename or "",
                                    storage_path=current_app.config["STORAGE_PATH"])
        db.commit()
        return _one(r)


@blp.route("/recycle-bin")
class RecycleBin(MethodView):
    @blp.response(200, RecycleItem(many=True))
    def get(self):
        """Deleted batches (a catalog manager sees everyone's; others their own)."""
        return service.recycle_list(get_session(), current_actor())


@blp.route("/recycle-bin/<string(length=32):batch>")
class RecycleBatch(MethodView):
    @blp.response(200, RestoredOut)
    def delete(self, batch):
        """Delete a batch for good (catalog managers)."""
        db = get_session()
        out = service.recycle_purge(db, current_actor(), batch)
        db.commit()
        return out


@blp.route("/recycle-bin/<string(length=32):batch>/restore")
class RecycleRestore(MethodView):
    @blp.response(200, RestoredOut)
    def post(self, batch):
        """Restore everything one delete removed."""
        db = get_session()
        out = service.recycle_restore(db, current_actor(), batch)
        db.commit()
        return out


@blp.route("/catalog-grants")
class Grants(MethodView):
    @blp.arguments(CatalogGrantQuery, location="query")
    @blp.response(200, CatalogGrantOut(many=True))
    def get(self, args):
        """Grants on a directory (with the inherited ones) or a resource (needs manage there)."""
        if not args:
            raise Invalid("Name a directory or a resource.", {"directory_id": ["须指定目录或资源之一"]})
        return service.catalog_grant_list(get_session(), current_actor(), **args)

    @blp.arguments(CatalogGrantCreate)
    @blp.response(201, CatalogGrantOut)
    def post(self, data):
        """Grant view, use, edit or manage to a department or a role."""
        db = get_session()
        g = service.catalog_grant_create(db, current_actor(), data)
        db.commit()
        target = {"directory_id": g.directory_id} if g.directory_id else {"resource_id": g.resource_id}
        return next(x for x in service.catalog_grant_list(db, current_actor(), **target) if x["id"] == g.id), 201


@blp.route(f"/catalog-grants/{ID.format('grant_id')}")
class GrantItem(MethodView):
    @blp.response(204)
    def delete(self, grant_id):
        """Withdraw a grant."""
        db = get_session()
        service.catalog_grant_delete(db, current_actor(), grant_id)
        db.commit()
