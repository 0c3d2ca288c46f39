"""Third-party components from packages (组件包): what a package must hold, registering it, the
renderer assets, and the resolver through which pages know released third-party types.

A component package is a signed resource package (`builder/packages`, tongguan-package/1, kind
"component"; `builder/component_packages.py` verifies the zip and calls `check` then `register`)
holding, besides its manifest.json and signature.json::

    component.json   {code, version, name, name_en, category, description, vendor, notes?,
                      props_schema (JSON Schema draft 2020-12),
                      slots: [{name, title, title_en, accepts, required, max_measures}],
                      renderer: {"kind": "vega-lite", "template": {Vega-Lite, data {"name": "rows"}}}
                              | {"kind": "iframe", "entry": "index.html"}}
    renderer/...     the renderer's html, js, css and images (an iframe's entry is renderer/<entry>)
    manual.md | manual.pdf        the component manual (组件手册)
    api.md | openapi.json         the API document (接口文档)

(The component's description is component.json, not manifest.json: manifest.json is the signed
package manifest, whose fields the package format fixes.)

A renderer never runs in the platform's own pages: a Vega-Lite template is data that the viewer
fills with the card's rows on the server (no URL data, no links, no external images), and an
iframe renderer is served with a strict Content-Security-Policy into `<iframe sandbox="allow-scripts">`
(an opaque origin), which gets the card's rows and props by postMessage.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

import components
from components.types import ACCEPTS, JSON_SCHEMA_DIALECT, ComponentType, Slot
from tongguan.db import utcnow
from tongguan.errors import NotFound
from tongguan.files.models import StoredFile
from tongguan.permissions import Actor

from . import semver, service
from .models import PLACEABLE, Component, ComponentRenderer, ComponentRendererFile, ComponentVersion, is_code

DESCRIPTOR = "component.json"
RENDERER_DIR = "renderer/"
MANUALS = ("manual.md", "manual.pdf")
API_DOCS = ("api.md", "openapi.json")
PACKAGE_KIND = "component"
DESCRIPTOR_KEYS = {"code", "version", "name", "name_en", "category", "description", "vendor", "notes",
                   "props_schema", "slots", "renderer"}
MAX_TEMPLATE_CHARS = 256 * 1024
MAX_SLOTS = 10
SLOT_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}", re.ASCII)
VEGA_LITE_SCHEMA = re.compile(r"https://vega\.github\.io/schema/vega-lite/v\d+(\.\d+)*\.json", re.ASCII)
# An address that would make the browser fetch from, or link to, somewhere else.
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//|\\\\)", re.IGNORECASE)
# What a renderer may hold, by extension -> the content type it is served with.
ASSET_TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".json": "application/json", ".txt": "text/plain; charset=utf-8",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
    ".webp": "image/webp", ".svg": "image/svg+xml", ".woff2": "font/woff2",
}


# --- the types pages see -------------------------------------------------------------------------


@dataclass(frozen=True)
class PackagedType(ComponentType):
    """A released third-party version as `components` knows it, with its renderer:
    {"kind": "vega-lite", "template": {...}} or {"kind": "iframe", "entry": "index.html"}."""

    renderer: dict = field(default_factory=dict)
    vendor: str = ""


def is_packaged(component_type) -> bool:
    return isinstance(component_type, PackagedType)


def renderer_answer(component_type: PackagedType) -> dict:
    """What the viewer tells the browser about the renderer: its kind, and an iframe's address."""
    if component_type.renderer.get("kind") == "iframe":
        path = quote(f"{component_type.code}/{component_type.version}/renderer/{component_type.renderer['entry']}")
        return {"kind": "iframe", "src": f"/components/{path}"}
    return {"kind": "vega-lite"}


def filled_spec(component_type: PackagedType, rows: list) -> dict | None:
    """A Vega-Lite renderer's template with the card's rows as its named dataset `rows` (the one
    substitution made; nothing else of the template changes). None for an iframe renderer."""
    if component_type.renderer.get("kind") != "vega-lite":
        return None
    spec = copy.deepcopy(component_type.renderer["template"])
    spec["data"] = {"name": "rows", "values": rows}
    return spec


