"""The demo city's base map (static/geo/linjiang.geojson, made by scripts/make_demo_geo.py):
which polygon a department code has, and random points inside one for the demo events."""
from __future__ import annotations

import functools
import json
import random

from tongguan import ROOT

BASE_MAP = ROOT / "static/geo/linjiang.geojson"


@functools.cache
def polygons() -> dict[str, list]:
    """code -> the polygon's rings ([[lon, lat], ...], the first the outline, the rest holes)."""
    data = json.loads(BASE_MAP.read_text(encoding="utf-8"))
    return {f["properties"]["code"]: f["geometry"]["coordinates"] for f in data["features"]
            if f["geometry"]["type"] == "Polygon"}


def _in_ring(lon: float, lat: float, ring: list) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1]):
        if (y1 > lat) != (y2 > lat) and lon < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def contains(code: str, lon: float, lat: float) -> bool:
    rings = polygons().get(code)
    return bool(rings) and _in_ring(lon, lat, rings[0]) and not any(_in_ring(lon, lat, h) for h in rings[1:])


def point_in(code: str, rng: random.Random) -> tuple[float, float] | None:
    """A point (lon, lat) inside the polygon of `code`, drawn from its bounding box until one
    falls inside (the demo's polygons fill most of theirs); None for a code without one."""
    rings = polygons().get(code)
    if not rings:
        return None
    xs, ys = [p[0] for p in rings[0]], [p[1] for p in rings[0]]
    for _ in range(1000):
        lon, lat = rng.uniform(min(xs), max(xs)), rng.uniform(min(ys), max(ys))
        if contains(code, lon, lat):
            return round(lon, 6), round(lat, 6)
    return None
