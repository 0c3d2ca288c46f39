"""An app's pages: their draft documents saved with If-Match, every save kept as a revision,
revisions compared and restored, and the app published as a release (every page frozen).

Operations take a session and an actor, check one permission (`app.read` to look,
`app.manage` to change), validate everything before writing and leave the commit to the caller.
"""
from __future__ import annotations

import copy

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from tongguan.accounts.models import User
from tongguan.db import utcnow
from tongguan.errors import Invalid, NotFound, PreconditionFailed
from tongguan.pagination import Page, paginate
from tongguan.permissions import Actor, action

from . import documents
from .service import _app
from .models import App, AppPage, AppRelease, AppRevision


class StaleDocument(PreconditionFailed):
    """Someone else saved the page after the caller read it: nothing was changed.
    `current` is what the page is now ({version, updated_by, updated_by_name, updated_at}),
    so the client can offer to reload or merge."""

    def __init__(self, page: AppPage | None, if_version: int | None = None):
        if page is None:  # lost a race at the very moment of writing
            super().__init__("页面刚被其他人保存，你的修改未保存；请重新载入后再改 "
                             "(someone else saved this page first; reload it and apply your change again)")
            self.current = None
            return
        who = page.updated_by_name or "其他人"
        when = page.updated_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") if page.updated_at else ""
        super().__init__(
            f"{who} 已于 {when} 先保存了此页面（现为第 {page.version} 版，你编辑的是第 {if_version} 版），"
            f"你的修改未保存；请重新载入，或与对方的修改合并后再保存 "
            f"(someone else saved this page first: it is now version {page.version}, you had version "
            f"{if_version}; reload it or merge your change)")
        self.current = {"version": page.version, "updated_by": page.updated_by,
                        "updated_by_name": page.updated_by_name,
                        "updated_at": page.updated_at.isoformat() if page.updated_at else None}


# --- helpers -------------------------------------------------------------------------------------

def _page(session: Session, app_id: int, page_id: int) -> AppPage:
    page = session.get(AppPage, page_id)
    if page is None or page.app_id != app_id:
        raise NotFound(f"Page {page_id} of app {app_id} does not exist.")
    return page


def _check(page: AppPage, if_version: int | None) -> None:
    if if_version is not None and page.version != if_version:
        raise StaleDocument(page, if_version)


def _flush(session: Session) -> None:
    try:
        session.flush()
    except StaleDataError:
        raise StaleDocument(None) from None


def _name(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.id) if actor.id is not None else None
    return (user.display_name or user.username) if user is not None else actor.username


def _invalid(errors: dict, what: str = "The page document is not valid.") -> Invalid:
    return Invalid(what, errors)


def _pages(session: Session, app_id: int) -> list[AppPage]:
    return list(session.scalars(select(AppPage).where(AppPage.app_id == app_id)
                                .order_by(AppPage.position, AppPage.id)))


def _record(session: Session, actor: Actor, page: AppPage, message: str = "",
            restored_from: int | None = None) -> AppRevision:
    number = (session.scalar(select(func.max(AppRevision.number)).where(AppRevision.page_id == page.id)) or 0) + 1
    revision = AppRevision(page_id=page.id, number=number, document=copy.deepcopy(page.document),
                           author_id=actor.id, author_name=page.updated_by_name, message=message or "",
                           restored_from=restored_from, created_at=utcnow())
    session.add(revision)
    session.flush()
    return revision


def _touch(session: Session, actor: Actor, page: AppPage) -> None:
    page.updated_by, page.updated_by_name = actor.id, _name(session, actor)


def _revision(session: Session, page: AppPage, number: int) -> AppRevision:
    revision = session.scalar(select(AppRevision).where(AppRevision.page_id == page.id,
                                                        AppRevision.number == number))
    if revision is None:
        raise NotFound(f"Revision {number} of page {page.id} does not exist.")
    return revision


# --- pages ---------------------------------------------------------------------------------------

@action("app.read")
def app_page_list(session: Session, actor: Actor, app_id: int) -> list[AppPage]:
    """The app's pages in their order (documents included)."""
    _app(session, app_id)
    return _pages(session, app_id)


@action("app.read")
def app_page_get(session: Session, actor: Actor, app_id: int, page_id: int) -> AppPage:
    """One page and its draft document; its version is the ETag a save must send."""
    return _page(session, app_id, page_id)


@action("app.manage")
def app_page_create(session: Session, actor: Actor, app_id: int, data: dict) -> AppPage:
    """Add a page: `code` (unique in the app), `name`, optional `position` (default: last) and
    `document` (default: an empty page). The starting document is revision 1."""
    _app(session, app_id)
    errors: dict = {}
    if session.scalar(select(AppPage.id).where(AppPage.app_id == app_id, AppPage.code == data["code"])):
        errors["code"] = [f"页面编码 {data['code']} 已被使用 (page code already in use)"]
    document = data.get("document") or documents.empty()
    for path, messages in documents.problems(document).items():
        errors[f"document.{path}"] = messages
    if errors:
        raise _invalid(errors, "The page is not valid.")
    position = data.get("position")
    if position is None:
        position = (session.scalar(select(func.max(AppPage.position)).where(AppPage.app_id == app_id)) or 0) + 1
    page = AppPage(app_id=app_id, code=data["code"], name=data["name"], position=position,
                   document=copy.deepcopy(document))
    _touch(session, actor, page)
    session.add(page)
    session.flush()
    _record(session, actor, page, data.get("message") or "新建页面 (new page)")
    return page


