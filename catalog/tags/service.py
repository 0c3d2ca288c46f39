"""Tags, masking, grants and feedback (标签管理): plain functions taking a session and an actor.

Masking rule, applied on every read path (lists, detail, exports, `visible_values`):
a reader sees a tag's clear values only when the reader's department owns the tag
or holds an active grant for it (granted, not revoked, not past `expires_at`).
Nobody else does, whatever their roles. Searching values by their content is
offered only to readers who see them clear.

Versions: a draft changes freely; publishing stores revision 1 as a snapshot; a
published tag changes only through `tag_new_version`, which stores the next
snapshot. Deprecated tags keep working, but every value written to one comes back
with a warning. Rule texts (DSL) are stored, never evaluated here.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import and_, func, literal, or_, select, update
from sqlalchemy.orm import Session

from tongguan.accounts.models import Department, User
from tongguan.db import utcnow
from tongguan.errors import Conflict, Forbidden, Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import masking
from .models import (
    BUILTIN_SUBJECTS, MASKINGS, RESOURCE_SUBJECT, VALUE_TYPES, Tag, TagComment, TagFavourite, TagGrant, TagLike,
    TagRevision, TagSubject, TagType, TagValue,
)
from .ranking import WEIGHTS

MAX_OPTIONS = 200
MAX_TEXT_VALUE = 2000
DEFINITION_FIELDS = ("code", "name", "description", "subject_code", "type_id", "value_type", "allowed",
                     "owner_department_id", "rule_text", "masking", "masking_params")
VERSION_FIELDS = ("name", "description", "type_id", "value_type", "allowed", "owner_department_id", "rule_text",
                  "masking", "masking_params")


def _err(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# --- subjects and types ------------------------------------------------------------------------


def _ensure_builtin_subjects(session: Session) -> None:
    """The built-in subjects exist (they are also inserted by the migration; this puts them back
    in a database that was emptied)."""
    have = set(session.scalars(select(TagSubject.code).where(TagSubject.code.in_(list(BUILTIN_SUBJECTS)))))
    for order, (code, (zh, en)) in enumerate(BUILTIN_SUBJECTS.items()):
        if code not in have:
            session.add(TagSubject(code=code, name=zh, name_en=en, builtin=True, sort_order=1000 + order))
    session.flush()


@action("tag.read")
def tag_subject_list(session: Session, actor: Actor) -> list:
    """Every subject, built-in ones included, with the number of tags of each."""
    rows = list(session.scalars(select(TagSubject).order_by(TagSubject.sort_order, TagSubject.code)))
    codes = {s.code for s in rows}
    for order, (code, (zh, en)) in enumerate(BUILTIN_SUBJECTS.items()):
        if code not in codes:  # not written from a read: shown as if it existed, created on first use
            rows.append(TagSubject(code=code, name=zh, name_en=en, description="", builtin=True, sort_order=1000 + order))
    counts = dict(session.execute(select(Tag.subject_code, func.count(Tag.id)).where(_visible_state(actor))
                                  .group_by(Tag.subject_code)).all())
    for s in rows:
        s.tag_count = counts.get(s.code, 0)
    return rows


@action("tag.manage")
def tag_subject_create(session: Session, actor: Actor, data: dict) -> TagSubject:
    """Create a subject (诉求人, 企业 ...); its code is how values name it (`subject_code`)."""
    if data["code"] in BUILTIN_SUBJECTS or session.get(TagSubject, data["code"]) is not None:
        raise Invalid("The subject code is taken.", {"code": [f"主体编码 {data['code']} 已被使用 (code already in use)"]})
    subject = TagSubject(**data, builtin=False)
    session.add(subject)
    return subject


@action("tag.manage")
def tag_subject_update(session: Session, actor: Actor, code: str, data: dict) -> TagSubject:
    """Rename or describe a subject (its code never changes)."""
    subject = session.get(TagSubject, code)
    if subject is None:
        raise NotFound(f"Tag subject {code} does not exist.")
    data = {k: v for k, v in data.items() if k != "code"}
    for key, value in data.items():
        setattr(subject, key, value)
    return subject


@action("tag.read")
def tag_type_list(session: Session, actor: Actor, *, topic: str | None = None) -> list:
    """Tag types ordered by topic, with the number of tags in each."""
    stmt = select(TagType).order_by(TagType.topic, TagType.sort_order, TagType.code)
    if topic:
        stmt = stmt.where(TagType.topic == topic)
    types = list(session.scalars(stmt))
    counts = dict(session.execute(select(Tag.type_id, func.count(Tag.id)).where(_visible_state(actor))
                                  .group_by(Tag.type_id)).all())
    for t in types:
        t.tag_count = counts.get(t.id, 0)
    return types


def _check_type(session: Session, data: dict, tag_type: TagType | None = None) -> None:
    code = data.get("code")
    if code is not None:
        clash = session.scalar(select(TagType.id).where(TagType.code == code))
        if clash is not None and (tag_type is None or clash != tag_type.id):
            raise Invalid("The type code is taken.", {"code": [f"类型编码 {code} 已被使用 (code already in use)"]})


@action("tag.manage")
def tag_type_create(session: Session, actor: Actor, data: dict) -> TagType:
    """Create a tag type under a business topic (标签类型)."""
    _check_type(session, data)
    tag_type = TagType(**data)
    session.add(tag_type)
    return tag_type


@action("tag.manage")
def tag_type_update(session: Session, actor: Actor, type_id: int, data: dict) -> TagType:
    tag_type = session.get(TagType, type_id)
    if tag_type is None:
        raise NotFound(f"Tag type {type_id} does not exist.")
    _check_type(session, data, tag_type)
    for key, value in data.items():
        setattr(tag_type, key, value)
    return tag_type


# --- tag definitions ---------------------------------------------------------------------------


def _visible_state(actor: Actor):
    """Drafts are seen only by those who define tags."""
    return literal(True) if actor.can("tag.manage") else Tag.state != "draft"


def _tag(session: Session, actor: Actor, tag_id: int) -> Tag:
    tag = session.get(Tag, tag_id)
    if tag is None or (tag.state == "draft" and not actor.can("tag.manage")):
        raise NotFound(f"Tag {tag_id} does not exist.")
    return tag


def _number(raw) -> float | None:
    if isinstance(raw, bool) or raw is None:
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _check_allowed(value_type: str, allowed, errors: dict) -> dict:
    """The normalised `allowed` of a definition; problems go into `errors`."""
    allowed = allowed or {}
    if not isinstance(allowed, dict):
        _err(errors, "allowed", "取值范围格式不正确 (must be an object)")
        return {}
    if value_type == "enum":
        options = allowed.get("options")
        extra = set(allowed) - {"options"}
        if extra:
            _err(errors, "allowed", f"枚举型只能设置 options (unknown keys: {', '.join(sorted(extra))})")
        if not isinstance(options, list) or not options:
            _err(errors, "allowed", "枚举型标签至少需要一个可选值 (an enum needs at least one option)")
            return {}
        clean = []
        for opt in options:
            if not isinstance(opt, str) or not opt.strip() or len(opt.strip()) > 100:
                _err(errors, "allowed", "可选值须为 1-100 个字符的文本 (each option is 1-100 characters)")
                return {}
            clean.append(opt.strip())
        if len(clean) > MAX_OPTIONS:
            _err(errors, "allowed", f"可选值不能超过 {MAX_OPTIONS} 个 (at most {MAX_OPTIONS} options)")
        if len(set(clean)) != len(clean):
            _err(errors, "allowed", "可选值不能重复 (options must be unique)")
        return {"options": clean}
    if value_type == "number":
        extra = set(allowed) - {"min", "max"}
        if extra:
            _err(errors, "allowed", f"数值型只能设置 min 和 max (unknown keys: {', '.join(sorted(extra))})")
        out = {}
        for key in ("min", "max"):
            if allowed.get(key) is not None:
                num = _number(allowed[key])
                if num is None or isinstance(allowed[key], str):
                    _err(errors, "allowed", f"{'最小值' if key == 'min' else '最大值'}须为数字 ({key} must be a number)")
                else:
                    out[key] = num
        if "min" in out and "max" in out and out["min"] > out["max"]:
            _err(errors, "allowed", "最小值不能大于最大值 (min is greater than max)")
        return out
    if allowed:
        _err(errors, "allowed", "该值类型不设取值范围 (this value type takes no allowed values)")
    return {}


def _check_masking(policy: str, params, errors: dict) -> dict:
    params = params or {}
    if not isinstance(params, dict):
        _err(errors, "masking_params", "脱敏参数格式不正确 (must be an object)")
        return {}
    if policy != "custom":
        if params:
            _err(errors, "masking_params", "只有自定义脱敏需要参数 (only custom masking takes parameters)")
        return {}
    extra = set(params) - {"keep_first", "keep_last", "mask_char"}
    if extra:
        _err(errors, "masking_params", f"未知的脱敏参数 (unknown keys): {', '.join(sorted(extra))}")
    out = {}
    for key, label in (("keep_first", "保留前几位"), ("keep_last", "保留后几位")):
        value = params.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= masking.MAX_KEEP:
            _err(errors, "masking_params", f"{label}须为 0-{masking.MAX_KEEP} 的整数 ({key} is 0-{masking.MAX_KEEP})")
        else:
            out[key] = value
    char = params.get("mask_char", "*")
    if not isinstance(char, str) or len(char) != 1 or char.isspace() or char.isalnum():
        _err(errors, "masking_params", "掩码字符须为一个符号，如 * 或 # (mask_char is one symbol)")
    else:
        out["mask_char"] = char
    return out


def _check_definition(session: Session, actor: Actor, data: dict, tag: Tag | None = None) -> dict:
    """Validate a whole definition (`data` merged over the tag's current one); return it normalised."""
    errors: dict[str, list[str]] = {}
    merged = {k: getattr(tag, k) for k in DEFINITION_FIELDS} if tag is not None else {}
    merged.update(data)
    code = merged.get("code")
    if code is not None and (tag is None or code != tag.code):
        if session.scalar(select(Tag.id).where(Tag.code == code)) is not None:
            _err(errors, "code", f"标签编码 {code} 已被使用 (code already in use)")
    subject_code = merged.get("subject_code")
    if subject_code not in BUILTIN_SUBJECTS and session.get(TagSubject, subject_code) is None:
        _err(errors, "subject_code", f"标签主体 {subject_code} 不存在 (unknown subject)")
    if merged.get("type_id") is not None and session.get(TagType, merged["type_id"]) is None:
        _err(errors, "type_id", "标签类型不存在 (unknown tag type)")
    if merged.get("owner_department_id") is None:
        merged["owner_department_id"] = actor.department_id
    if merged.get("owner_department_id") is None:
        _err(errors, "owner_department_id", "请选择归属部门 (choose the owner department)")
    elif session.get(Department, merged["owner_department_id"]) is None:
        _err(errors, "owner_department_id", "归属部门不存在 (department does not exist)")
    value_type = merged.get("value_type")
    if value_type not in VALUE_TYPES:
        _err(errors, "value_type", "未知的值类型 (unknown value type)")
    else:
        merged["allowed"] = _check_allowed(value_type, merged.get("allowed"), errors)
    policy = merged.get("masking") or "none"
    if policy not in MASKINGS:
        _err(errors, "masking", "未知的脱敏策略 (unknown masking policy)")
    else:
        merged["masking"] = policy
        merged["masking_params"] = _check_masking(policy, merged.get("masking_params"), errors)
    if errors:
        raise Invalid("The tag definition is not valid.", errors)
    if subject_code in BUILTIN_SUBJECTS:
        _ensure_builtin_subjects(session)
    return merged


def _snapshot(tag: Tag) -> dict:
    return {k: getattr(tag, k) for k in DEFINITION_FIELDS} | {"state": tag.state}


def _rank_columns():
    """Correlated counts per tag and the rank score (docs/tags.md)."""
    def count(model, key):
        return select(func.count()).select_from(model).where(key == Tag.id).correlate(Tag).scalar_subquery()

    apps = count(TagGrant, TagGrant.tag_id)
    favs = count(TagFavourite, TagFavourite.tag_id)
    likes = count(TagLike, TagLike.tag_id)
    comments = count(TagComment, TagComment.tag_id)
    score = (WEIGHTS["applications"] * apps + WEIGHTS["favourites"] * favs + WEIGHTS["likes"] * likes
             + WEIGHTS["comments"] * comments + WEIGHTS["views"] * Tag.view_count)
    return apps.label("applications"), favs.label("favourites"), likes.label("likes"), \
        comments.label("comments"), score.label("score")


def _attach_counts(tag: Tag, apps, favs, likes, comments, score) -> Tag:
    tag.applications, tag.favourites, tag.likes, tag.comments = apps or 0, favs or 0, likes or 0, comments or 0
    tag.score = round(float(score or 0), 1)
    return tag


def _clear_ids(session: Session, actor: Actor, tags) -> set[int]:
    """Of `tags` (objects or rows with id, owner_department_id, masking), those whose values the
    actor sees clear: unmasked tags, tags of the actor's department, tags with an active grant."""
    clear, ask = set(), []
    for t in tags:
        if t.masking == "none" or (actor.department_id is not None and t.owner_department_id == actor.department_id):
            clear.add(t.id)
        else:
            ask.append(t.id)
    if ask and actor.department_id is not None:
        clear |= set(session.scalars(select(TagGrant.tag_id).where(
            TagGrant.tag_id.in_(ask), TagGrant.department_id == actor.department_id, _active_grant())))
    return clear


def _active_grant():
    return and_(TagGrant.state == "granted", or_(TagGrant.expires_at.is_(None), TagGrant.expires_at > utcnow()))


def clear_tag_ids(session: Session, actor: Actor, tag_ids: list[int]) -> set[int]:
    """Which of `tag_ids` the actor may see (and search, and facet) clear. For other packages
    that join `tag_value` themselves: never filter or facet on a value outside this set."""
    rows = session.execute(select(Tag.id, Tag.owner_department_id, Tag.masking).where(Tag.id.in_(tag_ids))).all()
    return _clear_ids(session, actor, rows)


@action("tag.read")
def tag_list(session: Session, actor: Actor, *, q=None, subject=None, type_id=None, topic=None, state=None,
             owner_department_id=None, sort="rank", page=1, per_page=50) -> Page:
    """Search tags and rank them.

    :param q: substring of the code, the name or the description
    :param subject: subject code; :param type_id: tag type; :param topic: business topic of the type
    :param state: draft (only for tag.manage), published or deprecated
    :param sort: rank (score, see docs/tags.md), updated, code or name
    """
    apps, favs, likes, comments, score = _rank_columns()
    stmt = select(Tag, apps, favs, likes, comments, score).where(_visible_state(actor))
    if q:
        stmt = stmt.where(or_(Tag.code.icontains(q, autoescape=True), Tag.name.icontains(q, autoescape=True),
                              Tag.description.icontains(q, autoescape=True)))
    if subject:
        stmt = stmt.where(Tag.subject_code == subject)
    if type_id is not None:
        stmt = stmt.where(Tag.type_id == type_id)
    if topic:
        stmt = stmt.where(Tag.type_id.in_(select(TagType.id).where(TagType.topic == topic)))
    if state:
        stmt = stmt.where(Tag.state == state)
    if owner_department_id is not None:
        stmt = stmt.where(Tag.owner_department_id == owner_department_id)
    order = {"rank": (score.desc(), Tag.id.desc()), "updated": (Tag.updated_at.desc(), Tag.id.desc()),
             "code": (Tag.code,), "name": (Tag.name, Tag.id)}[sort or "rank"]
    stmt = stmt.order_by(*order)
    total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Tag.id).order_by(None).subquery()))
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    tags = [_attach_counts(*row) for row in rows]
    _attach_my_feedback(session, actor, tags)
    return Page(tags, total or 0, page, per_page)


