"""The fictional city of 临江市 as the sample-data generators see it: its districts, streets and
grids (the names the demo organisation and static/geo/linjiang.geojson use, so that sample rows
land on the map and route to real departments), named roads inside each street, and the shapes
of a city's day and week.

Generators take a `random.Random(seed)` and a fixed `now`: the same seed, size and now give the
same rows, byte for byte.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Street:
    code: str
    name: str
    district: str  # the district's name
    bbox: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max (kept inside the polygon)
    grids: tuple[str, ...]
    roads: tuple[str, ...]

    def point(self, rng: random.Random) -> tuple[float, float]:
        """A point in the middle part of the street's box (the polygons are not rectangles)."""
        x0, y0, x1, y1 = self.bbox
        return (round(x0 + (x1 - x0) * (0.2 + 0.6 * rng.random()), 6),
                round(y0 + (y1 - y0) * (0.2 + 0.6 * rng.random()), 6))


DISTRICTS = ("江东区", "江西区", "临港区", "高新区")

STREETS: tuple[Street, ...] = (
    Street("jd-bh", "滨湖街道", "江东区", (120.24, 30.20, 120.38, 30.29), ("滨湖第一网格", "滨湖第二网格"),
           ("滨湖路", "湖滨大道", "望江东路", "钱湾路")),
    Street("jd-wy", "望月街道", "江东区", (120.24, 30.31, 120.38, 30.39), ("望月第一网格", "望月第二网格"),
           ("望月路", "明月街", "江东大道", "观潮路")),
    Street("jx-gl", "古楼街道", "江西区", (120.165, 30.25, 120.215, 30.39), ("古楼第一网格", "古楼第二网格"),
           ("古楼街", "府前路", "文昌路", "西河路")),
    Street("jx-qs", "青石街道", "江西区", (120.10, 30.25, 120.165, 30.39), ("青石第一网格",),
           ("青石路", "石桥街", "西山路")),
    Street("lg-hk", "海口镇", "临港区", (120.34, 30.12, 120.385, 30.175), ("海口第一网格",),
           ("海口大道", "港城路", "渔港路")),
    Street("lg-ym", "渔门街道", "临港区", (120.275, 30.11, 120.33, 30.18), ("渔门第一网格",),
           ("渔门路", "临港大道", "海韵街")),
    Street("gx-kc", "科创街道", "高新区", (120.12, 30.11, 120.26, 30.23), ("科创第一网格", "科创第二网格"),
           ("科创大道", "智慧路", "创新街", "高新四路")),
)

STREET_BY_NAME = {s.name: s for s in STREETS}


def street_weights(streets=STREETS) -> list[float]:
    """Busy streets first: the older, denser districts report more."""
    base = {"江东区": 1.4, "江西区": 1.2, "临港区": 0.7, "高新区": 0.9}
    return [base[s.district] for s in streets]


# The share of a day's requests in each hour (a city's day: quiet nights, a morning peak at 9-11,
# a smaller one after lunch, tailing off in the evening).
HOURLY = (0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.6, 3.2, 5.6, 7.4, 7.8, 7.0, 5.2, 6.2, 6.9, 6.6, 6.0, 5.4,
          4.6, 4.0, 3.4, 2.6, 1.7, 1.0)
# Monday to Sunday.
WEEKLY = (1.18, 1.08, 1.02, 1.0, 1.0, 0.86, 0.86)


def hour_weight(at: dt.datetime) -> float:
    return HOURLY[at.hour] * WEEKLY[at.weekday()]


def timestamps(rng: random.Random, n: int, start: dt.datetime, end: dt.datetime, weight=hour_weight) -> list[dt.datetime]:
    """`n` instants in [start, end) distributed by `weight(hour)`, sorted (stored as generated:
    append-only tables are written in time order)."""
    hours = max(1, math.ceil((end - start).total_seconds() / 3600))
    slots = [start + dt.timedelta(hours=h) for h in range(hours)]
    weights = [weight(s) for s in slots]
    chosen = rng.choices(range(hours), weights=weights, k=n)
    span = (end - start).total_seconds()
    out = []
    for h in chosen:
        at = slots[h] + dt.timedelta(seconds=rng.random() * 3600)
        if (at - start).total_seconds() < span:
            out.append(at)
        else:
            out.append(end - dt.timedelta(seconds=1 + rng.random() * 60))
    out.sort()
    return out


def naive_utc(at: dt.datetime) -> dt.datetime:
    """Stored timestamps are naive UTC (the file sources' convention)."""
    return at.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0) if at.tzinfo else at.replace(microsecond=0)
