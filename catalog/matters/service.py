"""The matter catalog, domain catalogs and mappings (事项目录): plain functions taking a session and an actor.

Reading needs `matter.read`, changing needs `matter.manage`. Every function
validates everything first, then writes, raises only `tongguan.errors`, and
never commits: the caller does.

Dates are the city's calendar days. A matter or a responsibility rule is in force
on `effective_from <= d < effective_to` (an open `effective_to` never ends), so a
change "effective 2026-03-01" closes the old rule on that day and opens the new
one from it; both stay in the table. The event core asks
`responsibility_on(session, actor, code, area_department_id, on)`.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from tongguan.accounts import service as accounts
from tongguan.accounts.models import Department
from tongguan.db import utcnow
from tongguan.errors import ImportRejected, Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import xlsx
from .models import (
    LEVELS, TIERS, TIME_UNITS, DomainCatalog, DomainItem, Matter, MatterChange, ResponsibilityRule, city_today,
)

TIER_ZH = {"category": "大类", "subcategory": "小类", "item": "细类"}
PARENT_TIER = {"category": None, "subcategory": "category", "item": "subcategory"}
AREA_LEVELS = ("district", "street")
RULE_FIELDS = ("department_id", "time_limit", "time_unit", "legal_basis")


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


# --- loading --------------------------------------------------------------------------------


def _matter(session: Session, matter_id: int) -> Matter:
    matter = session.get(Matter, matter_id)
    if matter is None:
        raise NotFound(f"事项 {matter_id} 不存在 (matter {matter_id} does not exist)")
    return matter


def _matter_by_code(session: Session, code: str) -> Matter | None:
    return session.scalar(select(Matter).where(Matter.code == code))


def _rules(session: Session, matter_id: int, area_id=..., ) -> list[ResponsibilityRule]:
    stmt = select(ResponsibilityRule).where(ResponsibilityRule.matter_id == matter_id)
    if area_id is not ...:
        stmt = stmt.where(ResponsibilityRule.area_department_id.is_(None) if area_id is None
                          else ResponsibilityRule.area_department_id == area_id)
    return list(session.scalars(stmt.order_by(ResponsibilityRule.effective_from, ResponsibilityRule.id)))


def _descendants(session: Session, matter: Matter) -> list[Matter]:
    out, frontier = [], [matter.id]
    while frontier:
        kids = list(session.scalars(select(Matter).where(Matter.parent_id.in_(frontier))))
        out.extend(kids)
        frontier = [k.id for k in kids]
    return out


def status_of(matter: Matter, today: dt.date | None = None) -> str:
    """active, pending (not yet in force), retiring (an end date in the future) or retired."""
    today = today or city_today()
    if matter.effective_to is not None and matter.effective_to <= today:
        return "retired"
    if matter.effective_from > today:
        return "pending"
    if matter.effective_to is not None:
        return "retiring"
    return "active"


def _log(session: Session, actor: Actor, matter: Matter, kind: str, on: dt.date, details: dict, note: str = "") -> None:
    session.add(MatterChange(matter_id=matter.id, kind=kind, effective_on=on, details=details, note=note or "",
                             actor_name=(actor.username or "system")[:64]))


def _touch(matter: Matter) -> None:
    """Move the matter's version (its ETag): its rules changed, which touches no column of its own."""
    matter.updated_at = utcnow()


def _rule_view(rule: ResponsibilityRule | None) -> dict | None:
    if rule is None:
        return None
    return {"department_id": rule.department_id, "department": rule.department.name if rule.department else "",
            "time_limit": rule.time_limit, "time_unit": rule.time_unit, "legal_basis": rule.legal_basis,
            "effective_from": rule.effective_from.isoformat(),
            "effective_to": rule.effective_to.isoformat() if rule.effective_to else None}


# --- checks -----------------------------------------------------------------------------------


def _check_area(session: Session, matter_level: str, area_id: int | None, errors: dict, field: str) -> Department | None:
    if area_id is None:
        if matter_level == "district":
            _add(errors, field, "区级事项须按区或街镇设置权责，不能设置全市通用权责 "
                                "(a district-wide matter needs a district or street area)")
        return None
    area = session.get(Department, area_id)
    if area is None:
        _add(errors, field, "区域部门不存在 (area department does not exist)")
    elif area.level not in AREA_LEVELS:
        _add(errors, field, f"区域须为区或街镇级部门，{area.name} 是 {area.level} 级 (an area is a district or street department)")
    return area


def _check_rule_values(session: Session, values: dict, errors: dict, prefix: str = "") -> None:
    if "department_id" in values:
        if values["department_id"] is None or session.get(Department, values["department_id"]) is None:
            _add(errors, prefix + "department_id", "责任部门不存在 (department does not exist)")
    if "time_limit" in values and not (isinstance(values["time_limit"], int) and 1 <= values["time_limit"] <= 10_000):
        _add(errors, prefix + "time_limit", "办理时限须为 1 至 10000 的整数 (a whole number from 1 to 10000)")
    if "time_unit" in values and values["time_unit"] not in TIME_UNITS:
        _add(errors, prefix + "time_unit", "时限单位须为工作日或小时 (working_days or hours)")


def _check_rules_list(session: Session, level: str, rules: list[dict], errors: dict) -> None:
    seen = set()
    for i, rule in enumerate(rules):
        prefix = f"rules.{i}."
        area_id = rule.get("area_department_id")
        _check_area(session, level, area_id, errors, prefix + "area_department_id")
        if area_id in seen:
            _add(errors, prefix + "area_department_id", "同一区域只能有一条权责 (one rule per area)")
        seen.add(area_id)
        for key in ("department_id", "time_limit", "time_unit"):
            if rule.get(key) is None:
                _add(errors, prefix + key, "必填 (required)")
        _check_rule_values(session, {k: rule[k] for k in RULE_FIELDS if rule.get(k) is not None}, errors, prefix)


# --- the rule timeline --------------------------------------------------------------------------


def _set_rule(session: Session, matter: Matter, area_id: int | None, on: dt.date, values: dict | None) -> ResponsibilityRule | None:
    """From `on`, the area's own rule is `values` (None: the area has no rule of its own and
    falls back to its parent's). The rule in force on `on` is closed that day; a later one
    already planned stays, and the new rule runs until it starts."""
    rules = _rules(session, matter.id, area_id)
    cover = next((r for r in rules if r.in_force(on)), None)
    later = [r.effective_from for r in rules if r.effective_from > on]
    end = min(later) if later else None
    if cover is not None:
        end = cover.effective_to
        if cover.effective_from >= on:
            session.delete(cover)  # replaced before it ever applied
        else:
            cover.effective_to = on
    if values is None:
        return None
    if matter.effective_to is not None and (end is None or end > matter.effective_to):
        end = matter.effective_to
    rule = ResponsibilityRule(matter_id=matter.id, area_department_id=area_id, effective_from=on, effective_to=end,
                              department_id=values["department_id"], time_limit=values["time_limit"],
                              time_unit=values["time_unit"], legal_basis=values.get("legal_basis") or "")
    session.add(rule)
    return rule


