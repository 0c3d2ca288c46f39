"""The component registry (组件管理): plain functions taking a session and an actor.

A component (`chart.bar`) has several coexisting versions (`1.0.0`, `1.1.0-beta.1`), each
with its own lifecycle state: 需求分析 → 设计 → 开发 → 测试 → 发布 → 维护 → 下线
(analysis, design, development, testing, released, maintenance, retired). A version moves
forward one step at a time, or back from testing to development; retired is final. Only
released and maintained versions may be placed on new pages (`component_check_placeable`);
pages already using any version keep resolving it (`component_resolve`).

Built-in components are declared in `components/` and copied into the tables by
`sync_builtins` on startup; third-party ones are registered here by catalog managers.
Functions validate everything before writing, raise only `tongguan.errors`, and never commit.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import BinaryIO

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import components
from tongguan.audit.recorder import acting_as
from tongguan.db import utcnow
from tongguan.errors import Conflict, Invalid, NotFound, PreconditionFailed
from tongguan.files.models import StoredFile
from tongguan.files.storage import open_file, save
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import semver
from .models import PLACEABLE, STATE_NAMES, STATES, Component, ComponentVersion, is_code, next_states

log = logging.getLogger(__name__)

# attachment field -> (zh-CN name, column)
ATTACHMENTS = {"manual": ("组件手册", "manual_file_id"), "api_doc": ("接口文档", "api_doc_file_id")}
MAX_PROPS_SCHEMA_CHARS = 64 * 1024
RETIRED_IS_FINAL = "已下线的版本不能再修改 (a retired version cannot be changed)"
BUILTIN_READ_ONLY = "内置组件由平台维护，不能在这里修改 (built-in components are maintained by the platform)"


# --- helpers -------------------------------------------------------------------------------------


def _component(session: Session, code: str) -> Component:
    component = session.scalar(select(Component).where(Component.code == code)) if is_code(code) else None
    if component is None:
        raise NotFound(f"组件 {code} 不存在 (no such component)")
    return component


def _version(session: Session, code: str, version: str) -> ComponentVersion:
    component = _component(session, code)
    found = next((v for v in component.versions if v.semver == version), None) if semver.is_valid(version) else None
    if found is None:
        raise NotFound(f"组件 {code} 没有版本 {version} (no such version)")
    return found


def _has_nul(value, depth: int = 0) -> bool:
    if depth > 32:
        return True  # absurdly deep: refused by the caller anyway
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k, depth + 1) or _has_nul(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v, depth + 1) for v in value)
    return False


def _check_props_schema(errors: dict, value) -> None:
    """A third party's props schema must be a JSON Schema (draft 2020-12) of sensible size."""
    if not isinstance(value, dict):
        errors.setdefault("props_schema", []).append("属性定义须为 JSON 对象 (must be a JSON object)")
        return
    try:
        size = len(json.dumps(value, ensure_ascii=False))
    except (TypeError, ValueError, RecursionError):
        size = MAX_PROPS_SCHEMA_CHARS + 1
    if size > MAX_PROPS_SCHEMA_CHARS:
        errors.setdefault("props_schema", []).append("属性定义过大，不能超过 64 KB (JSON Schema too large)")
        return
    if _has_nul(value):
        errors.setdefault("props_schema", []).append("属性定义嵌套过深或包含无效字符 (too deep or contains invalid characters)")
        return
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        errors.setdefault("props_schema", []).append(f"不是有效的 JSON Schema：{exc.message} (not a valid JSON Schema)")
    except (RecursionError, ValueError, TypeError):
        errors.setdefault("props_schema", []).append("不是有效的 JSON Schema (not a valid JSON Schema)")


def _check_text(errors: dict, data: dict, *fields: str, required: bool = False) -> None:
    """Names must not be blank; with `required`, they must be there too."""
    labels = {"name": "名称", "vendor": "供应商"}
    for field in fields:
        if (required or field in data) and not str(data.get(field) or "").strip():
            errors.setdefault(field, []).append(f"请填写{labels[field]} (required)")


