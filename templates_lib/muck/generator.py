"""Sample data of 渣土车治理: muck trucks of a few dozen transport companies hauling spoil from the
registered construction sites of 临江市 to its disposal fields, mostly at night, each on the route
its permit (准运证) approves; their GPS terminals report once a minute what the GPS platform knows
of each point: the speed and the road's limit, whether map matching puts it on the permitted
route, whether the truck stands and inside which registered geofence, whether that day's permit is
valid, and at checkpoint cameras (卡口, site gates) whether the load was covered.

A realistic share of trips breaks a rule (speeding, leaving the route, a long stop outside any
registered place, an uncovered load, running on a lapsed permit or none at all); companies and
drivers differ in how often. Nothing here labels a violation: the platform finds them with DSL
filters over the per-point facts.

`size` is the number of GPS points (the event-like source) over the last 35 days; the fleet grows
with it. The last hours hold no uncovered loads, no unpermitted trucks and no dumping stops, so a
drill is what raises an alert. Entities are drawn per index from their own seeds, so the first
trucks, companies and sites are the same whatever the size: a drill, which knows no size, uses them.
"""
from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from templates_lib.city import STREET_BY_NAME, STREETS, WEEKLY, Street, naive_utc, timestamps

SPAN_DAYS = 35
LOCAL = dt.timedelta(hours=8)  # 临江 is UTC+8; hours and permit days are local
POINTS_PER_TRIP = 28.5  # measured mean, used to size the fleet and the number of trips
MIN_TRUCKS, MIN_COMPANIES, MIN_SITES = 14, 4, 6
SITE_ZERO_TRUCKS = 5  # trucks 0-4 all haul from site 0 (the drill's site)
CLEAN_HOURS = 3  # the last hours hold none of the violations the alert rules watch
# Share of a day's hauling in each local hour: the city lets muck trucks run from 21:00 to 06:00,
# with a thin daytime trickle for sites that hold a daytime pass.
NIGHT = (9.0, 8.5, 7.5, 6.5, 5.0, 3.0, 1.2, 0.4, 0.3, 0.3, 0.35, 0.4, 0.4, 0.35, 0.35, 0.4, 0.4, 0.4,
         0.6, 1.4, 3.5, 7.0, 9.0, 9.5)
HOURS = tuple(f"{h:02d}" for h in range(24))
MINUTES = tuple(dt.timedelta(minutes=m) for m in range(200))
# per-trip chances for a company and driver of average conduct
P_SPEED, P_ROUTE, P_DUMP, P_UNCOVERED = 0.045, 0.018, 0.004, 0.016
FIELDS = (("青石建筑垃圾消纳场", "青石街道", "西山路"), ("海口消纳场", "海口镇", "渔港路"),
          ("临港资源化利用中心", "渔门街道", "临港大道"), ("科创消纳场", "科创街道", "高新四路"),
          ("望月临时消纳点", "望月街道", "观潮路"))
PROJECTS = ("地铁站", "安置房", "商业综合体", "学校", "道路改造", "住宅", "医院扩建", "产业园", "综合管廊", "体育中心")
FIRST = "宏顺江鑫恒通安永华金远联瑞中新东"
SECOND = "达通城源运捷兴建港航丰泰"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹"
GIVEN = ("建国", "建军", "国强", "志强", "海峰", "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "平",
         "辉", "鹏", "华", "飞", "斌", "波", "宇", "浩", "凯", "健", "俊", "帆", "东", "林", "春生", "长青", "永福",
         "德明", "学文", "晓东", "小龙", "金山", "文斌", "卫东")
PLATE_LETTERS = "DEFGHJKL"
DRILLS = {"uncovered", "black_trucks"}
DUMP_STREET = "海口镇"  # where the black-truck drill dumps: outskirts by the sea
NO_PERMIT = (11, 12)  # trucks i with i % 50 among these never had a permit (4% of a fleet; 11 and 12 in every one)


@dataclass
class Place:
    name: str
    kind: str  # 工地 | 消纳场
    street: Street
    road: str
    lon: float
    lat: float
    status: str
    volume_m3: int