def _end_matter(session: Session, matter: Matter, on: dt.date) -> None:
    """Retire one matter from `on`: its end date, and every rule still running then."""
    matter.effective_to = on
    for rule in _rules(session, matter.id):
        if rule.effective_from >= on:
            session.delete(rule)
        elif rule.effective_to is None or rule.effective_to > on:
            rule.effective_to = on
    _touch(matter)


# --- the standard catalog -----------------------------------------------------------------------


@action("matter.read")
def matter_list(session: Session, actor: Actor, *, q=None, tier=None, parent_id=None, level=None,
                include_retired=False, page=1, per_page=50) -> Page:
    """List matters by code.

    :param q: substring of the code or the name
    :param tier: category, subcategory or item
    :param parent_id: only the children of this matter; 0 for the 大类
    :param level: city or district
    :param include_retired: also matters retired before today
    """
    stmt = select(Matter).order_by(Matter.code)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Matter.code.ilike(like), Matter.name.ilike(like)))
    if tier:
        stmt = stmt.where(Matter.tier == tier)
    if parent_id == 0:
        stmt = stmt.where(Matter.parent_id.is_(None))
    elif parent_id is not None:
        stmt = stmt.where(Matter.parent_id == parent_id)
    if level:
        stmt = stmt.where(Matter.level == level)
    if not include_retired:
        stmt = stmt.where(or_(Matter.effective_to.is_(None), Matter.effective_to > city_today()))
    return paginate(session, stmt, page, per_page)


@action("matter.read")
def matter_tree(session: Session, actor: Actor, *, include_retired=False) -> list[dict]:
    """The whole catalog as a tree of nodes {id, code, name, tier, level, status, children}."""
    today = city_today()
    matters = list(session.scalars(select(Matter).order_by(Matter.sort_order, Matter.code)))
    nodes = {}
    for m in matters:
        status = status_of(m, today)
        if status == "retired" and not include_retired:
            continue
        nodes[m.id] = {"id": m.id, "code": m.code, "name": m.name, "tier": m.tier, "level": m.level,
                       "status": status, "parent_id": m.parent_id, "children": []}
    roots = []
    for m in matters:
        node = nodes.get(m.id)
        if node is None:
            continue
        if m.parent_id is None:
            roots.append(node)
        elif m.parent_id in nodes:
            nodes[m.parent_id]["children"].append(node)
    return roots


@action("matter.read")
def matter_get(session: Session, actor: Actor, matter_id: int) -> Matter:
    return _matter(session, matter_id)


def _check_new_matter(session: Session, data: dict, errors: dict, *, codes_taken=()) -> Matter | None:
    code, tier, level = data.get("code"), data.get("tier"), data.get("level", "city")
    if code is not None and (code in codes_taken or _matter_by_code(session, code) is not None):
        _add(errors, "code", f"编码 {code} 已被使用 (code already in use)")
    parent = None
    if data.get("parent_id") is not None:
        parent = session.get(Matter, data["parent_id"])
        if parent is None:
            _add(errors, "parent_id", "上级事项不存在 (parent does not exist)")
    _check_placement(tier, level, parent, data.get("effective_from") or city_today(), errors)
    return parent


def _check_placement(tier: str | None, level: str, parent: Matter | None, start: dt.date, errors: dict,
                     parent_field: str = "parent_id") -> None:
    want = PARENT_TIER.get(tier or "")
    if tier == "category" and parent is not None:
        _add(errors, parent_field, "大类不能有上级 (a category has no parent)")
    elif want is not None and parent is None:
        _add(errors, parent_field, f"{TIER_ZH[tier]}须放在{TIER_ZH[want]}之下 (a {tier} goes under a {want})")
    elif parent is not None and want is not None:
        if parent.tier != want:
            _add(errors, parent_field, f"{TIER_ZH[tier]}须放在{TIER_ZH[want]}之下，{parent.name} 是{TIER_ZH[parent.tier]} "
                                       f"(a {tier} goes under a {want})")
        if parent.effective_to is not None:
            _add(errors, parent_field, f"上级事项 {parent.name} 已废止 (the parent is retired)")
        elif start < parent.effective_from:
            _add(errors, "effective_from", f"生效日期不能早于上级事项的生效日期 {parent.effective_from} "
                                           "(cannot start before the parent)")
        if parent.level == "district" and level == "city":
            _add(errors, "level", "区级事项之下不能有市级事项 (a city-wide matter cannot sit under a district-wide one)")


@action("matter.manage")
def matter_create(session: Session, actor: Actor, data: dict) -> Matter:
    """Add a matter (新增事项) under its parent: a 大类 at the top, a 小类 under a 大类, a 细类
    under a 小类. A 细类 may come with its first rules (`rules`: area_department_id (None =
    the whole city), department_id, time_limit, time_unit, legal_basis), in force from
    `effective_from` (default today)."""
    data = dict(data)
    start = data.get("effective_from") or city_today()
    rules = data.pop("rules", None) or []
    note = data.pop("note", "")
    errors: dict[str, list[str]] = {}
    _check_new_matter(session, data, errors)
    if rules and data.get("tier") != "item":
        _add(errors, "rules", "权责只能设置在细类上 (rules belong to items)")
    else:
        _check_rules_list(session, data.get("level", "city"), rules, errors)
    if errors:
        raise Invalid("The matter is not valid.", errors)
    data["effective_from"] = start
    matter = Matter(**data)
    session.add(matter)
    session.flush()
    for rule in rules:
        _set_rule(session, matter, rule.get("area_department_id"), start, rule)
    _log(session, actor, matter, "add", start, {"code": matter.code, "name": matter.name, "rules": len(rules)}, note)
    return matter


@action("matter.manage")
def matter_update(session: Session, actor: Actor, matter_id: int, data: dict, if_version: int | None = None) -> Matter:
    """Change a matter's name, description, order or level (the code, tier, parent and dates
    change only through the adjustments: split, retire)."""
    matter = _matter(session, matter_id)
    check_version(matter, if_version)
    errors: dict[str, list[str]] = {}
    level = data.get("level", matter.level)
    if level != matter.level:
        if level == "city" and matter.parent is not None and matter.parent.level == "district":
            _add(errors, "level", "区级事项之下不能有市级事项 (a city-wide matter cannot sit under a district-wide one)")
        if level == "district":
            today = city_today()
            if any(c.level == "city" and c.effective_to is None for c in matter.children):
                _add(errors, "level", "下级还有市级事项 (it still has city-wide children)")
            if any(r.area_department_id is None and (r.effective_to is None or r.effective_to > today)
                   for r in _rules(session, matter.id)):
                _add(errors, "level", "还有全市通用权责，请先按区设置 (it still has a city-wide rule)")
    if errors:
        raise Invalid("The matter is not valid.", errors)
    changed = {k: [getattr(matter, k), v] for k, v in data.items() if getattr(matter, k) != v}
    for key, value in data.items():
        setattr(matter, key, value)
    if changed:
        _log(session, actor, matter, "update", city_today(), {"fields": changed})
    return matter


