"""Demo data of the event core: the built-in source, a service over the event facts, the
efficiency indicators (one definition each), and a month of events with realistic outcomes.
Idempotent: skipped when the built-in source exists."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.accounts.models import Department
from tongguan.permissions import Actor

# (code, name, unit, formula, definition text)
EFFICIENCY = [
    ("dispatch_accuracy", "分拨准确率", "%",
     "round(100 * count(where first_dispatched_at is not null and refusals_upheld = 0)"
     " / count(where first_dispatched_at is not null), 1)",
     "已分拨事件中未发生有责退单的比例（有责退单：经认定分拨错误的退单）"),
    ("on_time_closure_rate", "按时办结率", "%",
     "round(100 * count(where on_time) / count(where closed_at is not null), 1)",
     "已办结事件中在处置时限内办结的比例，时限按工作日历计算"),
    ("avg_handling_hours", "平均处置时长", "小时",
     "round(avg(hours_between(first_dispatched_at, closed_at)), 1)",
     "已办结事件自首次分拨至办结的平均小时数"),
    ("return_rate", "退回率", "%",
     "round(100 * count(where returns > 0) / count(where first_dispatched_at is not null), 1)",
     "已分拨事件中至少被退回一次的比例"),
    ("reopen_rate", "重办率", "%",
     "round(100 * count(where reopens > 0) / count(where closed_at is not null), 1)",
     "已办结事件中被重办的比例"),
    ("overdue_events", "超期未办结事件数", "件", "count(where overdue)", "截至当前已超过处置时限仍未办结的事件数"),
    ("events_reported", "上报事件数", "件", "count()", "统计期内上报的事件数（合并的重复上报不计）"),
]
TITLES = {"暴露垃圾": "路边垃圾堆积无人清运", "占道经营": "商户占道摆摊", "道路积水": "道路积水影响通行",
          "路灯不亮": "路灯夜间不亮", "井盖缺失": "人行道井盖缺失", "露天烧烤": "夜间露天烧烤油烟扰民",
          "流动摊贩": "流动摊贩堵塞路口", "乱张贴小广告": "电线杆乱贴小广告"}


def published_indicators(session: Session, actor: Actor, source: tuple, service: tuple, definitions: list,
                         time_field: str, dimensions: list[str]) -> None:
    """A built-in source (code, name, dataset, description), a table service over it (code, name,
    description), and published indicators [(code, name, unit, formula, definition text)]."""
    from runtime.indicators import service as indicators
    from runtime.services import service as services
    from runtime.sources import service as sources

    code, name, dataset, description = source
    src = sources.source_create(session, actor, {"code": code, "name": name, "kind": "builtin", "dataset": dataset,
                                                 "description": description}, sources.Policy())
    code, name, description = service
    svc = services.service_create(session, actor, {"code": code, "name": name, "kind": "table", "source_id": src.id,
                                                   "definition": {"table": dataset}, "description": description})
    services.service_set_state(session, actor, svc.id, "online")
    for code, name, unit, formula, text in definitions:
        ind = indicators.indicator_create(session, actor, {
            "code": code, "name": name, "unit": unit, "formula": formula, "definition_text": text,
            "service_id": svc.id, "time_field": time_field, "default_window": "30d", "dimensions": dimensions})
        indicators.indicator_set_state(session, actor, ind.id, "published")


def seed_demo(session: Session, actor: Actor, days: int = 30, per_day: int = 12) -> dict:
    from catalog.matters.models import Matter
    from runtime.sources.models import DataSource

    from . import geo, service as events

    if session.scalar(select(DataSource.id).where(DataSource.code == "event_core")) is not None:
        return {"events": 0}
    published_indicators(session, actor, ("event_core", "事件中心", "events", "平台事件中心的事件事实（每个事件一行）"),
                         ("event_facts", "事件事实", "事件的区域、部门、时间节点与处置结果"), EFFICIENCY,
                         "reported_at", ["district", "street", "department", "matter", "channel"])

    items = {m.name: m.code for m in session.scalars(select(Matter).where(Matter.name.in_(list(TITLES))))}
    grids = list(session.scalars(select(Department).where(Department.level == "grid").order_by(Department.code)))
    if not items or not grids:
        return {"events": 0}
    streets = {d.id: d.code for d in session.scalars(select(Department).where(Department.level == "street"))}
    rng = random.Random(2026)
    ops = Actor.system("城运中心")
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    made = 0
    for day in range(days, 0, -1):
        for _ in range(per_day):
            name = rng.choice(list(items))
            grid = rng.choice(grids)
            at = now - dt.timedelta(days=day, hours=rng.randint(0, 12), minutes=rng.randint(0, 59))
            lon, lat = geo.point_in(streets.get(grid.parent_id, ""), rng) or (None, None)  # in the grid's street
            event, _ = events.event_report(session, actor, {
                "title": TITLES[name], "channel": rng.choice(["hotline", "hotline", "grid", "app", "video"]),
                "matter_code": items[name], "area_department_id": grid.id, "address": f"{grid.name}{rng.randint(1, 99)}号",
                "reporter_name": rng.choice(["张伟", "王芳", "李娜", "刘洋"]), "reporter_phone": f"138{rng.randint(0, 99999999):08d}",
                "reported_at": at, "longitude": lon, "latitude": lat}, now=at)
            made += 1
            if event.department_id is None:
                continue
            _play(session, events, ops, event, at, rng, now)
    return {"events": made}


def _play(session, events, ops: Actor, event, at: dt.datetime, rng: random.Random, now: dt.datetime) -> None:
    """Walk one event through a plausible life: most close on time, some late, some refused,
    returned or reopened, a few still open."""
    handler = Actor(None, "处置人员", frozenset({"dispatcher"}), event.department_id,
                    frozenset({"event.handle", "event.dispatch", "event.read"}), "system")
    step = at
    if rng.random() < 0.06:  # the department refuses; the ops center upholds half of those
        step += dt.timedelta(hours=rng.uniform(0.5, 4))
        events.event_act(session, handler, event.id, "refuse", {"comment": "不属于本单位职责"}, now=step)
        events.event_judge_refusal(session, ops, event.id, rng.random() < 0.5, "经核实")
        step += dt.timedelta(hours=rng.uniform(0.2, 2))
        events.event_act(session, ops, event.id, "dispatch", {"department_id": event.area_department_id,
                                                              "comment": "改派属地", "time_limit": 2}, now=step)
        handler = Actor(None, "属地处置人员", handler.roles, event.department_id, handler.permissions, "system")
    if step + dt.timedelta(hours=6) > now or rng.random() < 0.05:
        return  # still waiting
    step += dt.timedelta(hours=rng.uniform(0.2, 3))
    events.event_act(session, handler, event.id, "take", now=step)
    limit = (event.deadline_at - step) if event.deadline_at else dt.timedelta(days=2)
    step += limit * rng.uniform(0.2, 1.0 if rng.random() < 0.85 else 1.6)
    if step > now:
        return
    events.event_act(session, handler, event.id, "submit", {"comment": "已处置完毕"}, now=step)
    if rng.random() < 0.1:
        step += dt.timedelta(hours=rng.uniform(0.5, 3))
        events.event_act(session, ops, event.id, "return", {"comment": "处置照片不清晰，请补充"}, now=step)
        step += dt.timedelta(hours=rng.uniform(1, 8))
        events.event_act(session, handler, event.id, "submit", {"comment": "已补充照片"}, now=step)
    step += dt.timedelta(hours=rng.uniform(0.2, 2))
    if step > now:
        return
    events.event_act(session, ops, event.id, "approve", now=step)
    if rng.random() < 0.04 and step + dt.timedelta(days=1) < now:
        events.event_act(session, ops, event.id, "reopen", {"comment": "市民反映问题复现"}, now=step + dt.timedelta(days=1))
