"""Binding documents: where a card's data comes from.

A binding names exactly one source, an indicator (`{"indicator": "waterlogging_points"}`,
or several indicators as a list), a data service (`{"service": "city_events"}`) or an
expression in the DSL (`{"expr": "count(where status = '办结') over last 7d by district"}`),
then optionally the dimension (`by`), the measures, a time window, parameters, a row limit
and a refresh interval::

    {"indicator": "waterlogging_points", "by": "district", "window": "24h",
     "params": {"level": "red"}, "refresh_s": 60}

A card binds its type's slots (`ComponentType.slots`) either with one binding, which goes to
its first slot, or with `{"slots": {slot name: binding}}` for types with several slots.
"""
from __future__ import annotations

import dsl

from .types import ACCEPTS, JSON_SCHEMA_DIALECT, ComponentType
from .validation import CODE_PATTERN, WINDOW_PATTERN, check

CODE = {"type": "string", "title": "编码", "pattern": CODE_PATTERN}
FIELD = {"type": "string", "minLength": 1, "maxLength": 128}
SCALAR = {"type": ["string", "number", "boolean", "null"]}
SOURCES = ("indicator", "service", "expr")

BINDING_SCHEMA: dict = {
    "$schema": JSON_SCHEMA_DIALECT,
    "title": "数据绑定",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "indicator": {"title": "指标", "anyOf": [
            CODE, {"type": "array", "items": CODE, "minItems": 1, "maxItems": 10, "uniqueItems": True}]},
        "service": {**CODE, "title": "数据服务"},
        "expr": {"type": "string", "title": "表达式", "minLength": 1, "maxLength": 4000},
        "by": {**FIELD, "title": "维度"},
        "measures": {"type": "array", "title": "度量", "items": FIELD, "minItems": 1, "maxItems": 10,
                     "uniqueItems": True},
        "window": {"type": "string", "title": "时间窗口", "pattern": WINDOW_PATTERN},
        "params": {"type": "object", "title": "参数", "maxProperties": 20,
                   "propertyNames": {"pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"},
                   "additionalProperties": {"anyOf": [SCALAR, {"type": "array", "items": SCALAR, "maxItems": 100}]}},
        "limit": {"type": "integer", "title": "最多行数", "minimum": 1, "maximum": 10000},
        "refresh_s": {"type": "integer", "title": "刷新间隔（秒）", "minimum": 10, "maximum": 86400},
    },
    "oneOf": [{"required": [s]} for s in SOURCES],
}

SLOTS_SCHEMA: dict = {
    "$schema": JSON_SCHEMA_DIALECT,
    "title": "各数据槽的绑定",
    "type": "object",
    "additionalProperties": False,
    "required": ["slots"],
    "properties": {"slots": {"type": "object", "maxProperties": 10,
                             "propertyNames": {"pattern": "^[a-z][a-z0-9_]{0,31}$"},
                             "additionalProperties": BINDING_SCHEMA}},
}

ONE_SOURCE = ("须指定且只指定一个数据来源：indicator（指标）、service（数据服务）或 expr（表达式）",
              "name exactly one source: indicator, service or expr")


def validate_binding(binding, path: str = "$") -> list[tuple[str, str]]:
    """What is wrong with one binding document, as (JSON path, zh-CN message); [] when it fits.
    An `expr` is parsed too: a syntax error is reported with its line and column."""
    if not isinstance(binding, dict):
        return [(path, "数据绑定须为对象 (a binding must be an object)")]
    # the schema's oneOf (one source) is said once below, in words
    errors = [(path + where[1:], message) for where, message in
              check(BINDING_SCHEMA, binding, skip=lambda e: e.validator == "oneOf" and not e.path)]
    if sum(s in binding for s in SOURCES) != 1:
        errors.append((path, f"{ONE_SOURCE[0]} ({ONE_SOURCE[1]})"))
    expr = binding.get("expr")
    if isinstance(expr, str) and expr.strip() and len(expr) <= 4000:
        try:
            dsl.parse(expr)
        except dsl.DslError as exc:
            errors.append((f"{path}.expr", f"第 {exc.line} 行第 {exc.column} 列：{exc.message_zh} ({exc.message_en})"))
    return sorted(dict.fromkeys(errors))


def by_slot(component_type: ComponentType, document) -> dict:
    """A card's binding as {slot name: binding}: a single binding goes to the first slot."""
    if not document:
        return {}
    if isinstance(document, dict) and "slots" in document and not any(s in document for s in SOURCES):
        return dict(document["slots"]) if isinstance(document["slots"], dict) else {}
    return {component_type.slots[0].name: document} if component_type.slots else {"": document}


def each_binding(document) -> list[dict]:
    """Every binding document of a card, whatever its type: a single one or {"slots": {name: binding}}."""
    if not isinstance(document, dict):
        return []
    if "slots" in document and not any(s in document for s in SOURCES):
        slots = document.get("slots")
        return [b for b in slots.values() if isinstance(b, dict)] if isinstance(slots, dict) else []
    return [document]


def validate_bindings(component_type: ComponentType, document, *, require: bool = False) -> list[tuple[str, str]]:
    """What is wrong with a card's binding for its type: each binding's own errors, slots the
    type does not have, too many measures for a slot, and with `require` (publishing) the
    required slots left unbound."""
    if document in (None, {}):
        bound, errors = {}, []
    elif isinstance(document, dict) and "slots" in document and not any(s in document for s in SOURCES):
        errors = [e for e in check(SLOTS_SCHEMA, document) if not e[0].startswith("$.slots.")
                  and not e[0].startswith("$.slots[")]
        bound = document["slots"] if isinstance(document.get("slots"), dict) else {}
        prefix = "$.slots"
    else:
        bound, errors, prefix = {None: document}, [], "$"
    if not component_type.slots and bound:
        return [("$", f"组件 {component_type.name} 不接受数据绑定 ({component_type.code} takes no data)")]
    for name, binding in bound.items():
        where = prefix if name is None else f"{prefix}.{name}"
        slot = component_type.slots[0] if name is None else component_type.slot(name)
        if slot is None:
            errors.append((where, f"组件 {component_type.name} 没有名为 {name} 的数据槽 (no such slot)"))
            continue
        errors.extend(validate_binding(binding, where))
        measures = binding.get("measures") if isinstance(binding, dict) else None
        indicators = binding.get("indicator") if isinstance(binding, dict) else None
        count = len(measures) if isinstance(measures, list) else (
            len(indicators) if isinstance(indicators, list) else 1)
        if slot.max_measures is not None and count > slot.max_measures:
            errors.append((f"{where}.measures" if measures else where,
                           f"{slot.title}只接受 {slot.max_measures} 个度量 (takes at most {slot.max_measures} measures)"))
    if require:
        names = {component_type.slots[0].name if n is None else n for n in bound}
        for slot in component_type.slots:
            if slot.required and slot.name not in names:
                errors.append(("$" if len(component_type.slots) == 1 else f"$.slots.{slot.name}",
                               f"请绑定{slot.title}（{ACCEPTS[slot.accepts][0]}） (bind the {slot.title_en} slot)"))
    return sorted(dict.fromkeys(errors))