def _attach_my_feedback(session: Session, actor: Actor, tags: list[Tag]) -> None:
    ids = [t.id for t in tags]
    liked = favourite = set()
    if ids and actor.id is not None:
        liked = set(session.scalars(select(TagLike.tag_id).where(TagLike.user_id == actor.id, TagLike.tag_id.in_(ids))))
        favourite = set(session.scalars(select(TagFavourite.tag_id).where(
            TagFavourite.user_id == actor.id, TagFavourite.tag_id.in_(ids))))
    clear = _clear_ids(session, actor, tags) if tags else set()
    for t in tags:
        t.liked, t.favourited, t.clear = t.id in liked, t.id in favourite, t.id in clear


def _detail(session: Session, actor: Actor, tag_id: int) -> Tag:
    tag = _tag(session, actor, tag_id)
    apps, favs, likes, comments, score = _rank_columns()
    row = session.execute(select(apps, favs, likes, comments, score).select_from(Tag).where(Tag.id == tag.id)).one()
    _attach_counts(tag, *row)
    _attach_my_feedback(session, actor, [tag])
    tag.my_grant = None
    if actor.department_id is not None:
        tag.my_grant = session.scalar(select(TagGrant).where(
            TagGrant.tag_id == tag.id, TagGrant.department_id == actor.department_id)
            .order_by(TagGrant.created_at.desc(), TagGrant.id.desc()).limit(1))
        if tag.my_grant is not None:
            tag.my_grant.status = tag.my_grant.status_at(utcnow())
    tag.value_count = session.scalar(select(func.count()).select_from(TagValue).where(TagValue.tag_id == tag.id))
    return tag


