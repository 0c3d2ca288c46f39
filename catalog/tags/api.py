"""/api/v1 for tags, masking, grants and feedback: parse, call the service, dump."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session
from tongguan.schemas import PageArgs

from . import export as exporter
from . import service
from .models import Tag
from .schemas import (
    CommentCreate, CommentOut, CommentPage, ExportQuery, FavouritePage, GrantApply, GrantDecide, GrantOut, GrantPage,
    GrantQuery, GrantRevoke, RevisionOut, SubjectCreate, SubjectOut, SubjectUpdate, SubjectValuesQuery,
    TagCreate, TagDetailOut, TagNewVersion, TagPage, TagQuery, TagUpdate, TagValuesQuery, TypeCreate, TypeOut,
    TypeQuery, TypeUpdate, ValueClearQuery, ValueOut, ValuePage, ValueSet, ValueSetOut,
)

blp = Blueprint("tags", __name__, url_prefix="/api/v1", description="Tags, masking, grants and feedback (标签管理)")

TAG = "/tags/<int(min=1, max=2147483647):tag_id>"


# --- subjects and types ---------------------------------------------------------------------


@blp.route("/tag-subjects")
class Subjects(MethodView):
    @blp.response(200, SubjectOut(many=True))
    def get(self):
        """Tag subjects (诉求人, 企业 ..., and the built-in `resource`), with tag counts."""
        return service.tag_subject_list(get_session(), current_actor())

    @blp.arguments(SubjectCreate)
    @blp.response(201, SubjectOut)
    def post(self, data):
        """Create a subject."""
        db = get_session()
        subject = service.tag_subject_create(db, current_actor(), data)
        db.commit()
        subject.tag_count = 0
        return subject


@blp.route("/tag-subjects/<string(maxlength=32):code>")
class SubjectItem(MethodView):
    @blp.arguments(SubjectUpdate(partial=True))
    @blp.response(200, SubjectOut)
    def patch(self, data, code):
        """Rename or describe a subject."""
        db = get_session()
        subject = service.tag_subject_update(db, current_actor(), code, data)
        db.commit()
        subject.tag_count = None
        return subject


@blp.route("/tag-types")
class Types(MethodView):
    @blp.arguments(TypeQuery, location="query")
    @blp.response(200, TypeOut(many=True))
    def get(self, args):
        """Tag types, grouped by business topic."""
        return service.tag_type_list(get_session(), current_actor(), **args)

    @blp.arguments(TypeCreate)
    @blp.response(201, TypeOut)
    def post(self, data):
        """Create a tag type."""
        db = get_session()
        tag_type = service.tag_type_create(db, current_actor(), data)
        db.commit()
        tag_type.tag_count = 0
        return tag_type


@blp.route("/tag-types/<int(min=1, max=2147483647):type_id>")
class TypeItem(MethodView):
    @blp.arguments(TypeUpdate(partial=True))
    @blp.response(200, TypeOut)
    def patch(self, data, type_id):
        """Change a tag type."""
        db = get_session()
        tag_type = service.tag_type_update(db, current_actor(), type_id, data)
        db.commit()
        tag_type.tag_count = None
        return tag_type


# --- tags -------------------------------------------------------------------------------------


@blp.route("/tags")
class Tags(MethodView):
    @blp.arguments(TagQuery, location="query")
    @blp.response(200, TagPage)
    def get(self, args):
        """Search tags; by default ranked by score (see docs/tags.md)."""
        return service.tag_list(get_session(), current_actor(), **args)

    @blp.arguments(TagCreate)
    @blp.response(201, TagDetailOut)
    def post(self, data):
        """Create a draft tag."""
        db = get_session()
        tag = service.tag_create(db, current_actor(), data)
        db.commit()
        return with_etag(tag, 201)


@blp.route(TAG)
class TagItem(MethodView):
    @blp.response(200, TagDetailOut)
    def get(self, tag_id):
        """One tag (counts one view); its ETag is needed to change it."""
        db = get_session()
        tag = service.tag_view(db, current_actor(), tag_id)
        db.commit()
        return with_etag(tag)

    @if_match(Tag, "tag_id")
    @blp.arguments(TagUpdate(partial=True))
    @blp.response(200, TagDetailOut)
    def patch(self, data, tag_id, if_version):
        """Change a draft (a published tag needs a new version: POST .../versions)."""
        db = get_session()
        tag = service.tag_update(db, current_actor(), tag_id, data, if_version)
        db.commit()
        return with_etag(tag)

    @if_match(Tag, "tag_id")
    @blp.response(204)
    def delete(self, tag_id, if_version):
        """Delete a draft."""
        db = get_session()
        service.tag_delete(db, current_actor(), tag_id, if_version)
        db.commit()


def _state_view(fn_name: str, doc: str):
    class StateView(MethodView):
        @if_match(Tag, "tag_id")
        @blp.response(200, TagDetailOut)
        def post(self, tag_id, if_version):
            db = get_session()
            tag = getattr(service, fn_name)(db, current_actor(), tag_id, if_version)
            db.commit()
            return with_etag(tag)

    StateView.post.__doc__ = doc
    StateView.__name__ = f"Tag{fn_name.title().replace('_', '')}"
    return StateView


blp.route(f"{TAG}/publish")(_state_view("tag_publish", "Publish a draft (it becomes revision 1)."))
blp.route(f"{TAG}/deprecate")(_state_view("tag_deprecate", "Deprecate a published tag (values keep working, with a warning)."))


@blp.route(f"{TAG}/versions")
class TagVersions(MethodView):
    @blp.response(200, RevisionOut(many=True))
    def get(self, tag_id):
        """The published revisions of a tag (definition snapshots), newest first."""
        return service.tag_revision_list(get_session(), current_actor(), tag_id)

    @if_match(Tag, "tag_id")
    @blp.arguments(TagNewVersion(partial=True))
    @blp.response(201, TagDetailOut)
    def post(self, data, tag_id, if_version):
        """Change a published tag by creating its next revision."""
        db = get_session()
        tag = service.tag_new_version(db, current_actor(), tag_id, data, if_version)
        db.commit()
        return with_etag(tag, 201)


# --- values -----------------------------------------------------------------------------------


@blp.route(f"{TAG}/values")
class TagValues(MethodView):
    @blp.arguments(TagValuesQuery, location="query")
    @blp.response(200, ValuePage)
    def get(self, args, tag_id):
        """The subjects having this tag, values masked unless your department owns it or holds a grant."""
        return service.tag_values_list(get_session(), current_actor(), tag_id, **args)


@blp.route(f"{TAG}/values/export")
class TagValuesExport(MethodView):
    @blp.arguments(ExportQuery, location="query")
    @blp.response(200, description="A CSV or XLSX file, masked like the list")
    def get(self, args, tag_id):
        """Export this tag's values (masked the same way as the list)."""
        result = service.tag_values_export(get_session(), current_actor(), tag_id)
        content, mimetype, filename = exporter.render(result, args["format"])
        return Response(content, mimetype=mimetype, headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "X-Tongguan-Masked": "1" if result.masked else "0"})


