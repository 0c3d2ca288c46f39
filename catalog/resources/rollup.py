"""Per-directory counts kept beside the resources, so that the statistics of a subtree sum a
few dozen rows per directory instead of grouping every resource below it.

Each directory has rows (dimension, value, n) for dimension class, status, owner and month
(the month a resource was catalogued, in the city's time), counting the resources directly
in it that are not deleted. Every ORM flush that touches resources recomputes the rows of
the directories involved, in the same transaction; bulk Core loads call `refresh`.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import delete, event, func, insert, literal, literal_column, select
from sqlalchemy.orm import Session

STATS_TZ = "Asia/Shanghai"  # the city's zone (the TIMEZONE setting's default); it has no daylight saving


def month_expr(dialect: str, column, tz: str = STATS_TZ):
    hours = int(dt.datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 3600)
    if dialect == "sqlite":
        return func.strftime("%Y-%m", column, f"{hours:+d} hours")
    return func.to_char(column + literal_column(f"interval '{hours} hours'"), "YYYY-MM")


def refresh(connection, directory_ids) -> None:
    """Recompute the counts of these directories (all of them when None)."""
    from .models import DirectoryCount, Resource

    ids = None if directory_ids is None else sorted(set(directory_ids))
    if ids is not None and not ids:
        return
    for start in range(0, len(ids) if ids is not None else 1, 500):
        chunk = None if ids is None else ids[start:start + 500]
        wipe = delete(DirectoryCount)
        if chunk is not None:
            wipe = wipe.where(DirectoryCount.directory_id.in_(chunk))
        connection.execute(wipe)
        for dimension, column in (("class", Resource.resource_class), ("status", Resource.status),
                                  ("owner", Resource.owner_department_id),
                                  ("month", month_expr(connection.dialect.name, Resource.created_at))):
            value = func.cast(column, DirectoryCount.value.type) if dimension == "owner" else column
            where = [Resource.deleted_at.is_(None)]
            if chunk is not None:
                where.append(Resource.directory_id.in_(chunk))
            rows = select(Resource.directory_id, literal(dimension), value, func.count()).where(*where) \
                .group_by(Resource.directory_id, value)
            connection.execute(insert(DirectoryCount).from_select(
                ["directory_id", "dimension", "value", "n"], rows))


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context) -> None:
    from sqlalchemy import inspect

    from .models import Resource

    touched: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, Resource):
            continue
        hist = inspect(obj).attrs.directory_id.history
        touched.update(i for i in (*hist.added, *hist.deleted, *hist.unchanged) if i is not None)
    if touched:
        refresh(session.connection(), touched)