@action("matter.read")
def matter_rules(session: Session, actor: Actor, matter_id: int, *, on: dt.date | None = None,
                 history: bool = False) -> list[ResponsibilityRule]:
    """The matter's rules in force on `on` (default today), city-wide first; with `history`,
    every rule ever recorded, past and planned."""
    matter = _matter(session, matter_id)
    rules = _rules(session, matter.id)
    if not history:
        on = on or city_today()
        rules = [r for r in rules if r.in_force(on)]
    return sorted(rules, key=lambda r: (r.area_department_id is not None, r.area.code if r.area else "", r.effective_from))


@action("matter.read")
def matter_changes(session: Session, actor: Actor, matter_id: int) -> list[MatterChange]:
    """The matter's adjustments, newest first."""
    _matter(session, matter_id)
    return list(session.scalars(select(MatterChange).where(MatterChange.matter_id == matter_id)
                                .order_by(MatterChange.effective_on.desc(), MatterChange.id.desc())))


def _check_date_in_life(matter: Matter, on: dt.date, errors: dict, field: str = "effective_from") -> None:
    if on < matter.effective_from:
        _add(errors, field, f"生效日期不能早于事项的生效日期 {matter.effective_from} (before the matter starts)")
    if matter.effective_to is not None:
        _add(errors, field, f"事项已于 {matter.effective_to} 废止，不能再调整 (the matter is retired)")


@action("matter.manage")
def matter_change(session: Session, actor: Actor, matter_id: int, data: dict, if_version: int | None = None) -> Matter:
    """Change a 细类's responsibility in one area (None: the whole city) from `effective_from`:
    the responsible department, time limit, unit, legal basis. Fields not given keep the
    values in force that day. With `inherit`, the area's own rule ends and the parent area's
    rule applies from that day. The old rule stays in the history."""
    matter = _matter(session, matter_id)
    check_version(matter, if_version)
    on = data["effective_from"]
    area_id = data.get("area_department_id")
    errors: dict[str, list[str]] = {}
    if matter.tier != "item":
        _add(errors, "tier", "权责只能设置在细类上 (rules belong to items)")
    _check_date_in_life(matter, on, errors)
    _check_area(session, matter.level, area_id, errors, "area_department_id")
    current = next((r for r in _rules(session, matter.id, area_id) if r.in_force(on)), None)
    given = {k: data[k] for k in RULE_FIELDS if data.get(k) is not None}
    values = None
    if data.get("inherit"):
        if current is None and not errors:
            _add(errors, "inherit", "该区域在此日期没有自己的权责 (the area has no rule of its own that day)")
    else:
        if not given:
            _add(errors, "department_id", "请至少修改一项：责任部门、办理时限、时限单位或法律依据 (change at least one field)")
        values = {k: getattr(current, k) for k in RULE_FIELDS} if current else {}
        values.update(given)
        for key in ("department_id", "time_limit", "time_unit"):
            if values.get(key) is None:
                _add(errors, key, "该区域此前没有权责，必须填写 (required: the area has no rule yet)")
        _check_rule_values(session, given, errors)
        if current is not None and not errors and all(getattr(current, k) == values.get(k) for k in RULE_FIELDS):
            _add(errors, "department_id", "与现行权责相同，没有需要调整的内容 (nothing changes)")
    if errors:
        raise Invalid("The change is not valid.", errors)
    _set_rule(session, matter, area_id, on, values)
    area = session.get(Department, area_id) if area_id else None
    _touch(matter)
    session.flush()
    _log(session, actor, matter, "change", on, {
        "area_department_id": area_id, "area": area.name if area else "全市",
        "before": _rule_view(current),
        "after": None if values is None else {**values, "department": session.get(Department, values["department_id"]).name},
    }, data.get("note", ""))
    return matter


@action("matter.manage")
def matter_retire(session: Session, actor: Actor, matter_id: int, data: dict, if_version: int | None = None) -> Matter:
    """Retire a matter (取消事项) from `effective_from`, with everything under it. It stays in
    the catalog and its history; from that day `responsibility_on` answers NotFound and no
    domain item may be mapped to it."""
    matter = _matter(session, matter_id)
    check_version(matter, if_version)
    on = data["effective_from"]
    errors: dict[str, list[str]] = {}
    _check_date_in_life(matter, on, errors)
    if errors:
        raise Invalid("The matter cannot be retired.", errors)
    affected = [matter] + [m for m in _descendants(session, matter) if m.effective_to is None or m.effective_to > on]
    mapped = session.scalar(select(func.count()).select_from(DomainItem)
                            .where(DomainItem.matter_id.in_([m.id for m in affected])))
    for m in affected:
        _end_matter(session, m, max(on, m.effective_from))
    note = data.get("note", "")
    _log(session, actor, matter, "retire", on, {"with": [m.code for m in affected[1:]], "mapped_items": mapped or 0}, note)
    for m in affected[1:]:
        _log(session, actor, m, "retire", max(on, m.effective_from), {"with_parent": matter.code}, note)
    return matter


@action("matter.manage")
def matter_split(session: Session, actor: Actor, matter_id: int, data: dict, if_version: int | None = None) -> dict:
    """Split a 细类 into finer 细类 (事项拆分) from `effective_from`: the parts are added beside
    it (same 小类, same level), each with its own rules (default: a copy of the rules in force
    that day), and the original is retired that day. Domain items mapped to the original then
    show as needing a new mapping. Returns {"matter": original, "parts": [new matters]}."""
    matter = _matter(session, matter_id)
    check_version(matter, if_version)
    on = data["effective_from"]
    parts = data.get("parts") or []
    errors: dict[str, list[str]] = {}
    if matter.tier != "item":
        _add(errors, "tier", "只能拆分细类 (only an item can be split)")
    _check_date_in_life(matter, on, errors)
    if len(parts) < 2:
        _add(errors, "parts", "至少拆分为两个事项 (split into at least two matters)")
    codes: set[str] = set()
    for i, part in enumerate(parts):
        code = part["code"]
        if code in codes or _matter_by_code(session, code) is not None:
            _add(errors, f"parts.{i}.code", f"编码 {code} 已被使用 (code already in use)")
        codes.add(code)
        if part.get("rules") is not None:
            sub: dict[str, list[str]] = {}
            _check_rules_list(session, matter.level, part["rules"], sub)
            for key, msgs in sub.items():
                errors.setdefault(f"parts.{i}.{key}", []).extend(msgs)
    if errors:
        raise Invalid("The split is not valid.", errors)
    inherited = [r for r in _rules(session, matter.id) if r.in_force(on)]
    new = []
    for i, part in enumerate(parts):
        m = Matter(code=part["code"], name=part["name"], description=part.get("description", ""), tier="item",
                   parent_id=matter.parent_id, level=matter.level, sort_order=matter.sort_order,
                   effective_from=on, split_from_id=matter.id)
        session.add(m)
        session.flush()
        rules = part.get("rules")
        if rules is None:
            rules = [{"area_department_id": r.area_department_id, **{k: getattr(r, k) for k in RULE_FIELDS}}
                     for r in inherited]
        for rule in rules:
            _set_rule(session, m, rule.get("area_department_id"), on, rule)
        _log(session, actor, m, "add", on, {"split_from": matter.code, "rules": len(rules)}, data.get("note", ""))
        new.append(m)
    _end_matter(session, matter, on)
    _log(session, actor, matter, "split", on, {"into": [{"code": m.code, "name": m.name} for m in new]},
         data.get("note", ""))
    return {"matter": matter, "parts": new}