@blp.route("/tag-values")
class Values(MethodView):
    @blp.arguments(SubjectValuesQuery, location="query")
    @blp.response(200, ValueOut(many=True))
    def get(self, args):
        """Every tag value of one subject (?subject=complainant&key=P0001), masked unless granted."""
        return service.subject_values(get_session(), current_actor(), args["subject"], args["key"])

    @blp.arguments(ValueSet)
    @blp.response(200, ValueSetOut)
    def put(self, data):
        """Set (create or replace) a subject's value of a tag; `warnings` lists e.g. a deprecated tag."""
        db, actor = get_session(), current_actor()
        row, warnings = service.set_value(db, actor, data["tag_id"], data["subject"], data["key"], data["value"])
        db.commit()
        tag = db.get(Tag, row.tag_id)
        clear = tag.id in service.clear_tag_ids(db, actor, [tag.id])
        return {"value": service.value_view(tag, row, clear), "warnings": warnings}

    @blp.arguments(ValueClearQuery, location="query")
    @blp.response(204)
    def delete(self, args):
        """Remove a subject's value of a tag (?tag_id=&subject=&key=)."""
        db = get_session()
        service.clear_value(db, current_actor(), args["tag_id"], args["subject"], args["key"])
        db.commit()


# --- grants -----------------------------------------------------------------------------------