def _as_type(version: ComponentVersion, renderer: ComponentRenderer) -> PackagedType | None:
    component = version.component
    try:
        slots = tuple(Slot(name=s["name"], title=s["title"], title_en=s.get("title_en") or s["title"],
                           accepts=s["accepts"], required=s.get("required", True),
                           max_measures=s.get("max_measures")) for s in renderer.slots or [])
    except (KeyError, TypeError, ValueError):  # a slot kind this code no longer knows: not resolvable
        return None
    described = {"kind": renderer.kind, **({"template": renderer.template} if renderer.kind == "vega-lite"
                                           else {"entry": renderer.entry})}
    return PackagedType(code=component.code, version=version.semver, name=component.name,
                        name_en=component.name_en or component.name, category=component.category,
                        description=component.description, props_schema=version.props_schema or {},
                        slots=slots, renderer=described, vendor=component.vendor)


def released_types(session: Session, code: str) -> list[PackagedType]:
    """The released (or maintained) versions of a third-party component registered from a package."""
    rows = session.execute(
        select(ComponentVersion, ComponentRenderer)
        .join(ComponentRenderer, ComponentRenderer.version_id == ComponentVersion.id)
        .join(Component, Component.id == ComponentVersion.component_id)
        .where(Component.code == code, Component.builtin.is_(False), ComponentVersion.state.in_(PLACEABLE))
    ).all()
    return [t for t in (_as_type(v, r) for v, r in rows) if t is not None]


class _Resolver:
    """`components.types` asks this for codes that are not built in, in any process (page checks,
    the viewer, binding checks). Answers are kept per process for `TTL_S` seconds, so a version
    released in one worker reaches the others within that time; this process's own registrations
    and lifecycle moves clear the cache at once (`forget`)."""

    TTL_S = 3.0

    def __init__(self):
        self.sessionmaker = None  # the last app's (tests build several apps in one process)
        self.kept: dict[tuple[str, str], tuple[float, list]] = {}
        self.lock = threading.Lock()
        self.clock = time.monotonic

    def _maker(self):
        from flask import current_app, has_app_context

        if has_app_context() and "tongguan.sessionmaker" in current_app.extensions:
            return current_app.extensions["tongguan.sessionmaker"]
        return self.sessionmaker

    def __call__(self, code: str) -> list[PackagedType]:
        maker = self._maker()
        if maker is None or not is_code(code):
            return []
        key = (str(maker.kw.get("bind").url) if maker.kw.get("bind") is not None else "", code)
        now = self.clock()
        with self.lock:
            found = self.kept.get(key)
            if found and now - found[0] < self.TTL_S:
                return found[1]
        session = maker()
        try:
            types = released_types(session, code)
        except Exception:  # noqa: BLE001 - an unmigrated or unreachable database: unknown, as before
            types = []
        finally:
            session.close()
        with self.lock:
            self.kept[key] = (now, types)
            if len(self.kept) > 1024:
                self.kept.clear()
        return types

    def forget(self) -> None:
        with self.lock:
            self.kept.clear()


resolver = _Resolver()


def install(app) -> None:
    """Let `components.lookup` find released third-party versions (called by `registry.init_app`)."""
    resolver.sessionmaker = app.extensions["tongguan.sessionmaker"]
    components.types.add_resolver(resolver)


# --- checking a package's component ---------------------------------------------------------------


@dataclass
class Checked:
    """A component package that passed `check`: what `register` writes."""

    descriptor: dict
    assets: dict[str, bytes]  # path under renderer/ -> content
    manual: tuple[str, bytes]
    api_doc: tuple[str, bytes]


def _text(value, limit: int, *, required: bool) -> bool:
    if value is None or value == "":
        return not required
    return isinstance(value, str) and bool(value.strip()) and len(value) <= limit and "\x00" not in value


