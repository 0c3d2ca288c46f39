"""Moving an app's release between instances: export it as a signed package (资源包), import
a package (verified, checked, then created, renamed or added as a new version), and activate
a release (the one /run shows).

A package of an app release holds, besides manifest.json and signature.json (see
`builder.packages.archive`)::

    app.json          {"format": "tongguan/app@1", "code", "name", "kind", "description",
                       "release": {"number", "note", "published_at"},
                       "pages": [{"code", "name", "file": "pages/<code>.json"}], "assets": {url: path}}
    pages/<code>.json the page's frozen document
    assets/static/... images the documents use from /static (external ones are left as links)

The manifest's `requires` lists the component types the cards use ({"chart.bar@1": {"code",
"major", "version"}}) and the data services and indicators the bindings name
({code: {"service": {"revision"}}} / {code: {"indicator": {"revision"}}}).

The zip is stored, not deflated (see `write`), and an import refuses any zip that is not byte for
byte what `write` makes of its files: one changed byte anywhere is refused. Exporting the same
release twice gives the same bytes (fixed times, created_at = published_at, deterministic
signatures), so a package's sha256 names a release's content.
"""
from __future__ import annotations

import copy
import io
import json
import re
import stat
import zipfile
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from components import lookup
from components.bindings import each_binding
from runtime.indicators.models import Indicator
from runtime.services.models import DataService
from tongguan.db import utcnow
from tongguan.errors import Conflict, Invalid
from tongguan.permissions import Actor, action

from . import documents, pages, service
from .models import KINDS, App, AppPage, AppRelease, AppRevision
from .packages import archive, service as packages, signing
from .packages.archive import Problems

FORMAT = "tongguan/app@1"
KIND = "app"
APP_FILE = "app.json"
IMPORTED = "导入 (imported)"
CODE_RE = re.compile(r"[a-z][a-z0-9_]{1,63}", re.ASCII)
STATIC_ROOT = Path(__file__).resolve().parent.parent / "static"
STATIC_PREFIX = "/static/"
OPTIONS = ("rename", "new_version")


class CodeTaken(Conflict):
    """An app with the package's code exists here: nothing was written. `options` are the ways
    on (on_conflict=rename with new_code, or on_conflict=new_version); `existing` is that app."""

    def __init__(self, app: App):
        super().__init__(
            f"已有编码为 {app.code} 的应用「{app.name}」：可改用新编码导入（on_conflict=rename 和 new_code），"
            f"或作为它的新版本导入（on_conflict=new_version） (an app with code {app.code} exists: import "
            f"under a new code with on_conflict=rename and new_code, or as its new version with "
            f"on_conflict=new_version)",
            {"code": [f"编码 {app.code} 已被使用 (code already in use)"]})
        self.options = list(OPTIONS)
        self.existing = {"id": app.id, "code": app.code, "name": app.name, "kind": app.kind}


# --- what a release uses ---------------------------------------------------------------------------

def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def uses(docs: dict) -> dict:
    """What the documents ({page code: document}) use: {"components": {ref}, "services": {code},
    "indicators": {code}, "static": {url under /static/}}."""
    found = {"components": set(), "services": set(), "indicators": set(), "static": set()}
    for document in docs.values():
        if not isinstance(document, dict):
            continue
        background = document.get("background")
        image = background.get("image") if isinstance(background, dict) else None
        candidates = [image] if isinstance(image, str) else []
        for card in document.get("cards") or []:
            if not isinstance(card, dict):
                continue
            if isinstance(card.get("type"), str):
                found["components"].add(card["type"])
            candidates.extend(_strings(card.get("props")))
            for binding in each_binding(card.get("binding")):
                if isinstance(binding.get("service"), str):
                    found["services"].add(binding["service"])
                named = binding.get("indicator")
                for code in (named if isinstance(named, list) else [named]):
                    if isinstance(code, str):
                        found["indicators"].add(code)
        found["static"].update(c for c in candidates if c.startswith(STATIC_PREFIX) and "?" not in c and "#" not in c)
    return found


def _static_file(url: str) -> Path | None:
    """The file under static/ that `url` names, or None (missing, or outside static/)."""
    path = (STATIC_ROOT / url[len(STATIC_PREFIX):]).resolve()
    if not path.is_relative_to(STATIC_ROOT) or not path.is_file():
        return None
    return path


