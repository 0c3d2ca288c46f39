"""Statistics of a directory and everything below it.

A user whose grant covers the directory sees every resource below it, so the counts come
from the per-directory rollups (rollup.py): a few dozen rows per directory, whatever the
number of resources. Anyone else gets the same figures counted from the resources they may
see (owned by their department or granted one by one: a short list).
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from tongguan.accounts.models import Department
from tongguan.permissions import Actor, action

from .access import access_for
from .models import RESOURCE_CLASSES, STATUSES, Directory, DirectoryCount, Resource
from .rollup import month_expr
from .service import directory_get

BIG = 1000  # above this many resources, the most used are found by walking the use_count index


def _counts_from_rollups(session: Session, subtree) -> dict[str, Counter]:
    counts: dict[str, Counter] = {"class": Counter(), "status": Counter(), "owner": Counter(), "month": Counter()}
    rows = session.execute(select(DirectoryCount.dimension, DirectoryCount.value, func.sum(DirectoryCount.n))
                           .where(DirectoryCount.directory_id.in_(subtree))
                           .group_by(DirectoryCount.dimension, DirectoryCount.value)).all()
    for dimension, value, n in rows:
        counts[dimension][int(value) if dimension == "owner" else value] += int(n)
    return counts


def _counts_from_rows(session: Session, where) -> dict[str, Counter]:
    counts: dict[str, Counter] = {"class": Counter(), "status": Counter(), "owner": Counter(), "month": Counter()}
    month = month_expr(session.get_bind().dialect.name, Resource.created_at)
    for cls, status, owner, mon, n in session.execute(
            select(Resource.resource_class, Resource.status, Resource.owner_department_id, month, func.count())
            .where(where).group_by(Resource.resource_class, Resource.status, Resource.owner_department_id, month)):
        counts["class"][cls] += n
        counts["status"][status] += n
        counts["owner"][owner] += n
        counts["month"][mon] += n
    return counts


def _most_used_big(session: Session, subtree, top: int) -> list:
    """Walk every resource from the most used down (the use_count index) and keep those in the
    subtree: a big subtree yields its top ten within the first few hundred rows."""
    inside = set(session.scalars(subtree))
    found: list = []
    batch, offset = 500, 0
    while len(found) < top:
        rows = session.execute(select(Resource.id, Resource.name, Resource.use_count, Resource.directory_id)
                               .where(Resource.deleted_at.is_(None))
                               .order_by(Resource.use_count.desc(), Resource.id.desc())
                               .limit(batch).offset(offset)).all()
        found += [(i, n, u) for i, n, u, d in rows if d in inside][: top - len(found)]
        if len(rows) < batch:
            break
        offset += batch
        batch = min(batch * 2, 20_000)
    return found


def _ranked(counter) -> list[tuple]:
    """Most first; ties by key, so that the answer does not depend on the rows' order."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))


@action("catalog.read")
def directory_stats(session: Session, actor: Actor, directory_id: int, *, tz: str = "Asia/Shanghai",
                    months: int = 12, top: int = 10) -> dict:
    """Counts by class, status and owner, additions per month (the last `months`, the city's
    time), and the most used resources, over what the user may see below the directory."""
    d = directory_get(session, actor, directory_id)
    access = access_for(session, actor)
    subtree = select(Directory.id).where(Directory.path.startswith(d.path, autoescape=True))
    covered = access.directory_level(d) is not None  # a grant here or above covers the whole subtree
    where = and_(Resource.directory_id.in_(subtree), Resource.deleted_at.is_(None))
    if covered:
        counts = _counts_from_rollups(session, subtree)
    else:
        where = and_(where, access.visible_clause())
        counts = _counts_from_rows(session, where)
    total = sum(counts["class"].values())

    if covered and total > BIG:
        most_used = _most_used_big(session, subtree, top)
    else:
        most_used = session.execute(select(Resource.id, Resource.name, Resource.use_count).where(where)
                                    .order_by(Resource.use_count.desc(), Resource.id.desc()).limit(top)).all()

    owners = _ranked(counts["owner"])
    names = dict(session.execute(select(Department.id, Department.name)
                                 .where(Department.id.in_([o for o, _ in owners]))).all())
    today = dt.datetime.now(ZoneInfo(tz)).date().replace(day=1)
    first = today
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    labels, m = [], first
    while m <= today:
        labels.append(m.strftime("%Y-%m"))
        m = (m + dt.timedelta(days=32)).replace(day=1)
    return {
        "directory_id": d.id, "name": d.name, "total": total,
        "by_class": [{"value": c, "label": RESOURCE_CLASSES.get(c, (c,))[0], "count": n}
                     for c, n in _ranked(counts["class"])],
        "by_status": [{"value": s, "label": STATUSES.get(s, (s,))[0], "count": n}
                      for s, n in _ranked(counts["status"])],
        "by_owner": [{"value": o, "label": names.get(o, str(o)), "count": n} for o, n in owners],
        "by_month": [{"month": label, "count": counts["month"].get(label, 0)} for label in labels],
        "most_used": [{"id": i, "name": n, "use_count": u} for i, n, u in most_used],
    }


