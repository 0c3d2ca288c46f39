"""Sample data of 网格治理: the cases of 临江市's eleven grids, found by grid members on patrol (in
the hours of the working day) and by IoT sensors (around the clock: smoke detectors, manhole-cover
tilt, drain water level, full garbage bins), each either handled by the grid itself (自治) or
dispatched to the department the responsibility list names for its matter (the demo catalog's
rules: a city bureau, a district's bureau, a district ops center or a street office), with its
found, dispatched, deadline and closed times; the grid members' patrol rounds (check points
planned and checked); and the sensors themselves.

`size` is the number of cases. The history spans size / 300 days (at least 14, at most 365), so
the smallest sample still holds two whole weeks for the weekly report. Each grid has its own
habits (how much it handles itself, how often it is late, how thoroughly it patrols), so the
assessment ranks them. The last two hours hold at most one manhole alarm per grid: the drills
are what raise the manhole alert.
"""
from __future__ import annotations

import datetime as dt
import gc
import math
import random
from operator import itemgetter

from catalog.matters.seed_data import BUREAUS, CATALOG, STREET_RULES
from templates_lib.city import STREETS, naive_utc, street_weights, timestamps

LOCAL = dt.timedelta(hours=8)  # 临江 keeps China Standard Time all year; rows are naive UTC
PATROL, SENSOR = "网格巡查", "物联感知"
OPEN, LATE, CLOSED, WAITING = "处置中", "已超期", "已结案", "待核实"
PER_DAY = 300  # cases a day, unless the history would be shorter than two weeks or longer than a year
CALM = dt.timedelta(hours=2)  # the stretch before `now` kept under the manhole alert

# (matter, weight, share the grid handles itself): what grid members find on patrol
PATROL_MATTERS = (
    ("暴露垃圾", 14, 0.55), ("道路不洁", 8, 0.6), ("乱张贴小广告", 12, 0.75), ("占道经营", 10, 0.45),
    ("流动摊贩", 6, 0.4), ("店外经营", 8, 0.5), ("沿街晾挂", 5, 0.8), ("非机动车乱停放", 9, 0.7),
    ("共享单车堆积", 5, 0.3), ("绿地内堆物", 4, 0.6), ("建筑垃圾乱倒", 3, 0.15), ("违法搭建", 2, 0.05),
    ("小区公共设施损坏", 3, 0.2), ("人行道破损", 3, 0.05), ("路灯不亮", 3, 0.02), ("井盖破损移位", 2, 0.05),
    ("消防通道堵塞", 3, 0.5), ("电动自行车违规充电", 3, 0.6), ("邻里纠纷", 3, 0.7), ("店招店牌破损", 2, 0.3),
)
# (sensor, device code prefix, matter, weight, share handled by the grid, devices per grid)
SENSORS = (
    ("烟感", "YG", "电动自行车违规充电", 30, 0.6, 12),
    ("井盖倾斜", "JG", "井盖破损移位", 12, 0.1, 8),
    ("水位", "SW", "窨井冒溢", 12, 0.15, 3),
    ("垃圾桶满溢", "LJ", "垃圾箱破损满溢", 46, 0.35, 6),
)
MANHOLE = "井盖倾斜"
PATROL_SHARE = 0.68
# the hour of the day as a label ("08"): charts order their categories as text
HOURS = tuple(f"{h:02d}" for h in range(24))

# The shape of a grid member's day (local hours: out in the morning and the afternoon, lunch at
# noon) and of a sensor's (around the clock, busier in the evening: cooking, charging, bins filling).
PATROL_HOURLY = (0, 0, 0, 0, 0, 0, 0, 0.3, 2.6, 3.2, 3.0, 2.1, 0.5, 0.7, 2.6, 3.0, 2.7, 1.5, 0.3, 0, 0, 0, 0, 0)
PATROL_WEEKLY = (1.0, 1.0, 1.0, 1.0, 0.95, 0.5, 0.3)
SENSOR_HOURLY = (0.6, 0.5, 0.4, 0.4, 0.4, 0.5, 0.8, 1.1, 1.2, 1.0, 0.9, 1.0, 1.1, 1.0, 0.9, 0.9, 1.0, 1.2,
                 1.4, 1.5, 1.4, 1.2, 0.9, 0.7)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明", "超", "秀英", "建华", "志强",
         "丽萍", "海燕", "国平")


def _catalog() -> dict[str, tuple]:
    """matter name -> (category, item code, level, department, time limit, unit), from the demo catalog."""
    out = {}
    for _, category, subs in CATALOG:
        for _, _, items in subs:
            for code, name, level, dept, limit, unit, _ in items:
                out[name] = (category, code, level, dept, limit, unit)
    return out


