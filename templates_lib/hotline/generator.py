"""Sample data of 民情民意速办: the 12345 hotline's work orders (工单) as its platform exports them.

About 330 orders a day, shaped by the city's hours and weekdays (noise complaints lean to the
night), spread over topics with realistic shares and over the streets and roads of 临江市. Each
order carries what the hotline system has already worked out: the matter it was classified as and
the department it went to, the hot-spot `cluster` (topic@street) its clustering put it in, whether
the caller had called about the same topic within 30 days (`repeat`), the sensitive-keyword tag its
tagger gave the text (`tag`, `keywords`), the deadline, the closing time, the supervision (督办) it
came under and the return visit's verdict.

`size` is the number of orders, so the span grows with it (10,000 orders are about a month). The
last day is ordinary: no cluster, street or district reaches a warning, so a drill is what raises
the alerts.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
import random

from templates_lib.city import HOURLY, STREETS, WEEKLY, naive_utc, street_weights, timestamps

DAILY = 330  # orders a day on average
CITY_OFFSET = dt.timedelta(hours=8)  # 临江 is UTC+8; the hotline's day and hour are the city's
REPEAT_DAYS = 30  # a call about the same topic by the same caller within this many days is a repeat

# Departments (承办单位) by the code the matter catalog uses; "cg"/"fg" are the district's own bureaus.
CITY_DEPARTMENTS = {"housing": "临江市住房和城乡建设局", "culture": "临江市文化广电旅游局", "police": "临江市公安局",
                    "water": "临江市水务局", "cityadmin": "临江市城市管理行政执法局", "market": "临江市市场监督管理局",
                    "ops": "临江市城市运行管理中心"}
DISTRICT_DEPARTMENTS = {"cg": "城市管理行政执法局", "fg": "房屋管理局"}

# topic -> (share, [(12345 item, share in topic, department, time limit in hours, phrases)])
TOPICS = {
    "噪声扰民": (0.17, [
        ("噪音扰民-工地施工", 0.35, "housing", 24, ("工地夜间施工噪声很大", "工地凌晨还在打桩", "施工机械作业噪声扰民")),
        ("噪音扰民-商铺音响", 0.20, "cg", 48, ("商铺门口音响声音太大", "店铺用大喇叭循环揽客")),
        ("噪音扰民-KTV酒吧", 0.10, "culture", 24, ("酒吧深夜噪声扰民", "KTV营业到凌晨声音很吵")),
        ("噪音扰民-邻居", 0.20, "police", 4, ("楼上邻居深夜制造噪声", "邻居家狗整夜叫")),
        ("噪音扰民-装修", 0.15, "fg", 48, ("周末一早装修电钻声", "午休时间装修噪声")),
    ]),
    "违章停车": (0.12, [
        ("机动车乱停", 0.70, "police", 2, ("车辆占用人行道停放", "私家车堵住小区出入口", "车辆长期占用消防通道")),
        ("非机动车乱停", 0.30, "cg", 24, ("共享单车乱停堵路", "电动车停满盲道")),
    ]),
    "占道经营": (0.10, [
        ("小贩占道", 1.0, "cg", 48, ("流动摊贩占道经营", "早餐摊占用人行道", "夜市摊位占道影响通行")),
    ]),
    "垃圾清运": (0.10, [
        ("垃圾没人收", 1.0, "cityadmin", 48, ("垃圾桶满了没人清运", "路边垃圾堆放多日", "垃圾清运不及时有异味")),
    ]),
    "物业纠纷": (0.11, [
        ("物业不作为", 1.0, "fg", 240, ("物业不作为电梯长期故障", "物业乱收停车费", "小区绿化无人管理", "物业拒绝维修漏水")),
    ]),
    "供水": (0.08, [
        ("停水了", 0.50, "water", 4, ("突然停水没有通知", "小区停水一天了")),
        ("水压不足", 0.20, "water", 48, ("高层水压不足", "早晚用水高峰水压低")),
        ("水管漏水", 0.30, "water", 4, ("路边水管爆裂漏水", "小区供水管道漏水")),
    ]),
    "道路积水": (0.05, [
        ("马路上有积水", 1.0, "water", 4, ("路面积水影响通行", "下雨后路口积水严重")),
    ]),
    "房屋质量": (0.05, [
        ("房屋质量问题", 1.0, "fg", 120, ("新房墙体开裂", "房屋外墙渗水", "楼道墙皮大面积脱落")),
    ]),
    "市政设施": (0.07, [
        ("路灯坏了", 0.50, "cityadmin", 48, ("路灯不亮晚上很黑", "一排路灯都坏了")),
        ("井盖丢了", 0.20, "housing", 2, ("井盖缺失有安全隐患", "井盖松动车辆经过哐哐响")),
        ("路面破损", 0.30, "housing", 72, ("路面坑洼不平", "人行道地砖破损")),
    ]),
    "政策咨询": (0.10, [
        ("政策咨询", 1.0, "ops", 24, ("咨询公积金提取政策", "咨询积分入学政策", "咨询社保缴费办理")),
    ]),
    "消费维权": (0.05, [
        ("商家乱收费", 1.0, "market", 240, ("健身房预付卡商家跑路", "商家乱收费不开发票")),
    ]),
}
# Where a topic is more (or less) common than the street's volume says: building sites in the new
# districts, the old town's street vendors, the older housing estates.
AFFINITY = {("噪声扰民", "科创街道"): 1.5, ("占道经营", "古楼街道"): 1.8,
            ("物业纠纷", "望月街道"): 1.4, ("房屋质量", "青石街道"): 1.7, ("道路积水", "滨湖街道"): 1.5,
            ("供水", "海口镇"): 1.4, ("违章停车", "古楼街道"): 1.3}
NIGHT_NOISE = 2.0  # noise complaints' weight between 21:00 and 01:59, against the rest
CHANNELS = (("电话", 0.68), ("微信", 0.12), ("APP", 0.09), ("网站", 0.06), ("信件", 0.05))
# What callers add that the platform's keyword tagger flags (the words it looks for are TAGS below).
SENSITIVE = (("再不解决就向媒体反映", 0.35), ("已经发到网上曝光了", 0.15), ("多次反映投诉无门", 0.2),
             ("准备去上访", 0.1), ("几十户业主准备群体维权", 0.12), ("扬言要跳楼", 0.04), ("说再不处理就自杀", 0.04))
SENSITIVE_SHARE, SENSITIVE_SHARE_REPEAT = 0.012, 0.06
# The tagger: tag -> its keywords, most serious first (an order takes the most serious tag it matches).
TAGS = (("扬言类", ("自杀", "跳楼", "同归于尽")), ("维稳类", ("群体", "集体", "横幅")),
        ("信访类", ("上访", "信访", "投诉无门")), ("舆情类", ("媒体", "曝光", "记者")))
REPEAT_SHARE = 0.11  # calls that follow up an earlier, recent request of the same caller
SERIOUS = ("扬言类", "维稳类")  # tags that put an order under special supervision at once
RING = 3000  # how many recent requests a follow-up call is drawn from
HARD_SHARE = 0.006  # hard cases (疑难工单) that take weeks
UNPLACED = ("政策咨询", "消费维权")  # requests about no particular spot (still filed under the caller's street)


def tag_of(text: str) -> tuple[str, str]:
    """The keyword tagger: (tag, the keywords found), ("", "") for an ordinary request."""
    found = [(tag, word) for tag, words in TAGS for word in words if word in text]
    if not found:
        return "", ""
    return found[0][0], "、".join(w for _, w in found)


def _local_weight(at: dt.datetime) -> float:
    local = at + CITY_OFFSET
    return HOURLY[local.hour] * WEEKLY[local.weekday()]


def _department(spec: str, district: str) -> str:
    return f"{district}{DISTRICT_DEPARTMENTS[spec]}" if spec in DISTRICT_DEPARTMENTS else CITY_DEPARTMENTS[spec]


def _topic_tables() -> dict:
    """(street name, night) -> (topics, cumulative weights): the topic mix of each street, by day and by night."""
    names = list(TOPICS)
    out = {}
    for street in STREETS:
        for night in (False, True):
            weights = [TOPICS[t][0] * AFFINITY.get((t, street.name), 1.0)
                       * (NIGHT_NOISE if night and t == "噪声扰民" else 1) for t in names]
            out[street.name, night] = (names, _cumulative(weights))
    return out


def _cumulative(weights) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, items, cumulative: list[float]):
    """One of `items` by cumulative weight (what rng.choices does for k=1, at a third of the cost)."""
    return items[bisect.bisect(cumulative, rng.random() * cumulative[-1], 0, len(cumulative) - 1)]


def _one(rng: random.Random, items):
    return items[int(rng.random() * len(items))]


_SENSITIVE = ([s for s, _ in SENSITIVE], _cumulative([w for _, w in SENSITIVE]))


class _Orders:
    """Builds the rows. What many rows share (texts, clusters, departments, days, number prefixes)
    is made once, so a million orders fit in well under a gigabyte."""

    def __init__(self, rng: random.Random, now: dt.datetime):
        self.rng, self.now = rng, now
        self.items = {t: (list(items), _cumulative([i[1] for i in items])) for t, (_, items) in TOPICS.items()}
        self.limits = {i[0]: dt.timedelta(hours=i[3]) for _, items in TOPICS.values() for i in items}
        self.texts: dict[tuple, tuple[str, str, str]] = {}
        self.clusters = {(t, s.name): f"{t}@{s.name}" for t in TOPICS for s in STREETS}
        self.departments = {(spec, s.district): _department(spec, s.district)
                            for s in STREETS for spec in (*CITY_DEPARTMENTS, *DISTRICT_DEPARTMENTS)}
        self.days: dict[dt.date, tuple[dt.date, str]] = {}
        # "08": the hour as two-digit text, so that charts that order their categories as text keep the day's order
        self.hours = [f"{h:02d}" for h in range(24)]

    def text(self, road: str, topic: str, phrase: str, extra: str) -> tuple[str, str, str]:
        """(content, tag, keywords) of a request: the place, what is wrong and what the caller added."""
        key = (road, phrase, extra)
        found = self.texts.get(key)
        if found is None:
            said = phrase + (f"，{extra}" if extra else "")
            content = f"{said}，请予答复。" if topic in UNPLACED else f"{road}附近{said}，请尽快处理。"
            found = self.texts[key] = (content, *tag_of(content))
        return found

    def row(self, number: int, at: dt.datetime, street, topic: str, item: tuple, road: str, phrase: str, caller: str,
            channel: str, extra: str, repeat_call: bool, hard: bool) -> dict:
        rng = self.rng
        name, _, dept_spec, limit_h, _ = item
        content, tag, keywords = self.text(road, topic, phrase, extra)
        local = at + CITY_OFFSET
        day, prefix = self.days.get(local.date()) or self.days.setdefault(
            local.date(), (local.date(), f"RX{local:%Y%m%d}"))
        deadline = at + self.limits[name]
        # handling time as a share of the time limit: most well inside it, a tail past it; the
        # district housing bureaus are slower, the police quicker; hard cases drag on for weeks
        slow = 1.35 if dept_spec == "fg" else (0.8 if dept_spec == "police" else 1.0)
        share = 2.0 + 13.0 * rng.random() if hard else math.exp(rng.gauss(-1.05, 0.62)) * slow
        if topic == "政策咨询":
            share *= 0.15  # most questions are answered on the call or the same day
        closed = at + dt.timedelta(seconds=int(limit_h * share * 3600 + 60 * rng.random()))
        if closed > self.now:
            closed = None
        late = (closed or self.now) > deadline
        r = rng.random()
        if late:  # the platform supervises most overdue orders by itself
            supervision = "系统督办" if r < 0.6 else ("专项督办" if r < 0.63 else "")
        elif tag in SERIOUS:
            supervision = "专项督办" if r < 0.7 else "联合督办"
        elif tag:
            supervision = "书面督办" if r < 0.3 else ""
        elif repeat_call:
            supervision = "书面督办" if r < 0.08 else ""
        else:
            supervision = "联合督办" if r < 0.003 else ""
        satisfied = None
        if closed is not None and rng.random() < 0.85:  # the return visit reaches most callers
            satisfied = rng.random() < (0.92 if not late else 0.55) - (0.2 if repeat_call else 0.0)
        return {"number": f"{prefix}{number:07d}", "received_at": at, "day": day, "hour": self.hours[local.hour],
                "channel": channel, "topic": topic, "item": name, "district": street.district, "street": street.name,
                "road": road, "cluster": self.clusters[topic, street.name], "content": content, "caller": caller,
                "repeat": False, "tag": tag, "keywords": keywords,
                "department": self.departments[dept_spec, street.district], "deadline_at": deadline,
                "closed_at": closed, "supervision": supervision, "satisfied": satisfied}


def _caller(rng: random.Random) -> str:
    """The caller's key as the platform keeps it: a hash of the number, not the number."""
    return f"{rng.getrandbits(40):010X}"