@action("tag.read")
def tag_get(session: Session, actor: Actor, tag_id: int) -> Tag:
    """One tag with its counts, the actor's like/favourite, whether the actor sees values clear,
    and the actor's department's latest application."""
    return _detail(session, actor, tag_id)


@action("tag.read")
def tag_view(session: Session, actor: Actor, tag_id: int) -> Tag:
    """Like `tag_get`, and count one view (the detail page calls this)."""
    tag = _tag(session, actor, tag_id)
    # Bookkeeping, not a change of the definition: a Core update that leaves version and updated_at alone.
    session.execute(update(Tag).where(Tag.id == tag.id)
                    .values(view_count=Tag.view_count + 1, updated_at=Tag.updated_at)
                    .execution_options(synchronize_session=False))
    session.refresh(tag, ["view_count"])
    return _detail(session, actor, tag_id)


@action("tag.manage")
def tag_create(session: Session, actor: Actor, data: dict) -> Tag:
    """Create a draft tag. `owner_department_id` defaults to the actor's department."""
    merged = _check_definition(session, actor, data)
    tag = Tag(**merged, state="draft", revision=1, created_by=actor.id)
    session.add(tag)
    session.flush()
    return _detail(session, actor, tag.id)


@action("tag.manage")
def tag_update(session: Session, actor: Actor, tag_id: int, data: dict, if_version: int | None = None) -> Tag:
    """Change a draft. A published or deprecated tag changes only by `tag_new_version`."""
    tag = _tag(session, actor, tag_id)
    check_version(tag, if_version)
    if tag.state != "draft":
        raise Conflict("已发布的标签不能直接修改，请创建新版本 (a published tag changes only by a new version)")
    merged = _check_definition(session, actor, data, tag)
    for key in DEFINITION_FIELDS:
        setattr(tag, key, merged[key])
    session.flush()
    return _detail(session, actor, tag.id)