@dataclass
class Job:
    """What a permit approves: from a site to a field along a chain of streets, one road in each."""
    site: Place
    disposal: Place
    legs: list  # [(street, road, via (lon, lat))]
    route: str


@dataclass
class Truck:
    index: int
    plate: str
    company: str
    risk: float
    drivers: list  # [(name, risk)]
    load_t: float
    black: bool  # no permit at all
    permits: list = field(default_factory=list)  # [(number, job, valid_from, valid_to)]
    lapse: tuple | None = None  # (first day, last day) run without a valid permit
    job: Job | None = None  # a truck without any permit hauls all the same, on no approved route
    free_at: dt.datetime | None = None
    last_seen: dt.datetime | None = None


def _center(s: Street) -> tuple[float, float]:
    return (s.bbox[0] + s.bbox[2]) / 2, (s.bbox[1] + s.bbox[3]) / 2


def _path(a: Street, b: Street) -> list[Street]:
    """The streets a haul crosses: both ends, and for a long haul the street nearest its middle."""
    if a is b:
        return [a]
    (ax, ay), (bx, by) = _center(a), _center(b)
    if math.hypot(ax - bx, ay - by) < 0.15:
        return [a, b]
    mx, my = (ax + bx) / 2, (ay + by) / 2
    middle = min((s for s in STREETS if s is not a and s is not b),
                 key=lambda s: math.hypot(_center(s)[0] - mx, _center(s)[1] - my))
    return [a, middle, b]


def _job(rng: random.Random, site: Place, fld: Place, end_street: Street | None = None) -> Job:
    streets = _path(site.street, end_street or fld.street)
    legs = []
    for i, s in enumerate(streets):
        road = site.road if i == 0 else (fld.road if i == len(streets) - 1 and fld.street is s
                                         else rng.choice(s.roads))
        legs.append((s, road, s.point(rng)))
    return Job(site, fld, legs, "—".join(dict.fromkeys(r for _, r, _ in legs)))


def _fleet(size: int) -> tuple[int, int, int]:
    trips = size / POINTS_PER_TRIP
    trucks = max(MIN_TRUCKS, min(800, round(trips / (SPAN_DAYS * 1.8))))
    return trucks, max(MIN_COMPANIES, min(60, round(trucks / 8))), max(MIN_SITES, min(150, round(trucks / 6)))


def _pool(seed: int, what: str, items: list) -> list:
    rng = random.Random(f"{seed}/{what}")
    rng.shuffle(items)
    return items


