"""Events that follow a flow: they move node by node on the version they started on.

Where an event is now is its open steps (event_step rows without left_at): a task step is work
for a department, a role or a person; a timer step waits; a join step is one branch waiting for
the others. Each move is checked against the node's permitted moves before anything changes.
The event's own status follows: accepted while a step waits for the operations center to route
it, handling while work is open, closed at the end.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.flows.engine import Engine, FlowError, Walk
from runtime.flows.models import Flow, FlowVersion, MatterFlow
from tongguan.accounts.models import Department, Role, User
from tongguan.errors import Invalid, NotFound
from tongguan.permissions import Actor

from .calendar import CITY_TZ
from .common import calendar, kept, log, rule_for
from .models import Event, EventDispatch, EventStep

# the moves of a flow event; the ops center's own actions (suspend, cancel, ...) stay as they are
FLOW_ACTS = ("send", "return", "jump", "transfer", "cc", "dispatch", "reopen")
MOVE_NAMES = {"send": "发送", "return": "退回", "jump": "跳转", "transfer": "转办", "cc": "抄送"}
_ENGINES: dict[int, Engine] = {}  # versions never change, so their compiled conditions can be kept


def engine(session: Session, flow_version_id: int) -> Engine:
    document = session.get(FlowVersion, flow_version_id).document
    found = _ENGINES.get(flow_version_id)
    if found is None or found.document != document:  # ids come round again in another database
        found = _ENGINES[flow_version_id] = Engine(document)
    return found


def version_for(session: Session, matter_id: int | None, memo: dict | None = None) -> int | None:
    """The published version a new event of the matter starts on (None: the default lifecycle)."""
    if matter_id is None:
        return None
    return kept(session, memo, ("flow", matter_id), lambda: session.scalar(
        select(FlowVersion.id).join(Flow, Flow.id == FlowVersion.flow_id)
        .join(MatterFlow, MatterFlow.flow_id == Flow.id)
        .where(MatterFlow.matter_id == matter_id, FlowVersion.version == Flow.published_version)))


def facts(session: Session, event: Event) -> dict:
    """What a gateway condition may look at (document.EVENT_FIELDS)."""
    levels = {}
    area = session.get(Department, event.area_department_id) if event.area_department_id else None
    while area is not None and len(levels) < 4:
        levels.setdefault(area.level, area.name)
        area = area.parent
    return {"channel": event.channel, "priority": event.priority, "matter_code": event.matter_code,
            "title": event.title, "address": event.address, "returns": event.returns or 0,
            "refusals": event.refusals or 0, "reopens": event.reopens or 0, "supervised": bool(event.supervised),
            "reported_at": event.reported_at, "deadline_at": event.deadline_at,
            "district": levels.get("district", ""), "street": levels.get("street", ""), "grid": levels.get("grid", "")}


def open_steps(session: Session, event: Event) -> list[EventStep]:
    return list(session.scalars(select(EventStep).where(EventStep.event_id == event.id, EventStep.left_at.is_(None))
                                .order_by(EventStep.id)))


def start(session: Session, event: Event, version_id: int, actor: Actor, at: dt.datetime,
          memo: dict | None = None) -> None:
    """Put a new event on its flow: the overall deadline still comes from the responsibility list."""
    event.flow_version_id = version_id
    try:
        rule = rule_for(session, event, memo)
        event.time_limit, event.time_unit = rule["time_limit"], rule["time_unit"]
        event.deadline_at = calendar(session, memo).deadline(event.reported_at, rule["time_limit"], rule["time_unit"])
    except (NotFound, Invalid):
        pass
    flow = engine(session, version_id)
    log(session, event, "flow", actor, before=event.status, at=at,
        comment=f"按流程流转（版本 {session.get(FlowVersion, version_id).version}）", details={"version_id": version_id})
    _settle(session, event, flow, flow.start(facts(session, event)), actor, at, None, memo)


def _settle(session: Session, event: Event, flow: Engine, walk: Walk, actor: Actor, at: dt.datetime,
            came_from: EventStep | None, memo: dict | None = None, opened: list | None = None) -> None:
    opened = open_steps(session, event) if opened is None else opened
    for join in walk.joined:
        for s in opened:
            if s.kind == "join" and s.node_id == join:
                s.left_at, s.outcome = at, "join"
    opened = [s for s in opened if s.left_at is None]
    base = dict(event_id=event.id, flow_version_id=event.flow_version_id, entered_at=at,
                came_from_id=came_from.id if came_from else None)
    for node_id in walk.waiting:
        step = EventStep(**base, node_id=node_id, node_name=flow.name(node_id), kind="join", group_no=0)
        session.add(step)
        opened.append(step)
    group = max((s.group_no or 0 for s in opened), default=0) + 1
    for node_id in walk.entered:
        for step in _enter(session, event, flow, node_id, base, at, memo):
            step.group_no = group
            session.add(step)
            opened.append(step)
            who = _who(session, step)
            log(session, event, "step", actor, before=event.status, at=at, comment=f"进入环节：{step.node_name}{who}",
                details={"node": node_id})
        group += 1
    session.flush()
    _sync(session, event, opened, at, ended=walk.ended)


def _enter(session: Session, event: Event, flow: Engine, node_id: str, base: dict, at: dt.datetime,
           memo: dict | None) -> list[EventStep]:
    node = flow.nodes[node_id]
    cal = calendar(session, memo)
    if node["type"] == "timer":
        wait = node["wait"]
        return [EventStep(**base, node_id=node_id, node_name=flow.name(node_id), kind="timer",
                          due_at=cal.deadline(at, wait["value"], wait["unit"]))]
    due = warn = None
    if node.get("time_limit"):
        due = cal.deadline(at, node["time_limit"]["value"], node["time_limit"]["unit"])
        before = node.get("warn_before")
        if before:  # the warning comes this much clock time before the step's deadline
            warn = due - (dt.timedelta(days=before["value"]) if before["unit"] == "working_days"
                          else dt.timedelta(hours=before["value"]))
    assign = node.get("assign") or {}
    kind, value = assign.get("kind"), assign.get("value")
    make = lambda **who: EventStep(**base, node_id=node_id, node_name=flow.name(node_id), kind="task",  # noqa: E731
                                   due_at=due, warn_at=warn, **who)
    if node.get("routing", "manual") == "manual" and kind in ("department", "responsible"):
        return [make()]  # the operations center routes it by hand
    if kind == "joint":
        return [make(department_id=d) for d in value]
    if kind == "department":
        return [make(department_id=value)]
    if kind == "person":
        user = session.get(User, value)
        return [make(assignee_id=value, department_id=user.department_id if user else None)]
    if kind == "role":
        return [make(role=value)]
    try:  # responsible: the department the responsibility list names
        return [make(department_id=rule_for(session, event, memo)["department_id"])]
    except (NotFound, Invalid):
        return [make()]


def _who(session: Session, step: EventStep) -> str:
    if step.kind == "timer":
        return f"（等待至 {step.due_at.astimezone(CITY_TZ):%m-%d %H:%M}）"
    if step.department_id:
        dept = session.get(Department, step.department_id)
        return f"（{dept.name}）" if dept else ""
    if step.role:
        role = session.scalar(select(Role.name).where(Role.code == step.role))
        return f"（{role or step.role}）"
    return "（待人工分拨）"


def _sync(session: Session, event: Event, opened: list[EventStep], at: dt.datetime, ended: bool = False) -> None:
    """The event's own fields follow its open steps."""
    work = [s for s in opened if s.left_at is None and s.kind != "join"]
    if not work and ended:
        event.status, event.node_names, event.department_id = "closed", "", event.department_id
        event.closed_at = at
        event.handled_at = event.handled_at or at
        return
    tasks = [s for s in work if s.kind == "task"]
    unrouted = any(s.department_id is None and not s.role and s.assignee_id is None for s in tasks)
    if event.status not in ("suspended", "cancelled"):
        event.status = "accepted" if unrouted else "handling"
    event.node_names = "、".join(dict.fromkeys(s.node_name for s in work))[:200]
    routed = [s for s in tasks if s.department_id is not None]
    if routed:
        if event.department_id != routed[0].department_id:
            event.dispatched_at = at
            event.first_dispatched_at = event.first_dispatched_at or at
            event.dispatch_mode = event.dispatch_mode or "auto"
        event.department_id = routed[0].department_id
    elif tasks:
        event.department_id = None