@blp.route(f"{TAG}/grants")
class TagGrants(MethodView):
    @blp.arguments(GrantQuery, location="query")
    @blp.response(200, GrantPage)
    def get(self, args, tag_id):
        """Applications and grants of this tag."""
        args["tag_id"] = tag_id
        return service.grant_list(get_session(), current_actor(), **args)

    @blp.arguments(GrantApply)
    @blp.response(201, GrantOut)
    def post(self, data, tag_id):
        """Apply for this tag for your department (409 while one is pending)."""
        db = get_session()
        grant = service.grant_apply(db, current_actor(), tag_id, data)
        db.commit()
        return grant


@blp.route("/tag-grants")
class Grants(MethodView):
    @blp.arguments(GrantQuery, location="query")
    @blp.response(200, GrantPage)
    def get(self, args):
        """Applications and grants of every tag (?status=pending is the approver's queue)."""
        return service.grant_list(get_session(), current_actor(), **args)


@blp.route("/tag-grants/<int(min=1, max=2147483647):grant_id>/decision")
class GrantDecision(MethodView):
    @blp.arguments(GrantDecide)
    @blp.response(200, GrantOut)
    def post(self, data, grant_id):
        """Grant or refuse a pending application."""
        db = get_session()
        grant = service.grant_decide(db, current_actor(), grant_id, data)
        db.commit()
        return grant


@blp.route("/tag-grants/<int(min=1, max=2147483647):grant_id>/revoke")
class GrantRevocation(MethodView):
    @blp.arguments(GrantRevoke)
    @blp.response(200, GrantOut)
    def post(self, data, grant_id):
        """Revoke a grant."""
        db = get_session()
        grant = service.grant_revoke(db, current_actor(), grant_id, data["note"])
        db.commit()
        return grant


# --- feedback ---------------------------------------------------------------------------------


def _toggle_view(fn_name: str, what: str):
    class Toggle(MethodView):
        @blp.response(200, TagDetailOut)
        def put(self, tag_id):
            db = get_session()
            tag = getattr(service, fn_name)(db, current_actor(), tag_id, True)
            db.commit()
            return tag

        @blp.response(200, TagDetailOut)
        def delete(self, tag_id):
            db = get_session()
            tag = getattr(service, fn_name)(db, current_actor(), tag_id, False)
            db.commit()
            return tag

    Toggle.put.__doc__ = f"{what} this tag (idempotent)."
    Toggle.delete.__doc__ = f"Undo {what.lower()} (idempotent)."
    Toggle.__name__ = f"Tag{what}"
    return Toggle


blp.route(f"{TAG}/like")(_toggle_view("tag_like", "Like"))
blp.route(f"{TAG}/favourite")(_toggle_view("tag_favourite", "Favourite"))


@blp.route("/tag-favourites")
class Favourites(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, FavouritePage)
    def get(self, args):
        """My favourite tags."""
        return service.favourite_list(get_session(), current_actor(), **args)


@blp.route(f"{TAG}/comments")
class Comments(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, CommentPage)
    def get(self, args, tag_id):
        """Comments on a tag, newest first."""
        return service.comment_list(get_session(), current_actor(), tag_id, **args)

    @blp.arguments(CommentCreate)
    @blp.response(201, CommentOut)
    def post(self, data, tag_id):
        """Comment on a tag."""
        db = get_session()
        comment = service.comment_create(db, current_actor(), tag_id, data["body"])
        db.commit()
        return comment


@blp.route("/tag-comments/<int(min=1, max=2147483647):comment_id>")
class CommentItem(MethodView):
    @blp.response(204)
    def delete(self, comment_id):
        """Delete your own comment."""
        db = get_session()
        service.comment_delete(db, current_actor(), comment_id)
        db.commit()