@action("matter.read")
def responsibility_on(session: Session, actor: Actor, matter_code: str, area_department_id: int | None,
                      on: dt.date) -> dict:
    """Who handled matter `matter_code` in area `area_department_id` on day `on`, within what
    time, on which legal basis. An area without its own rule falls back to its parent
    department's (street > district), up to the city-wide rule (area None). Any department
    may be asked (a grid falls back to its street). NotFound when the matter does not exist,
    is retired or not yet in force on that day, or no rule applies.

    Returns {"matter", "name", "department_id", "department_name", "time_limit", "time_unit",
    "legal_basis", "effective_from", "effective_to", "area_department_id"} (dates as
    `datetime.date`; `area_department_id` is the area whose rule applied, None for the city)."""
    matter = _matter_by_code(session, matter_code)
    if matter is None:
        raise NotFound(f"事项 {matter_code} 不存在 (matter does not exist)")
    if not matter.in_force(on):
        state = "尚未生效" if on < matter.effective_from else "已废止"
        raise NotFound(f"事项 {matter_code} 在 {on} {state} (the matter is not in force on that day)")
    chain: list[int | None] = []
    if area_department_id is not None:
        dept = session.get(Department, area_department_id)
        if dept is None:
            raise Invalid("The area does not exist.", {"area": ["区域部门不存在 (area department does not exist)"]})
        for _ in range(20):
            if dept is None:
                break
            chain.append(dept.id)
            dept = dept.parent
    chain.append(None)
    in_force = {r.area_department_id: r for r in _rules(session, matter.id) if r.in_force(on)}
    for area in chain:
        rule = in_force.get(area)
        if rule is not None:
            return {
                "matter": matter.code, "name": matter.name, "department_id": rule.department_id,
                "department_name": rule.department.name, "time_limit": rule.time_limit, "time_unit": rule.time_unit,
                "legal_basis": rule.legal_basis, "effective_from": rule.effective_from,
                "effective_to": rule.effective_to, "area_department_id": rule.area_department_id,
            }
    raise NotFound(f"事项 {matter_code} 在 {on} 没有适用于该区域的权责 (no rule applies in that area on that day)")


# --- domain catalogs and mappings -----------------------------------------------------------------


def _catalog(session: Session, catalog_id: int) -> DomainCatalog:
    catalog = session.get(DomainCatalog, catalog_id)
    if catalog is None:
        raise NotFound(f"领域目录 {catalog_id} 不存在 (domain catalog does not exist)")
    return catalog


def _item(session: Session, catalog_id: int, item_id: int) -> DomainItem:
    item = session.get(DomainItem, item_id)
    if item is None or item.catalog_id != catalog_id:
        raise NotFound(f"领域事项 {item_id} 不存在 (domain item does not exist)")
    return item


def _check_catalog(session: Session, data: dict, catalog: DomainCatalog | None = None) -> None:
    errors: dict[str, list[str]] = {}
    code = data.get("code")
    if code is not None:
        clash = session.scalar(select(DomainCatalog.id).where(DomainCatalog.code == code))
        if clash is not None and (catalog is None or clash != catalog.id):
            _add(errors, "code", f"编码 {code} 已被使用 (code already in use)")
    if data.get("owner_department_id") is not None and session.get(Department, data["owner_department_id"]) is None:
        _add(errors, "owner_department_id", "部门不存在 (department does not exist)")
    if errors:
        raise Invalid("The domain catalog is not valid.", errors)


@action("matter.read")
def domain_catalog_list(session: Session, actor: Actor, *, q=None, page=1, per_page=50) -> Page:
    """Domain catalogs (a department's own matter list), by code."""
    stmt = select(DomainCatalog).order_by(DomainCatalog.code)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(DomainCatalog.code.ilike(like), DomainCatalog.name.ilike(like)))
    return paginate(session, stmt, page, per_page)


@action("matter.read")
def domain_catalog_get(session: Session, actor: Actor, catalog_id: int) -> DomainCatalog:
    return _catalog(session, catalog_id)


@action("matter.manage")
def domain_catalog_create(session: Session, actor: Actor, data: dict) -> DomainCatalog:
    _check_catalog(session, data)
    catalog = DomainCatalog(**data)
    session.add(catalog)
    return catalog


@action("matter.manage")
def domain_catalog_update(session: Session, actor: Actor, catalog_id: int, data: dict, if_version: int | None = None) -> DomainCatalog:
    catalog = _catalog(session, catalog_id)
    check_version(catalog, if_version)
    _check_catalog(session, data, catalog)
    for key, value in data.items():
        setattr(catalog, key, value)
    return catalog


@action("matter.manage")
def domain_catalog_delete(session: Session, actor: Actor, catalog_id: int, if_version: int | None = None) -> None:
    """Delete a domain catalog with its items and their mappings (the standard catalog is untouched)."""
    catalog = _catalog(session, catalog_id)
    check_version(catalog, if_version)
    for item in session.scalars(select(DomainItem).where(DomainItem.catalog_id == catalog.id)):
        session.delete(item)
    session.delete(catalog)


def mapping_state(item: DomainItem, today: dt.date | None = None) -> str:
    """mapped, unmapped, or stale (mapped to a matter retired or about to be)."""
    if item.matter_id is None:
        return "unmapped"
    if item.matter is not None and item.matter.effective_to is not None:
        return "stale"
    return "mapped"


def _needs_mapping(stmt):
    retired = select(Matter.id).where(Matter.effective_to.is_not(None))
    return stmt.where(or_(DomainItem.matter_id.is_(None), DomainItem.matter_id.in_(retired)))