def may(actor: Actor, step: EventStep) -> bool:
    if actor.can("event.dispatch"):
        return True
    return actor.can("event.handle") and (
        (step.department_id is not None and step.department_id == actor.department_id)
        or (bool(step.role) and step.role in actor.roles) or (step.assignee_id is not None and step.assignee_id == actor.id))


def visible(session: Session, actor: Actor, event: Event) -> bool:
    return any(may(actor, s) for s in open_steps(session, event) if s.kind == "task")


def _step(session: Session, actor: Actor, event: Event, data: dict) -> EventStep:
    work = [s for s in open_steps(session, event) if s.kind == "task"]
    if data.get("step_id") is not None:
        work = [s for s in work if s.id == data["step_id"]]
        if not work:
            raise Invalid("No such open step.", {"step_id": ["该环节不是事件当前的待办环节"]})
    mine = [s for s in work if may(actor, s)]
    if not mine:
        raise Invalid("There is no step of yours.", {"step_id": ["事件当前没有您可办理的环节"]})
    if len(mine) > 1:
        raise Invalid("Say which step.", {"step_id": ["事件有多个待办环节，请指定要办理的环节"]})
    return mine[0]


def act(session: Session, actor: Actor, event: Event, act: str, data: dict, now: dt.datetime) -> Event:
    """One move of a flow event. Every check comes before any change."""
    flow = engine(session, event.flow_version_id)
    comment = (data.get("comment") or "").strip()
    if act == "reopen":
        return _reopen(session, actor, event, flow, comment, now)
    if event.status not in ("accepted", "handling"):
        raise Invalid("Not now.", {"action": [f"事件当前不在流转中，不能{MOVE_NAMES.get(act, act)}"]})
    step = _step(session, actor, event, data)
    moves = flow.moves(step.node_id)
    if act == "dispatch":
        return _route(session, actor, event, step, data, comment, now)
    if act not in moves:
        raise Invalid("The node does not allow this move.", {"action": [
            f"环节“{step.node_name}”不允许{MOVE_NAMES[act]}"]})
    if act == "return" and not comment:
        raise Invalid("A reason is required.", {"comment": ["退回须填写理由"]})
    before = event.status
    if act == "send":
        step.left_at, step.outcome = now, "send"
        log(session, event, "send", actor, before=before, at=now, comment=comment,
            details={"node": step.node_id, "step_id": step.id})
        return _after(session, event, flow, step, actor, now)
    if act == "return":
        previous = session.get(EventStep, step.came_from_id) if step.came_from_id else None
        while previous is not None and previous.kind != "task":  # back over a timer to the task before it
            previous = session.get(EventStep, previous.came_from_id) if previous.came_from_id else None
        if previous is None:
            raise Invalid("Nowhere to return to.", {"action": ["已是第一个环节，不能退回"]})
        step.left_at, step.outcome = now, "return"
        event.returns += 1
        back = EventStep(event_id=event.id, flow_version_id=event.flow_version_id, node_id=previous.node_id,
                         node_name=previous.node_name, kind="task", group_no=step.group_no,
                         department_id=previous.department_id, role=previous.role, assignee_id=previous.assignee_id,
                         came_from_id=previous.came_from_id, entered_at=now, due_at=None)
        node = flow.nodes[previous.node_id]
        if node.get("time_limit"):
            back.due_at = calendar(session).deadline(now, node["time_limit"]["value"], node["time_limit"]["unit"])
        session.add(back)
        session.flush()
        log(session, event, "return", actor, before=before, at=now, comment=comment,
            details={"node": step.node_id, "to": previous.node_id})
        _sync(session, event, open_steps(session, event), now)
        return event
    if act == "jump":
        target = data.get("target") or ""
        try:
            flow.check_jump(step.node_id, target)
        except FlowError as exc:
            raise Invalid("Not a permitted jump.", {"target": [str(exc)]}) from None
        step.left_at, step.outcome = now, "jump"
        log(session, event, "jump", actor, before=before, at=now, comment=comment,
            details={"node": step.node_id, "to": target})
        opened = [s for s in open_steps(session, event)]
        _settle(session, event, flow, flow.enter(target, facts(session, event), _waiting(opened)), actor, now,
                step, opened=opened)
        return event
    if act == "transfer":
        dept = session.get(Department, data.get("department_id") or 0)
        if dept is None or dept.id == step.department_id:
            raise Invalid("Choose another department.", {"department_id": ["转办须选择其他部门"]})
        step.department_id = dept.id
        session.add(EventDispatch(event_id=event.id, department_id=dept.id, mode="transfer", at=now, actor_id=actor.id,
                                  reason=comment or f"环节“{step.node_name}”转办"))
        log(session, event, "transfer", actor, before=before, at=now, comment=comment or "转办",
            details={"node": step.node_id, "department_id": dept.id})
        _sync(session, event, open_steps(session, event), now)
        return event
    # cc: the departments hear of it; nothing moves
    ids = [d for d in data.get("department_ids") or [] if isinstance(d, int)]
    log(session, event, "cc", actor, before=before, at=now, comment=comment, details={"node": step.node_id,
                                                                                     "department_ids": ids})
    return event


