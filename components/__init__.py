"""Component types: JSON Schemas of props and bindings, and their renderers.

`components.types` is the one extension point: a component type is declared with
`register(ComponentType(...))`. The built-in types in `components.builtin` use it too;
the catalog's component registry (catalog/registry) copies every registered type into
its tables on startup, and the builder will look renderers up here by code and version.

`components.bindings` checks binding documents, `components.validation` props, and
`components.vega` builds the charts' Vega-Lite specs (importing it loads altair).
This package imports nothing of ours but `dsl`.
"""
from __future__ import annotations

from .types import ACCEPTS, CATEGORIES, ComponentType, Slot, component_types, get, lookup, register, resolve
from .validation import InvalidProps, defaults, validate_props

from . import builtin  # noqa: E402,F401  (registers the built-in types)

__all__ = ["ACCEPTS", "CATEGORIES", "ComponentType", "InvalidProps", "Slot", "component_types", "defaults", "get",
           "lookup", "register", "resolve", "validate_props"]
