"""/api/v1/apps: the apps operators build, their pages (draft documents saved with If-Match),
the pages' revisions, the app's releases, and releases exported, imported and activated as packages."""
from __future__ import annotations

import io

from flask import request, send_file
from flask.views import MethodView
from marshmallow import ValidationError

from tongguan.api import Blueprint, current_actor, etag, if_match, with_etag
from tongguan.db import get_session
from tongguan.errors import Invalid, problem
from tongguan.schemas import PageArgs

from . import models, pages, presets, service, transfer
from .models import App
from .packages.api import _package as read_package  # the same upload rules and size cap as any package
from .schemas import (AppActiveOut, AppCreate, AppImportArgs, AppImported, AppOut, AppPage, AppPageBrief,
                      AppPageCreate, AppPageOut, AppPageSave, AppPageSaved, AppPageUpdate, AppPresetOut, AppQuery,
                      AppReleaseCreate, AppReleaseDocuments, AppReleaseOut, AppReleasePage, AppRevisionDiff,
                      AppRevisionDiffQuery, AppRevisionDocument, AppRevisionPage, AppRevisionRestore, AppUpdate)

blp = Blueprint("apps", __name__, url_prefix="/api/v1", description="Apps (应用)")
ID = "<int(min=1, max=2147483647):app_id>"
PAGE = f"{ID}/pages/<int(min=1, max=2147483647):page_id>"
NUMBER = "<int(min=1, max=2147483647):number>"


@blp.errorhandler(pages.StaleDocument)
def _stale(exc: pages.StaleDocument):
    """412 with what the page is now, so the designer can offer to reload or merge."""
    return problem(exc.status, exc.title, exc.detail, exc.errors, extra={"current": exc.current})


def _saved(page, revision):
    return {"page": page, "revision": revision}, 200, {"ETag": etag(page)}


@blp.route("/apps")
class Apps(MethodView):
    @blp.arguments(AppQuery, location="query")
    @blp.response(200, AppPage)
    def get(self, args):
        """List apps."""
        return service.app_list(get_session(), current_actor(), **args)

    @blp.arguments(AppCreate)
    @blp.response(201, AppOut)
    def post(self, data):
        """Register an app (card, page, big screen or mobile)."""
        db = get_session()
        app = service.app_create(db, current_actor(), data)
        db.commit()
        return with_etag(app, 201)


@blp.route("/apps/presets")
class AppPresets(MethodView):
    @blp.response(200, AppPresetOut(many=True))
    def get(self):
        """The preset templates a new app can start from (POST /apps with `preset`)."""
        return presets.app_preset_list(get_session(), current_actor())


@blp.route(f"/apps/{ID}")
class AppItem(MethodView):
    @blp.response(200, AppOut)
    def get(self, app_id):
        """One app; its ETag is needed to change it."""
        return with_etag(service.app_get(get_session(), current_actor(), app_id))

    @if_match(App, "app_id")
    @blp.arguments(AppUpdate)
    @blp.response(200, AppOut)
    def patch(self, data, app_id, if_version):
        """Rename, describe, publish or take offline."""
        db = get_session()
        app = service.app_update(db, current_actor(), app_id, data, if_version)
        db.commit()
        return with_etag(app)


# --- pages ---------------------------------------------------------------------------------------

@blp.route(f"/apps/{ID}/pages")
class AppPages(MethodView):
    @blp.response(200, AppPageBrief(many=True))
    def get(self, app_id):
        """The app's pages in order (without their documents)."""
        return pages.app_page_list(get_session(), current_actor(), app_id)

    @blp.arguments(AppPageCreate)
    @blp.response(201, AppPageOut)
    def post(self, data, app_id):
        """Add a page; its starting document (default: empty) is revision 1."""
        db = get_session()
        page = pages.app_page_create(db, current_actor(), app_id, data)
        db.commit()
        return with_etag(page, 201)


@blp.route(f"/apps/{PAGE}")
class AppPageItem(MethodView):
    @blp.response(200, AppPageOut)
    def get(self, app_id, page_id):
        """One page and its draft document; the ETag is needed to save it."""
        return with_etag(pages.app_page_get(get_session(), current_actor(), app_id, page_id))

    @if_match(models.AppPage, "page_id")
    @blp.arguments(AppPageUpdate)
    @blp.response(200, AppPageOut)
    def patch(self, data, app_id, page_id, if_version):
        """Rename or move the page."""
        db = get_session()
        page = pages.app_page_update(db, current_actor(), app_id, page_id, data, if_version)
        db.commit()
        return with_etag(page)

    @if_match(models.AppPage, "page_id")
    @blp.response(204)
    def delete(self, app_id, page_id, if_version):
        """Delete the page and its revisions (releases keep their copy)."""
        db = get_session()
        pages.app_page_delete(db, current_actor(), app_id, page_id, if_version)
        db.commit()


@blp.route(f"/apps/{PAGE}/document")
class AppPageDocument(MethodView):
    @if_match(models.AppPage, "page_id")
    @blp.arguments(AppPageSave)
    @blp.response(200, AppPageSaved)
    def put(self, data, app_id, page_id, if_version):
        """Save the draft document as a new revision. A stale If-Match (someone else saved first) gets
        412 with `current`: the version now, who saved it and when; an invalid document gets 422 with
        every problem by field (`document.cards[3].props.color`). Either way nothing is saved."""
        db = get_session()
        page, revision = pages.app_page_save(db, current_actor(), app_id, page_id, data["document"],
                                             message=data.get("message", ""), if_version=if_version)
        db.commit()
        return _saved(page, revision)


# --- revisions -----------------------------------------------------------------------------------

