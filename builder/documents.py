"""Page documents: their JSON Schema, the card-by-card check, and the structural diff.

A page document (draft 2020-12 schema below) is a layout, a theme, page parameters and cards::

    {"layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark",
     "params": [{"name": "day", "type": "date", "default": null}],
     "cards": [{"id": "c1", "type": "chart.bar@1", "x": 0, "y": 0, "w": 600, "h": 400,
                "props": {"title": "各区积水点"}, "binding": {"indicator": "waterlogging_points"}}]}

`problems()` returns every problem at once as {field path: [zh-CN (English) messages]}, with
paths such as `cards[3].props.color`; `diff()` compares two documents card by card.
Plain functions on plain data: no session, no permission (the service in `builder.pages` uses them).
"""
from __future__ import annotations

from components import lookup, validate_props
from components.bindings import validate_bindings
from components.types import JSON_SCHEMA_DIALECT
from components.validation import COLOR_PATTERN, IMAGE_SRC_PATTERN, check

DEFAULT_SIZE = {"width": 1920, "height": 1080}
MAX_CARDS = 500
GEOMETRY = ("x", "y", "w", "h", "z")
SCALAR = {"type": ["string", "number", "boolean", "null"]}

CARD_SCHEMA: dict = {
    "type": "object",
    "title": "卡片",
    "additionalProperties": False,
    "required": ["id", "type", "x", "y", "w", "h"],
    "properties": {
        "id": {"type": "string", "title": "卡片编号", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        "type": {"type": "string", "title": "组件类型", "maxLength": 128,
                 "pattern": r"^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*@[0-9][0-9A-Za-z.+-]*$"},
        "title": {"type": "string", "title": "标题", "maxLength": 200},
        "x": {"type": "integer", "title": "横坐标", "minimum": 0, "maximum": 100000},
        "y": {"type": "integer", "title": "纵坐标", "minimum": 0, "maximum": 100000},
        "w": {"type": "integer", "title": "宽度", "minimum": 1, "maximum": 100000},
        "h": {"type": "integer", "title": "高度", "minimum": 1, "maximum": 100000},
        "z": {"type": "integer", "title": "层级", "minimum": -1000, "maximum": 1000},
        "props": {"type": "object", "title": "属性"},
        "binding": {"type": "object", "title": "数据绑定"},
        "refresh_s": {"type": "integer", "title": "刷新间隔（秒）", "minimum": 10, "maximum": 86400},
        "hidden": {"type": "boolean", "title": "隐藏"},
        "locked": {"type": "boolean", "title": "锁定"},
        "group": {"type": "string", "title": "分组", "minLength": 1, "maxLength": 64},
    },
}

PAGE_SCHEMA: dict = {
    "$schema": JSON_SCHEMA_DIALECT,
    "title": "页面文档",
    "type": "object",
    "additionalProperties": False,
    "required": ["layout", "cards"],
    "properties": {
        "layout": {"title": "布局", "enum": ["grid", "free"]},
        "size": {"type": "object", "title": "画布尺寸", "additionalProperties": False,
                 "required": ["width", "height"],
                 "properties": {"width": {"type": "integer", "title": "宽度", "minimum": 320, "maximum": 7680},
                                "height": {"type": "integer", "title": "高度", "minimum": 200, "maximum": 4320}}},
        "theme": {"title": "主题", "enum": ["dark", "light"]},
        "background": {"type": "object", "title": "背景", "additionalProperties": False,
                       "properties": {"color": {"type": "string", "title": "背景色", "pattern": COLOR_PATTERN},
                                      "image": {"type": "string", "title": "背景图", "maxLength": 2000,
                                                "pattern": IMAGE_SRC_PATTERN}}},
        "params": {"type": "array", "title": "页面参数", "maxItems": 20, "items": {
            "type": "object", "title": "参数", "additionalProperties": False, "required": ["name", "type"],
            "properties": {"name": {"type": "string", "title": "参数名", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,63}$"},
                           "title": {"type": "string", "title": "显示名", "maxLength": 100},
                           "type": {"title": "参数类型", "enum": ["date", "area", "text"]},
                           "default": SCALAR}}},
        "cards": {"type": "array", "title": "卡片", "maxItems": MAX_CARDS, "items": CARD_SCHEMA},
    },
}


def empty(layout: str = "grid") -> dict:
    """The document of a new page: nothing on it yet."""
    document = {"layout": layout, "theme": "dark", "params": [], "cards": []}
    if layout == "free":
        document["size"] = dict(DEFAULT_SIZE)
    return document


def _field(path: str) -> str:
    """A JSON path (`$.cards[3].props.color`) as a field key (`cards[3].props.color`)."""
    return path[2:] if path.startswith("$.") else ("" if path == "$" else path.removeprefix("$"))


def _under(prefix: str, path: str) -> str:
    """A path inside a card part (`$.color`, `$`) under that part's key (`cards[3].props`)."""
    return prefix + path[1:] if path.startswith("$") else f"{prefix}.{path}"


def problems(document, *, publishing: bool = False) -> dict[str, list[str]]:
    """Everything wrong with a page document, as {field path: [messages]}; {} when it is valid.

    :param document: the page document as posted
    :param publishing: also require every card's required data slots to be bound
    """
    errors: dict[str, list[str]] = {}

    def add(path: str, message: str) -> None:
        errors.setdefault(path or "document", [])
        if message not in errors[path or "document"]:
            errors[path or "document"].append(message)

    for path, message in check(PAGE_SCHEMA, document):
        add(_field(path), message)
    if not isinstance(document, dict):
        return errors
    params = document.get("params") if isinstance(document.get("params"), list) else []
    names = [p.get("name") if isinstance(p, dict) else None for p in params]
    for i, name in enumerate(names):
        if isinstance(name, str) and name in names[:i]:
            add(f"params[{i}].name", f"参数名 {name} 重复 (duplicate parameter name)")
    cards = document.get("cards") if isinstance(document.get("cards"), list) else []
    size = document.get("size") if isinstance(document.get("size"), dict) else DEFAULT_SIZE
    width, height = size.get("width"), size.get("height")
    seen: set[str] = set()
    for i, card in enumerate(cards[:MAX_CARDS]):
        if not isinstance(card, dict):
            continue
        where = f"cards[{i}]"
        card_id = card.get("id")
        if isinstance(card_id, str):
            if card_id in seen:
                add(f"{where}.id", f"卡片编号 {card_id} 重复 (duplicate card id)")
            seen.add(card_id)
        if document.get("layout") == "free" and all(isinstance(v, int) for v in (width, height)):
            x, y, w, h = (card.get(k) for k in ("x", "y", "w", "h"))
            if all(isinstance(v, int) and not isinstance(v, bool) for v in (x, w)) and x + w > width:
                add(where, f"超出画布宽度 {width} (the card goes past the canvas width)")
            if all(isinstance(v, int) and not isinstance(v, bool) for v in (y, h)) and y + h > height:
                add(where, f"超出画布高度 {height} (the card goes past the canvas height)")
        ref = card.get("type")
        if not isinstance(ref, str):
            continue
        component_type = lookup(ref) if "@" in ref else None
        if component_type is None:
            add(f"{where}.type", f"未知的组件类型 {ref}，请写成 编码@主版本号，如 chart.bar@1 "
                                 f"(unknown component type)")
            continue
        props = card.get("props", {})
        if isinstance(props, dict):
            for path, message in validate_props(component_type, props):
                add(_under(f"{where}.props", path), message)
        binding = card.get("binding")
        if binding is None or isinstance(binding, dict):
            for path, message in validate_bindings(component_type, binding, require=publishing):
                add(_under(f"{where}.binding", path), message)
    return errors


# --- diff ------------------------------------------------------------------------------------------

def _changes(before: dict, after: dict, keys) -> dict:
    return {k: {"before": before.get(k), "after": after.get(k)} for k in keys if before.get(k) != after.get(k)}


def _card_changes(before: dict, after: dict) -> dict:
    """{part: {key: {before, after}}} for a card present in both documents."""
    changed: dict = {}
    geometry = _changes(before, after, GEOMETRY)
    if geometry:
        changed["geometry"] = geometry
    for part in ("props", "binding"):
        old, new = before.get(part), after.get(part)
        old, new = (old if isinstance(old, dict) else {}), (new if isinstance(new, dict) else {})
        found = _changes(old, new, sorted(set(old) | set(new)))
        if found:
            changed[part] = found
    others = sorted((set(before) | set(after)) - set(GEOMETRY) - {"id", "props", "binding"})
    found = _changes(before, after, others)
    if found:
        changed["card"] = found  # type, refresh_s, hidden, locked, group, title
    return changed


def _by_id(document: dict) -> dict:
    cards = document.get("cards") if isinstance(document, dict) else None
    return {c["id"]: c for c in (cards if isinstance(cards, list) else [])
            if isinstance(c, dict) and isinstance(c.get("id"), str)}


def diff(before: dict, after: dict) -> dict:
    """What changed from `before` to `after`, card by card (matched by id)::

        {"page": {key: {"before", "after"}},          # layout, size, theme, background, params
         "added": [card], "removed": [card],
         "changed": [{"id", "changes": {"geometry"|"props"|"binding"|"card": {key: {"before", "after"}}}}]}
    """
    old, new = _by_id(before), _by_id(after)
    before, after = (before if isinstance(before, dict) else {}), (after if isinstance(after, dict) else {})
    page_keys = sorted((set(before) | set(after)) - {"cards"})
    changed = []
    for card_id, card in new.items():
        if card_id in old:
            changes = _card_changes(old[card_id], card)
            if changes:
                changed.append({"id": card_id, "changes": changes})
    return {"page": _changes(before, after, page_keys),
            "added": [c for i, c in new.items() if i not in old],
            "removed": [c for i, c in old.items() if i not in new],
            "changed": changed}