@action("matter.read")
def domain_item_list(session: Session, actor: Actor, catalog_id: int, *, q=None, unmapped_only=False,
                     matter_id=None, page=1, per_page=50) -> Page:
    """A domain catalog's items by code.

    :param q: substring of the code, name or category
    :param unmapped_only: only items with no mapping or one to a retired matter
    :param matter_id: only items mapped to this matter
    """
    _catalog(session, catalog_id)
    stmt = select(DomainItem).where(DomainItem.catalog_id == catalog_id).order_by(DomainItem.code)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(DomainItem.code.ilike(like), DomainItem.name.ilike(like), DomainItem.category.ilike(like)))
    if unmapped_only:
        stmt = _needs_mapping(stmt)
    if matter_id is not None:
        stmt = stmt.where(DomainItem.matter_id == matter_id)
    return paginate(session, stmt, page, per_page)


@action("matter.read")
def domain_unmapped(session: Session, actor: Actor, catalog_id: int) -> list[DomainItem]:
    """Every item of the catalog that no standard 细类 covers: not mapped, or mapped to a
    matter that is retired (or will be)."""
    _catalog(session, catalog_id)
    stmt = select(DomainItem).where(DomainItem.catalog_id == catalog_id).order_by(DomainItem.code)
    return list(session.scalars(_needs_mapping(stmt)))


def _check_item(session: Session, catalog_id: int, data: dict, item: DomainItem | None = None) -> None:
    code = data.get("code")
    if code is not None:
        clash = session.scalar(select(DomainItem.id).where(DomainItem.catalog_id == catalog_id, DomainItem.code == code))
        if clash is not None and (item is None or clash != item.id):
            raise Invalid("The item is not valid.", {"code": [f"编码 {code} 在本目录中已被使用 (code already in use)"]})


def _mapping_target(session: Session, matter_id: int | None, matter_code: str | None, errors: dict,
                    current: int | None = None) -> Matter | None:
    field = "matter_code" if matter_code is not None else "matter_id"
    matter = _matter_by_code(session, matter_code) if matter_code is not None else (
        session.get(Matter, matter_id) if matter_id is not None else None)
    if matter is None:
        _add(errors, field, "标准事项不存在 (standard matter does not exist)")
        return None
    if matter.id == current:
        return matter
    if matter.tier != "item":
        _add(errors, field, f"只能映射到细类，{matter.name} 是{TIER_ZH[matter.tier]} (map to an item)")
    if matter.effective_to is not None:
        _add(errors, field, f"标准事项 {matter.code} {matter.name} 已于 {matter.effective_to} 废止，不能映射 "
                            "(the matter is retired)")
    return matter


@action("matter.manage")
def domain_item_create(session: Session, actor: Actor, catalog_id: int, data: dict) -> DomainItem:
    """Add an item to a domain catalog, optionally mapped at once (`matter_id`)."""
    _catalog(session, catalog_id)
    data = dict(data)
    matter_id = data.pop("matter_id", None)
    _check_item(session, catalog_id, data)
    errors: dict[str, list[str]] = {}
    matter = _mapping_target(session, matter_id, None, errors) if matter_id is not None else None
    if errors:
        raise Invalid("The item is not valid.", errors)
    item = DomainItem(catalog_id=catalog_id, **data, matter_id=matter.id if matter else None,
                      mapped_at=utcnow() if matter else None)
    session.add(item)
    return item


@action("matter.read")
def domain_item_get(session: Session, actor: Actor, catalog_id: int, item_id: int) -> DomainItem:
    return _item(session, catalog_id, item_id)


@action("matter.manage")
def domain_item_update(session: Session, actor: Actor, catalog_id: int, item_id: int, data: dict,
                       if_version: int | None = None) -> DomainItem:
    item = _item(session, catalog_id, item_id)
    check_version(item, if_version)
    _check_item(session, catalog_id, data, item)
    for key, value in data.items():
        setattr(item, key, value)
    return item


@action("matter.manage")
def domain_item_delete(session: Session, actor: Actor, catalog_id: int, item_id: int, if_version: int | None = None) -> None:
    item = _item(session, catalog_id, item_id)
    check_version(item, if_version)
    session.delete(item)


@action("matter.manage")
def mapping_set(session: Session, actor: Actor, catalog_id: int, item_id: int, *, matter_id: int | None = None,
                matter_code: str | None = None, if_version: int | None = None) -> DomainItem:
    """Map a domain item to a standard 细类 (by id or code). Many items may map to one matter;
    a retired matter (or one with a retirement date) is refused."""
    item = _item(session, catalog_id, item_id)
    check_version(item, if_version)
    errors: dict[str, list[str]] = {}
    if matter_id is None and matter_code is None:
        _add(errors, "matter_id", "请选择标准事项 (choose a standard matter)")
    matter = None if errors else _mapping_target(session, matter_id, matter_code, errors)
    if errors:
        raise Invalid("The mapping is not valid.", errors)
    if item.matter_id != matter.id:
        item.matter_id = matter.id
        item.matter = matter
        item.mapped_at = utcnow()
    return item


@action("matter.manage")
def mapping_clear(session: Session, actor: Actor, catalog_id: int, item_id: int, if_version: int | None = None) -> DomainItem:
    """Remove a domain item's mapping: it shows as unmapped."""
    item = _item(session, catalog_id, item_id)
    check_version(item, if_version)
    item.matter_id = None
    item.matter = None
    item.mapped_at = None
    return item


# --- XLSX import and export -------------------------------------------------------------------------


def _ref_date(matter: Matter, today: dt.date) -> dt.date:
    """The day whose rules an export shows: today, the first day of a pending matter, or the
    last day of a retired one."""
    if matter.effective_to is not None and matter.effective_to <= today:
        return max(matter.effective_from, matter.effective_to - dt.timedelta(days=1))
    return max(today, matter.effective_from)


