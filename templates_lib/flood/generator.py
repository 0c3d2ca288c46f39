"""Sample data of 防台防汛: rain gauges reporting every 10 minutes through a season of storms (each
storm drifts across the city, with convective bursts inside it), river and reservoir levels that
follow the rain of the hours before, waterlogging points that fill when the last hour's rain is
heavy, pump stations, shelters, supplies and rescue teams.

`size` is the number of rain readings (the event-like source); the other tables follow the same
clock. The last readings end at `now`, and the last hour is wet but below the blue warning
(20 mm/h), so a drill is what raises an alert.
"""
from __future__ import annotations

import datetime as dt
import math
import random

from templates_lib.city import STREETS, naive_utc

STEP = dt.timedelta(minutes=10)
GAUGES = [(f"{s.name[:2]}{n}号雨量站", s) for s in STREETS for n in (1, 2, 3)]
RIVERS = [("临江·江东水文站", "river", "江东区", 4.2, 4.8), ("临江·古楼水文站", "river", "江西区", 4.0, 4.6),
          ("海口潮位站", "river", "临港区", 3.6, 4.3), ("青石河水位站", "river", "江西区", 2.8, 3.3),
          ("望月水库", "reservoir", "江东区", 21.5, 23.0), ("科创水库", "reservoir", "高新区", 18.0, 19.6)]
POINTS = [("滨湖路下立交", "滨湖街道", 27), ("湖滨大道低洼段", "滨湖街道", 15), ("望月路隧道", "望月街道", 27),
          ("江东大道积水点", "望月街道", 15), ("古楼街老城区", "古楼街道", 15), ("府前路下穿", "古楼街道", 27),
          ("青石路低洼段", "青石街道", 15), ("海口大道积水点", "海口镇", 15), ("渔门路下立交", "渔门街道", 27),
          ("科创大道隧道", "科创街道", 27), ("智慧路低洼段", "科创街道", 15), ("西河路积水点", "古楼街道", 15)]
SUPPLIES = [("物资", "防汛沙袋", "只", 4000), ("物资", "编织袋", "只", 6000), ("物资", "移动抽水泵", "台", 12),
            ("物资", "冲锋舟", "艘", 3), ("物资", "救生衣", "件", 300), ("救援队伍", "防汛抢险队", "人", 40),
            ("救援队伍", "消防救援分队", "人", 25), ("救援队伍", "民兵应急分队", "人", 30)]
DRILL_MM = {"rainstorm": 7.0, "typhoon": 12.0}  # mm in each 10-minute reading of the drill's hour