def _waiting(opened: list[EventStep]) -> Counter:
    return Counter(s.node_id for s in opened if s.kind == "join" and s.left_at is None)


def _after(session: Session, event: Event, flow: Engine, step: EventStep, actor: Actor, now: dt.datetime) -> Event:
    """The step is done: on, unless others of a joint visit still work on the node."""
    opened = open_steps(session, event)
    if any(s.group_no == step.group_no and s.node_id == step.node_id and s.kind == "task" for s in opened):
        _sync(session, event, opened, now)
        return event
    walk = flow.send(step.node_id, facts(session, event), _waiting(opened))
    _settle(session, event, flow, walk, actor, now, step, opened=opened)
    return event


def _route(session: Session, actor: Actor, event: Event, step: EventStep, data: dict, comment: str,
           now: dt.datetime) -> Event:
    if not actor.can("event.dispatch"):
        raise Invalid("Only the operations center routes.", {"action": ["只有指挥中心可以分拨"]})
    dept = session.get(Department, data.get("department_id") or 0)
    if dept is None:
        raise Invalid("Choose a department.", {"department_id": ["请选择处置部门"]})
    before = event.status
    step.department_id = dept.id
    event.dispatch_mode = "manual"
    session.add(EventDispatch(event_id=event.id, department_id=dept.id, mode="manual", at=now, actor_id=actor.id,
                              reason=comment or f"环节“{step.node_name}”人工分拨"))
    log(session, event, "dispatch", actor, before=before, at=now, comment=comment or "人工分拨",
        details={"node": step.node_id, "department_id": dept.id, "mode": "manual"})
    _sync(session, event, open_steps(session, event), now)
    return event


