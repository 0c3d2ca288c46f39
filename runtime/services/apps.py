"""Which app a code or id names, and whether it is live: the builder answers.

Apps live in the builder, which sits above the runtime; the runtime must not import it, so the
builder registers the answer here when it is imported (the app factory imports every blueprint).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy.orm import Session


class FoundApp(NamedTuple):
    id: int
    code: str
    live: bool  # published: its pages may call what it was granted


_provider: Callable[..., FoundApp | None] | None = None


def provider(fn: Callable[..., FoundApp | None]) -> Callable[..., FoundApp | None]:
    global _provider
    _provider = fn
    return fn


def find(session: Session, *, code: str | None = None, id: int | None = None) -> FoundApp | None:
    return _provider(session, code=code, id=id) if _provider is not None else None