@action("tag.manage")
def tag_delete(session: Session, actor: Actor, tag_id: int, if_version: int | None = None) -> None:
    """Delete a draft (a published tag is deprecated instead, never deleted)."""
    tag = _tag(session, actor, tag_id)
    check_version(tag, if_version)
    if tag.state != "draft":
        raise Conflict("只能删除草稿状态的标签；已发布的标签请停用 (only drafts can be deleted; deprecate instead)")
    session.delete(tag)


@action("tag.manage")
def tag_publish(session: Session, actor: Actor, tag_id: int, if_version: int | None = None) -> Tag:
    """Publish a draft: its definition becomes revision 1, kept as a snapshot."""
    tag = _tag(session, actor, tag_id)
    check_version(tag, if_version)
    if tag.state != "draft":
        raise Conflict("只有草稿可以发布 (only a draft can be published)")
    tag.state, tag.published_at = "published", utcnow()
    session.add(TagRevision(tag_id=tag.id, revision=tag.revision, definition=_snapshot(tag), note="发布",
                            created_by=actor.id))
    session.flush()
    return _detail(session, actor, tag.id)


@action("tag.manage")
def tag_deprecate(session: Session, actor: Actor, tag_id: int, if_version: int | None = None) -> Tag:
    """Deprecate a published tag: values stay readable and writable, with a warning."""
    tag = _tag(session, actor, tag_id)
    check_version(tag, if_version)
    if tag.state != "published":
        raise Conflict("只有已发布的标签可以停用 (only a published tag can be deprecated)")
    tag.state, tag.deprecated_at = "deprecated", utcnow()
    session.flush()
    return _detail(session, actor, tag.id)


@action("tag.manage")
def tag_new_version(session: Session, actor: Actor, tag_id: int, data: dict, if_version: int | None = None) -> Tag:
    """Change a published tag by creating its next revision (the old one stays in the history).

    Refused when nothing changes, or when values already attached would break the new
    definition (another value type, a removed option, a value outside the new range)."""
    tag = _tag(session, actor, tag_id)
    check_version(tag, if_version)
    if tag.state != "published":
        raise Conflict("只有已发布的标签可以创建新版本 (only a published tag gets new versions)")
    data = dict(data)
    note = data.pop("note", "") or ""
    changes = {k: v for k, v in data.items() if k in VERSION_FIELDS}
    merged = _check_definition(session, actor, changes, tag)
    if all(merged[k] == getattr(tag, k) for k in VERSION_FIELDS):
        raise Invalid("Nothing changed.", {"_schema": ["新版本与当前版本没有差别 (the new version changes nothing)"]})
    errors: dict[str, list[str]] = {}
    values = select(func.count()).select_from(TagValue).where(TagValue.tag_id == tag.id)
    if merged["value_type"] != tag.value_type and session.scalar(values):
        _err(errors, "value_type", "标签已有取值，不能修改值类型 (values exist: the value type cannot change)")
    elif merged["value_type"] == "enum":
        bad = session.scalar(values.where(TagValue.value.not_in(merged["allowed"]["options"])))
        if bad:
            _err(errors, "allowed", f"有 {bad} 个已有取值不在新的可选值中 ({bad} existing values are not among the options)")
    elif merged["value_type"] == "number":
        lo, hi = merged["allowed"].get("min"), merged["allowed"].get("max")
        conds = ([TagValue.value_num < lo] if lo is not None else []) + ([TagValue.value_num > hi] if hi is not None else [])
        bad = session.scalar(values.where(or_(*conds))) if conds else 0
        if bad:
            _err(errors, "allowed", f"有 {bad} 个已有取值超出新的范围 ({bad} existing values are out of the new range)")
    if errors:
        raise Invalid("The new version would break existing values.", errors)
    for key in VERSION_FIELDS:
        setattr(tag, key, merged[key])
    tag.revision += 1
    session.add(TagRevision(tag_id=tag.id, revision=tag.revision, definition=_snapshot(tag), note=note,
                            created_by=actor.id))
    session.flush()
    return _detail(session, actor, tag.id)


@action("tag.read")
def tag_revision_list(session: Session, actor: Actor, tag_id: int) -> list[TagRevision]:
    """The published revisions of a tag, newest first."""
    tag = _tag(session, actor, tag_id)
    return list(session.scalars(select(TagRevision).where(TagRevision.tag_id == tag.id)
                                .order_by(TagRevision.revision.desc())))


# --- values --------------------------------------------------------------------------------------


def parse_value(tag: Tag, raw) -> tuple[str, float | None]:
    """(canonical text, number for range filters) of `raw` for `tag`, or Invalid."""
    def bad(message: str):
        return Invalid("The value is not valid for this tag.", {"value": [message]})

    vt, allowed = tag.value_type, tag.allowed or {}
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise bad("请输入取值 (a value is required)")
    if vt == "enum":
        text = str(raw).strip() if not isinstance(raw, bool) else ""
        if text not in allowed.get("options", []):
            raise bad(f"取值须为以下之一 (must be one of): {'、'.join(allowed.get('options', []))}")
        return text, None
    if vt == "number":
        num = _number(raw)
        if num is None:
            raise bad("取值须为数字 (must be a number)")
        if allowed.get("min") is not None and num < allowed["min"]:
            raise bad(f"取值不能小于 {_num_text(allowed['min'])} (below the minimum)")
        if allowed.get("max") is not None and num > allowed["max"]:
            raise bad(f"取值不能大于 {_num_text(allowed['max'])} (above the maximum)")
        return _num_text(num), num
    if vt == "boolean":
        if isinstance(raw, bool):
            flag = raw
        else:
            text = str(raw).strip().lower()
            if text in ("true", "1", "是", "yes"):
                flag = True
            elif text in ("false", "0", "否", "no"):
                flag = False
            else:
                raise bad("取值须为 是/否 (must be true or false)")
        return ("true" if flag else "false"), (1.0 if flag else 0.0)
    if vt == "date":
        try:
            day = dt.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise bad("日期格式须为 YYYY-MM-DD (must be a date, YYYY-MM-DD)") from None
        return day.isoformat(), float(day.toordinal())
    text = str(raw).strip() if not isinstance(raw, bool) else str(raw).lower()
    if len(text) > MAX_TEXT_VALUE:
        raise bad(f"取值不能超过 {MAX_TEXT_VALUE} 个字符 (too long)")
    return text, None