def _walk_template(node, path: str, errors: dict, depth: int = 0) -> None:
    """No fetching and no links anywhere in a Vega-Lite template: no `url` key (data, images,
    lookups), no `href`, no string that is an address with a scheme or `//`."""
    if depth > 64:
        errors.setdefault(path, []).append("模板嵌套过深 (the template is nested too deeply)")
        return
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}"
            if key == "$schema" and depth == 0:
                if not (isinstance(value, str) and VEGA_LITE_SCHEMA.fullmatch(value)):
                    errors.setdefault(where, []).append("$schema 须为 Vega-Lite 的 schema 地址 "
                                                        "(must name a Vega-Lite schema)")
                continue
            if key == "url":
                errors.setdefault(where, []).append("模板不能从网址读取数据或图片 (no url: the template may not "
                                                    "load data or images from an address)")
                continue
            if key == "href":
                errors.setdefault(where, []).append("模板不能含链接 (no href: the template may not link away)")
                continue
            _walk_template(value, where, errors, depth + 1)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk_template(value, f"{path}[{i}]", errors, depth + 1)
    elif isinstance(node, str) and EXTERNAL.match(node):
        errors.setdefault(path, []).append("模板不能含外部地址（如图片网址） (no external address such as an "
                                           "image URL)")


def _check_template(template, errors: dict) -> None:
    where = "renderer.template"
    if not isinstance(template, dict):
        errors.setdefault(where, []).append("Vega-Lite 模板须为 JSON 对象 (the template must be a JSON object)")
        return
    if len(json.dumps(template, ensure_ascii=False)) > MAX_TEMPLATE_CHARS:
        errors.setdefault(where, []).append("模板过大，不能超过 256 KB (the template is larger than 256 KB)")
        return
    if template.get("data") != {"name": "rows"}:
        errors.setdefault(f"{where}.data", []).append('模板的数据须为 {"name": "rows"}，由平台填入卡片数据 '
                                                      '(data must be {"name": "rows"}: the platform fills it in)')
    _walk_template({k: v for k, v in template.items() if k != "data"}, where, errors)


def _check_refs(node, errors: dict, depth: int = 0) -> None:
    """Props schemas are checked offline: `$ref`s must point inside the schema (`#...`)."""
    if depth > 64:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and not (isinstance(value, str) and value.startswith("#")):
                errors.setdefault("props_schema", []).append(
                    f"{key} 只能引用本文档内的定义（以 # 开头） ({key} must point inside the schema, starting with #)")
            else:
                _check_refs(value, errors, depth + 1)
    elif isinstance(node, list):
        for value in node:
            _check_refs(value, errors, depth + 1)


def _check_slots(slots, errors: dict) -> None:
    if not isinstance(slots, list) or len(slots) > MAX_SLOTS:
        errors.setdefault("slots", []).append(f"slots 须为最多 {MAX_SLOTS} 项的列表 (slots must be a list of at "
                                              f"most {MAX_SLOTS})")
        return
    names = set()
    for i, slot in enumerate(slots):
        where = f"slots[{i}]"
        if not isinstance(slot, dict):
            errors.setdefault(where, []).append("须为 JSON 对象 (must be an object)")
            continue
        unknown = sorted(set(slot) - {"name", "title", "title_en", "accepts", "required", "max_measures"})
        if unknown:
            errors.setdefault(where, []).append(f"未知的字段 {', '.join(unknown)} (unknown fields)")
        name = slot.get("name")
        if not (isinstance(name, str) and SLOT_NAME.fullmatch(name)):
            errors.setdefault(f"{where}.name", []).append("名称须为小写字母开头的 1–32 个小写字母、数字或下划线 "
                                                          "(a lower-case name of 1-32 characters)")
        elif name in names:
            errors.setdefault(f"{where}.name", []).append(f"数据槽 {name} 重复 (duplicate slot name)")
        names.add(name)
        if not _text(slot.get("title"), 100, required=True):
            errors.setdefault(f"{where}.title", []).append("请填写标题 (title required)")
        if not _text(slot.get("title_en"), 100, required=False):
            errors.setdefault(f"{where}.title_en", []).append("英文标题须为文本 (title_en must be text)")
        if slot.get("accepts") not in ACCEPTS:
            errors.setdefault(f"{where}.accepts", []).append(
                f"accepts 须为以下之一：{'、'.join(ACCEPTS)} (accepts must be one of {', '.join(ACCEPTS)})")
        if not isinstance(slot.get("required", True), bool):
            errors.setdefault(f"{where}.required", []).append("须为 true 或 false (must be true or false)")
        measures = slot.get("max_measures")
        if measures is not None and not (type(measures) is int and 1 <= measures <= 10):
            errors.setdefault(f"{where}.max_measures", []).append("须为 1–10 的整数或 null (an integer 1-10 or null)")