MATTERS = _catalog()
BUREAU_NAMES = {code: name for code, name, *_ in BUREAUS}
SUFFIX = {"cg": "城市管理行政执法局", "fg": "房屋管理局", "": "城运中心"}


def department(matter: str, street) -> str:
    """The department the responsibility list sends a dispatched case of `matter` in `street` to."""
    _, code, level, dept, _, _ = MATTERS[matter]
    if any(s == street.code for s, _ in STREET_RULES.get(code, ())):
        return street.name
    return BUREAU_NAMES[dept] if level == "city" else street.district + SUFFIX[dept]


class Grid:
    """One grid: its place, its members and its habits."""

    def __init__(self, rng: random.Random, street, index: int, weight: float):
        self.name, self.street, self.weight = street.grids[index], street, weight
        x0, y0, x1, y1 = street.bbox
        part = (x1 - x0) / len(street.grids)  # the street's grids side by side, west to east
        self.box = (x0 + part * index, y0, x0 + part * (index + 1), y1)
        self.members = [rng.choice(SURNAMES) + rng.choice(GIVEN) for _ in range(3 + rng.randint(0, 2))]
        self.points = rng.randint(24, 40)  # check points on a patrol round
        self.self_factor = rng.uniform(0.7, 1.3)
        self.on_time = rng.uniform(0.8, 0.96)
        self.coverage = rng.uniform(0.8, 0.98)
        self.offline = rng.uniform(0.01, 0.08)

    def point(self, rng: random.Random) -> tuple[float, float]:
        x0, y0, x1, y1 = self.box
        return (round(x0 + (x1 - x0) * (0.15 + 0.7 * rng.random()), 6),
                round(y0 + (y1 - y0) * (0.2 + 0.6 * rng.random()), 6))


def _grids(rng: random.Random) -> list[Grid]:
    out = []
    for street, weight in zip(STREETS, street_weights()):
        for i in range(len(street.grids)):
            out.append(Grid(rng, street, i, weight * rng.uniform(0.75, 1.25)))
    return out


def _devices(grids: list[Grid]) -> dict[tuple[int, str], list[str]]:
    """(grid index, sensor) -> device ids."""
    return {(g, sensor): [f"{prefix}-{g + 1:02d}{n + 1:03d}" for n in range(count)]
            for g in range(len(grids)) for sensor, prefix, _, _, _, count in SENSORS}


def _working_days() -> list[list[int]]:
    """[local weekday][n] -> calendar days that n working days after that weekday take."""
    table = []
    for weekday in range(7):
        row, day, spent = [0], weekday, 0
        for _ in range(15):
            while True:
                day, spent = day + 1, spent + 1
                if day % 7 < 5:
                    break
            row.append(spent)
        table.append(row)
    return table


CALENDAR = _working_days()


def _deadline(found: dt.datetime, local: dt.datetime, limit: int, unit: str) -> dt.datetime:
    if unit == "hours":
        return found + dt.timedelta(hours=limit)
    return found + dt.timedelta(days=CALENDAR[local.weekday()][limit])


def _span(size: int) -> int:
    return min(365, max(14, math.ceil(size / PER_DAY)))


def _patrol_weight(at: dt.datetime) -> float:
    local = at + LOCAL
    return PATROL_HOURLY[local.hour] * PATROL_WEEKLY[local.weekday()]


def _sensor_weight(at: dt.datetime) -> float:
    return SENSOR_HOURLY[(at + LOCAL).hour]


def generate(size: int, seed: int, now: dt.datetime) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    end = naive_utc(now)
    start = end - dt.timedelta(days=_span(size))
    grids = _grids(rng)
    devices = _devices(grids)
    n_patrol = round(size * PATROL_SHARE)
    found = [(at, False) for at in timestamps(rng, n_patrol, start, end, _patrol_weight)]
    found += [(at, True) for at in timestamps(rng, size - n_patrol, start, end, _sensor_weight)]
    found.sort(key=itemgetter(0))
    # a million new dicts would wake the cycle collector thousands of times, to find no cycles
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        cases = _cases(rng, grids, devices, found, end)
    finally:
        if was_enabled:
            gc.enable()
    return {"cases": cases, "patrols": _patrols(rng, grids, start, end), "sensors": _sensors(rng, grids, devices, end)}