def _check_new_version(errors: dict, component: Component | None, version: str) -> None:
    """A new version must be a semver not equal in precedence to an existing one."""
    if not semver.is_valid(version):
        errors.setdefault("version", []).append(semver.MESSAGE)
        return
    if component is None:
        return
    key = semver.key(version)
    for existing in component.versions:
        if existing.semver == version:
            errors.setdefault("version", []).append(f"版本 {version} 已存在 (version already exists)")
            return
        if semver.key(existing.semver) == key:
            errors.setdefault("version", []).append(
                f"版本 {version} 与已有版本 {existing.semver} 只差构建信息，优先级相同 "
                f"(same precedence as existing version {existing.semver})")
            return


def _stale(obj) -> PreconditionFailed:
    return PreconditionFailed(f"This {obj.__tablename__} was changed by someone else. Reload it and try again.")


def _flush_new(session: Session, obj, conflict: str) -> None:
    """Insert `obj` now, so a duplicate inserted concurrently is a 409 and not a 500 (the
    caller then rolls back, as after any error)."""
    session.add(obj)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(conflict) from None


# --- reading -------------------------------------------------------------------------------------


@action("component.read")
def component_categories(session: Session, actor: Actor) -> list[dict]:
    """The component categories, in display order: code, zh-CN name, English name."""
    return [{"code": code, "name": zh, "name_en": en} for code, (zh, en) in components.CATEGORIES.items()]


@action("component.read")
def component_list(session: Session, actor: Actor, *, q=None, category=None, state=None, builtin=None,
                   page=1, per_page=50) -> Page:
    """List components, built-in first, then by code.

    :param q: substring of the code, the name (zh-CN or English) or the description
    :param category: a category code (`chart`, `map`, ...)
    :param state: only components with at least one version in this lifecycle state
    :param builtin: true for built-in components, false for third-party ones
    """
    stmt = select(Component).order_by(Component.builtin.desc(), Component.code)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(or_(*(column.ilike(like, escape="\\") for column in (
            Component.code, Component.name, Component.name_en, Component.description, Component.vendor))))
    if category:
        stmt = stmt.where(Component.category == category)
    if state:
        stmt = stmt.where(Component.versions.any(ComponentVersion.state == state))
    if builtin is not None:
        stmt = stmt.where(Component.builtin.is_(builtin))
    return paginate(session, stmt, page, per_page)


@action("component.read")
def component_get(session: Session, actor: Actor, code: str) -> Component:
    """One component with its versions."""
    return _component(session, code)


@action("component.read")
def component_version_list(session: Session, actor: Actor, code: str) -> list[ComponentVersion]:
    """A component's versions, oldest first by semver precedence (1.9.0 before 1.10.0)."""
    return _component(session, code).sorted_versions


@action("component.read")
def component_version_get(session: Session, actor: Actor, code: str, version: str) -> ComponentVersion:
    return _version(session, code, version)


@action("component.read")
def component_resolve(session: Session, actor: Actor, code: str, version: str) -> ComponentVersion:
    """The version a saved page refers to, whatever its state (retired ones included):
    pages built on a version keep working after it is retired."""
    return _version(session, code, version)


@action("component.read")
def component_check_placeable(session: Session, actor: Actor, code: str, version: str) -> ComponentVersion:
    """The version, if a new page may use it (released or maintenance); else Invalid naming the version."""
    found = _version(session, code, version)
    if found.state in PLACEABLE:
        return found
    if found.state == "retired":
        why = f"组件 {code} 的版本 {version} 已下线，不能放到新页面上"
    else:
        why = f"组件 {code} 的版本 {version} 尚未发布（当前：{STATE_NAMES[found.state]}），不能放到新页面上"
    usable = found.component.latest_placeable_version
    hint = f"，可改用版本 {usable}" if usable else ""
    message = f"{why}{hint} (version {version} of {code} is {found.state}; only released or maintained versions can be placed)"
    raise Invalid(message, {"version": [message]})


