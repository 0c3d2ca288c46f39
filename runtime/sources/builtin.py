"""Built-in data sets: the platform's own tables offered as a source (the event core first).

A domain registers a data set as a function `now -> Subquery`; a source of kind `builtin`
names it in `config.dataset`, and data services query it in the platform's own database.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable

import sqlalchemy as sa

MODULES = ["runtime.events.facts", "runtime.alerts.facts"]  # modules that register data sets

_datasets: dict[str, tuple[str, Callable[..., sa.Subquery]]] = {}


def dataset(name: str, label: str):
    def register(fn: Callable[..., sa.Subquery]):
        _datasets[name] = (label, fn)
        return fn
    return register


def _load() -> None:
    for module in MODULES:
        importlib.import_module(module)


def names() -> dict[str, str]:
    _load()
    return {name: label for name, (label, _) in _datasets.items()}


def selectable(name: str, now=None) -> sa.Subquery:
    _load()
    return _datasets[name][1](now)