@blp.route(f"/apps/{PAGE}/revisions")
class AppRevisions(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AppRevisionPage)
    def get(self, args, app_id, page_id):
        """The page's revisions, newest first."""
        return pages.app_revision_list(get_session(), current_actor(), app_id, page_id, **args)


@blp.route(f"/apps/{PAGE}/revisions/{NUMBER}")
class AppRevisionItem(MethodView):
    @blp.response(200, AppRevisionDocument)
    def get(self, app_id, page_id, number):
        """One revision with its document."""
        return pages.app_revision_get(get_session(), current_actor(), app_id, page_id, number)


@blp.route(f"/apps/{PAGE}/diff")
class AppRevisionDiffView(MethodView):
    @blp.arguments(AppRevisionDiffQuery, location="query")
    @blp.response(200, AppRevisionDiff)
    def get(self, args, app_id, page_id):
        """What changed between two revisions: cards added, removed and changed (by card id), and page keys."""
        return pages.app_revision_diff(get_session(), current_actor(), app_id, page_id, args["before"], args["after"])


@blp.route(f"/apps/{PAGE}/revisions/{NUMBER}/restore")
class AppRevisionRestoreView(MethodView):
    @if_match(models.AppPage, "page_id")
    @blp.arguments(AppRevisionRestore)
    @blp.response(200, AppPageSaved)
    def post(self, data, app_id, page_id, number, if_version):
        """Bring the revision's document back as the draft (a new revision); needs the page's ETag."""
        db = get_session()
        page, revision = pages.app_revision_restore(db, current_actor(), app_id, page_id, number,
                                                    message=data.get("message", ""), if_version=if_version)
        db.commit()
        return _saved(page, revision)


# --- releases ------------------------------------------------------------------------------------

@blp.route(f"/apps/{ID}/releases")
class AppReleases(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AppReleasePage)
    def get(self, args, app_id):
        """The app's releases, newest first."""
        return pages.app_release_list(get_session(), current_actor(), app_id, **args)

    @blp.arguments(AppReleaseCreate)
    @blp.response(201, AppReleaseOut)
    def post(self, data, app_id):
        """Publish: check every page (required data slots bound), freeze them into the next release and
        mark the app published. Refused with every problem (`pages.<code>.cards[0]...`) if a page is not ready."""
        db = get_session()
        release = pages.app_release_create(db, current_actor(), app_id, note=data.get("note", ""))
        db.commit()
        return release


@blp.route(f"/apps/{ID}/releases/{NUMBER}")
class AppReleaseItem(MethodView):
    @blp.response(200, AppReleaseDocuments)
    def get(self, app_id, number):
        """One release with every page's frozen document."""
        return pages.app_release_get(get_session(), current_actor(), app_id, number)


# --- packages of releases, import, activation (builder.transfer) ---------------------------------

@blp.errorhandler(transfer.CodeTaken)
def _code_taken(exc: transfer.CodeTaken):
    """409 with the ways on (`options`) and the app that holds the code (`existing`)."""
    return problem(exc.status, exc.title, exc.detail, exc.errors,
                   extra={"options": exc.options, "existing": exc.existing})


@blp.route(f"/apps/{ID}/releases/{NUMBER}/package")
class AppReleasePackage(MethodView):
    @blp.response(200, content_type="application/zip", description="The signed package, as an attachment")
    def get(self, app_id, number):
        """The release as a package signed with the platform key: its page documents, the assets
        they use from /static, and a manifest of the component types, data services and indicators."""
        package = transfer.app_export(get_session(), current_actor(), app_id, number)
        app = service.app_get(get_session(), current_actor(), app_id)
        return send_file(io.BytesIO(package), mimetype="application/zip", as_attachment=True,
                         download_name=f"{app.code}-{number}.zip", max_age=0)


@blp.route("/apps/import")
class AppImport(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
            "file": {"type": "string", "format": "binary", "description": "The package (a zip)"},
            "on_conflict": {"type": "string", "enum": ["rename", "new_version"]},
            "new_code": {"type": "string"}}}},
        "application/zip": {"schema": {"type": "string", "format": "binary"}}}},
        responses={"409": {"$ref": "#/components/responses/Problem"}})  # the code is taken: `options`, `existing`
    @blp.arguments(AppImportArgs, location="query")
    @blp.response(201, AppImported)
    def post(self, args):
        """Import an app package (multipart `file` or the raw zip). Refused whole (422) with every
        problem: signature, hashes, page documents, missing component types, data services or
        indicators. A taken code gets 409 unless on_conflict says rename (with new_code) or new_version."""
        package = read_package()
        if request.mimetype == "multipart/form-data":  # the form's fields, checked as the query's
            form = {k: v for k, v in request.form.items() if k in ("on_conflict", "new_code", "allow_unsigned")}
            try:
                args = AppImportArgs().load({**request.args.to_dict(), **form})
            except ValidationError as exc:
                raise Invalid("The import's options are not valid.", {"form": exc.messages}) from None
        db = get_session()
        app, release, created = transfer.app_import(db, current_actor(), package, on_conflict=args.get("on_conflict"),
                                                    new_code=args.get("new_code"),
                                                    allow_unsigned=args["allow_unsigned"])
        db.commit()
        return {"app": app, "release": release, "created": created}


@blp.route(f"/apps/{ID}/releases/{NUMBER}/activate")
class AppReleaseActivate(MethodView):
    @blp.response(200, AppActiveOut)
    def post(self, app_id, number):
        """Make the release the one /run shows (deploying and rolling back call this)."""
        db = get_session()
        app = transfer.app_release_activate(db, current_actor(), app_id, number)
        db.commit()
        return with_etag(app)
