"""Duplicates across channels: reports of the same matter near the same place and time.

Candidates are found by matter and time window in SQL, narrowed by a bounding box, then by the
great-circle distance; a report without coordinates matches one at the same address or grid.
The distance and window come from the matter's DuplicateRule (default 200 m, 24 h).
"""
from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select
from sqlalchemy.orm import Session

from .common import kept
from .models import DuplicateRule, Event

DEFAULT_DISTANCE_M, DEFAULT_WINDOW_H = 200, 24
EARTH_M = 6_371_000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(math.sqrt(a))


def window(session: Session, matter_id: int, memo: dict | None = None) -> tuple[int, int]:
    """(metres, hours) within which another report of the matter may be the same event."""
    def make():
        row = session.execute(select(DuplicateRule.distance_m, DuplicateRule.window_h)
                              .where(DuplicateRule.matter_id == matter_id)).first()
        return tuple(row) if row else (DEFAULT_DISTANCE_M, DEFAULT_WINDOW_H)
    return kept(session, memo, ("duplicate", matter_id), make)


def candidates(session: Session, event: Event, limit: int = 10) -> list[dict]:
    """Other unmerged events that look like the same problem, nearest first:
    [{"event": Event, "distance_m": float | None, "hours_apart": float}]."""
    if event.matter_id is None:
        return []
    meters, hours = window(session, event.matter_id)
    span = dt.timedelta(hours=hours)
    stmt = select(Event).where(Event.id != event.id, Event.matter_id == event.matter_id,
                               Event.merged_into_id.is_(None), Event.status != "cancelled",
                               Event.reported_at >= event.reported_at - span,
                               Event.reported_at <= event.reported_at + span)
    if event.latitude is not None and event.longitude is not None:
        dlat = meters / 111_320
        dlon = meters / (111_320 * max(math.cos(math.radians(event.latitude)), 0.01))
        near = (Event.latitude.between(event.latitude - dlat, event.latitude + dlat)
                & Event.longitude.between(event.longitude - dlon, event.longitude + dlon))
        same_place = Event.address == event.address if event.address else None
        stmt = stmt.where(near | same_place if same_place is not None else near)
    elif event.address:
        stmt = stmt.where(Event.address == event.address)
    elif event.area_department_id is not None:
        stmt = stmt.where(Event.area_department_id == event.area_department_id)
    else:
        return []
    out = []
    for other in session.scalars(stmt.limit(200)):
        d = None
        if None not in (event.latitude, event.longitude, other.latitude, other.longitude):
            d = distance_m(event.latitude, event.longitude, other.latitude, other.longitude)
            if d > meters and other.address != event.address:
                continue
        out.append({"event": other, "distance_m": None if d is None else round(d, 1),
                    "hours_apart": round(abs((other.reported_at - event.reported_at).total_seconds()) / 3600, 2)})
    out.sort(key=lambda c: (c["distance_m"] is None, c["distance_m"] or 0, c["hours_apart"]))
    return out[:limit]