def _num_text(num: float) -> str:
    return str(int(num)) if float(num).is_integer() and abs(num) < 1e15 else repr(float(num))


def _check_subject(session: Session, tag: Tag, subject_code: str, subject_key: str) -> str:
    errors: dict[str, list[str]] = {}
    key = (subject_key or "").strip()
    if subject_code != tag.subject_code:
        _err(errors, "subject", f"该标签属于主体 {tag.subject_code} (the tag belongs to subject {tag.subject_code})")
    if not key or len(key) > 128 or any(ord(c) < 32 for c in key):
        _err(errors, "key", "主体标识须为 1-128 个字符 (key is 1-128 characters)")
    elif subject_code == RESOURCE_SUBJECT == tag.subject_code:
        from catalog.resources.models import Resource

        res = session.get(Resource, int(key)) if key.isdigit() and len(key) < 10 else None
        if res is None or res.deleted_at is not None:
            _err(errors, "key", f"资源 {key} 不存在 (resource does not exist)")
    if errors:
        raise Invalid("The subject is not valid.", errors)
    return key


def _deprecation_warning(tag: Tag) -> str:
    return f"标签“{tag.name}”已停用，请改用其他标签 (tag {tag.code} is deprecated)"


@action("tag.manage")
def set_value(session: Session, actor: Actor, tag_id: int, subject_code: str, subject_key: str, value
              ) -> tuple[TagValue, list[str]]:
    """Attach (or replace) `tag`'s value for one subject. Validated by the tag's value type and
    allowed values; a draft cannot get values; a deprecated tag works but returns a warning.
    For catalog resources `subject_code` is "resource" and `subject_key` is str(resource id)."""
    tag = _tag(session, actor, tag_id)
    if tag.state == "draft":
        raise Conflict("草稿状态的标签不能设置取值，请先发布 (a draft tag cannot get values; publish it first)")
    key = _check_subject(session, tag, subject_code, subject_key)
    text, num = parse_value(tag, value)
    warnings = [_deprecation_warning(tag)] if tag.state == "deprecated" else []
    row = session.scalar(select(TagValue).where(TagValue.tag_id == tag.id, TagValue.subject_code == subject_code,
                                                TagValue.subject_key == key))
    if row is None:
        row = TagValue(tag_id=tag.id, subject_code=subject_code, subject_key=key, value=text, value_num=num,
                       updated_by=actor.id)
        session.add(row)
    elif row.value != text or row.value_num != num:
        row.value, row.value_num, row.updated_by = text, num, actor.id
    session.flush()
    return row, warnings


@action("tag.manage")
def clear_value(session: Session, actor: Actor, tag_id: int, subject_code: str, subject_key: str) -> None:
    """Remove a subject's value of a tag."""
    tag = _tag(session, actor, tag_id)
    row = session.scalar(select(TagValue).where(TagValue.tag_id == tag.id, TagValue.subject_code == subject_code,
                                                TagValue.subject_key == subject_key))
    if row is None:
        raise NotFound("The subject has no value of this tag.")
    session.delete(row)


def shown_value(tag, value: str, clear: bool) -> tuple[str, bool]:
    """(what the reader sees, whether it is masked)."""
    if clear or tag.masking == "none":
        return value, False
    return masking.mask(value, tag.masking, tag.masking_params), True


def value_view(tag, row: TagValue, clear: bool) -> dict:
    """A value as a reader sees it (masked unless `clear`)."""
    shown, masked = shown_value(tag, row.value, clear)
    return {"id": row.id, "tag_id": tag.id, "code": tag.code, "name": tag.name, "value": shown, "masked": masked,
            "state": tag.state, "value_type": tag.value_type, "masking": tag.masking,
            "subject_code": row.subject_code, "subject_key": row.subject_key, "updated_at": row.updated_at}


@action("tag.read")
def visible_values(session: Session, actor: Actor, subject_code: str, keys: list[str]) -> dict[str, list[dict]]:
    """The tag values of many subjects as `actor` may see them: the contract other packages call
    (resource search and export, reports). Two queries however many keys.

    Returns {key: [{"tag_id", "code", "name", "value" (masked or clear, a string), "masked", "state"}]}
    with every asked key present (an empty list when it has no values), tags in code order."""
    keys = list(dict.fromkeys(str(k) for k in keys))
    out: dict[str, list[dict]] = {k: [] for k in keys}
    if not keys:
        return out
    rows = []
    for start in range(0, len(keys), 900):  # stay under every engine's bound-parameter limit
        chunk = keys[start:start + 900]
        rows += session.execute(
            select(TagValue.subject_key, TagValue.value, Tag.id, Tag.code, Tag.name, Tag.state, Tag.masking,
                   Tag.masking_params, Tag.owner_department_id)
            .join(Tag, Tag.id == TagValue.tag_id)
            .where(TagValue.subject_code == subject_code, TagValue.subject_key.in_(chunk), Tag.state != "draft")
            .order_by(Tag.code, TagValue.subject_key)).all()
    clear = _clear_ids(session, actor, {r.id: r for r in rows}.values())
    for r in rows:
        shown, masked = shown_value(r, r.value, r.id in clear)
        out[r.subject_key].append({"tag_id": r.id, "code": r.code, "name": r.name, "value": shown,
                                   "masked": masked, "state": r.state})
    return out


@action("tag.read")
def subject_values(session: Session, actor: Actor, subject_code: str, subject_key: str) -> list[dict]:
    """Every tag value of one subject (masked unless the actor may see them clear)."""
    rows = session.execute(select(TagValue, Tag).join(Tag, Tag.id == TagValue.tag_id).where(
        TagValue.subject_code == subject_code, TagValue.subject_key == subject_key, Tag.state != "draft")
        .order_by(Tag.code)).all()
    clear = _clear_ids(session, actor, {t.id: t for _, t in rows}.values())
    return [value_view(t, v, t.id in clear) for v, t in rows]


@action("tag.read")
def tag_values_list(session: Session, actor: Actor, tag_id: int, *, q=None, key=None, page=1, per_page=50) -> Page:
    """The subjects having a tag, with their values (masked unless granted).

    :param key: subject keys starting with this text
    :param q: substring of the clear value; only for readers who see the values clear,
        so that a masked value cannot be found out by searching for it
    """
    tag = _tag(session, actor, tag_id)
    clear = tag.id in _clear_ids(session, actor, [tag])
    stmt = select(TagValue).where(TagValue.tag_id == tag.id).order_by(TagValue.subject_key, TagValue.id)
    if q:
        if not clear:
            raise Forbidden("该标签的取值已脱敏，不能按取值搜索；请先申请授权 (values are masked: searching them needs a grant)")
        stmt = stmt.where(TagValue.value.icontains(q, autoescape=True))
    if key:
        stmt = stmt.where(TagValue.subject_key.startswith(key, autoescape=True))
    result = paginate(session, stmt, page, per_page)
    result.items = [value_view(tag, row, clear) for row in result.items]
    return result


