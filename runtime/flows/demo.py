"""Demo flows: the 12345 hotline's standard flow with a gateway and a return-visit timer, and a
special flow for muck-truck pollution (渣土污染) handled jointly; two matters follow them, a few
weeks of events have run through them, and process-mining indicators read their steps.
Idempotent: skipped when the hotline flow exists."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.accounts.models import Department
from tongguan.permissions import Actor

MINING = [
    ("step_avg_hours", "环节平均停留时长", "小时", "round(avg(hours_between(entered_at, left_at)), 1)",
     "已完成的流程环节自进入到离开的平均小时数；按流程与环节分组即为最慢的环节"),
    ("step_late_rate", "环节超时率", "%", "round(100 * count(where late) / count(), 1)",
     "流程环节中超过该环节时限的比例（未完成的环节按当前时间计）"),
]


def _task(nid, name, assign, x, y, **extra):
    return {"id": nid, "type": "task", "name": name, "assign": assign, "routing": "auto",
            "position": {"x": x, "y": y}, **extra}


def hotline(ids: dict) -> dict:
    role = {"kind": "role", "value": "dispatcher"}
    return {
        "nodes": [{"id": "start", "type": "start", "name": "开始", "position": {"x": 300, "y": 0}},
                  _task("accept", "受理", role, 260, 90, moves=["send"], time_limit={"value": 2, "unit": "hours"}),
                  {"id": "urgent", "type": "exclusive", "name": "是否紧急", "position": {"x": 305, "y": 200}},
                  _task("fast", "应急处置", {"kind": "responsible"}, 80, 300, moves=["send", "transfer", "cc"],
                        time_limit={"value": 4, "unit": "hours"}, alert_mode="supervise"),
                  _task("handle", "处置", {"kind": "responsible"}, 440, 300,
                        moves=["send", "return", "transfer", "cc"], time_limit={"value": 2, "unit": "working_days"},
                        warn_before={"value": 4, "unit": "hours"}),
                  {"id": "wait", "type": "timer", "name": "回访等待", "wait": {"value": 1, "unit": "hours"},
                   "position": {"x": 280, "y": 420}},
                  _task("review", "回访审核", role, 260, 520, moves=["send", "return", "jump"], jump_to=["handle"],
                        time_limit={"value": 1, "unit": "working_days"}),
                  {"id": "end", "type": "end", "name": "结束", "position": {"x": 300, "y": 640}}],
        "edges": [{"id": "e1", "from": "start", "to": "accept"}, {"id": "e2", "from": "accept", "to": "urgent"},
                  {"id": "e3", "from": "urgent", "to": "fast", "condition": "priority in ['urgent', 'critical']"},
                  {"id": "e4", "from": "urgent", "to": "handle", "default": True},
                  {"id": "e5", "from": "fast", "to": "wait"}, {"id": "e6", "from": "handle", "to": "wait"},
                  {"id": "e7", "from": "wait", "to": "review"}, {"id": "e8", "from": "review", "to": "end"}]}


def muck(ids: dict) -> dict:
    return {
        "nodes": [{"id": "start", "type": "start", "name": "开始", "position": {"x": 300, "y": 0}},
                  _task("accept", "受理", {"kind": "role", "value": "dispatcher"}, 260, 90, moves=["send"]),
                  {"id": "split", "type": "parallel_split", "name": "联合处置", "position": {"x": 305, "y": 200}},
                  _task("clean", "清运保洁", {"kind": "department", "value": ids["lj-cityadmin"]}, 60, 290,
                        moves=["send", "cc"], time_limit={"value": 8, "unit": "hours"}),
                  _task("trace", "溯源执法", {"kind": "department", "value": ids["lj-transport"]}, 460, 290,
                        moves=["send", "transfer"], time_limit={"value": 3, "unit": "working_days"}),
                  {"id": "join", "type": "parallel_join", "name": "汇聚", "position": {"x": 305, "y": 400}},
                  _task("check", "联合核查", {"kind": "joint", "value": [ids["lj-cityadmin"], ids["lj-ecology"]]},
                        260, 490, moves=["send", "return"], time_limit={"value": 1, "unit": "working_days"}),
                  {"id": "end", "type": "end", "name": "结束", "position": {"x": 300, "y": 610}}],
        "edges": [{"id": "e1", "from": "start", "to": "accept"}, {"id": "e2", "from": "accept", "to": "split"},
                  {"id": "e3", "from": "split", "to": "clean"}, {"id": "e4", "from": "split", "to": "trace"},
                  {"id": "e5", "from": "clean", "to": "join"}, {"id": "e6", "from": "trace", "to": "join"},
                  {"id": "e7", "from": "join", "to": "check"}, {"id": "e8", "from": "check", "to": "end"}]}


FLOWS = [("hotline_standard", "12345热线标准流程", False, hotline, "渣土车抛洒滴漏", "hotline"),
         ("muck_joint", "渣土污染联合处置", True, muck, "渣土车未密闭运输", "video")]


def seed_demo(session: Session, actor: Actor, days: int = 21, per_day: int = 2) -> dict:
    from catalog.matters.models import Matter
    from runtime.events import service as events
    from runtime.events import steps
    from runtime.flows import service as flows
    from runtime.flows.models import Flow

    if session.scalar(select(Flow.id).where(Flow.code == "hotline_standard")) is not None:
        return {"flows": 0, "flow_events": 0}
    ids = {d.code: d.id for d in session.scalars(select(Department))}
    grids = [d for d in session.scalars(select(Department).where(Department.level == "grid").order_by(Department.code))]
    rng = random.Random(311)
    now = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    ops = Actor.system("城运中心")
    made = 0
    for code, name, special, document, matter_name, channel in FLOWS:
        matter = session.scalar(select(Matter).where(Matter.name == matter_name, Matter.tier == "item"))
        if matter is None or not grids:
            continue
        flow = flows.flow_create(session, actor, {"code": code, "name": name, "special": special,
                                                  "draft": document(ids), "description": f"{matter_name}等事项的处置流程"})
        flows.flow_publish(session, actor, flow.id, "初始版本")
        flows.flow_bind_matter(session, actor, flow.id, matter.code)
        for day in range(days, 0, -1):
            for _ in range(per_day):
                at = now - dt.timedelta(days=day, hours=rng.randint(0, 10), minutes=rng.randint(0, 59))
                grid = rng.choice(grids)
                event, _ = events.event_report(session, actor, {
                    "title": f"{grid.name}{matter_name}", "channel": channel, "matter_code": matter.code,
                    "priority": rng.choice(["normal", "normal", "urgent"]), "area_department_id": grid.id,
                    "address": f"{grid.name}{rng.randint(1, 99)}号", "reported_at": at}, now=at)
                made += 1
                _run(session, events, steps, ops, event, at, now, rng)
    if made:
        _mining(session, actor)
    return {"flows": len(FLOWS), "flow_events": made}


def _run(session, events, steps, ops: Actor, event, at: dt.datetime, now: dt.datetime, rng: random.Random) -> None:
    """Move the event on step by step at plausible times until it ends or reaches the present."""
    t = at
    for _ in range(20):
        opened = [s for s in steps.open_steps(session, event) if s.kind != "join"]
        if not opened or event.status == "closed":
            return
        s = opened[0]
        limit = (s.due_at - s.entered_at) if s.due_at else dt.timedelta(hours=6)
        t = max(t, s.entered_at) + limit * rng.uniform(0.15, 1.3 if rng.random() < 0.8 else 2.0)
        if t > now:
            return
        if s.kind == "timer":
            steps.tick(session, t)
            continue
        moves = steps.engine(session, event.flow_version_id).moves(s.node_id)
        if "return" in moves and s.came_from_id and rng.random() < 0.08:
            events.event_act(session, ops, event.id, "return", {"step_id": s.id, "comment": "材料不全，请补充"}, now=t)
        else:
            events.event_act(session, ops, event.id, "send", {"step_id": s.id, "comment": "已办理"}, now=t)


def _mining(session: Session, actor: Actor) -> None:
    from runtime.events.demo import published_indicators

    published_indicators(session, actor, ("flow_mining", "流程挖掘", "event_steps", "事件在流程各环节的停留（每个环节一行）"),
                         ("flow_step_facts", "流程环节事实", "流程、环节、部门、停留时长与是否超时"), MINING,
                         "entered_at", ["flow_name", "node_name", "department", "matter", "district"])