def _check_renderer(renderer, entries: dict[str, bytes], errors: dict) -> None:
    if not isinstance(renderer, dict) or renderer.get("kind") not in ("vega-lite", "iframe"):
        errors.setdefault("renderer", []).append('renderer 须为 {"kind": "vega-lite", "template": {...}} 或 '
                                                 '{"kind": "iframe", "entry": "index.html"} '
                                                 '(renderer must be a vega-lite template or an iframe entry)')
        return
    allowed = {"kind", "template"} if renderer["kind"] == "vega-lite" else {"kind", "entry"}
    unknown = sorted(set(renderer) - allowed)
    if unknown:
        errors.setdefault("renderer", []).append(f"未知的字段 {', '.join(unknown)} (unknown fields)")
    if renderer["kind"] == "vega-lite":
        _check_template(renderer.get("template"), errors)
        return
    entry = renderer.get("entry")
    parts = PurePosixPath(entry).parts if isinstance(entry, str) else ()
    if (not isinstance(entry, str) or not entry or entry.startswith("/") or "\\" in entry or "\x00" in entry
            or any(p in ("..", ".") for p in parts) or len(entry) > 400
            or PurePosixPath(entry).suffix.lower() not in (".html", ".htm")):
        errors.setdefault("renderer.entry", []).append("入口须为 renderer/ 下的 .html 文件的相对路径，如 index.html "
                                                       "(entry must be a relative .html path under renderer/)")
    elif RENDERER_DIR + entry not in entries:
        errors.setdefault("renderer.entry", []).append(f"包中没有入口文件 renderer/{entry} "
                                                       f"(the entry renderer/{entry} is not in the package)")


def _check_document(name: str, content: bytes, errors: dict) -> None:
    if name.endswith(".pdf"):
        if not content.startswith(b"%PDF-"):
            errors.setdefault(name, []).append("不是 PDF 文件 (not a PDF file)")
        return
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        errors.setdefault(name, []).append("须为 UTF-8 文本 (must be UTF-8 text)")
        return
    if not text.strip() or "\x00" in text:
        errors.setdefault(name, []).append("内容为空或含 NUL (empty or contains NUL)")
        return
    if name.endswith(".json"):
        try:
            doc = json.loads(text)
        except (ValueError, RecursionError):
            doc = None
        if not (isinstance(doc, dict) and isinstance(doc.get("openapi"), str)):
            errors.setdefault(name, []).append("须为 OpenAPI 文档（含 openapi 字段的 JSON 对象） "
                                               "(must be an OpenAPI document: a JSON object with openapi)")


def _one_of(names: tuple[str, ...], entries: dict[str, bytes], field_name: str, label: str,
            errors: dict) -> tuple[str, bytes] | None:
    present = [n for n in names if n in entries]
    if not present:
        errors.setdefault(field_name, []).append(f"缺少{label}（{' 或 '.join(names)}） (the {field_name.replace('_', ' ')} "
                                                 f"is missing: {' or '.join(names)})")
        return None
    if len(present) > 1:
        errors.setdefault(field_name, []).append(f"{label}只能有一份 (only one {field_name.replace('_', ' ')})")
        return None
    _check_document(present[0], entries[present[0]], errors)
    return present[0], entries[present[0]]


