"""Checking props against a type's schema, and filling in its defaults.

Messages are zh-CN first with the English in brackets, as the catalog's are; paths are JSON
paths into the checked document (`$.thresholds[0].color`), one error per offending place.
"""
from __future__ import annotations

import copy

from jsonschema import Draft202012Validator

from .types import ComponentType, lookup

COLOR_PATTERN = "^#[0-9A-Fa-f]{6}$"
# A path on this site: `/screens/flood`, never `//host/...`, `/\host` (browsers read it as
# `//host`), a scheme (`https:`, `javascript:`) or white space.
SAME_ORIGIN_PATH_PATTERN = r"^/(?![/\\])[^\s\\]*$"
IMAGE_SRC_PATTERN = r"^(/(?![/\\])|https://)[^\s\\]*$"
WINDOW_PATTERN = r"^\d{1,4}(m|h|d|w)$"
CODE_PATTERN = "^[a-z][a-z0-9_]{1,63}$"

# pattern -> (zh-CN, English): what the value must look like.
PATTERN_MESSAGES = {
    COLOR_PATTERN: ("须为 #RRGGBB 形式的颜色，如 #3ba1ff", "must be a colour such as #3ba1ff"),
    SAME_ORIGIN_PATH_PATTERN: ("只能嵌入本平台的页面，地址须以 / 开头，如 /screens/flood",
                               "only pages of this site can be embedded: a path starting with /"),
    IMAGE_SRC_PATTERN: ("图片地址须为本平台路径（以 / 开头）或 https:// 地址",
                        "must be a path on this site or an https:// address"),
    WINDOW_PATTERN: ("时间窗口须形如 24h、7d、30d、4w", "a window such as 24h, 7d, 30d or 4w"),
    CODE_PATTERN: ("编码须以小写字母开头，只含小写字母、数字和下划线，2–64 个字符",
                   "a code of 2-64 lower-case letters, digits and underscores"),
}
TYPE_NAMES = {"string": ("文字", "text"), "integer": ("整数", "an integer"), "number": ("数值", "a number"),
              "boolean": ("是或否", "true or false"), "array": ("列表", "a list"), "object": ("对象", "an object"),
              "null": ("空值", "null")}


class InvalidProps(ValueError):
    """Props that do not fit their type; `errors` is a list of (JSON path, message)."""

    def __init__(self, ref: str, errors: list[tuple[str, str]]):
        super().__init__(f"invalid props for {ref}: " + "; ".join(f"{p} {m}" for p, m in errors))
        self.errors = errors


def _type(ref) -> ComponentType:
    found = lookup(ref)
    if found is None:
        raise LookupError(f"unknown component type {ref!r}")
    return found


def _child(path: str, name) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if str(name).isidentifier() else f"{path}[{name!r}]"


def _text(schema: dict, zh: str, en: str) -> str:
    title = schema.get("title") if isinstance(schema, dict) else None
    return f"{title}：{zh} ({en})" if title else f"{zh} ({en})"


def explain(error) -> list[tuple[str, str]]:
    """One jsonschema error as (JSON path, zh-CN (English) message) pairs."""
    path, kind, limit = error.json_path, error.validator, error.validator_value
    schema, value = error.schema, error.instance
    if kind == "required":
        missing = [name for name in limit if isinstance(value, dict) and name not in value]
        return [(_child(path, name), _text(schema.get("properties", {}).get(name, {}), "必填", "required"))
                for name in missing]
    if kind in ("additionalProperties", "unevaluatedProperties") and isinstance(value, dict):
        known = set(schema.get("properties", {}))
        return [(_child(path, name), f"不支持的属性 {name} (unknown property)") for name in value if name not in known]
    if kind == "type":
        names = limit if isinstance(limit, list) else [limit]
        zh = "或".join(TYPE_NAMES.get(n, (n, n))[0] for n in names)
        en = " or ".join(TYPE_NAMES.get(n, (n, n))[1] for n in names)
        return [(path, _text(schema, f"须为{zh}", f"must be {en}"))]
    if kind == "pattern":
        zh, en = PATTERN_MESSAGES.get(limit, ("格式不正确", "has the wrong form"))
        return [(path, _text(schema, zh, en))]
    simple = {
        "enum": (lambda: (f"须为以下之一：{'、'.join(map(str, limit))}", f"must be one of {', '.join(map(str, limit))}")),
        "const": (lambda: (f"须为 {limit}", f"must be {limit}")),
        "minimum": (lambda: (f"不能小于 {limit}", f"must be at least {limit}")),
        "maximum": (lambda: (f"不能大于 {limit}", f"must be at most {limit}")),
        "exclusiveMinimum": (lambda: (f"须大于 {limit}", f"must be more than {limit}")),
        "exclusiveMaximum": (lambda: (f"须小于 {limit}", f"must be less than {limit}")),
        "minLength": (lambda: ("不能为空", "must not be empty") if limit == 1 else
                      (f"至少 {limit} 个字符", f"at least {limit} characters")),
        "maxLength": (lambda: (f"最多 {limit} 个字符", f"at most {limit} characters")),
        "minItems": (lambda: (f"至少 {limit} 项", f"at least {limit} items")),
        "maxItems": (lambda: (f"最多 {limit} 项", f"at most {limit} items")),
        "uniqueItems": (lambda: ("不能有重复项", "must not repeat an item")),
        "maxProperties": (lambda: (f"最多 {limit} 项", f"at most {limit} entries")),
    }
    zh, en = simple[kind]() if kind in simple else ("格式不正确", "has the wrong form")
    return [(path, _text(schema, zh, en))]


def check(schema: dict, document, skip=None) -> list[tuple[str, str]]:
    """Every error of `document` against `schema`, as (JSON path, message), sorted by path;
    `skip(error)` true leaves an error out."""
    found: list[tuple[str, str]] = []
    for error in Draft202012Validator(schema).iter_errors(document):
        if skip is None or not skip(error):
            found.extend(explain(error))
    return sorted(dict.fromkeys(found))


def validate_props(ref, props) -> list[tuple[str, str]]:
    """What is wrong with a card's props, as (JSON path, zh-CN message); [] when they fit.

    :param ref: a `ComponentType`, `code@version`, `code@major` or a bare code
    :param props: the card's props (the defaults need not be filled in)
    """
    return check(_type(ref).props_schema, props)


def _defaults(schema: dict):
    if "default" in schema:
        return copy.deepcopy(schema["default"])
    if schema.get("type") == "object" and "properties" in schema:
        filled = {}
        for name, sub in schema["properties"].items():
            value = _defaults(sub)
            if value is not None:
                filled[name] = value
        return filled or None
    return None


def defaults(ref) -> dict:
    """The props a new card of this type starts with: every default its schema declares."""
    return _defaults(_type(ref).props_schema) or {}


def with_defaults(ref, props: dict | None) -> dict:
    """`props` over the type's defaults (nested objects merged one level deep), checked:
    raises `InvalidProps` when they do not fit."""
    component_type = _type(ref)
    merged = defaults(component_type)
    for name, value in (props or {}).items():
        if isinstance(value, dict) and isinstance(merged.get(name), dict):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    errors = check(component_type.props_schema, merged)
    if errors:
        raise InvalidProps(component_type.ref, errors)
    return merged