@dataclass
class Export:
    tag: Tag
    masked: bool
    rows: Iterator[dict]


@action("tag.read")
def tag_values_export(session: Session, actor: Actor, tag_id: int) -> Export:
    """All values of a tag for a file export, masked exactly as in `tag_values_list`."""
    tag = _tag(session, actor, tag_id)
    clear = tag.id in _clear_ids(session, actor, [tag])
    stmt = (select(TagValue).where(TagValue.tag_id == tag.id).order_by(TagValue.subject_key, TagValue.id)
            .execution_options(yield_per=1000))

    def rows():
        for row in session.scalars(stmt):
            yield value_view(tag, row, clear)

    return Export(tag, not clear and tag.masking != "none", rows())


# --- grants --------------------------------------------------------------------------------------


def _future(value: dt.datetime | None, field: str, errors: dict) -> None:
    if value is not None and value <= utcnow():
        _err(errors, field, "到期时间须晚于现在 (the expiry must be in the future)")


@action("tag.apply")
def grant_apply(session: Session, actor: Actor, tag_id: int, data: dict) -> TagGrant:
    """Apply, for the actor's own department, to see and use a tag's values (标签授权申请).

    Refused (409) while an application of the department is pending or a grant is active."""
    tag = _tag(session, actor, tag_id)
    errors: dict[str, list[str]] = {}
    if actor.department_id is None:
        _err(errors, "department", "您不属于任何部门，无法申请 (you belong to no department)")
    elif tag.owner_department_id == actor.department_id:
        _err(errors, "department", "本部门是该标签的归属部门，无需申请 (your department owns this tag)")
    if tag.state == "draft":
        _err(errors, "tag", "草稿状态的标签不能申请 (a draft cannot be applied for)")
    if not (data.get("reason") or "").strip():
        _err(errors, "reason", "请填写申请理由 (give a reason)")
    _future(data.get("wanted_expires_at"), "wanted_expires_at", errors)
    if errors:
        raise Invalid("The application is not valid.", errors)
    existing = list(session.scalars(select(TagGrant).where(
        TagGrant.tag_id == tag.id, TagGrant.department_id == actor.department_id,
        or_(TagGrant.state == "pending", _active_grant()))))
    if any(g.state == "pending" for g in existing):
        raise Conflict("本部门已有待审批的申请，请勿重复申请 (an application of your department is pending)")
    if existing:
        raise Conflict("本部门已获得该标签的授权 (your department already holds an active grant)")
    grant = TagGrant(tag_id=tag.id, department_id=actor.department_id, applicant_id=actor.id,
                     reason=data["reason"].strip(), wanted_expires_at=data.get("wanted_expires_at"), state="pending")
    session.add(grant)
    session.flush()
    grant.status = "pending"
    return grant


def _grant(session: Session, grant_id: int) -> TagGrant:
    grant = session.get(TagGrant, grant_id)
    if grant is None:
        raise NotFound(f"Tag grant {grant_id} does not exist.")
    return grant


@action("tag.approve")
def grant_decide(session: Session, actor: Actor, grant_id: int, data: dict) -> TagGrant:
    """Grant (`approve` true) or refuse a pending application, with a note (required to refuse).

    A grant runs until `expires_at`, else until the applicant's wanted expiry, else until revoked."""
    grant = _grant(session, grant_id)
    if grant.state != "pending":
        raise Conflict("该申请已处理 (the application was already decided)")
    errors: dict[str, list[str]] = {}
    note = (data.get("note") or "").strip()
    approve = data["approve"]
    expires = None
    if approve:
        expires = data.get("expires_at") or grant.wanted_expires_at
        _future(expires, "expires_at", errors)
    elif not note:
        _err(errors, "note", "拒绝时请填写理由 (give a reason for refusing)")
    if errors:
        raise Invalid("The decision is not valid.", errors)
    grant.state = "granted" if approve else "refused"
    grant.decided_by, grant.decided_at, grant.decision_note, grant.expires_at = actor.id, utcnow(), note, expires
    session.flush()
    session.refresh(grant, ["decider"])
    grant.status = grant.status_at(utcnow())
    return grant


@action("tag.approve")
def grant_revoke(session: Session, actor: Actor, grant_id: int, note: str = "") -> TagGrant:
    """Revoke a grant: the department sees masked values again at once."""
    grant = _grant(session, grant_id)
    if grant.state != "granted":
        raise Conflict("只能撤销已授权的申请 (only a granted application can be revoked)")
    grant.state, grant.revoked_by, grant.revoked_at = "revoked", actor.id, utcnow()
    if note:
        grant.decision_note = note.strip()
    session.flush()
    grant.status = "revoked"
    return grant


@action("tag.read")
def grant_list(session: Session, actor: Actor, *, tag_id=None, status=None, department_id=None, mine=False,
               page=1, per_page=50) -> Page:
    """Applications and grants, newest first.

    :param status: pending, granted (active), expired, refused or revoked
    :param mine: only the actor's department's
    """
    now = utcnow()
    stmt = select(TagGrant).order_by(TagGrant.created_at.desc(), TagGrant.id.desc())
    if tag_id is not None:
        _tag(session, actor, tag_id)
        stmt = stmt.where(TagGrant.tag_id == tag_id)
    if mine:
        department_id = actor.department_id if actor.department_id is not None else -1
    if department_id is not None:
        stmt = stmt.where(TagGrant.department_id == department_id)
    if status == "granted":
        stmt = stmt.where(_active_grant())
    elif status == "expired":
        stmt = stmt.where(TagGrant.state == "granted", TagGrant.expires_at <= now)
    elif status:
        stmt = stmt.where(TagGrant.state == status)
    result = paginate(session, stmt, page, per_page)
    for g in result.items:
        g.status = g.status_at(now)
    return result


# --- feedback --------------------------------------------------------------------------------------


def _feedback_target(session: Session, actor: Actor, tag_id: int) -> Tag:
    if actor.id is None:
        raise Invalid("Feedback needs a user.", {"user": ["只有用户可以反馈 (only users give feedback)"]})
    tag = _tag(session, actor, tag_id)
    if tag.state == "draft":
        raise Conflict("草稿状态的标签不能反馈 (a draft takes no feedback)")
    return tag