@action("matter.read")
def matters_export(session: Session, actor: Actor, *, include_retired: bool = True) -> bytes:
    """The standard catalog as XLSX: sheet 标准事项, one row per matter with its city-wide rule
    in force (today, or the matter's first/last day); sheet 分区权责, the area rules in force."""
    today = city_today()
    matters = list(session.scalars(select(Matter).order_by(Matter.code)))
    if not include_retired:
        matters = [m for m in matters if status_of(m, today) != "retired"]
    by_id = {m.id: m for m in session.scalars(select(Matter))}
    depts = {d.id: d for d in session.scalars(select(Department))}
    rules_by_matter: dict[int, list[ResponsibilityRule]] = {}
    for r in session.scalars(select(ResponsibilityRule).order_by(ResponsibilityRule.id)):
        rules_by_matter.setdefault(r.matter_id, []).append(r)
    main, areas = [], []
    for m in matters:
        ref = _ref_date(m, today)
        in_force = [r for r in rules_by_matter.get(m.id, []) if r.in_force(ref)]
        city = next((r for r in in_force if r.area_department_id is None), None)
        main.append({
            "code": m.code, "name": m.name, "tier": TIER_ZH[m.tier],
            "parent_code": by_id[m.parent_id].code if m.parent_id else "",
            "level": xlsx.LEVEL_ZH[m.level], "effective_from": m.effective_from, "effective_to": m.effective_to,
            "department_code": depts[city.department_id].code if city else "",
            "department_name": depts[city.department_id].name if city else "",
            "time_limit": city.time_limit if city else None,
            "time_unit": xlsx.UNIT_ZH[city.time_unit] if city else "",
            "legal_basis": city.legal_basis if city else "", "rule_from": city.effective_from if city else None,
            "description": m.description, "sort_order": m.sort_order,
        })
        for r in sorted((r for r in in_force if r.area_department_id is not None),
                        key=lambda r: depts[r.area_department_id].code):
            areas.append({
                "matter_code": m.code, "matter_name": m.name,
                "area_code": depts[r.area_department_id].code, "area_name": depts[r.area_department_id].name,
                "department_code": depts[r.department_id].code, "department_name": depts[r.department_id].name,
                "time_limit": r.time_limit, "time_unit": xlsx.UNIT_ZH[r.time_unit], "legal_basis": r.legal_basis,
                "rule_from": r.effective_from,
            })
    return xlsx.write([(xlsx.MATTER_SHEET, xlsx.MATTER_COLUMNS, main), (xlsx.AREA_SHEET, xlsx.AREA_COLUMNS, areas)])


@action("matter.manage")
def matters_import(session: Session, actor: Actor, content: bytes) -> dict:
    """Import the standard catalog from XLSX (the export's layout), all or nothing.

    New codes are added; existing ones get their name, description, order and level
    updated, a rule that differs from the one in force becomes a change from its 权责生效日期
    (default today), and a 废止日期 retires. Matters and rules not in the file are left as
    they are. Any bad row: nothing is written and ImportRejected lists every bad row and field."""
    book = xlsx.open_book(content)
    problems: list[dict] = []
    main = xlsx.read(book, xlsx.MATTER_SHEET, xlsx.MATTER_COLUMNS, problems, required=True)
    areas = xlsx.read(book, xlsx.AREA_SHEET, xlsx.AREA_COLUMNS, problems, required=False)
    plan = _plan_matters(session, main, areas, problems)
    if problems:
        raise ImportRejected(f"导入被拒绝：{len({(p['sheet'], p['row']) for p in problems})} 行有错误，未写入任何内容 "
                             "(import rejected: nothing was written)",
                             sorted(problems, key=lambda p: (p["sheet"] != xlsx.MATTER_SHEET, p["row"])))
    return _apply_matters(session, actor, plan)


def _plan_matters(session: Session, main: list[tuple[int, dict]], areas: list[tuple[int, dict]], problems: list) -> dict:
    today = city_today()
    depts = {d.code: d for d in session.scalars(select(Department))}
    existing = {m.code: m for m in session.scalars(select(Matter))}

    def bad(sheet, row, field, message):
        problems.append({"sheet": sheet, "row": row, "field": field, "message": message})

    S1, S2 = xlsx.MATTER_SHEET, xlsx.AREA_SHEET
    rows: dict[str, tuple[int, dict]] = {}
    for n, r in main:
        code = r.get("code")
        if code in rows:
            bad(S1, n, "编码", f"编码 {code} 在文件中重复（第 {rows[code][0]} 行）(duplicate code)")
            continue
        if code:
            rows[code] = (n, r)

    def tier_of(code):
        if code in rows:
            return rows[code][1].get("tier")
        return existing[code].tier if code in existing else None

    def level_of(code):
        if code in rows:
            return rows[code][1].get("level") or "city"
        return existing[code].level if code in existing else None

    plan = {"create": [], "update": [], "rules": [], "retire": []}
    for code, (n, r) in rows.items():
        if any(f in r.get("_bad", ()) for f in ("code", "tier")):
            continue
        tier, level = r["tier"], r.get("level") or "city"
        old = existing.get(code)
        parent_code = r.get("parent_code") or None
        start = r.get("effective_from") or (old.effective_from if old else today)
        # placement
        if old is not None:
            old_parent = old.parent.code if old.parent else None
            if old.tier != tier:
                bad(S1, n, "层级", f"已有事项的层级是{TIER_ZH[old.tier]}，导入不能更改 (the tier cannot change)")
            if old_parent != parent_code:
                bad(S1, n, "上级编码", f"已有事项的上级是 {old_parent or '（无）'}，导入不能更改 (the parent cannot change)")
            if r.get("effective_from") and r["effective_from"] != old.effective_from:
                bad(S1, n, "生效日期", f"已有事项的生效日期是 {old.effective_from}，导入不能更改 (cannot change)")
            if old.effective_to is not None and r.get("effective_to") != old.effective_to:
                bad(S1, n, "废止日期", f"事项已于 {old.effective_to} 废止，导入不能更改 (a retired matter stays retired)")
        else:
            want = PARENT_TIER[tier]
            if want is None and parent_code:
                bad(S1, n, "上级编码", "大类不能有上级 (a category has no parent)")
            elif want is not None and not parent_code:
                bad(S1, n, "上级编码", f"{TIER_ZH[tier]}须填写上级{TIER_ZH[want]}的编码 (the parent is required)")
            elif want is not None:
                ptier = tier_of(parent_code)
                if ptier is None:
                    bad(S1, n, "上级编码", f"上级编码 {parent_code} 不存在 (no such matter)")
                elif ptier != want:
                    bad(S1, n, "上级编码", f"{TIER_ZH[tier]}须放在{TIER_ZH[want]}之下 (a {tier} goes under a {want})")
                else:
                    p = existing.get(parent_code)
                    if p is not None and p.effective_to is not None and parent_code not in rows:
                        bad(S1, n, "上级编码", f"上级事项 {parent_code} 已废止 (the parent is retired)")
                    if level_of(parent_code) == "district" and level == "city":
                        bad(S1, n, "适用范围", "区级事项之下不能有市级事项 (city-wide under district-wide)")
        end = r.get("effective_to")
        if end is not None and end <= start:
            bad(S1, n, "废止日期", "废止日期须晚于生效日期 (must be after the start)")
        # the city-wide rule on the row
        rule = _row_rule(r, depts, lambda field, msg: bad(S1, n, field, msg))
        if rule is not None:
            if tier != "item":
                bad(S1, n, "责任部门编码", "权责只能设置在细类上 (rules belong to items)")
            elif level == "district":
                bad(S1, n, "责任部门编码", "区级事项不能设置全市通用权责，请填写在“分区权责”表中 (use the area sheet)")
            else:
                plan["rules"].append((S1, n, code, None, rule))
        if old is None:
            plan["create"].append((code, r, start, end))
        else:
            plan["update"].append((old, r))
            if end is not None and old.effective_to is None:
                if end < old.effective_from:
                    bad(S1, n, "废止日期", "废止日期早于生效日期 (before the start)")
                plan["retire"].append((old, end))
    seen_areas: dict[tuple, int] = {}
    for n, r in areas:
        code, area_code = r.get("matter_code"), r.get("area_code")
        if not code:
            continue
        if tier_of(code) is None:
            bad(S2, n, "事项编码", f"事项编码 {code} 不存在 (no such matter)")
            continue
        if tier_of(code) != "item":
            bad(S2, n, "事项编码", "权责只能设置在细类上 (rules belong to items)")
        area = depts.get(area_code) if area_code else None
        if area is None:
            bad(S2, n, "区域编码", f"区域部门 {area_code or ''} 不存在 (no such department)")
        elif area.level not in AREA_LEVELS:
            bad(S2, n, "区域编码", f"区域须为区或街镇级部门，{area.name} 是 {area.level} 级 (a district or street)")
        key = (code, area_code)
        if key in seen_areas:
            bad(S2, n, "区域编码", f"同一事项同一区域重复（第 {seen_areas[key]} 行）(duplicate)")
        seen_areas[key] = n
        rule = _row_rule(r, depts, lambda field, msg: bad(S2, n, field, msg), required=True)
        if rule is not None and area is not None:
            plan["rules"].append((S2, n, code, area.id, rule))
    # rules against what is in force
    for sheet, n, code, area_id, rule in plan["rules"]:
        old = existing.get(code)
        start = rows[code][1].get("effective_from") if code in rows else None
        start = start or (old.effective_from if old else today)
        if old is not None and old.effective_to is not None:
            ref = _ref_date(old, today)
            cur = next((x for x in _rules(session, old.id, area_id) if x.in_force(ref)), None)
            if cur is None or any(getattr(cur, k) != rule[k] for k in RULE_FIELDS):
                bad(sheet, n, "责任部门编码", "事项已废止，权责不能再修改 (the matter is retired)")
            continue
        on = rule.pop("rule_from", None)
        if old is None:
            rule["on"] = max(on or start, start)
            continue
        ref = _ref_date(old, today)
        cur = next((x for x in _rules(session, old.id, area_id) if x.in_force(ref)), None)
        if cur is not None and all(getattr(cur, k) == rule[k] for k in RULE_FIELDS):
            rule["on"] = None  # unchanged
            continue
        rule["on"] = on or ref
        if rule["on"] < old.effective_from:
            bad(sheet, n, "权责生效日期", f"不能早于事项的生效日期 {old.effective_from} (before the matter starts)")
        elif cur is not None and rule["on"] < cur.effective_from:
            bad(sheet, n, "权责生效日期", f"不能早于现行权责的生效日期 {cur.effective_from} (before the rule in force)")
    return plan