def _world(seed: int, size: int, end: dt.datetime) -> tuple[list, list, list, list]:
    n_trucks, n_companies, n_sites = _fleet(size)
    today = (end + LOCAL).date()
    companies = []
    for k, (a, b) in enumerate(_pool(seed, "companies", [(a, b) for a in FIRST for b in SECOND])[:n_companies]):
        r = random.Random(f"{seed}/company/{k}")
        companies.append((f"{a}{b}渣土运输", r.choices((0.4, 1.0, 2.2), (0.5, 0.35, 0.15))[0]))
    combos = [(s, road, kind) for s in STREETS for road in s.roads for kind in PROJECTS]
    sites = []
    for j, (street, road, kind) in enumerate(_pool(seed, "sites", combos)[:n_sites]):
        r = random.Random(f"{seed}/site/{j}")
        lon, lat = street.point(r)
        status = "停工" if j >= MIN_SITES and r.random() < 0.08 else "在建"
        sites.append(Place(f"{road}{kind}项目", "工地", street, road, lon, lat, status, r.randrange(20, 400) * 100))
    fields = []
    for j, (name, street_name, road) in enumerate(FIELDS):
        r = random.Random(f"{seed}/field/{j}")
        street = STREET_BY_NAME[street_name]
        lon, lat = street.point(r)
        fields.append(Place(name, "消纳场", street, road, lon, lat, "运营", r.randrange(8, 40) * 100))
    active = [s for s in sites if s.status == "在建"]
    names = iter(_pool(seed, "drivers", [f"{s}{g}" for s in SURNAMES for g in GIVEN]))
    offset = random.Random(f"{seed}/plates").randrange(10000)
    trucks = []
    for i in range(n_trucks):
        r = random.Random(f"{seed}/truck/{i}")
        company, risk = companies[i % MIN_COMPANIES if i < MIN_TRUCKS else r.randrange(n_companies)]
        drivers = [(next(names), r.choices((0.5, 1.0, 2.5), (0.5, 0.35, 0.15))[0])
                   for _ in range(2 if r.random() < 0.3 else 1)]
        plate = f"江A·{PLATE_LETTERS[i % 8]}{(7919 * i + offset) % 10000:04d}"
        truck = Truck(i, plate, company, risk, drivers, round(r.uniform(18, 32), 1), i % 50 in NO_PERMIT)
        site = sites[0] if i < SITE_ZERO_TRUCKS else (sites[i % MIN_SITES] if i < MIN_TRUCKS else r.choice(active))
        job = _job(r, site, r.choice(fields))
        start = today - dt.timedelta(days=r.randrange(60, 300))
        if truck.black:
            truck.job = job
        elif i >= MIN_TRUCKS and r.random() < min(0.3, 0.06 * risk):
            first = today - dt.timedelta(days=r.randrange(4, SPAN_DAYS - 1))
            last = first + dt.timedelta(days=r.randrange(0, 3))
            renewed = _job(r, r.choice(active), r.choice(fields))
            truck.permits = [(f"ZY{seed % 100:02d}{i:05d}A", job, start, first - dt.timedelta(days=1)),
                             (f"ZY{seed % 100:02d}{i:05d}B", renewed, last + dt.timedelta(days=1),
                              today + dt.timedelta(days=r.randrange(30, 240)))]
            truck.lapse = (first, last)
        else:
            soon = r.random() < 0.1
            truck.permits = [(f"ZY{seed % 100:02d}{i:05d}A", job, start,
                              today + dt.timedelta(days=r.randrange(1, 7) if soon else r.randrange(20, 240)))]
        trucks.append(truck)
    return companies, sites, fields, trucks


def _job_on(truck: Truck, day: dt.date) -> tuple[Job, bool]:
    """The job a truck works on `day` and whether its permit is valid then (during a lapse it keeps
    working the old job)."""
    if truck.black:
        return truck.job, False
    if truck.lapse and truck.lapse[0] <= day <= truck.lapse[1]:
        return truck.permits[0][1], False
    for _, job, start, stop in truck.permits:
        if start <= day <= stop:
            return job, True
    return truck.permits[-1][1], False


def _lerp(a: tuple, b: tuple, f: float) -> tuple[float, float]:
    return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f


def _limit(road: str) -> int:
    return 60 if road.endswith("大道") else (30 if road.endswith("街") else 40)