@action("tag.apply")
def tag_like(session: Session, actor: Actor, tag_id: int, on: bool = True) -> Tag:
    """Like (or with on=False unlike) a tag; doing it twice changes nothing."""
    tag = _feedback_target(session, actor, tag_id)
    row = session.get(TagLike, (tag.id, actor.id))
    if on and row is None:
        session.add(TagLike(tag_id=tag.id, user_id=actor.id))
    elif not on and row is not None:
        session.delete(row)
    session.flush()
    return _detail(session, actor, tag.id)


@action("tag.apply")
def tag_favourite(session: Session, actor: Actor, tag_id: int, on: bool = True) -> Tag:
    """Favourite (or with on=False unfavourite) a tag; it then shows on 我的收藏."""
    tag = _feedback_target(session, actor, tag_id)
    row = session.get(TagFavourite, (tag.id, actor.id))
    if on and row is None:
        session.add(TagFavourite(tag_id=tag.id, user_id=actor.id))
    elif not on and row is not None:
        session.delete(row)
    session.flush()
    return _detail(session, actor, tag.id)


@action("tag.read")
def favourite_list(session: Session, actor: Actor, *, page=1, per_page=50) -> Page:
    """The actor's favourite tags, most recently favourited first."""
    apps, favs, likes, comments, score = _rank_columns()
    stmt = (select(Tag, apps, favs, likes, comments, score, TagFavourite.created_at)
            .join(TagFavourite, and_(TagFavourite.tag_id == Tag.id, TagFavourite.user_id == (actor.id or -1)))
            .where(_visible_state(actor)).order_by(TagFavourite.created_at.desc(), Tag.id.desc()))
    total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Tag.id).order_by(None).subquery()))
    rows = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    tags = []
    for *counts, at in rows:
        tag = _attach_counts(*counts)
        tag.favourited_at = at
        tags.append(tag)
    _attach_my_feedback(session, actor, tags)
    return Page(tags, total or 0, page, per_page)


@action("tag.read")
def comment_list(session: Session, actor: Actor, tag_id: int, *, page=1, per_page=50) -> Page:
    """A tag's comments, newest first."""
    tag = _tag(session, actor, tag_id)
    stmt = select(TagComment).where(TagComment.tag_id == tag.id).order_by(TagComment.created_at.desc(),
                                                                           TagComment.id.desc())
    result = paginate(session, stmt, page, per_page)
    for c in result.items:
        c.mine = c.user_id is not None and c.user_id == actor.id
    return result


@action("tag.apply")
def comment_create(session: Session, actor: Actor, tag_id: int, body: str) -> TagComment:
    """Comment on a tag (评价)."""
    tag = _feedback_target(session, actor, tag_id)
    body = (body or "").strip()
    if not body:
        raise Invalid("The comment is empty.", {"body": ["请输入评论内容 (write something)"]})
    user = session.get(User, actor.id)
    comment = TagComment(tag_id=tag.id, user_id=actor.id, author_name=user.display_name if user else actor.username,
                         body=body)
    session.add(comment)
    session.flush()
    comment.mine = True
    return comment


@action("tag.apply")
def comment_delete(session: Session, actor: Actor, comment_id: int) -> None:
    """Delete one's own comment (those who manage tags may delete any)."""
    comment = session.get(TagComment, comment_id)
    if comment is None:
        raise NotFound(f"Comment {comment_id} does not exist.")
    if comment.user_id != actor.id and not actor.can("tag.manage"):
        raise Forbidden("只能删除自己的评论 (you can delete only your own comments)")
    session.delete(comment)


# --- demo -----------------------------------------------------------------------------------------