def _row_rule(r: dict, depts: dict, bad, required: bool = False) -> dict | None:
    keys = ("department_code", "time_limit", "time_unit", "legal_basis", "rule_from")
    if not required and all(r.get(k) in (None, "") for k in keys):
        return None
    rule: dict = {"legal_basis": r.get("legal_basis") or "", "rule_from": r.get("rule_from")}
    ok = True
    dept = depts.get(r.get("department_code") or "")
    if dept is None:
        bad("责任部门编码", f"责任部门 {r.get('department_code') or ''} 不存在 (no such department)".replace("  ", " "))
        ok = False
    else:
        rule["department_id"] = dept.id
    for key, label in (("time_limit", "办理时限"), ("time_unit", "时限单位")):
        if r.get(key) in (None, ""):
            if key not in r.get("_bad", ()):
                bad(label, "必填 (required)")
            ok = False
        else:
            rule[key] = r[key]
    return rule if ok else None


def _apply_matters(session: Session, actor: Actor, plan: dict) -> dict:
    summary = {"created": 0, "updated": 0, "rules_changed": 0, "retired": 0}
    order = {"category": 0, "subcategory": 1, "item": 2}
    made: dict[str, Matter] = {}
    for code, r, start, _end in sorted(plan["create"], key=lambda c: order[c[1]["tier"]]):
        parent = made.get(r.get("parent_code") or "") or (_matter_by_code(session, r["parent_code"]) if r.get("parent_code") else None)
        m = Matter(code=code, name=r["name"], tier=r["tier"], parent_id=parent.id if parent else None,
                   level=r.get("level") or "city", description=r.get("description") or "",
                   sort_order=r.get("sort_order") or 0, effective_from=start)
        session.add(m)
        session.flush()
        made[code] = m
        _log(session, actor, m, "add", start, {"code": code, "name": m.name, "import": True})
        summary["created"] += 1
    for old, r in plan["update"]:
        fields = {"name": r["name"], "description": r.get("description") or "", "level": r.get("level") or old.level}
        if r.get("sort_order") is not None:
            fields["sort_order"] = r["sort_order"]
        changed = {k: [getattr(old, k), v] for k, v in fields.items() if getattr(old, k) != v}
        if changed:
            for k, v in fields.items():
                setattr(old, k, v)
            _log(session, actor, old, "update", city_today(), {"fields": changed, "import": True})
            summary["updated"] += 1
    for _sheet, _n, code, area_id, rule in plan["rules"]:
        if rule.get("on") is None:
            continue
        m = made.get(code) or _matter_by_code(session, code)
        before = next((x for x in _rules(session, m.id, area_id) if x.in_force(rule["on"])), None)
        before_view = _rule_view(before)
        _set_rule(session, m, area_id, rule["on"], rule)
        if code not in made:
            _touch(m)
            area = session.get(Department, area_id) if area_id else None
            _log(session, actor, m, "change", rule["on"], {
                "area_department_id": area_id, "area": area.name if area else "全市", "before": before_view,
                "after": {k: rule[k] for k in RULE_FIELDS}, "import": True})
        summary["rules_changed"] += 1
    session.flush()
    for code, _r, start, end in plan["create"]:
        if end is not None:
            plan["retire"].append((made[code], end))
    for m, end in plan["retire"]:
        _end_matter(session, m, end)
        _log(session, actor, m, "retire", end, {"import": True})
        summary["retired"] += 1
    return summary


@action("matter.read")
def domain_items_export(session: Session, actor: Actor, catalog_id: int) -> bytes:
    """A domain catalog's items with their mappings as XLSX."""
    _catalog(session, catalog_id)
    items = session.scalars(select(DomainItem).where(DomainItem.catalog_id == catalog_id).order_by(DomainItem.code))
    rows = [{"code": i.code, "name": i.name, "category": i.category, "description": i.description,
             "matter_code": i.matter.code if i.matter else "", "matter_name": i.matter.name if i.matter else ""}
            for i in items]
    return xlsx.write([(xlsx.ITEM_SHEET, xlsx.ITEM_COLUMNS, rows)])


