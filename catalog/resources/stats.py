"""Statistics of a directory and everything below it, counted by the database.

The five counts read the covering index `ix_catalog_resource_stats`, so a subtree
of 50,000 resources is summed without touching table rows.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal_column, select
from sqlalchemy.orm import Session

from tongguan.accounts.models import Department
from tongguan.permissions import Actor, action

from .access import access_for
from .models import RESOURCE_CLASSES, STATUSES, Directory, Resource
from .service import directory_get


def _month(dialect: str, tz: str):
    # The city's zone has no daylight saving: a fixed offset turns UTC timestamps into local months.
    hours = int(dt.datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() // 3600)
    if dialect == "sqlite":
        return func.strftime("%Y-%m", Resource.created_at, f"{hours:+d} hours")
    return func.to_char(Resource.created_at + literal_column(f"interval '{hours} hours'"), "YYYY-MM")


@action("catalog.read")
def directory_stats(session: Session, actor: Actor, directory_id: int, *, tz: str = "Asia/Shanghai",
                    months: int = 12, top: int = 10) -> dict:
    """Counts by class, status and owner, additions per month (the last `months`, the city's
    time), and the most used resources, over what the user may see below the directory."""
    d = directory_get(session, actor, directory_id)
    where = and_(Resource.deleted_at.is_(None), access_for(session, actor).visible_clause(),
                 Resource.directory_id.in_(select(Directory.id).where(
                     Directory.path.startswith(d.path, autoescape=True))))

    def grouped(column):
        return session.execute(select(column, func.count()).where(where).group_by(column)
                               .order_by(func.count().desc())).all()

    by_class = grouped(Resource.resource_class)
    owners = grouped(Resource.owner_department_id)
    names = dict(session.execute(select(Department.id, Department.name)
                                 .where(Department.id.in_([o for o, _ in owners]))).all())
    month = _month(session.get_bind().dialect.name, tz)
    today = dt.datetime.now(ZoneInfo(tz)).date().replace(day=1)
    first = today
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    per_month = dict(session.execute(
        select(month, func.count()).where(where, Resource.created_at >= dt.datetime.combine(
            first, dt.time(), ZoneInfo(tz))).group_by(month)).all())
    labels, m = [], first
    while m <= today:
        labels.append(m.strftime("%Y-%m"))
        m = (m + dt.timedelta(days=32)).replace(day=1)
    most_used = session.execute(select(Resource.id, Resource.name, Resource.use_count).where(where)
                                .order_by(Resource.use_count.desc(), Resource.id).limit(top)).all()
    return {
        "directory_id": d.id, "name": d.name,
        "total": sum(n for _, n in by_class),
        "by_class": [{"value": c, "label": RESOURCE_CLASSES.get(c, (c,))[0], "count": n} for c, n in by_class],
        "by_status": [{"value": s, "label": STATUSES.get(s, (s,))[0], "count": n}
                      for s, n in grouped(Resource.status)],
        "by_owner": [{"value": o, "label": names.get(o, str(o)), "count": n} for o, n in owners],
        "by_month": [{"month": label, "count": per_month.get(label, 0)} for label in labels],
        "most_used": [{"id": i, "name": n, "use_count": u} for i, n, u in most_used],
    }