# --- export --------------------------------------------------------------------------------------

def _dump(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True).encode() + b"\n"


def _requires(session: Session, used: dict) -> dict:
    components = {}
    for ref in sorted(used["components"]):
        found = lookup(ref) if "@" in ref else None
        components[ref] = ({"code": found.code, "major": found.major, "version": found.version} if found
                           else {"code": ref.partition("@")[0], "major": None, "version": None})
    named: dict = {}
    for model, key in ((DataService, "services"), (Indicator, "indicators")):
        codes = sorted(used[key])
        rows = {r.code: r for r in session.scalars(select(model).where(model.code.in_(codes)))} if codes else {}
        for code in codes:
            row = rows.get(code)
            named.setdefault(code, {})[key[:-1]] = {"revision": row.revision if row else None}
    return {"components": components, "data_services": named}


@action("app.read")
def app_export(session: Session, actor: Actor, app_id: int, number: int) -> bytes:
    """Release `number` of the app as a package signed with the platform key (zip bytes)."""
    app = service._app(session, app_id)
    release = pages.app_release_get(session, actor, app_id, number)
    files: dict[str, bytes] = {}
    listed = []
    for entry in release.pages:
        path = f"pages/{entry['code']}.json"
        files[path] = _dump(release.documents[entry["code"]])
        listed.append({"code": entry["code"], "name": entry["name"], "file": path})
    used = uses(release.documents)
    assets = {}
    for url in sorted(used["static"]):
        found = _static_file(url)
        if found is not None and not archive.path_problem(f"assets{url}"):
            assets[url] = f"assets{url}"
            files[assets[url]] = found.read_bytes()
    files[APP_FILE] = _dump({
        "format": FORMAT, "code": app.code, "name": app.name, "kind": app.kind, "description": app.description,
        "release": {"number": release.number, "note": release.note,
                    "published_at": release.published_at.isoformat()},
        "pages": listed, "assets": assets})
    return package_of(files, {
        "kind": KIND, "name": app.name, "version": str(release.number),
        "created_at": release.published_at.isoformat(timespec="seconds"), "requires": _requires(session, used)})


def write(files: dict[str, bytes]) -> bytes:
    """`archive.write`'s layout (manifest and signature first, the rest sorted, fixed times), but
    stored, not deflated: every byte of an app package is then either a header the platform
    writes the same way each time or a file's content, which the manifest hashes. Deflate could
    not give that: two different streams may unpack to the same bytes, and zlib builds differ."""
    out = io.BytesIO()
    order = [p for p in archive.RESERVED if p in files] + sorted(p for p in files if p not in archive.RESERVED)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zf:
        for path in order:
            info = zipfile.ZipInfo(path, archive.ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, files[path])
    return out.getvalue()


def package_of(files: dict[str, bytes], fields: dict, key: signing.SigningKey | None = None) -> bytes:
    """A signed app package of `files` with the manifest `fields` (kind, name, version, created_at,
    requires): as `packages.build_package` makes it, written by `write`."""
    manifest = archive.dump_manifest(archive.manifest_for(fields, files))
    return write({**files, archive.MANIFEST: manifest,
                  archive.SIGNATURE: archive.signature_for(key or signing.platform_key(), manifest)})


# --- import --------------------------------------------------------------------------------------