@action("component.read")
def component_version_file(session: Session, actor: Actor, code: str, version: str, which: str, *,
                           storage_path: str) -> tuple[StoredFile, Path]:
    """The manual or API document of a version (`which` is `manual` or `api_doc`) and its path on disk."""
    if which not in ATTACHMENTS:
        raise NotFound(f"Unknown attachment {which}.")
    found = _version(session, code, version)
    file_id = getattr(found, ATTACHMENTS[which][1])
    if file_id is None:
        raise NotFound(f"组件 {code} 的版本 {version} 还没有上传{ATTACHMENTS[which][0]} (no such attachment)")
    return open_file(session, file_id, storage_path=storage_path)


# Sample data of the chart previews (组件预览): made-up districts and hours, the same every time.
PREVIEW_THEMES = ("light", "dark")
_DISTRICTS = [("临江区", 128, 112), ("东湖区", 96, 90), ("西山区", 143, 121), ("南岸区", 74, 70),
              ("北塘区", 88, 79), ("高新区", 57, 55)]
_HOURLY = [12, 8, 5, 4, 3, 6, 14, 31, 52, 64, 58, 49, 41, 46, 55, 60, 57, 63, 48, 37, 29, 24, 19, 15]


def _preview_sample(code: str) -> tuple[list[dict], dict, dict]:
    """Rows, props and `components.vega.spec` keywords of a chart type's preview."""
    districts = {"district": "区县", "accepted": "受理量", "closed": "办结量"}
    if code == "chart.bar":
        rows = [{"district": d, "accepted": a, "closed": c} for d, a, c in _DISTRICTS]
        return rows, {"unit": "件"}, {"labels": districts}
    if code in ("chart.pie", "list.ranking"):
        rows = [{"district": d, "accepted": a} for d, a, _ in _DISTRICTS]
        return rows, {"unit": "件"} if code == "list.ranking" else {}, {"labels": districts}
    if code in ("chart.line", "chart.area"):
        rows = [{"hour": f"{h:02d}时", "today": v, "yesterday": round(v * (0.8 + 0.03 * (h % 7)))}
                for h, v in enumerate(_HOURLY)]
        labels = {"hour": "时段", "today": "今日", "yesterday": "昨日"}
        return rows, {"unit": "件"}, {"labels": labels, "measures": ["today", "yesterday"] if code == "chart.line"
                                      else ["today"]}
    if code == "chart.gauge":
        return [{"value": 86, "target": 90}], {"unit": "%"}, {"measures": ["value"]}
    return [{"district": d, "accepted": a} for d, a, _ in _DISTRICTS], {}, {"labels": districts}


@action("component.read")
def component_version_preview(session: Session, actor: Actor, code: str, version: str, *,
                              theme: str = "light") -> dict:
    """A chart type's Vega-Lite spec drawn over built-in sample rows, for the library's preview:
    `{"spec": {...}, "rows": [...]}`. The props are the type's defaults (plus a sample unit).
    NotFound for a version that is not a built-in chart type (tables, maps, third-party...)."""
    found = _version(session, code, version)
    if theme not in PREVIEW_THEMES:
        raise Invalid("Unknown theme.", {"theme": ["主题须为 light 或 dark (theme must be light or dark)"]})
    from components import vega  # loads altair: only when a preview is asked for

    declared = components.get(found.component.code, found.semver) if found.component.builtin else None
    if declared is None or not vega.has_spec(declared):
        raise NotFound(f"组件 {code} 的版本 {version} 不是图表，没有预览 (no chart preview for this type)")
    rows, props, keywords = _preview_sample(declared.code)
    if declared.code == "chart.gauge" and theme == "dark":
        props = {**props, "track_color": "#1d3557"}  # the default light track glares on a big screen
    try:
        drawn = vega.spec(declared, props, rows, theme=theme, **keywords)
    except ValueError:  # props the type's schema refuses, or a type vega cannot draw
        raise NotFound(f"组件 {code} 的版本 {version} 没有预览 (no chart preview for this type)") from None
    return {"spec": drawn, "rows": rows}


# --- writing -------------------------------------------------------------------------------------