@action("matter.manage")
def domain_items_import(session: Session, actor: Actor, catalog_id: int, content: bytes) -> dict:
    """Import a domain catalog's items and mappings from XLSX, all or nothing: new codes are
    added, existing ones updated; 标准事项编码 sets the mapping (empty clears it). A mapping to
    a missing, retired or non-细类 matter rejects the row."""
    _catalog(session, catalog_id)
    book = xlsx.open_book(content)
    problems: list[dict] = []
    rows = xlsx.read(book, xlsx.ITEM_SHEET, xlsx.ITEM_COLUMNS, problems, required=True)
    existing = {i.code: i for i in session.scalars(select(DomainItem).where(DomainItem.catalog_id == catalog_id))}
    seen: dict[str, int] = {}
    plan = []
    for n, r in rows:
        code = r.get("code")
        if not code:
            continue
        if code in seen:
            problems.append({"sheet": xlsx.ITEM_SHEET, "row": n, "field": "编码",
                             "message": f"编码 {code} 在文件中重复（第 {seen[code]} 行）(duplicate code)"})
            continue
        seen[code] = n
        matter = None
        if r.get("matter_code"):
            errors: dict[str, list[str]] = {}
            current = existing[code].matter_id if code in existing else None
            matter = _mapping_target(session, None, r["matter_code"], errors, current)
            for msg in errors.get("matter_code", []):
                problems.append({"sheet": xlsx.ITEM_SHEET, "row": n, "field": "标准事项编码", "message": msg})
        plan.append((code, r, matter))
    if problems:
        raise ImportRejected(f"导入被拒绝：{len({p['row'] for p in problems})} 行有错误，未写入任何内容 "
                             "(import rejected: nothing was written)", sorted(problems, key=lambda p: p["row"]))
    summary = {"created": 0, "updated": 0, "mapped": 0}
    for code, r, matter in plan:
        fields = {"name": r["name"], "category": r.get("category") or "", "description": r.get("description") or ""}
        item = existing.get(code)
        if item is None:
            item = DomainItem(catalog_id=catalog_id, code=code, **fields)
            session.add(item)
            summary["created"] += 1
        elif any(getattr(item, k) != v for k, v in fields.items()) or item.matter_id != (matter.id if matter else None):
            for k, v in fields.items():
                setattr(item, k, v)
            summary["updated"] += 1
        if (matter.id if matter else None) != item.matter_id:
            item.matter_id = matter.id if matter else None
            item.matter = matter
            item.mapped_at = utcnow() if matter else None
        if matter is not None:
            summary["mapped"] += 1
    return summary


# --- the demo catalog ----------------------------------------------------------------------------


@action("matter.manage")
def seed_demo(session: Session, actor: Actor) -> dict:
    """The demo standard catalog of 临江市 (see seed_data.py): what is missing is created,
    the bureaus it names included; running it again changes nothing."""
    from . import seed_data

    depts = {d.code: d for d in session.scalars(select(Department))}
    root = session.scalar(select(Department).where(Department.parent_id.is_(None), Department.level == "city")
                          .order_by(Department.id))
    if root is None:
        raise Invalid("There is no city department yet.", {"department": ["请先创建市级根部门（运行 tongguan demo seed）"
                                                                          " (create the city's root department first)"]})
    added = {"departments": 0, "matters": 0, "rules": 0, "domain_catalogs": 0, "domain_items": 0}
    for code, name, parent_code, level, kind in seed_data.BUREAUS:
        if code in depts:
            continue
        parent = depts.get(parent_code) if parent_code else root
        if parent is None:
            continue  # a district the demo organisation does not have
        depts[code] = accounts.department_create(session, actor, {
            "code": code, "name": name, "level": level, "kind": kind, "parent_id": parent.id})
        added["departments"] += 1
    districts = [d for d in depts.values() if d.level == "district" and d.kind == "ops_center"]
    start = seed_data.START
    existing = {m.code: m for m in session.scalars(select(Matter))}
    for i, (code, name, children) in enumerate(seed_data.CATALOG):
        cat = existing.get(code)
        if cat is None:
            cat = existing[code] = Matter(code=code, name=name, tier="category", level="city", sort_order=i,
                                          effective_from=start)
            session.add(cat)
            session.flush()
            added["matters"] += 1
        for j, (sub_code, sub_name, items) in enumerate(children):
            sub = existing.get(sub_code)
            if sub is None:
                sub = existing[sub_code] = Matter(code=sub_code, name=sub_name, tier="subcategory", level="city",
                                                  parent_id=cat.id, sort_order=j, effective_from=start)
                session.add(sub)
                session.flush()
                added["matters"] += 1
            for k, (item_code, item_name, level, dept_code, limit, unit, basis) in enumerate(items):
                if item_code in existing:
                    continue
                item = existing[item_code] = Matter(code=item_code, name=item_name, tier="item", level=level,
                                                    parent_id=sub.id, sort_order=k, effective_from=start)
                session.add(item)
                session.flush()
                added["matters"] += 1
                values = {"time_limit": limit, "time_unit": unit, "legal_basis": basis}
                if level == "city":
                    dept = depts.get(dept_code) or root
                    _set_rule(session, item, None, start, {**values, "department_id": dept.id})
                    added["rules"] += 1
                else:
                    for district in districts:
                        local = depts.get(f"{district.code}-{dept_code}") or district
                        _set_rule(session, item, district.id, start, {**values, "department_id": local.id})
                        added["rules"] += 1
                for area_code, override_dept in seed_data.STREET_RULES.get(item_code, ()):
                    if area_code in depts and override_dept in depts:
                        _set_rule(session, item, depts[area_code].id, start,
                                  {**values, "department_id": depts[override_dept].id})
                        added["rules"] += 1
                _log(session, actor, item, "add", start, {"code": item_code, "name": item_name, "seed": True})
    for code, name, owner, items in seed_data.DOMAIN_CATALOGS:
        catalog = session.scalar(select(DomainCatalog).where(DomainCatalog.code == code))
        if catalog is None:
            catalog = DomainCatalog(code=code, name=name, owner_department_id=depts[owner].id if owner in depts else None,
                                    description="演示数据 (demo)")
            session.add(catalog)
            session.flush()
            added["domain_catalogs"] += 1
        have = set(session.scalars(select(DomainItem.code).where(DomainItem.catalog_id == catalog.id)))
        for item_code, item_name, category, matter_code in items:
            if item_code in have:
                continue
            matter = existing.get(matter_code) if matter_code else None
            session.add(DomainItem(catalog_id=catalog.id, code=item_code, name=item_name, category=category,
                                   matter_id=matter.id if matter is not None and matter.effective_to is None else None,
                                   mapped_at=utcnow() if matter is not None else None))
            added["domain_items"] += 1
    return added
