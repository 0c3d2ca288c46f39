"""Pagination and optimistic-locking helpers shared by every service."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from .errors import PreconditionFailed

MAX_PER_PAGE = 200


@dataclass
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int


def paginate(session: Session, stmt: Select, page: int = 1, per_page: int = 50) -> Page:
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = list(session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total or 0, page, per_page)


def check_version(obj, if_version: int | None) -> None:
    """Refuse a write based on a stale read. `None` means the caller did not ask."""
    if if_version is not None and obj.version != if_version:
        raise PreconditionFailed(
            f"This {obj.__tablename__} was changed by someone else (now version {obj.version}, "
            f"you had version {if_version}). Reload it and apply your change again."
        )