def check(session: Session, entries: dict[str, bytes], package_manifest: dict | None) -> tuple[Checked | None, dict]:
    """The component a package describes, checked whole: (Checked, {}) or (None, {field: [messages]})
    listing every problem. `entries` are the package's readable files (path -> bytes); the
    package's own checks (paths, hashes, signature) are the caller's. Writes nothing."""
    errors: dict[str, list[str]] = {}
    if package_manifest is not None and package_manifest.get("kind") != PACKAGE_KIND:
        errors.setdefault("manifest.kind", []).append(f'组件包的 kind 须为 "{PACKAGE_KIND}" '
                                                      f'(a component package has kind "{PACKAGE_KIND}")')
    raw = entries.get(DESCRIPTOR)
    doc = None
    if raw is None:
        errors.setdefault(DESCRIPTOR, []).append(f"缺少 {DESCRIPTOR} (the component description {DESCRIPTOR} "
                                                 f"is missing)")
    else:
        try:
            doc = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            errors.setdefault(DESCRIPTOR, []).append(f"{DESCRIPTOR} 不是 UTF-8 编码的 JSON (not UTF-8 JSON)")
        if doc is not None and not isinstance(doc, dict):
            errors.setdefault(DESCRIPTOR, []).append(f"{DESCRIPTOR} 须为 JSON 对象 (must be a JSON object)")
            doc = None
    manual = _one_of(MANUALS, entries, "manual", "组件手册", errors)
    api_doc = _one_of(API_DOCS, entries, "api_doc", "接口文档", errors)
    assets = {}
    for path, content in entries.items():
        if path.startswith(RENDERER_DIR):
            if PurePosixPath(path).suffix.lower() not in ASSET_TYPES:
                errors.setdefault(path, []).append(
                    f"渲染器只能含 {', '.join(sorted(ASSET_TYPES))} 文件 (a renderer holds only these file types)")
            else:
                assets[path[len(RENDERER_DIR):]] = content
        elif path not in (DESCRIPTOR, "manifest.json", "signature.json", *MANUALS, *API_DOCS):
            errors.setdefault(path, []).append("组件包中不应有此文件 (unexpected file in a component package)")
    if doc is None:
        return None, errors
    unknown = sorted(set(doc) - DESCRIPTOR_KEYS)
    if unknown:
        errors.setdefault(DESCRIPTOR, []).append(f"未知的字段 {', '.join(unknown)} (unknown fields)")
    code, version = doc.get("code"), doc.get("version")
    existing = None
    if not is_code(code):
        errors.setdefault("code", []).append("编码格式不正确 (bad code)")
    elif any(t.code == code for t in components.component_types()):
        errors.setdefault("code", []).append(f"编码 {code} 为内置组件保留 (reserved for a built-in component)")
    else:
        existing = session.scalar(select(Component).where(Component.code == code))
        if existing is not None and existing.builtin:
            errors.setdefault("code", []).append(f"编码 {code} 为内置组件保留 (reserved for a built-in component)")
        elif existing is not None and existing.vendor.strip() != str(doc.get("vendor") or "").strip():
            errors.setdefault("vendor", []).append(
                f"组件 {code} 已由供应商「{existing.vendor}」登记 (registered by another vendor)")
    if isinstance(version, str):
        service._check_new_version(errors, existing, version)
    else:
        errors.setdefault("version", []).append(semver.MESSAGE)
    if package_manifest is not None and isinstance(version, str) and package_manifest.get("version") != version:
        errors.setdefault("manifest.version", []).append(
            f"manifest.json 的版本须与 {DESCRIPTOR} 的 {version} 一致 (the package's version must be {version})")
    if not _text(doc.get("name"), 200, required=True):
        errors.setdefault("name", []).append("请填写名称 (name required)")
    if not _text(doc.get("vendor"), 200, required=True):
        errors.setdefault("vendor", []).append("请填写供应商 (vendor required)")
    for key in ("name_en", "description", "notes"):
        if not _text(doc.get(key), 200 if key == "name_en" else 4000, required=False):
            errors.setdefault(key, []).append(f"{key} 须为文本 (must be text)")
    if doc.get("category") not in components.CATEGORIES:
        errors.setdefault("category", []).append("未知的组件分类 (unknown category)")
    props_schema = doc.get("props_schema", {})
    service._check_props_schema(errors, props_schema)
    if isinstance(props_schema, dict) and "props_schema" not in errors:
        if props_schema.get("$schema", JSON_SCHEMA_DIALECT) != JSON_SCHEMA_DIALECT:
            errors.setdefault("props_schema", []).append(
                f"$schema 须为 {JSON_SCHEMA_DIALECT} (props_schema must be JSON Schema draft 2020-12)")
        _check_refs(props_schema, errors)
    _check_slots(doc.get("slots", []), errors)
    _check_renderer(doc.get("renderer"), entries, errors)
    if errors:
        return None, errors
    return Checked(descriptor=doc, assets=assets, manual=manual, api_doc=api_doc), {}


# --- registering -------------------------------------------------------------------------------------