def mark_repeats(rows: list[dict]) -> None:
    """`repeat`: the caller called about the same topic in the 30 days before (rows in time order)."""
    last: dict[tuple[str, str], dt.datetime] = {}
    window = dt.timedelta(days=REPEAT_DAYS)
    for i, row in enumerate(rows):
        if i and i % 50_000 == 0:  # forget calls older than the window: a million callers would not fit
            since = row["received_at"] - window
            last = {k: at for k, at in last.items() if at >= since}
        key = (row["caller"], row["topic"])
        before = last.get(key)
        row["repeat"] = before is not None and row["received_at"] - before <= window
        last[key] = row["received_at"]


def generate(size: int, seed: int, now: dt.datetime) -> dict[str, list[dict]]:
    rng = random.Random(seed)
    end = naive_utc(now)
    start = end - dt.timedelta(days=size / DAILY)
    times = timestamps(rng, size, start, end, weight=_local_weight)
    streets = list(STREETS)
    street_of = rng.choices(streets, weights=street_weights(streets), k=size)
    channel_of = rng.choices([c for c, _ in CHANNELS], weights=[w for _, w in CHANNELS], k=size)
    topics = _topic_tables()
    build = _Orders(rng, end)
    recent: list[tuple] = []  # a ring of recent requests that a caller may call back about
    rows = []
    for i, at in enumerate(times):
        at = at.replace(microsecond=0)
        if recent and rng.random() < REPEAT_SHARE:
            street, topic, item, road, phrase, caller = _one(rng, recent)
            share, again = SENSITIVE_SHARE_REPEAT, True
        else:
            street = street_of[i]
            hour = (at + CITY_OFFSET).hour
            topic = _pick(rng, *topics[street.name, hour >= 21 or hour < 2])
            item = _pick(rng, *build.items[topic])
            road, phrase, caller = _one(rng, street.roads), _one(rng, item[4]), _caller(rng)
            share, again = SENSITIVE_SHARE, False
            if len(recent) < RING:
                recent.append((street, topic, item, road, phrase, caller))
            else:
                recent[int(rng.random() * RING)] = (street, topic, item, road, phrase, caller)
        extra = _pick(rng, *_SENSITIVE) if rng.random() < share else ""
        rows.append(build.row(i + 1, at, street, topic, item, road, phrase, caller, channel_of[i], extra, again,
                              rng.random() < HARD_SHARE))
    mark_repeats(rows)
    return {"orders": rows}