def _reopen(session: Session, actor: Actor, event: Event, flow: Engine, comment: str, now: dt.datetime) -> Event:
    """重办: back to the last task the event passed."""
    if event.status != "closed":
        raise Invalid("Not closed.", {"action": ["只有已办结的事件可以重办"]})
    if not actor.can("event.dispatch"):
        raise Invalid("Only the operations center reopens.", {"action": ["只有指挥中心可以重办"]})
    if not comment:
        raise Invalid("A reason is required.", {"comment": ["重办须填写理由"]})
    last = session.scalar(select(EventStep).where(EventStep.event_id == event.id, EventStep.kind == "task")
                          .order_by(EventStep.id.desc()).limit(1))
    event.reopens += 1
    event.closed_at = None
    session.add(EventStep(event_id=event.id, flow_version_id=event.flow_version_id, node_id=last.node_id,
                          node_name=last.node_name, kind="task", department_id=last.department_id, role=last.role,
                          assignee_id=last.assignee_id, came_from_id=last.came_from_id, entered_at=now))
    session.flush()
    log(session, event, "reopen", actor, before="closed", at=now, comment=comment, details={"node": last.node_id})
    _sync(session, event, open_steps(session, event), now)
    return event


def close_all(session: Session, event: Event, outcome: str, now: dt.datetime) -> None:
    """Cancelling an event closes whatever steps it had open."""
    for s in open_steps(session, event):
        s.left_at, s.outcome = now, outcome
    event.node_names = ""