@action("component.manage")
def component_create(session: Session, actor: Actor, data: dict) -> Component:
    """Register a third-party component with its first version, which starts at 需求分析 (analysis).

    :param data: code, name, name_en, category, description, vendor; version (default 1.0.0),
        notes and props_schema of the first version
    """
    data = dict(data)
    errors: dict[str, list[str]] = {}
    code = data.get("code", "")
    if not is_code(code):
        errors.setdefault("code", []).append("编码格式不正确 (bad code)")
    elif any(t.code == code for t in components.component_types()):
        errors.setdefault("code", []).append(f"编码 {code} 为内置组件保留 (reserved for a built-in component)")
    elif session.scalar(select(Component.id).where(Component.code == code)) is not None:
        errors.setdefault("code", []).append(f"编码 {code} 已被使用 (code already in use)")
    if data.get("category") not in components.CATEGORIES:
        errors.setdefault("category", []).append("未知的组件分类 (unknown category)")
    _check_text(errors, data, "name", "vendor", required=True)
    version = data.pop("version", "1.0.0")
    _check_new_version(errors, None, version)
    notes = data.pop("notes", "")
    props_schema = data.pop("props_schema", {}) or {}
    _check_props_schema(errors, props_schema)
    if errors:
        raise Invalid("The component is not valid.", errors)
    component = Component(**{k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}, builtin=False)
    component.versions.append(ComponentVersion(semver=version, state="analysis", notes=notes,
                                               props_schema=props_schema, state_changed_at=utcnow()))
    _flush_new(session, component, f"组件 {code} 刚被他人登记 (registered by someone else meanwhile)")
    return component


@action("component.manage")
def component_update(session: Session, actor: Actor, code: str, data: dict, if_version: int | None = None) -> Component:
    """Change a third-party component's name, English name, category, description or vendor.
    The code never changes: pages refer to it. Built-in components are read-only here."""
    component = _component(session, code)
    check_version(component, if_version)
    errors: dict[str, list[str]] = {}
    if component.builtin:
        errors["builtin"] = [BUILTIN_READ_ONLY]
    if "category" in data and data["category"] not in components.CATEGORIES:
        errors.setdefault("category", []).append("未知的组件分类 (unknown category)")
    _check_text(errors, data, "name", "vendor")
    if errors:
        raise Invalid("The component cannot be changed.", errors)
    for key, value in data.items():
        setattr(component, key, value.strip() if isinstance(value, str) else value)
    return component


@action("component.manage")
def component_version_create(session: Session, actor: Actor, code: str, data: dict) -> ComponentVersion:
    """Add a version to a third-party component; it starts at 需求分析 (analysis) and coexists
    with the others. A version equal in precedence to an existing one is refused.

    :param data: version (semver), notes, props_schema
    """
    component = _component(session, code)
    errors: dict[str, list[str]] = {}
    if component.builtin:
        errors["builtin"] = [BUILTIN_READ_ONLY]
    version = data.get("version", "")
    _check_new_version(errors, component, version)
    props_schema = data.get("props_schema", {}) or {}
    _check_props_schema(errors, props_schema)
    if errors:
        raise Invalid("The version is not valid.", errors)
    created = ComponentVersion(component_id=component.id, semver=version, state="analysis",
                               notes=data.get("notes", ""), props_schema=props_schema, state_changed_at=utcnow())
    _flush_new(session, created, f"版本 {version} 刚被他人添加 (added by someone else meanwhile)")
    session.expire(component, ["versions"])
    return created


