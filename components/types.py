"""The extension point for component types (hookspecs-style: everything in one short file).

A component type is a code (`chart.bar`), a semantic version (`1.0.0`), names, a category,
the JSON Schema (draft 2020-12) of its props and the data slots it can be bound to. Pages
refer to it as `code@major` (`chart.bar@1`): `resolve()` picks the highest version of that
major, so compatible (minor, patch) releases reach saved pages without editing them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# category code -> (zh-CN name, English name); the order is the library's display order.
CATEGORIES: dict[str, tuple[str, str]] = {
    "chart": ("图表", "Charts"),
    "metric": ("指标", "Metrics"),
    "table": ("表格", "Tables"),
    "map": ("地图", "Maps"),
    "list": ("列表", "Lists"),
    "text": ("文本", "Text"),
    "media": ("音视频", "Media"),
    "event": ("事件", "Events"),
    "form": ("表单", "Forms"),
    "layout": ("布局", "Layout"),
    "service": ("服务组件", "Service components"),
    "other": ("其他", "Other"),
}

# What a data slot accepts -> (zh-CN, English). A type without data has no slots at all
# (`slots=()`, shown as "none"); "none" is not a kind a slot can declare.
ACCEPTS: dict[str, tuple[str, str]] = {
    "series": ("按维度分组的数据行：一个维度、一个或多个度量", "rows of one dimension and one or more measures"),
    "value": ("单个数值，可带上期值和目标值", "one number, with an optional previous value and target"),
    "rows": ("明细数据行", "table rows"),
    "points": ("带经纬度的点位", "points with longitude and latitude"),
    "areas": ("带区域编码或边界的区域", "areas with a region code or a boundary"),
    "events": ("城市事件", "city events"),
    "alerts": ("预警", "alerts"),
}
NO_DATA = "none"


@dataclass(frozen=True)
class Slot:
    """A place a component takes data from, bound by a binding document (`components.bindings`).

    :param name: the slot's name, unique within its type (`data`, `points`)
    :param title: zh-CN title shown in the builder
    :param title_en: English title
    :param accepts: a key of `ACCEPTS`
    :param required: the card shows nothing until this slot is bound
    :param max_measures: how many measures a binding of this slot may name (None: any)
    """

    name: str
    title: str
    title_en: str
    accepts: str
    required: bool = True
    max_measures: int | None = None

    def __post_init__(self):
        if self.accepts not in ACCEPTS:
            raise ValueError(f"slot {self.name}: unknown kind {self.accepts!r}")


@dataclass(frozen=True)
class ComponentType:
    """One version of a component type.

    :param code: dotted lower-case code, `category.name` by convention (`chart.bar`)
    :param version: a semantic version, `1.0.0`
    :param name: the zh-CN name shown in the library (`柱状图`)
    :param name_en: the English name
    :param category: a key of `CATEGORIES`
    :param description: one or two zh-CN sentences: what it shows, when to use it
    :param props_schema: the JSON Schema of the props a page gives it
    :param slots: the data slots a card of this type can bind (none: static content)
    """

    code: str
    version: str
    name: str
    name_en: str
    category: str
    description: str
    props_schema: dict = field(default_factory=dict)
    slots: tuple[Slot, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.code}@{self.version}"

    @property
    def major(self) -> int:
        return version_key(self.version)[0]

    @property
    def accepts(self) -> tuple[str, ...]:
        """The kinds of data its slots accept, `("none",)` for static content."""
        return tuple(s.accepts for s in self.slots) or (NO_DATA,)

    def slot(self, name: str) -> Slot | None:
        return next((s for s in self.slots if s.name == name), None)


_TYPES: dict[tuple[str, str], ComponentType] = {}


def register(component_type: ComponentType) -> ComponentType:
    """Declare a component type; declaring the same code and version twice is an error."""
    key = (component_type.code, component_type.version)
    if key in _TYPES:
        raise ValueError(f"component type {component_type.ref} is already registered")
    if component_type.category not in CATEGORIES:
        raise ValueError(f"component type {component_type.ref}: unknown category {component_type.category!r}")
    version_key(component_type.version)  # raises on a version that is not semver
    names = [s.name for s in component_type.slots]
    if len(names) != len(set(names)):
        raise ValueError(f"component type {component_type.ref}: two slots share a name")
    _TYPES[key] = component_type
    return component_type


def component_types() -> list[ComponentType]:
    """Every registered type, in registration order."""
    return list(_TYPES.values())


# --- types declared elsewhere (third-party packages in the catalog's registry) ------------------------
# A resolver is `fn(code) -> iterable of ComponentType`: every version of a code that is not built in
# (the catalog installs one at app start that reads released third-party versions from the database;
# this package imports nothing of the catalog). Built-in codes never reach a resolver.
_RESOLVERS: list = []


def add_resolver(fn) -> None:
    """Consult `fn(code)` for codes that are not built in (adding the same function twice is harmless)."""
    if fn not in _RESOLVERS:
        _RESOLVERS.append(fn)


def remove_resolver(fn) -> None:
    if fn in _RESOLVERS:
        _RESOLVERS.remove(fn)


def _versions(code: str) -> list[ComponentType]:
    """Every version of `code`: the built-in ones, else what the resolvers know."""
    found = [t for (c, _), t in _TYPES.items() if c == code]
    if found or not isinstance(code, str):
        return found
    for resolver in _RESOLVERS:
        found = [t for t in (resolver(code) or ()) if isinstance(t, ComponentType) and t.code == code]
        if found:
            return found
    return []


def get(code: str, version: str) -> ComponentType | None:
    found = _TYPES.get((code, version))
    if found is None and _RESOLVERS:
        found = next((t for t in _versions(code) if t.version == version), None)
    return found


def resolve(code: str, major: int | str) -> ComponentType | None:
    """The highest version of `code` with this major, or None. Releases win over pre-releases
    (a page on `@1` does not get `1.3.0-beta` when `1.2.0` exists); with no release of that
    major, the highest pre-release is used."""
    try:
        major = int(major)
    except (TypeError, ValueError):
        return None
    found = [t for t in _versions(code) if version_key(t.version)[0] == major]
    released = [t for t in found if version_key(t.version)[3] == 1]
    return max(released or found, key=lambda t: version_key(t.version), default=None)


def lookup(ref) -> ComponentType | None:
    """A type from a page's reference: `code@1` (major, via `resolve`), `code@1.2.0` (exact),
    `code` alone (its highest release, else its highest pre-release) or a `ComponentType` (returned as is)."""
    if isinstance(ref, ComponentType):
        return ref
    if not isinstance(ref, str):
        return None
    code, _, version = ref.partition("@")
    if not version:
        found = _versions(code)
        released = [t for t in found if version_key(t.version)[3] == 1]
        return max(released or found, key=lambda t: version_key(t.version), default=None)
    if version.isdigit():
        return resolve(code, version)
    return get(code, version)


# --- semantic versions (https://semver.org; the same precedence as catalog/registry/semver.py,
# which this package may not import) --------------------------------------------------------------

_NUM = r"0|[1-9][0-9]*"
_PRE_ID = r"0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*"
_SEMVER = re.compile(rf"({_NUM})\.({_NUM})\.({_NUM})(?:-((?:{_PRE_ID})(?:\.(?:{_PRE_ID}))*))?"
                     r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?", re.ASCII)


def version_key(text: str) -> tuple:
    """A sort key giving semver precedence: (major, minor, patch, 1 for a release / 0, pre-ids)."""
    match = _SEMVER.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"not a semantic version: {text!r}")
    major, minor, patch, pre = match.groups()
    core = (int(major), int(minor), int(patch))
    if pre is None:
        return (*core, 1, ())
    return (*core, 0, tuple((0, int(i), "") if i.isdigit() else (1, 0, i) for i in pre.split(".")))