def _trip(out: list, rng: random.Random, tid: str, truck: Truck, driver: str, job: Job, valid: bool,
          start: dt.datetime, end: dt.datetime, *, speed=False, route=False, dump=False, uncovered=False,
          short=False) -> dt.datetime:
    """Append one haul's GPS points (one a minute, none after `end`); returns when it ended."""
    site, legs = job.site, job.legs
    approved = None if truck.black else True  # without a permit there is no route to match against
    k = 0

    def point(street, road, lon, lat, kmh, on_route, stop_min, fence, camera="", covered=None):
        nonlocal k
        at = start + MINUTES[k]
        k += 1
        if at > end:
            return False
        out.append({"at": at, "hour": HOURS[(at.hour + 8) % 24], "trip": tid, "plate": truck.plate,
                    "company": truck.company, "driver": driver, "site": site.name, "permit_valid": valid,
                    "district": street.district, "street": street.name, "road": road, "lon": round(lon, 6),
                    "lat": round(lat, 6), "speed_kmh": kmh, "limit_kmh": _limit(road), "on_route": on_route,
                    "stopped": stop_min > 0, "stop_min": stop_min, "geofence": fence, "camera": camera,
                    "covered": covered})
        return True

    for m in range(rng.randint(3, 6)):  # loading inside the site's geofence
        if not point(site.street, site.road, site.lon + rng.uniform(-3e-4, 3e-4), site.lat + rng.uniform(-3e-4, 3e-4),
                     0.0, approved, m + 1, site.name):
            return end
    gate = True
    n_legs = len(legs)
    speed_leg, route_leg = rng.randrange(n_legs), rng.randrange(n_legs)
    dump_leg = n_legs - 1 if short else rng.randrange(n_legs)
    for li, (street, road, via) in enumerate(legs):
        a = (site.lon, site.lat) if li == 0 else _lerp(legs[li - 1][2], via, 0.5)
        b = (job.disposal.lon, job.disposal.lat) if li == n_legs - 1 else _lerp(via, legs[li + 1][2], 0.5)
        n = 5 if short else rng.randint(7, 12)
        limit = _limit(road)
        s0 = rng.randrange(n - 2) if speed and li == speed_leg else -99
        s1 = s0 + rng.randint(2, 4)
        r0 = rng.randrange(n - 3) if route and approved and li == route_leg else -99
        r1 = r0 + rng.randint(4, 7)
        detour = rng.choice([x for x in street.roads if x != road])
        shift = rng.uniform(0.004, 0.009) * rng.choice((-1, 1))
        d0 = (2 if short else rng.randrange(1, n)) if dump and li == dump_leg else -1
        for j in range(n):
            f = (j + 1) / (n + 1)
            lon, lat = _lerp(a, via, 2 * f) if f < 0.5 else _lerp(via, b, 2 * f - 1)
            lon += rng.uniform(-5e-4, 5e-4)
            lat += rng.uniform(-5e-4, 5e-4)
            here, on_route = road, approved
            if r0 <= j < r1:
                here, on_route, lat = detour, False, lat + shift
            if j == d0:  # a long stop outside every registered place: the load is tipped here
                for m in range(rng.randint(12, 18)):
                    if not point(street, here, lon + rng.uniform(-1e-4, 1e-4), lat + rng.uniform(-1e-4, 1e-4),
                                 0.0, on_route, m + 1, ""):
                        return end
                return start + MINUTES[k]
            camera = f"{site.name}出入口" if gate else (f"{here}卡口" if j == n // 2 else "")
            gate = False
            if s0 <= j < s1:
                kmh = round(limit + rng.uniform(6, 25), 1)
            elif not camera and rng.random() < 0.05:
                kmh = 0.0  # a red light
            else:
                kmh = round(limit * rng.uniform(0.5, 0.95), 1)
            if not point(street, here, lon, lat, kmh, on_route, 1 if kmh == 0.0 else 0, "", camera,
                         (not uncovered) if camera else None):
                return end
    fld = job.disposal
    for m in range(rng.randint(2, 5)):  # tipping inside the field's geofence
        if not point(fld.street, fld.road, fld.lon + rng.uniform(-3e-4, 3e-4), fld.lat + rng.uniform(-3e-4, 3e-4),
                     0.0, approved, m + 1, fld.name):
            return end
    return start + MINUTES[k]


def _weight(at: dt.datetime) -> float:
    local = at + LOCAL
    return NIGHT[local.hour] * WEEKLY[local.weekday()]


def _haul(out: list, rng: random.Random, trucks: list, starts: list, end: dt.datetime, first_id: int) -> None:
    legal = [t for t in trucks if not t.black]
    clean_from = end - dt.timedelta(hours=CLEAN_HOURS)
    for n, at in enumerate(starts):
        recent = at >= clean_from
        pool = legal if recent else trucks
        truck = rng.choice(pool)
        for _ in range(3):  # a truck on a haul does not start another; one without a permit runs now and then
            if (truck.free_at is None or truck.free_at <= at) and not (truck.black and rng.random() < 0.9):
                break
            truck = rng.choice(pool)
        day = (at + LOCAL).date()
        job, valid = _job_on(truck, day)
        name, driver_risk = rng.choice(truck.drivers)
        risk = min(4.0, truck.risk * driver_risk)
        flags = {"speed": rng.random() < P_SPEED * risk, "route": rng.random() < P_ROUTE * risk,
                 "dump": rng.random() < (0.25 if truck.black else P_DUMP * risk),
                 "uncovered": rng.random() < P_UNCOVERED * risk}
        if recent:
            flags["dump"] = flags["uncovered"] = False
        truck.free_at = _trip(out, rng, f"YD{first_id + n:07d}", truck, name, job, valid, at, end, **flags)
        truck.last_seen = max(truck.last_seen or truck.free_at, truck.free_at)


def generate(size: int, seed: int, now: dt.datetime) -> dict[str, list[dict]]:
    end = naive_utc(now)
    start = end - dt.timedelta(days=SPAN_DAYS)
    companies, sites, fields, trucks = _world(seed, size, end)
    rng = random.Random(seed)
    points: list[dict] = []
    made = 0
    while len(points) < size:
        n = max(1, math.ceil((size - len(points)) / POINTS_PER_TRIP * 1.04))
        _haul(points, rng, trucks, timestamps(rng, n, start, end, weight=_weight), end, made)
        made += n
    extra = len(points) - size
    if extra:  # GPS dropouts: plain moving points, never a camera capture or a stop
        plain = [i for i, p in enumerate(points) if p["on_route"] and not p["stopped"] and not p["camera"]
                 and p["speed_kmh"] <= p["limit_kmh"]]
        drop = set(rng.sample(plain, extra))
        points = [p for i, p in enumerate(points) if i not in drop]
    points.sort(key=lambda p: p["at"])
    return {"gps": points, **_registers(sites, fields, trucks, end)}


def _registers(sites: list, fields: list, trucks: list, end: dt.datetime) -> dict[str, list[dict]]:
    places = [{"site": p.name, "kind": p.kind, "district": p.street.district, "street": p.street.name, "road": p.road,
               "lon": p.lon, "lat": p.lat, "status": p.status, "volume_m3": p.volume_m3} for p in sites + fields]
    permits, fleet = [], []
    today = (end + LOCAL).date()
    for t in trucks:
        for number, job, start, stop in t.permits:
            permits.append({"permit": number, "plate": t.plate, "company": t.company, "site": job.site.name,
                            "disposal": job.disposal.name, "route": job.route, "valid_from": start, "valid_to": stop})
        current = next((p[0] for p in t.permits if p[2] <= today <= p[3]), "")
        fleet.append({"plate": t.plate, "company": t.company, "drivers": "、".join(d for d, _ in t.drivers),
                      "load_t": t.load_t, "permit": current, "online": t.index % 17 != 5,
                      "last_seen": t.last_seen})
    return {"sites": places, "permits": permits, "trucks": fleet}


def drill(code: str, seed: int, now: dt.datetime) -> dict[str, list[dict]]:
    """A drill's GPS points, all in the hour before `now`:

    uncovered     four trucks leave site 0 (the drill's construction site) with uncovered loads,
                  caught at the site gate and the road checkpoints;
    black_trucks  the fleet's two trucks without any permit haul spoil to 海口镇 and tip it at an
                  unregistered spot (a stop of 12 minutes or more outside every geofence)."""
    if code not in DRILLS:
        raise KeyError(code)
    end = naive_utc(now)
    _, sites, fields, trucks = _world(seed, 1, end)
    rng = random.Random(f"{seed}/drill/{code}")
    out: list[dict] = []
    stamp = f"{end + LOCAL:%m%d%H%M}"
    if code == "uncovered":
        for k, truck in enumerate(trucks[:4]):
            job, valid = _job_on(truck, (end + LOCAL).date())
            _trip(out, rng, f"YD-{stamp}-U{k}", truck, truck.drivers[0][0], job, valid,
                  end - dt.timedelta(minutes=58 - 3 * k), end, uncovered=True)
    else:
        dump_street = STREET_BY_NAME[DUMP_STREET]
        for k, truck in enumerate(t for t in trucks if t.black):
            job = _job(rng, truck.job.site, truck.job.disposal, end_street=dump_street)
            _trip(out, rng, f"YD-{stamp}-B{k}", truck, truck.drivers[0][0], job, False,
                  end - dt.timedelta(minutes=58 - 2 * k), end, dump=True, short=True)
    out.sort(key=lambda p: p["at"])
    return {"gps": out}
