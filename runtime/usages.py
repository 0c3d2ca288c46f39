"""Where used: what depends on an indicator or a data service, and what a change would break.

Each domain that refers to indicators or services by code registers a finder for the kinds it
uses, the way Datasette plugins register hooks. A finder answers, for the target as it stands
in the session (a pending change included), its dependants and the problem each would have.
The indicator layer thereby lists cards, alerts and reports without importing them.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongguan.errors import BreaksDependants

# Modules that register finders; later domains (builder cards, reports, flows) add themselves.
FINDER_MODULES = ["runtime.services.service", "runtime.indicators.service", "runtime.alerts.service"]


@dataclass
class Dependant:
    kind: str  # "indicator", "alert_rule", "data_service", "card", "report", "flow", ...
    id: int
    code: str
    name: str
    state: str = ""
    problem: str = ""  # zh-CN: why it would no longer work with the target as it now stands

    def as_dict(self) -> dict:
        return {"kind": self.kind, "id": self.id, "code": self.code, "name": self.name, "state": self.state,
                "problem": self.problem}


Finder = Callable[[Session, object], Iterable[Dependant]]
_finders: dict[str, list[Finder]] = {}


def finder(kind: str):
    """Register `fn(session, target) -> dependants` for targets of `kind` ("indicator", "data_service")."""
    def register(fn: Finder) -> Finder:
        _finders.setdefault(kind, [])
        if fn not in _finders[kind]:
            _finders[kind].append(fn)
        return fn
    return register


def _load() -> None:
    for name in FINDER_MODULES:
        importlib.import_module(name)


def dependants_of(session: Session, kind: str, target) -> list[Dependant]:
    _load()
    out: list[Dependant] = []
    for fn in _finders.get(kind, []):
        out.extend(fn(session, target))
    return sorted(out, key=lambda d: (d.kind, d.code))


def refuse_if_broken(session: Session, kind: str, target, confirm_breaking: bool) -> None:
    """Raise BreaksDependants (nothing is saved) if the pending change breaks a dependant,
    unless the operator has seen the list and confirmed."""
    session.flush()
    broken = [d.as_dict() for d in dependants_of(session, kind, target) if d.problem]
    if broken and not confirm_breaking:
        names = "、".join(f"{d['name']}（{d['code']}）" for d in broken)
        raise BreaksDependants(f"这项修改会影响 {len(broken)} 个使用方：{names}", broken)