DEMO_SUBJECTS = [
    ("complainant", "诉求人", "Complainant", "12345 热线等渠道的诉求提出人"),
    ("enterprise", "企业", "Enterprise", "在本市登记的企业和个体工商户"),
    ("event", "事件", "Event", "城市运行事件与工单"),
    ("address", "地址", "Address", "标准地址"),
    ("vehicle", "车辆", "Vehicle", "机动车与渣土车等营运车辆"),
]
DEMO_TYPES = [
    ("basic-info", "基本信息", "民生诉求", "诉求人的身份与联系方式"),
    ("complaint-behaviour", "诉求行为", "民生诉求", "诉求频次、重复投诉等"),
    ("credit", "信用评价", "企业信用", "企业信用等级与风险"),
    ("event-feature", "事件特征", "事件处置", "事件的紧急程度、类别"),
    ("vehicle-regulation", "车辆监管", "渣土车治理", "渣土车、营运车辆的监管标签"),
    ("data-quality", "数据质量", "数字资源治理", "数字资源的质量与更新情况"),
]
# code, name, subject, type, value_type, allowed, masking, params, description
DEMO_TAGS = [
    ("complainant.phone", "手机号", "complainant", "basic-info", "text", {}, "phone", {}, "诉求人的联系手机号"),
    ("complainant.id_number", "身份证号", "complainant", "basic-info", "text", {}, "id_number", {}, "诉求人的公民身份号码"),
    ("complainant.name", "姓名", "complainant", "basic-info", "text", {}, "name", {}, "诉求人姓名"),
    ("complainant.address", "住址", "complainant", "basic-info", "text", {}, "address", {}, "诉求人的居住地址"),
    ("complainant.age_band", "年龄段", "complainant", "basic-info", "enum",
     {"options": ["18岁以下", "18-35岁", "36-60岁", "60岁以上"]}, "none", {}, "按身份证推算的年龄段"),
    ("complainant.repeat", "重复投诉", "complainant", "complaint-behaviour", "boolean", {}, "none", {},
     "30 天内就同一事项投诉 3 次及以上"),
    ("complainant.calls_30d", "近30天来电次数", "complainant", "complaint-behaviour", "number", {"min": 0}, "none", {},
     "近 30 天拨打 12345 的次数"),
    ("enterprise.credit", "信用等级", "enterprise", "credit", "enum", {"options": ["A", "B", "C", "D"]}, "none", {},
     "公共信用综合评价等级"),
    ("enterprise.legal_phone", "法人联系电话", "enterprise", "credit", "text", {}, "phone", {}, "法定代表人联系电话"),
    ("enterprise.risk", "安全生产风险", "enterprise", "credit", "enum", {"options": ["低", "一般", "较高", "高"]}, "none", {},
     "安全生产风险分级"),
    ("event.urgency", "紧急程度", "event", "event-feature", "enum", {"options": ["一般", "紧急", "特急"]}, "none", {},
     "事件的紧急程度"),
    ("event.public_opinion", "舆情风险", "event", "event-feature", "boolean", {}, "none", {}, "可能引发舆情的事件"),
    ("address.grid", "所属网格", "address", "event-feature", "text", {}, "none", {}, "地址所属的网格编码"),
    ("vehicle.plate", "车牌号", "vehicle", "vehicle-regulation", "text", {}, "custom",
     {"keep_first": 2, "keep_last": 1, "mask_char": "*"}, "车辆号牌"),
    ("vehicle.muck_truck", "渣土车", "vehicle", "vehicle-regulation", "boolean", {}, "none", {}, "是否为核准的渣土运输车辆"),
    ("vehicle.violations_90d", "近90天违规次数", "vehicle", "vehicle-regulation", "number", {"min": 0}, "none", {},
     "近 90 天的违规记录数"),
    ("resource.quality", "数据质量等级", "resource", "data-quality", "enum", {"options": ["优", "良", "中", "差"]}, "none", {},
     "按完整性、准确性、一致性评定"),
    ("resource.timeliness", "更新及时性", "resource", "data-quality", "enum", {"options": ["及时", "基本及时", "滞后"]},
     "none", {}, "按更新周期检查的及时程度"),
    ("resource.last_checked", "最近核查日期", "resource", "data-quality", "date", {}, "none", {}, "最近一次数据质量核查的日期"),
    ("resource.completeness", "完整率", "resource", "data-quality", "number", {"min": 0, "max": 100}, "none", {},
     "必填字段的完整率（%）"),
]
DEMO_VALUES = [
    ("complainant", "P0001", {"complainant.phone": "13812341234", "complainant.id_number": "110101199003071234",
                              "complainant.name": "张三", "complainant.address": "临江市江东区滨湖街道12号",
                              "complainant.age_band": "36-60岁", "complainant.repeat": True,
                              "complainant.calls_30d": 4}),
    ("complainant", "P0002", {"complainant.phone": "13998765432", "complainant.id_number": "110105198512120021",
                              "complainant.name": "欧阳娜娜", "complainant.address": "临江市江西区古楼街道青石巷8号",
                              "complainant.age_band": "18-35岁", "complainant.repeat": False,
                              "complainant.calls_30d": 1}),
    ("enterprise", "91330100MA2H000001", {"enterprise.credit": "A", "enterprise.legal_phone": "13700001111",
                                          "enterprise.risk": "低"}),
    ("enterprise", "91330100MA2H000002", {"enterprise.credit": "C", "enterprise.legal_phone": "13600002222",
                                          "enterprise.risk": "较高"}),
    ("vehicle", "浙A12345", {"vehicle.plate": "浙A12345", "vehicle.muck_truck": True, "vehicle.violations_90d": 2}),
    ("vehicle", "浙A67890", {"vehicle.plate": "浙A67890", "vehicle.muck_truck": False, "vehicle.violations_90d": 0}),
]


def seed_demo(session: Session, actor: Actor) -> dict:
    """The demo subjects, types, ~20 published tags, some values and one pending application.
    Idempotent: what exists is left alone. Returns counts of what was added."""
    from tongguan.audit.recorder import acting_as

    with acting_as(session, actor, "seed_demo"):
        return _seed_demo(session, actor)


def _seed_demo(session: Session, actor: Actor) -> dict:
    added = {"subjects": 0, "types": 0, "tags": 0, "values": 0, "grants": 0}
    _ensure_builtin_subjects(session)
    for order, (code, name, name_en, description) in enumerate(DEMO_SUBJECTS):
        if session.get(TagSubject, code) is None:
            session.add(TagSubject(code=code, name=name, name_en=name_en, description=description, sort_order=order))
            added["subjects"] += 1
    types = {t.code: t for t in session.scalars(select(TagType))}
    for order, (code, name, topic, description) in enumerate(DEMO_TYPES):
        if code not in types:
            types[code] = TagType(code=code, name=name, topic=topic, description=description, sort_order=order)
            session.add(types[code])
            added["types"] += 1
    session.flush()
    owner = session.scalar(select(Department).where(Department.code == "lj"))
    owner_id = owner.id if owner else actor.department_id or session.scalar(select(func.min(Department.id)))
    if owner_id is None:
        return added  # no organisation yet: tags need an owner department
    tags = {t.code: t for t in session.scalars(select(Tag))}
    for code, name, subject, type_code, vt, allowed, policy, params, description in DEMO_TAGS:
        if code in tags:
            continue
        tag = Tag(code=code, name=name, description=description, subject_code=subject, type_id=types[type_code].id,
                  value_type=vt, allowed=allowed, owner_department_id=owner_id, masking=policy, masking_params=params,
                  state="published", revision=1, published_at=utcnow(), created_by=actor.id,
                  rule_text="")
        session.add(tag)
        session.flush()
        session.add(TagRevision(tag_id=tag.id, revision=1, definition=_snapshot(tag), note="演示数据",
                                created_by=actor.id))
        tags[code] = tag
        added["tags"] += 1
    tags["complainant.repeat"].rule_text = tags["complainant.repeat"].rule_text or \
        "count(complaints where same_matter and days_ago <= 30) >= 3"
    existing = set(session.execute(select(TagValue.tag_id, TagValue.subject_key)).all())
    for subject, key, values in DEMO_VALUES:
        for code, raw in values.items():
            tag = tags[code]
            if (tag.id, key) in existing:
                continue
            text, num = parse_value(tag, raw)
            session.add(TagValue(tag_id=tag.id, subject_code=subject, subject_key=key, value=text, value_num=num,
                                 updated_by=actor.id))
            added["values"] += 1
    water = session.scalar(select(Department).where(Department.code == "lj-water"))
    if water is not None and water.id != owner_id:
        phone = tags["complainant.phone"]
        if session.scalar(select(TagGrant.id).where(TagGrant.tag_id == phone.id, TagGrant.department_id == water.id)) is None:
            applicant = session.scalar(select(User).where(User.username == "handler"))
            session.add(TagGrant(tag_id=phone.id, department_id=water.id, applicant_id=applicant.id if applicant else None,
                                 reason="排水设施报修需回访诉求人，申请查看手机号", state="pending",
                                 wanted_expires_at=utcnow() + dt.timedelta(days=180)))
            added["grants"] += 1
    session.flush()
    return added