def _cases(rng: random.Random, grids: list[Grid], devices: dict, found: list, end: dt.datetime) -> list[dict]:
    n_sensed = sum(1 for _, sensed in found if sensed)
    # drawn in bulk, one call each instead of one per row: a million rows in seconds
    patrol_grid = iter(rng.choices(range(len(grids)), weights=[g.weight for g in grids], k=len(found) - n_sensed))
    sensor_grid = iter(rng.choices(range(len(grids)), weights=[g.weight * (0.8 + 0.2 * (i % 3))
                                                                for i, g in enumerate(grids)], k=n_sensed))
    patrol_matter = iter(rng.choices(PATROL_MATTERS, weights=[m[1] for m in PATROL_MATTERS], k=len(found) - n_sensed))
    sensor_kind = iter(rng.choices(SENSORS, weights=[s[3] for s in SENSORS], k=n_sensed))
    depts = {(m, s.code): department(m, s) for m in {m[0] for m in PATROL_MATTERS} | {s[2] for s in SENSORS}
             for s in STREETS}
    days: dict[int, tuple[dt.date, str]] = {}
    calm: set[int] = set()  # grids that had their one manhole alarm in the calm stretch
    rnd, uniform, delta = rng.random, rng.uniform, dt.timedelta
    rows, seq, today = [], 0, None
    for at, sensed in found:
        at = at.replace(microsecond=0)
        local = at + LOCAL
        ordinal = local.toordinal()
        if ordinal != today:
            day = local.date()
            days[ordinal] = (day, f"WG{day:%Y%m%d}")
            today, seq = ordinal, 0
        day, prefix = days[ordinal]
        seq += 1
        if sensed:
            g = next(sensor_grid)
            kind = next(sensor_kind)
            if kind[0] == MANHOLE and at >= end - CALM:
                if g in calm:
                    kind = SENSORS[-1]
                calm.add(g)
            sensor, matter, self_share = kind[0], kind[2], kind[4]
            devs = devices[(g, sensor)]
            reporter = devs[int(rnd() * len(devs))]
            delay = 1080 + 6120 * rnd()  # seconds of verification on site before it is dispatched
        else:
            g = next(patrol_grid)
            sensor, (matter, _, self_share) = "", next(patrol_matter)
            members = grids[g].members
            reporter = members[int(rnd() * len(members))]
            delay = 540 + 4860 * rnd()  # seconds to be filed, checked and dispatched by the street's centre
        grid = grids[g]
        street = grid.street
        category, _, _, _, limit, unit = MATTERS[matter]
        lon, lat = grid.point(rng)
        deadline = _deadline(at, local, limit, unit)
        allowed = (deadline - at).total_seconds()
        own = rnd() < self_share * grid.self_factor
        if own:
            dispatched, dept = None, grid.name
            # fixed on the spot or within hours; now and then one drags on past its limit
            if rnd() < 0.985:
                took = min(allowed * 0.9, uniform(720, 3600) * uniform(0.5, 6.0))
            else:
                took = allowed * uniform(1.05, 1.6)
        else:
            dispatched, dept = at + delta(seconds=int(delay)), depts[(matter, street.code)]
            if rnd() < grid.on_time:
                took = max(delay + 720, allowed * uniform(0.15, 0.98))
            else:
                took = allowed * uniform(1.03, 2.5)
        closed = at + delta(seconds=int(took))
        if closed <= end:
            status, on_time = CLOSED, closed <= deadline
        else:
            closed = None
            if deadline < end:
                status, on_time = LATE, False
            elif dispatched is not None and dispatched > end:
                status, on_time, dispatched, dept = WAITING, None, None, ""
            else:
                status, on_time = OPEN, None
        rows.append({
            "case_no": f"{prefix}{seq:04d}", "source": SENSOR if sensed else PATROL, "sensor": sensor,
            "reporter": reporter, "matter": matter, "category": category, "district": street.district,
            "street": street.name, "grid": grid.name, "lon": lon, "lat": lat, "found_at": at, "found_day": day,
            "hour": HOURS[local.hour], "dispatched_at": dispatched, "deadline_at": deadline, "closed_at": closed,
            "department": dept, "self_handled": own, "status": status, "on_time": on_time})
    return rows