# --- drills -------------------------------------------------------------------------------------

DRILLS = {
    # a building site on 望江东路 works through the night: the neighbourhood calls in
    "night_construction": {"street": "滨湖街道", "road": "望江东路", "topic": "噪声扰民", "item": "噪音扰民-工地施工",
                           "phrases": ("工地夜间施工噪声很大", "工地凌晨还在打桩", "施工机械作业噪声扰民"),
                           "count": 36, "every": 8, "sensitive": ("再不解决就向媒体反映", "多次反映投诉无门")},
    # an estate's owners fall out with their property company and threaten to go further
    "property_dispute": {"street": "古楼街道", "road": "府前路", "topic": "物业纠纷", "item": "物业不作为",
                         "phrases": ("物业不作为电梯长期故障", "物业拒绝维修漏水"), "count": 36, "every": 2,
                         "sensitive": ("几十户业主准备群体维权", "准备去上访", "几十户业主准备群体维权")},
}


def drill(code: str, seed: int, now: dt.datetime) -> dict[str, list[dict]]:
    """A burst of similar requests at one place over the three hours before `now`: 36 orders of one
    topic on one road, a few of them from callers who call twice, some with words the tagger flags."""
    if code not in DRILLS:
        raise KeyError(code)
    spec = DRILLS[code]
    rng = random.Random(seed * 7919 + len(code))
    end = naive_utc(now)
    street = next(s for s in STREETS if s.name == spec["street"])
    item = next(i for i in TOPICS[spec["topic"]][1] if i[0] == spec["item"])
    build = _Orders(rng, end)
    callers = [_caller(rng) for _ in range(spec["count"] - 6)]
    rows = []
    times = sorted(end - dt.timedelta(seconds=rng.randint(60, 3 * 3600)) for _ in range(spec["count"]))
    for n, at in enumerate(times):
        caller = callers[n % len(callers)]  # the last six are people calling a second time
        extra = spec["sensitive"][(n // spec["every"]) % len(spec["sensitive"])] if n % spec["every"] == 0 else ""
        row = build.row(900_000 + n, at, street, spec["topic"], item, spec["road"],
                        spec["phrases"][n % len(spec["phrases"])], caller, "电话", extra, n >= len(callers), False)
        row.update(closed_at=None, satisfied=None, supervision="专项督办" if row["tag"] in SERIOUS else "")
        rows.append(row)
    mark_repeats(rows)
    return {"orders": rows}