def _read(session: Session, actor: Actor, data: bytes, allow_unsigned: bool) -> tuple[dict, dict[str, bytes], dict]:
    """(app.json, {page code: document}, verification) of a package, or Invalid listing every
    problem: the package's own (size, entries, manifest, hashes, signature, layout), then app.json's."""
    problems = Problems()
    verified = None
    try:
        verified = packages.verify_package(session, actor, data, allow_unsigned)
    except Invalid as exc:
        problems.errors.update(exc.errors)
    try:
        entries, _ = archive.read(data, archive.LIMITS, Problems())
    except Invalid:
        entries = None  # too big, not a zip...: said by the verification already
    if entries is not None:
        if data != write(entries):  # the headers (times, attributes, comments...) and bytes around the records
            problems.add("package", "资源包的 zip 结构在签名后被改动，或不是本平台写出的应用资源包 (the zip's structure "
                                    "was altered after signing, or it is not an app package as the platform writes it)")
    problems.raise_if_any()
    manifest = verified["manifest"]
    if manifest.get("kind") != KIND:
        problems.add("manifest", f"不是应用资源包：kind 为 {archive.shown(str(manifest.get('kind')))[:40]} "
                                 f"(not an app package: kind must be app)")
    try:
        meta = json.loads(entries[APP_FILE]) if APP_FILE in entries else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        meta = None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        problems.add("app", f"缺少或无法读取 {APP_FILE}（须为 {FORMAT}） ({APP_FILE} is missing or not {FORMAT})")
        problems.raise_if_any()
    if not (isinstance(meta.get("code"), str) and CODE_RE.fullmatch(meta["code"])):
        problems.add("app", "code 须为应用编码 (code must be an app code)")
    if not (isinstance(meta.get("name"), str) and 0 < len(meta["name"].strip()) <= 200):
        problems.add("app", "name 须为 1–200 个字符 (name must be 1-200 characters)")
    if meta.get("kind") not in KINDS:
        problems.add("app", f"kind 须为 {', '.join(KINDS)} 之一 (unknown app kind)")
    if not isinstance(meta.get("description", ""), str) or len(meta.get("description", "")) > 2000:
        problems.add("app", "description 须为不超过 2000 个字符的文本 (description must be text up to 2000)")
    listed = meta.get("pages")
    docs: dict = {}
    if not isinstance(listed, list) or not listed:
        problems.add("app", "pages 须为非空列表 (pages must be a non-empty list)")
        listed = []
    for i, entry in enumerate(listed):
        ok = (isinstance(entry, dict) and isinstance(entry.get("code"), str) and CODE_RE.fullmatch(entry["code"])
              and isinstance(entry.get("name"), str) and 0 < len(entry["name"].strip()) <= 200
              and entry.get("file") == f"pages/{entry['code']}.json")
        if not ok or entry["code"] in docs:
            problems.add("app", f"pages[{i}] 须为 {{code, name, file: pages/<code>.json}} 且编码不重复 "
                                f"(pages[{i}] must be {{code, name, file}} with a unique code)")
            continue
        try:
            docs[entry["code"]] = json.loads(entries[entry["file"]])
        except (KeyError, UnicodeDecodeError, ValueError, RecursionError):
            problems.add("app", f"页面文件 {entry['file']} 缺失或不是 JSON (page file missing or not JSON)")
    problems.raise_if_any()
    return meta, docs, verified


def _check(session: Session, meta: dict, docs: dict) -> None:
    """Every page document valid as for publishing, every component type known here, every data
    service and indicator the bindings name present here; else Invalid listing all."""
    errors: dict[str, list[str]] = {}
    for code, document in docs.items():
        for path, messages in documents.problems(document, publishing=True).items():
            errors[f"pages.{code}.{path}"] = messages
    used = uses(docs)
    for ref in sorted(used["components"]):
        if "@" not in ref or lookup(ref) is None:
            errors[f"requires.components.{ref}"] = [f"本平台没有组件类型 {ref} (component type not found here)"]
    for model, key, zh, en in ((DataService, "services", "数据服务", "data service"),
                               (Indicator, "indicators", "指标", "indicator")):
        codes = sorted(used[key])
        present = set(session.scalars(select(model.code).where(model.code.in_(codes)))) if codes else set()
        for code in codes:
            if code not in present:
                errors.setdefault(f"requires.data_services.{code}", []).append(
                    f"本平台没有{zh} {code}，请先导入或登记 (no such {en} here: import or register it first)")
    if errors:
        raise Invalid("The app package cannot be imported here.", errors)


def _publish(session: Session, actor: Actor, app: App, found: list[AppPage], note: str) -> AppRelease:
    """A release of exactly the imported pages (not `pages.app_release_create`, which freezes every
    page of the app: a page the source deleted must not come back with a page left here)."""
    number = (session.scalar(select(func.max(AppRelease.number)).where(AppRelease.app_id == app.id)) or 0) + 1
    revisions = {p.id: session.scalar(select(func.max(AppRevision.number)).where(AppRevision.page_id == p.id))
                 for p in found}
    release = AppRelease(app_id=app.id, number=number, note=note,
                         pages=[{"code": p.code, "name": p.name, "revision": revisions[p.id]} for p in found],
                         documents={p.code: copy.deepcopy(p.document) for p in found},
                         published_by=actor.id, published_by_name=pages._name(session, actor),  # noqa: SLF001
                         published_at=utcnow())
    session.add(release)
    app.state = "published"
    session.flush()
    return release