def _patrols(rng: random.Random, grids: list[Grid], start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Two rounds a day per member on duty (all on weekdays, half on Saturday, one on Sunday) over
    the last eight weeks of the history; rounds not yet over at `end` are left out."""
    rows = []
    first = max(start, end - dt.timedelta(days=56))
    day = (first + LOCAL).date()
    last = (end + LOCAL).date()
    while day <= last:
        weekday = day.weekday()
        for grid in grids:
            duty = grid.members[:{5: (len(grid.members) + 1) // 2, 6: 1}.get(weekday, len(grid.members))]
            today = grid.coverage * rng.uniform(0.93, 1.03)  # a rainy day, a meeting at the street office
            for member in duty:
                for begin, hours in ((dt.time(8, 30), rng.uniform(2.2, 3.4)), (dt.time(14, 0), rng.uniform(2.0, 3.0))):
                    started = dt.datetime.combine(day, begin) - LOCAL + dt.timedelta(minutes=rng.uniform(-25, 25))
                    ended = started + dt.timedelta(hours=hours)
                    checked = min(grid.points, round(grid.points * today * rng.uniform(0.92, 1.06)))
                    if started < first or ended > end:
                        continue
                    rows.append({"grid": grid.name, "street": grid.street.name, "district": grid.street.district,
                                 "member": member, "started_at": started.replace(microsecond=0),
                                 "ended_at": ended.replace(microsecond=0), "points_planned": grid.points,
                                 "points_checked": checked,
                                 "km": round(rng.uniform(3.0, 7.5) * checked / grid.points, 1)})
        day += dt.timedelta(days=1)
    rows.sort(key=itemgetter("started_at"))
    return rows


def _sensors(rng: random.Random, grids: list[Grid], devices: dict, end: dt.datetime) -> list[dict]:
    rows = []
    for (g, sensor), ids in devices.items():
        grid = grids[g]
        for device in ids:
            lon, lat = grid.point(rng)
            offline = rng.random() < grid.offline
            seen = end - dt.timedelta(hours=rng.uniform(3, 72) if offline else rng.uniform(0, 0.15))
            rows.append({"device": device, "kind": sensor, "grid": grid.name, "street": grid.street.name,
                         "district": grid.street.district, "lon": lon, "lat": lat,
                         "state": "离线" if offline else "在线",
                         "installed_on": (end - dt.timedelta(days=rng.randint(90, 900)) + LOCAL).date(),
                         "last_seen_at": seen.replace(microsecond=0)})
    return rows


# --- drills ----------------------------------------------------------------------------------------

DRILLS = {
    # grid -> (manhole alarms, water-level alarms, garbage-bin alarms) over the last 40 minutes
    "manhole": {"滨湖第一网格": (4, 0, 0)},
    "storm": {"滨湖第一网格": (2, 2, 1), "滨湖第二网格": (2, 3, 0), "望月第一网格": (2, 1, 1), "望月第二网格": (2, 2, 0)},
}


def drill(code: str, seed: int, now: dt.datetime) -> dict[str, list[dict]]:
    """A drill's sensor alarms, all in the 40 minutes before `now` and not yet verified: manhole
    covers tilting one after another in 滨湖第一网格 (heavy lorries on a road under repair), or a
    cloudburst over 江东区 lifting covers and filling drains in its four grids."""
    if code not in DRILLS:
        raise KeyError(code)
    rng = random.Random(seed * 7919 + len(code))
    end = naive_utc(now)
    # the clone's grids (generate() draws them first from the same seed), with their members and devices
    grids = {g.name: (i, g) for i, g in enumerate(_grids(random.Random(seed)))}
    devices = _devices([g for _, g in grids.values()])
    kinds = {s[0]: s for s in SENSORS}
    rows = []
    for name, counts in DRILLS[code].items():
        g, grid = grids[name]
        for sensor, count in zip((MANHOLE, "水位", "垃圾桶满溢"), counts):
            matter = kinds[sensor][2]
            category, _, _, _, limit, unit = MATTERS[matter]
            for n in range(count):
                at = end - dt.timedelta(minutes=rng.uniform(1, 40))
                local = at + LOCAL
                lon, lat = grid.point(rng)
                rows.append({
                    "case_no": f"YL{local:%Y%m%d%H%M}{len(rows) + 1:02d}", "source": SENSOR, "sensor": sensor,
                    "reporter": devices[(g, sensor)][n % len(devices[(g, sensor)])], "matter": matter,
                    "category": category, "district": grid.street.district, "street": grid.street.name,
                    "grid": name, "lon": lon, "lat": lat, "found_at": at.replace(microsecond=0),
                    "found_day": local.date(), "hour": HOURS[local.hour], "dispatched_at": None,
                    "deadline_at": _deadline(at, local, limit, unit).replace(microsecond=0), "closed_at": None,
                    "department": "", "self_handled": False, "status": WAITING, "on_time": None})
    rows.sort(key=itemgetter("found_at"))
    return {"cases": rows}