@action("component.manage")
def component_version_move(session: Session, actor: Actor, code: str, version: str, state: str,
                           if_version: int | None = None) -> ComponentVersion:
    """Move a version along its lifecycle: one step forward, or back from testing to development.
    Retired is final. A third-party version is released only with its manual and API document."""
    found = _version(session, code, version)
    check_version(found, if_version)
    errors: dict[str, list[str]] = {}
    if state not in STATES:
        errors["state"] = ["未知的生命周期状态 (unknown lifecycle state)"]
    elif found.state == "retired":
        errors["state"] = [RETIRED_IS_FINAL]
    elif state not in next_states(found.state):
        allowed = "或".join(f"「{STATE_NAMES[s]}」" for s in next_states(found.state))
        errors["state"] = [
            f"不能从「{STATE_NAMES[found.state]}」变更为「{STATE_NAMES[state]}」，下一步只能是{allowed} "
            f"(cannot move from {found.state} to {state}; allowed: {', '.join(next_states(found.state))})"
        ]
    elif state == "released" and not found.component.builtin:
        for field, (label, column) in ATTACHMENTS.items():
            if getattr(found, column) is None:
                errors[field] = [f"发布前须上传{label} (upload the {field.replace('_', ' ')} before releasing)"]
    if errors:
        raise Invalid(f"Version {version} of {code} cannot move to {state}.", errors)
    found.state = state
    found.state_changed_at = utcnow()
    try:
        session.flush()
    except StaleDataError:
        raise _stale(found) from None
    from .packages import resolver  # released third-party types: this process sees the move at once

    resolver.forget()
    return found


@action("component.manage")
def component_version_attach(session: Session, actor: Actor, code: str, version: str, which: str,
                             stream: BinaryIO, filename: str, *, storage_path: str,
                             if_version: int | None = None) -> ComponentVersion:
    """Attach (or replace) a version's manual (`which="manual"`) or API document (`"api_doc"`).
    The content is sniffed (PDF, Word, Excel, plain text...), never trusted from the name."""
    if which not in ATTACHMENTS:
        raise NotFound(f"Unknown attachment {which}.")
    found = _version(session, code, version)
    check_version(found, if_version)
    if found.state == "retired":
        raise Invalid("A retired version cannot be changed.", {which: [RETIRED_IS_FINAL]})
    filename = "".join(ch for ch in (filename or "") if ch.isprintable())  # no NUL or control characters
    stored = save(session, stream, filename, kind="document", storage_path=storage_path,
                  created_by=actor.id, field=which)
    setattr(found, which, stored)
    try:
        session.flush()
    except StaleDataError:
        raise _stale(found) from None
    return found


# --- built-in components ------------------------------------------------------------------------


def _existing(session: Session, codes: set[str]) -> dict[str, Component]:
    """The components of these codes already in the table (versions loaded with them)."""
    return {c.code: c for c in session.scalars(select(Component).where(Component.code.in_(codes)))}


def _insert(session: Session, obj) -> bool:
    """Insert in a SAVEPOINT; False when a concurrent process inserted the same row first."""
    try:
        with session.begin_nested():
            session.add(obj)
    except IntegrityError:
        return False
    return True


def sync_builtins(session: Session) -> int:
    """Copy the component types declared in `components/` into the library: insert every missing
    (code, version), refresh the names, category and description of built-ins. Idempotent and
    safe when two processes run it at once (a concurrent insert is skipped). Lifecycle states set
    by managers (e.g. a retired built-in version) are kept. Returns how many versions it inserted.
    Does not commit."""
    types = components.component_types()
    inserted = 0
    with acting_as(session, Actor.system("components"), "sync_builtins"):
        by_code = _existing(session, {t.code for t in types})
        for t in types:
            component = by_code.get(t.code)
            if component is None:
                new = Component(code=t.code, name=t.name, name_en=t.name_en, category=t.category,
                                description=t.description, builtin=True, vendor="")
                if not _insert(session, new):  # another process was first: use its row
                    new = session.scalar(select(Component).where(Component.code == t.code))
                component = by_code[t.code] = new
            if not component.builtin:
                log.warning("component %s is registered as third-party; built-in %s not synced", t.code, t.ref)
                continue
            for attr in ("name", "name_en", "category", "description"):
                if getattr(component, attr) != getattr(t, attr):
                    setattr(component, attr, getattr(t, attr))
            existing = next((v for v in component.versions if v.semver == t.version), None)
            if existing is None:
                row = ComponentVersion(component_id=component.id, semver=t.version, state="released",
                                       props_schema=t.props_schema, state_changed_at=utcnow())
                if _insert(session, row):
                    inserted += 1
                session.expire(component, ["versions"])
            elif existing.props_schema != t.props_schema:
                existing.props_schema = t.props_schema
        session.flush()
    return inserted