def _newest(session: Session, app_id: int) -> AppRelease | None:
    return session.scalar(select(AppRelease).where(AppRelease.app_id == app_id)
                          .order_by(AppRelease.number.desc()).limit(1))


@action("app.manage")
def app_import(session: Session, actor: Actor, package: bytes, *, on_conflict: str | None = None,
               new_code: str | None = None, allow_unsigned: bool = False) -> tuple[App, AppRelease, bool]:
    """Import an app package: verify it whole (signature by a trusted key, hashes, layout), check
    every page document, component type, data service and indicator, then

    - no app with its code here: create the app, its pages (revision 1 "导入") and release 1;
    - its code taken: raise `CodeTaken` (409) naming the options, unless `on_conflict` is
      "rename" (a new app under `new_code`) or "new_version" (the documents saved as new
      revisions of the existing app's pages, missing pages created, and a new release of exactly
      those pages; when the newest release already holds them, it is returned and nothing changes).

    Everything is checked before anything is written. The assets/ files are checked by their
    hashes like the rest; nothing is written for them (the /static files they copy ship with
    every instance of the platform). :returns: (app, release, created)"""
    if on_conflict not in (None, *OPTIONS):
        raise Invalid("Unknown conflict option.", {"on_conflict": [f"取值须为 {', '.join(OPTIONS)} 之一"]})
    if on_conflict == "rename" and not (isinstance(new_code, str) and CODE_RE.fullmatch(new_code)):
        raise Invalid("A new code is needed.", {"new_code": ["改名导入须提供新的应用编码 (rename needs new_code: an "
                                                             "app code)"]})
    meta, docs, _ = _read(session, actor, package, allow_unsigned)
    _check(session, meta, docs)
    order = [(p["code"], p["name"]) for p in meta["pages"]]
    note = meta.get("release", {}).get("note", "") if isinstance(meta.get("release"), dict) else ""
    note = note if isinstance(note, str) else ""
    existing = service.app_by_code(session, meta["code"])
    if existing is not None and on_conflict is None:
        raise CodeTaken(existing)
    if existing is not None and on_conflict == "new_version":
        return _new_version(session, actor, existing, order, docs, note)
    code = new_code if on_conflict == "rename" else meta["code"]
    if code != meta["code"] and service.app_by_code(session, code) is not None:
        raise Invalid("The new code is taken.", {"new_code": [f"编码 {code} 已被使用 (code already in use)"]})
    app = service.app_create(session, actor, {"code": code, "name": meta["name"], "kind": meta["kind"],
                                              "description": meta.get("description", "")})
    made = [pages.app_page_create(session, actor, app.id, {"code": c, "name": n, "position": i, "document": docs[c],
                                                           "message": IMPORTED})
            for i, (c, n) in enumerate(order)]
    return app, _publish(session, actor, app, made, note), True


def _new_version(session: Session, actor: Actor, app: App, order: list, docs: dict,
                 note: str) -> tuple[App, AppRelease, bool]:
    app = service._app(session, app.id, lock=True)
    newest = _newest(session, app.id)
    if newest is not None and [(p["code"], p["name"]) for p in newest.pages] == order \
            and newest.documents == docs:
        return app, newest, False
    here = {p.code: p for p in pages._pages(session, app.id)}  # noqa: SLF001
    found = []
    for i, (code, name) in enumerate(order):
        page = here.get(code)
        if page is None:
            page = pages.app_page_create(session, actor, app.id, {"code": code, "name": name, "position": i,
                                                                  "document": docs[code], "message": IMPORTED})
        else:
            if page.name != name or page.position != i:
                pages.app_page_update(session, actor, app.id, page.id, {"name": name, "position": i})
            if page.document != docs[code]:
                pages.app_page_save(session, actor, app.id, page.id, docs[code], message=IMPORTED)
        found.append(page)
    return app, _publish(session, actor, app, found, note), False


# --- activation ----------------------------------------------------------------------------------

@action("app.manage")
def app_release_activate(session: Session, actor: Actor, app_id: int, number: int) -> App:
    """Make release `number` the one /run shows (deploying and rolling back do this)."""
    app = service._app(session, app_id, lock=True)
    pages.app_release_get(session, actor, app_id, number)
    app.active_release = number
    session.flush()
    return app
