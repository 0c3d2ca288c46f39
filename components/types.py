"""The extension point for component types (hookspecs-style: everything in one short file).

A component type is a code (`chart.bar`), a semantic version (`1.0.0`), names, a category
and the JSON Schema (draft 2020-12) of its props. Pages refer to it as `code@version`.
"""
from __future__ import annotations

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
    """

    code: str
    version: str
    name: str
    name_en: str
    category: str
    description: str
    props_schema: dict = field(default_factory=dict)

    @property
    def ref(self) -> str:
        return f"{self.code}@{self.version}"


_TYPES: dict[tuple[str, str], ComponentType] = {}


def register(component_type: ComponentType) -> ComponentType:
    """Declare a component type; declaring the same code and version twice is an error."""
    key = (component_type.code, component_type.version)
    if key in _TYPES:
        raise ValueError(f"component type {component_type.ref} is already registered")
    if component_type.category not in CATEGORIES:
        raise ValueError(f"component type {component_type.ref}: unknown category {component_type.category!r}")
    _TYPES[key] = component_type
    return component_type


def component_types() -> list[ComponentType]:
    """Every registered type, in registration order."""
    return list(_TYPES.values())


def get(code: str, version: str) -> ComponentType | None:
    return _TYPES.get((code, version))