def _store(session: Session, content: bytes, filename: str, mime: str, *, storage_path: str,
           created_by: int | None) -> StoredFile:
    """Bytes under STORAGE_PATH/<sha[:2]>/<sha>, as `tongguan.files.storage` keeps uploads (identical
    files share one copy, and backups carry them)."""
    sha = hashlib.sha256(content).hexdigest()
    target = Path(storage_path) / sha[:2] / sha
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
            os.replace(tmp, target)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    stored = StoredFile(sha256=sha, size=len(content), mime=mime, kind="renderer",
                        filename=PurePosixPath(filename).name[:255], created_by=created_by)
    session.add(stored)
    return stored


def register(session: Session, actor: Actor, checked: Checked, *, package_sha256: str, signed_by: str | None,
             trusted: bool, storage_path: str) -> ComponentVersion:
    """Register the checked package: the component (or a new version of it, at 需求分析 like any
    new version), its manual and API document, and its renderer with its assets. Does not commit."""
    import io

    doc = checked.descriptor
    code, version = doc["code"], doc["version"]
    data = {"version": version, "notes": doc.get("notes") or "", "props_schema": doc.get("props_schema") or {}}
    if session.scalar(select(Component.id).where(Component.code == code)) is None:
        service.component_create(session, actor, {
            **data, "code": code, "name": doc["name"], "name_en": doc.get("name_en") or "",
            "category": doc["category"], "description": doc.get("description") or "", "vendor": doc["vendor"]})
    else:
        service.component_version_create(session, actor, code, data)
    for which, (name, content) in (("manual", checked.manual), ("api_doc", checked.api_doc)):
        service.component_version_attach(session, actor, code, version, which, io.BytesIO(content), name,
                                         storage_path=storage_path)
    found = service._version(session, code, version)
    renderer_doc = doc["renderer"]
    renderer = ComponentRenderer(
        version_id=found.id, kind=renderer_doc["kind"], template=renderer_doc.get("template"),
        entry=renderer_doc.get("entry") or "", package_sha256=package_sha256,
        slots=[{"name": s["name"], "title": s["title"], "title_en": s.get("title_en") or "", "accepts": s["accepts"],
                "required": s.get("required", True), "max_measures": s.get("max_measures")}
               for s in doc.get("slots") or []],
        signed_by=signed_by, trusted=trusted, created_by=actor.id, created_at=utcnow())
    for path, content in sorted(checked.assets.items()):
        stored = _store(session, content, path, ASSET_TYPES[PurePosixPath(path).suffix.lower()],
                        storage_path=storage_path, created_by=actor.id)
        renderer.files.append(ComponentRendererFile(path=path, file=stored))
    session.add(renderer)
    session.flush()
    session.expire(found, ["renderer"])
    resolver.forget()
    return found


# --- serving the assets -----------------------------------------------------------------------------


def renderer_asset(session: Session, code: str, version: str, path: str, *,
                   storage_path: str) -> tuple[StoredFile, Path]:
    """A file of a released (or maintained) version's renderer, by its exact path under renderer/,
    and where its bytes are. Anything else, unreleased versions included, is NotFound. Paths are
    matched as stored, never joined onto a folder: `..` names nothing."""
    found = session.scalar(
        select(StoredFile)
        .join(ComponentRendererFile, ComponentRendererFile.file_id == StoredFile.id)
        .join(ComponentRenderer, ComponentRenderer.id == ComponentRendererFile.renderer_id)
        .join(ComponentVersion, ComponentVersion.id == ComponentRenderer.version_id)
        .join(Component, Component.id == ComponentVersion.component_id)
        .where(Component.code == code, Component.builtin.is_(False), ComponentVersion.semver == version,
               ComponentVersion.state.in_(PLACEABLE), ComponentRendererFile.path == path)
    ) if is_code(code) and semver.is_valid(version) and isinstance(path, str) and len(path) <= 512 else None
    if found is None:
        raise NotFound("没有这个组件文件 (no such renderer file)")
    disk = Path(storage_path) / found.sha256[:2] / found.sha256
    if not disk.exists():
        raise NotFound("组件文件已从存储中丢失 (the renderer file is missing from storage)")
    return found, disk