@action("app.manage")
def app_page_update(session: Session, actor: Actor, app_id: int, page_id: int, data: dict,
                if_version: int | None = None) -> AppPage:
    """Rename or move a page (`name`, `position`); the document is saved with `app_page_save`."""
    page = _page(session, app_id, page_id)
    _check(page, if_version)
    for key in ("name", "position"):
        if key in data:
            setattr(page, key, data[key])
    _touch(session, actor, page)
    _flush(session)
    return page


@action("app.manage")
def app_page_delete(session: Session, actor: Actor, app_id: int, page_id: int, if_version: int | None = None) -> None:
    """Delete a page and its revisions (releases keep their frozen copy)."""
    page = _page(session, app_id, page_id)
    _check(page, if_version)
    session.delete(page)
    _flush(session)


@action("app.manage")
def app_page_save(session: Session, actor: Actor, app_id: int, page_id: int, document: dict, *, message: str = "",
              if_version: int | None = None) -> tuple[AppPage, AppRevision]:
    """Save the page's draft document as a new revision. A stale `if_version` (someone else saved
    first) raises `StaleDocument` with who saved and when; an invalid document raises `Invalid`
    with every problem by field path (`document.cards[3].props.color`). Either way nothing changes."""
    page = _page(session, app_id, page_id)
    _check(page, if_version)
    errors = documents.problems(document)
    if errors:
        raise _invalid({f"document.{path}": messages for path, messages in errors.items()})
    page.document = copy.deepcopy(document)
    _touch(session, actor, page)
    _flush(session)
    return page, _record(session, actor, page, message)


# --- revisions -----------------------------------------------------------------------------------

@action("app.read")
def app_revision_list(session: Session, actor: Actor, app_id: int, page_id: int, *, page=1, per_page=50) -> Page:
    """The page's revisions, newest first."""
    found = _page(session, app_id, page_id)
    stmt = select(AppRevision).where(AppRevision.page_id == found.id).order_by(AppRevision.number.desc())
    return paginate(session, stmt, page, per_page)


@action("app.read")
def app_revision_get(session: Session, actor: Actor, app_id: int, page_id: int, number: int) -> AppRevision:
    """One revision with its document."""
    return _revision(session, _page(session, app_id, page_id), number)


@action("app.read")
def app_revision_diff(session: Session, actor: Actor, app_id: int, page_id: int, before: int, after: int) -> dict:
    """What changed from revision `before` to revision `after` (see `documents.diff`)."""
    page = _page(session, app_id, page_id)
    old, new = _revision(session, page, before), _revision(session, page, after)
    return {"before": before, "after": after, **documents.diff(old.document, new.document)}


@action("app.manage")
def app_revision_restore(session: Session, actor: Actor, app_id: int, page_id: int, number: int, *, message: str = "",
                     if_version: int | None = None) -> tuple[AppPage, AppRevision]:
    """Bring an old revision's document back as the draft: a new revision, `restored_from` set.
    The old document is checked again (a component it uses may be gone since)."""
    page = _page(session, app_id, page_id)
    _check(page, if_version)
    old = _revision(session, page, number)
    errors = documents.problems(old.document)
    if errors:
        raise _invalid({f"document.{path}": messages for path, messages in errors.items()},
                       f"Revision {number} no longer fits the component library.")
    page.document = copy.deepcopy(old.document)
    _touch(session, actor, page)
    _flush(session)
    return page, _record(session, actor, page, message or f"恢复第 {number} 版 (restored revision {number})",
                         restored_from=number)


# --- releases ------------------------------------------------------------------------------------

@action("app.manage")
def app_release_create(session: Session, actor: Actor, app_id: int, *, note: str = "") -> AppRelease:
    """Publish the app: check every page as for publishing (required data slots bound), freeze
    their documents into the next release and mark the app published. All pages or none."""
    app = _app(session, app_id, lock=True)
    pages = _pages(session, app_id)
    errors: dict = {}
    if not pages:
        errors["pages"] = ["应用还没有页面，不能发布 (an app without pages cannot be published)"]
    for page in pages:
        for path, messages in documents.problems(page.document, publishing=True).items():
            errors[f"pages.{page.code}.{path}"] = messages
    if errors:
        raise _invalid(errors, "The app cannot be published: some pages are not ready.")
    number = (session.scalar(select(func.max(AppRelease.number)).where(AppRelease.app_id == app_id)) or 0) + 1
    revisions = {p.id: session.scalar(select(func.max(AppRevision.number)).where(AppRevision.page_id == p.id))
                 for p in pages}
    release = AppRelease(app_id=app_id, number=number, note=note or "",
                         pages=[{"code": p.code, "name": p.name, "revision": revisions[p.id]} for p in pages],
                         documents={p.code: copy.deepcopy(p.document) for p in pages},
                         published_by=actor.id, published_by_name=_name(session, actor), published_at=utcnow())
    session.add(release)
    app.state = "published"
    session.flush()
    return release


@action("app.read")
def app_release_list(session: Session, actor: Actor, app_id: int, *, page=1, per_page=50) -> Page:
    """The app's releases, newest first."""
    _app(session, app_id)
    stmt = select(AppRelease).where(AppRelease.app_id == app_id).order_by(AppRelease.number.desc())
    return paginate(session, stmt, page, per_page)


@action("app.read")
def app_release_get(session: Session, actor: Actor, app_id: int, number: int) -> AppRelease:
    """One release with its frozen documents."""
    _app(session, app_id)
    release = session.scalar(select(AppRelease).where(AppRelease.app_id == app_id, AppRelease.number == number))
    if release is None:
        raise NotFound(f"Release {number} of app {app_id} does not exist.")
    return release