def _storms(rng: random.Random, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Storms over the span: about one every four days, 3 to 14 hours long, moving west to east."""
    storms, t = [], start + dt.timedelta(hours=rng.uniform(2, 48))
    while t < end - dt.timedelta(hours=18):  # ends (with its drift) before the last hours
        storms.append({"start": t, "hours": rng.uniform(3, 14), "peak": rng.uniform(4, 16),
                       "speed": rng.uniform(0.02, 0.06), "bursts": [rng.uniform(0.1, 0.9) for _ in range(rng.randint(1, 4))]})
        t += dt.timedelta(hours=rng.uniform(40, 140))
    return storms


def _rain(storms: list[dict], at: dt.datetime, lon: float) -> float:
    """mm in the 10 minutes to `at` at a gauge at longitude `lon` (0 outside storms)."""
    total = 0.0
    for s in storms:
        h = (at - s["start"]).total_seconds() / 3600 - (lon - 120.09) / s["speed"] / 10
        if 0 <= h <= s["hours"]:
            phase = h / s["hours"]
            envelope = math.sin(math.pi * phase)
            burst = sum(math.exp(-((phase - b) ** 2) / 0.004) for b in s["bursts"])
            total += s["peak"] / 6 * envelope * (0.35 + 1.6 * burst)
    return total


def generate(size: int, seed: int, now: dt.datetime) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    end = naive_utc(now).replace(minute=naive_utc(now).minute // 10 * 10, second=0)
    steps = max(1, size // len(GAUGES))
    start = end - STEP * steps
    storms = _storms(rng, start, end)
    # the last two hours: a steady rain everywhere, wet but under the blue warning
    storms.append({"start": end - dt.timedelta(hours=2.2), "hours": 3.0, "peak": 6.0, "speed": 1.0, "bursts": []})
    gauges = [(name, street, street.point(rng)) for name, street in GAUGES]
    rainfall, hourly = [], {}
    storms.sort(key=lambda st: st["start"])
    first = 0
    for k in range(steps):
        at = start + STEP * (k + 1)
        # only the storms over the city now (a storm's front takes up to 2 hours to cross it)
        while first < len(storms) and storms[first]["start"] + dt.timedelta(hours=storms[first]["hours"] + 2) < at:
            first += 1
        active = [st for st in storms[first:first + 4] if st["start"] <= at] if first < len(storms) else []
        if storms[-1] not in active and storms[-1]["start"] <= at:
            active.append(storms[-1])
        wet = []
        for name, street, (lon, lat) in gauges:
            mm = _rain(active, at, lon)
            mm = round(max(0.0, mm * rng.uniform(0.7, 1.3) + (rng.random() < 0.02) * rng.uniform(0, 0.5)), 1)
            rainfall.append({"gauge": name, "district": street.district, "street": street.name, "lon": lon,
                             "lat": lat, "mm": mm, "observed_at": at})
            wet.append(mm)
        hourly[at] = sum(wet) / len(wet)
    extra = size - len(rainfall)  # sizes that do not divide by the gauge count: top up the last step
    for name, street, (lon, lat) in gauges[:max(0, extra)]:
        rainfall.append({"gauge": name, "district": street.district, "street": street.name, "lon": lon, "lat": lat,
                         "mm": 0.0, "observed_at": end})
    return {"rainfall": rainfall, **_follow(rng, hourly, end)}


def _recent(hourly: dict, at: dt.datetime, hours: float) -> float:
    """City-average rain (mm) over the `hours` before `at`, from the 10-minute series."""
    n = int(hours * 6)
    return sum(hourly.get(at - STEP * i, 0.0) for i in range(n))


def _follow(rng: random.Random, hourly: dict, end: dt.datetime) -> dict[str, list[dict]]:
    """Levels, waterlogging and facilities over the last 48 hours, following the rain."""
    levels, logging = [], []
    for h in range(48, -1, -1):
        at = end - dt.timedelta(hours=h)
        day_rain = _recent(hourly, at, 24)
        for station, kind, district, base, warning in RIVERS:
            level = base + 0.018 * day_rain + rng.uniform(-0.05, 0.05) - 0.4
            levels.append({"station": station, "kind": kind, "district": district, "level_m": round(level, 2),
                           "warning_m": warning, "observed_at": at})
        hour_rain = _recent(hourly, at, 1)
        for point, street_name, warning in POINTS:
            street = next(s for s in STREETS if s.name == street_name)
            depth = max(0.0, (hour_rain - 8) * (2.2 if warning > 20 else 1.4) + rng.uniform(-2, 2))
            logging.append({"point": point, "district": street.district, "street": street.name,
                            "depth_cm": round(depth, 1), "warning_cm": warning, "observed_at": at})
    pumps, shelters, supplies = [], [], []
    for i, street in enumerate(STREETS):
        lon, lat = street.point(rng)
        state = "运行" if _recent(hourly, end, 3) > 2 and i % 3 != 2 else ("故障" if i == 4 else "待命")
        pumps.append({"station": f"{street.name[:2]}排水泵站", "district": street.district, "street": street.name,
                      "state": state, "capacity_m3s": round(rng.uniform(4, 16), 1),
                      "flow_m3s": round(rng.uniform(2, 10), 1) if state == "运行" else 0.0, "lon": lon, "lat": lat,
                      "updated_at": end})
        for n in (1, 2):
            lon, lat = street.point(rng)
            opened = n == 1 and street.district in ("江东区", "临港区")
            capacity = rng.choice((200, 300, 500, 800))
            shelters.append({"shelter": f"{street.name[:2]}第{n}避灾安置点", "district": street.district,
                             "street": street.name, "capacity": capacity, "open": opened,
                             "people": rng.randint(20, capacity // 3) if opened else 0, "lon": lon, "lat": lat,
                             "updated_at": end})
    for district in ("江东区", "江西区", "临港区", "高新区"):
        for kind, item, unit, base in SUPPLIES:
            supplies.append({"kind": kind, "item": item, "district": district, "unit": unit,
                             "quantity": max(1, int(base * rng.uniform(0.5, 1.5) / 4))})
    return {"water_levels": levels, "waterlogging": logging, "pumps": pumps, "shelters": shelters,
            "supplies": supplies}


def drill(code: str, seed: int, now: dt.datetime) -> dict[str, list[dict]]:
    """A drill's readings: the hour before `now` as a downpour over 江东区 (rainstorm) or the whole
    city (typhoon), six 10-minute readings per gauge, and the waterlogging points filling."""
    if code not in DRILL_MM:
        raise KeyError(code)
    rng = random.Random(seed * 7919 + len(code))
    end = naive_utc(now)
    hit = [g for g in GAUGES if code == "typhoon" or g[1].district == "江东区"]
    rainfall = []
    for i in range(6):
        at = end - STEP * (5 - i)
        for name, street in hit:
            lon, lat = street.point(rng)
            rainfall.append({"gauge": name, "district": street.district, "street": street.name, "lon": lon,
                             "lat": lat, "mm": round(DRILL_MM[code] * rng.uniform(0.9, 1.1), 1), "observed_at": at})
    logging = []
    for point, street_name, warning in POINTS:
        street = next(s for s in STREETS if s.name == street_name)
        if code == "typhoon" or street.district == "江东区":
            logging.append({"point": point, "district": street.district, "street": street.name,
                            "depth_cm": round(warning * rng.uniform(1.1, 1.8), 1), "warning_cm": warning,
                            "observed_at": end})
    return {"rainfall": rainfall, "waterlogging": logging}
