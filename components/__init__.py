"""Component types: JSON Schemas of props and bindings, and their renderers.

`components.types` is the one extension point: a component type is declared with
`register(ComponentType(...))`. The built-in types in `components.builtin` use it too;
the catalog's component registry (catalog/registry) copies every registered type into
its tables on startup, and the builder will look renderers up here by code and version.

This package imports nothing of ours but `dsl`.
"""
from __future__ import annotations

from .types import CATEGORIES, ComponentType, component_types, get, register

from . import builtin  # noqa: E402,F401  (registers the built-in types)

__all__ = ["CATEGORIES", "ComponentType", "component_types", "get", "register"]