def migrate(session: Session, actor: Actor, source: FlowVersion, target: FlowVersion, mapping: dict[str, str],
            apply: bool, now: dt.datetime) -> dict:
    """Move the running events of one version of a flow to another, explicitly: each open step
    goes to the node of the same id in the new version, or to the one `mapping` names, and must
    land on a node of the same kind. With any problem nothing moves; the report says why, row by row."""
    new = Engine(target.document)
    events = list(session.scalars(select(Event).where(Event.flow_version_id == source.id,
                                                      Event.status.not_in(("closed", "cancelled")))
                                  .order_by(Event.id)))
    moves, problems = [], []
    opened = {e.id: open_steps(session, e) for e in events}
    for event in events:
        for s in opened[event.id]:
            to = mapping.get(s.node_id, s.node_id)
            node = new.nodes.get(to)
            if node is None:
                problems.append({"event": event.number, "node": s.node_id,
                                 "message": f"新版本中没有节点“{to}”，请指定“{s.node_name}”迁移到哪个节点"})
            elif (node["type"] if node["type"] != "parallel_join" else "join") != s.kind:
                problems.append({"event": event.number, "node": s.node_id,
                                 "message": f"“{s.node_name}”不能迁移到类型不同的节点“{new.name(to)}”"})
            else:
                moves.append({"event": event.number, "node": s.node_id, "to": to})
    report = {"events": len(events), "moves": moves, "problems": problems, "applied": False}
    if problems or not apply:
        return report
    for event in events:
        for s in opened[event.id]:
            s.node_id = mapping.get(s.node_id, s.node_id)
            s.node_name, s.flow_version_id = new.name(s.node_id), target.id
        event.flow_version_id = target.id
        log(session, event, "migrate", actor, before=event.status, at=now,
            comment=f"流程由第 {source.version} 版迁移到第 {target.version} 版",
            details={"from": source.id, "to": target.id})
        _sync(session, event, opened[event.id], now)
    report["applied"] = True
    return report


def tick(session: Session, now: dt.datetime) -> dict:
    """The flow timers, from the deadlines job: fire the timer nodes whose wait is over, warn before
    a step's deadline, and when it passes tell its department (and, if the node says supervise, put
    the event under supervision). Each is said once per step."""
    from tongguan.inbox.service import deliver

    actor = Actor.system("流程定时器")
    counts = {"timers": 0, "step_warned": 0, "step_overdue": 0}
    due = list(session.scalars(select(EventStep).where(EventStep.left_at.is_(None), EventStep.kind != "join",
                                                       EventStep.due_at.is_not(None), EventStep.alerted != "overdue",
                                                       (EventStep.due_at <= now) | (EventStep.warn_at <= now))
                               .order_by(EventStep.id)))
    for step in due:
        event = session.get(Event, step.event_id)
        if event.status not in ("accepted", "handling"):
            continue
        if step.kind == "timer":
            if step.left_at is None and step.due_at <= now:
                step.left_at, step.outcome = now, "timer"
                log(session, event, "timer", actor, before=event.status, at=now, comment=f"“{step.node_name}”等待结束",
                    details={"node": step.node_id})
                _after(session, event, engine(session, event.flow_version_id), step, actor, now)
                counts["timers"] += 1
            continue
        people = list(session.scalars(select(User.id).where(User.department_id == step.department_id,
                                                            User.is_active.is_(True)))) if step.department_id else []
        if step.due_at <= now:
            node = engine(session, event.flow_version_id).nodes.get(step.node_id, {})
            step.alerted = "overdue"
            mode = node.get("alert_mode", "inbox")
            if mode == "supervise":
                event.supervised = True
            log(session, event, "step_overdue", actor, before=event.status, at=now,
                comment=f"环节“{step.node_name}”已超时" + ("，已督办" if mode == "supervise" else ""),
                details={"node": step.node_id, "step_id": step.id})
            if mode != "none":
                deliver(session, people, "event.overdue", f"环节超时：{event.number}“{step.node_name}”",
                        link=f"/events/{event.id}")
            counts["step_overdue"] += 1
        elif step.alerted == "":
            step.alerted = "warned"
            log(session, event, "step_due_soon", actor, before=event.status, at=now,
                comment=f"环节“{step.node_name}”即将到期", details={"node": step.node_id, "step_id": step.id})
            deliver(session, people, "event.due_soon", f"即将到期：{event.number}“{step.node_name}”",
                    link=f"/events/{event.id}")
            counts["step_warned"] += 1
    return counts
