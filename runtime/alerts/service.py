"""Alert rules on indicators, and their evaluation (a job: `alerts.evaluate`, every minute).

Each tick takes the rules that are due, computes their indicators once per (dimension, window)
for all of them together, runs every rule's level conditions and clearing rule (DSL over
`value`) per group, and moves each group's state machine (machine.py). Transitions are
history; firings, escalations and resolutions become notifications to the rule's departments
and roles (muted, but kept, during a silence) and, where a matter is set, an event to report.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

import dsl
from catalog.matters.models import Matter
from runtime.events.service import event_report
from runtime.indicators.models import Indicator
from runtime.indicators.service import indicator_values, parse_window
from runtime.usages import Dependant, finder
from tongguan.accounts.models import Department, User, user_role
from tongguan.accounts.service import unknown_departments
from tongguan.inbox.service import deliver
from tongguan.db import utcnow
from tongguan.errors import Invalid, NotFound
from tongguan.jobs import job
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from .machine import LEVEL_NAMES, LEVELS, NODATA_POLICIES, Observation, Rule, State, step
from .models import AlertNotification, AlertRule, AlertState, AlertTransition

VALUE = {"value": "number"}
EDITABLE = ("name", "indicator_id", "by", "window", "interval_s", "levels", "clear_condition", "pending_s",
            "recover_s", "nodata", "notify_departments", "notify_roles", "report_matter", "enabled",
            "owner_department_id")


def _rule(session: Session, rule_id: int) -> AlertRule:
    rule = session.get(AlertRule, rule_id)
    if rule is None:
        raise NotFound(f"Alert rule {rule_id} does not exist.")
    return rule


def _check(session: Session, rule: AlertRule) -> None:
    errors: dict[str, list[str]] = {}
    ind = session.get(Indicator, rule.indicator_id)
    if ind is None:
        errors["indicator_id"] = ["指标不存在"]
    elif rule.by and ind.kind == "base" and rule.by not in ind.dimensions:
        errors["by"] = [f"指标 {ind.code} 没有维度 {rule.by}（可用：{', '.join(ind.dimensions) or '无'}）"]
    if rule.window:
        try:
            parse_window(rule.window)
        except Invalid as exc:
            errors.update(exc.errors)
    if not rule.levels:
        errors["levels"] = ["至少需要一个预警级别"]
    seen = set()
    for i, item in enumerate(rule.levels):
        if item.get("level") not in LEVELS:
            errors[f"levels.{i}.level"] = ["级别须为 blue、yellow、orange、red 之一"]
        elif item["level"] in seen:
            errors[f"levels.{i}.level"] = ["级别重复"]
        seen.add(item.get("level"))
        try:
            if dsl.check(dsl.parse(item.get("condition") or ""), VALUE) != "boolean":
                errors[f"levels.{i}.condition"] = ["条件须为真假判断，如 value >= 100"]
        except dsl.DslError as exc:
            errors[f"levels.{i}.condition"] = [exc.render("zh-CN")]
    if rule.clear_condition:
        try:
            if dsl.check(dsl.parse(rule.clear_condition), VALUE) != "boolean":
                errors["clear_condition"] = ["条件须为真假判断，如 value < 80"]
        except dsl.DslError as exc:
            errors["clear_condition"] = [exc.render("zh-CN")]
    if rule.report_matter:
        matter = session.scalar(select(Matter).where(Matter.code == rule.report_matter))
        if matter is None:
            errors["report_matter"] = [f"事项目录中没有事项 {rule.report_matter}"]
        elif matter.tier != "item":
            errors["report_matter"] = [f"请选择具体事项（细类），{matter.code} 是{matter.tier}"]
    if unknown_departments(session, [rule.owner_department_id]):
        errors["owner_department_id"] = ["部门不存在"]
    missing = unknown_departments(session, rule.notify_departments or [])
    if missing:
        errors["notify_departments"] = [f"部门不存在：{', '.join(map(str, missing))}"]
    if rule.nodata not in NODATA_POLICIES:
        errors["nodata"] = [f"取值须为 {', '.join(NODATA_POLICIES)} 之一"]
    if rule.interval_s < 10:
        errors["interval_s"] = ["评估间隔至少 10 秒"]
    if errors:
        raise Invalid("The alert rule is not valid.", errors)
    rule.levels = sorted(rule.levels, key=lambda x: LEVELS.index(x["level"]))


@finder("indicator")
def _rules_on(session: Session, ind: Indicator) -> list[Dependant]:
    out = []
    for rule in session.scalars(select(AlertRule).where(AlertRule.indicator_id == ind.id)):
        problem = ""
        if rule.by and ind.kind == "base" and rule.by not in ind.dimensions:
            problem = f"按维度 {rule.by} 评估，而指标不再有这个维度"
        out.append(Dependant("alert_rule", rule.id, rule.code, rule.name, "enabled" if rule.enabled else "disabled",
                             problem))
    return out


@action("data.read")
def rule_list(session: Session, actor: Actor, *, indicator_id=None, q=None, page=1, per_page=50) -> Page:
    stmt = select(AlertRule).order_by(AlertRule.code)
    if indicator_id:
        stmt = stmt.where(AlertRule.indicator_id == indicator_id)
    if q:
        stmt = stmt.where(AlertRule.name.ilike(f"%{q}%") | AlertRule.code.ilike(f"%{q}%"))
    return paginate(session, stmt, page, per_page)


@action("data.read")
def rule_get(session: Session, actor: Actor, rule_id: int) -> AlertRule:
    return _rule(session, rule_id)


@action("data.manage")
def rule_create(session: Session, actor: Actor, data: dict) -> AlertRule:
    """A rule on an indicator: level conditions and a clearing rule in the DSL over `value`."""
    if session.scalar(select(AlertRule.id).where(AlertRule.code == data["code"])) is not None:
        raise Invalid("The alert rule is not valid.", {"code": [f"编码 {data['code']} 已被使用"]})
    defaults = {"by": "", "window": "", "interval_s": 300, "clear_condition": "", "pending_s": 0, "recover_s": 0,
                "nodata": "nodata", "notify_departments": [], "notify_roles": [], "report_matter": "",
                "enabled": True, "owner_department_id": actor.department_id}
    rule = AlertRule(**{**defaults, **data}, created_by=actor.id)
    _check(session, rule)
    session.add(rule)
    return rule


@action("data.manage")
def rule_update(session: Session, actor: Actor, rule_id: int, data: dict, if_version: int | None = None) -> AlertRule:
    rule = _rule(session, rule_id)
    check_version(rule, if_version)
    for key, value in data.items():
        setattr(rule, key, value)
    _check(session, rule)
    return rule


@action("data.manage")
def rule_silence(session: Session, actor: Actor, rule_id: int, until: dt.datetime | None, note: str = "") -> AlertRule:
    """Mute a rule's notifications until `until` (None lifts the silence); its states still move."""
    rule = _rule(session, rule_id)
    if until is not None and until <= utcnow():
        raise Invalid("A silence ends in the future.", {"until": ["静默结束时间须晚于现在"]})
    rule.silenced_until, rule.silence_note = until, note
    return rule


@action("data.read")
def rule_history(session: Session, actor: Actor, rule_id: int, limit: int = 200) -> dict:
    """The rule's current states per group and its latest transitions and notifications."""
    _rule(session, rule_id)
    states = session.scalars(select(AlertState).where(AlertState.rule_id == rule_id).order_by(AlertState.group_key))
    transitions = session.scalars(select(AlertTransition).where(AlertTransition.rule_id == rule_id)
                                  .order_by(AlertTransition.id.desc()).limit(limit))
    notes = session.scalars(select(AlertNotification).where(AlertNotification.rule_id == rule_id)
                            .order_by(AlertNotification.id.desc()).limit(limit))
    return {"states": list(states), "transitions": list(transitions), "notifications": list(notes)}


# --- evaluation -------------------------------------------------------------------------


def _observe(rule: AlertRule, value) -> Observation:
    if value is None:
        return Observation(has_data=False)
    row = {"value": float(value)}
    level = None
    for item in rule.levels:  # lowest first: the highest that holds wins
        if dsl.matches(dsl.parse(item["condition"]), row):  # type-checked when the rule was saved
            level = item["level"]
    if rule.clear_condition:
        clear = dsl.matches(dsl.parse(rule.clear_condition), row)
    else:
        clear = level is None
    return Observation(level=level, clear=clear)


def evaluate(session: Session, now: dt.datetime | None = None, rule_ids: list[int] | None = None) -> dict:
    """Evaluate the rules that are due at `now` (or exactly `rule_ids`). Returns counts."""
    now = now or utcnow()
    actor = Actor.system("alerts")
    stmt = select(AlertRule).where(AlertRule.enabled.is_(True))
    if rule_ids is not None:
        stmt = stmt.where(AlertRule.id.in_(rule_ids))
    rules = [r for r in session.scalars(stmt)
             if rule_ids is not None or r.last_evaluated_at is None
             or (now - r.last_evaluated_at).total_seconds() >= r.interval_s - 1]
    if not rules:
        return {"rules": 0, "groups": 0, "transitions": 0, "notifications": 0}
    indicators = {i.id: i for i in session.scalars(select(Indicator).where(
        Indicator.id.in_({r.indicator_id for r in rules})))}
    batches: dict[tuple[str, str], list[AlertRule]] = {}
    for r in rules:
        batches.setdefault((r.by, r.window), []).append(r)
    # plain rows, not ORM objects: 8,000 of them a tick, only read here and written by Core below
    t = AlertState.__table__
    states = {(row.rule_id, row.group_key): row for row in session.execute(
        select(t.c.id, t.c.rule_id, t.c.group_key, t.c.state, t.c.level, t.c.since, t.c.episode)
        .where(t.c.rule_id.in_([r.id for r in rules])))}
    known_groups: dict[int, set[str]] = {}
    for rid, group in states:
        known_groups.setdefault(rid, set()).add(group)
    counts = {"rules": len(rules), "groups": 0, "transitions": 0, "notifications": 0}
    new_states, changed_states, transitions, notifications = [], [], [], []
    for (by, window), batch in batches.items():
        codes = sorted({indicators[r.indicator_id].code for r in batch})
        error = None
        try:
            result = indicator_values(session, actor, codes, by=[by] if by else None, window=window or None, now=now)
            table = {("" if not by else str(row.get(by))): row for row in result["rows"]}
        except Exception as exc:  # noqa: BLE001 - a failing source is an Error state, not a crashed tick
            error, table = str(getattr(exc, "detail", exc))[:500], {}
        for rule in batch:
            code = indicators[rule.indicator_id].code
            groups = set(table) | known_groups.get(rule.id, set()) or {""}
            for group in sorted(groups):
                value = table.get(group, {}).get(code)
                seen = Observation(error=error) if error else _observe(rule, value)
                current = states.get((rule.id, group))
                before = State() if current is None else State(current.state, current.level, current.since,
                                                              current.episode)
                out = step(before, Rule(rule.pending_s, rule.recover_s, rule.nodata), seen, now)
                counts["groups"] += 1
                if out.state != before or current is None:
                    values = {"state": out.state.state, "level": out.state.level, "since": out.state.since,
                              "episode": out.state.episode, "value": value, "evaluated_at": now}
                    if current is None:
                        new_states.append({"rule_id": rule.id, "group_key": group, **values})
                    else:
                        changed_states.append({"id": current.id, **values})
                for from_state, to_state in out.transitions:
                    transitions.append({"rule_id": rule.id, "group_key": group, "at": now, "from_state": from_state,
                                        "to_state": to_state, "level": out.state.level, "value": value,
                                        "episode": out.state.episode, "note": seen.error or ""})
                for kind in out.actions:
                    notifications.append(_notification(rule, group, kind, out.state, value, now, seen.error))
    # Thousands of rows a tick: written in bulk (these tables are history, not audited documents).
    # Core statements on the tables (executemany), not the ORM's bulk path: a third faster here.
    conn = session.connection()
    if new_states:
        conn.execute(insert(AlertState.__table__), new_states)
    if changed_states:
        table = AlertState.__table__
        conn.execute(update(table).where(table.c.id == bindparam("b_id")),
                     [{"b_id": row.pop("id"), **row} for row in changed_states])
    if transitions:
        conn.execute(insert(AlertTransition.__table__), transitions)
    if notifications:
        _report_events(session, actor, [n for n in notifications if n["report_matter"] and not n["silenced"]],
                       {r.id: r for r in rules})
        _deliver(session, notifications)
        conn.execute(insert(AlertNotification.__table__), notifications)
    counts["transitions"], counts["notifications"] = len(transitions), len(notifications)
    # A bookkeeping column, not a change of the rule: a Core update, outside the audit log.
    session.execute(update(AlertRule).where(AlertRule.id.in_([r.id for r in rules]))
                    .values(last_evaluated_at=now).execution_options(synchronize_session=False))
    for rule in rules:
        set_committed_value(rule, "last_evaluated_at", now)
    return counts


def _report_events(session: Session, actor: Actor, firings: list[dict], rules: dict[int, AlertRule]) -> None:
    """Each firing of a rule with a matter reports one event into the event core. The external id
    (rule, group, episode) makes a retried tick find the event it already reported."""
    if not firings:
        return
    areas = _areas(session, {n["group_key"] for n in firings if n["group_key"]})
    for n in firings:
        rule = rules[n["rule_id"]]
        try:
            event, _ = event_report(session, actor, {
                "title": n["message"][:300], "channel": "alert", "matter_code": n["report_matter"],
                "priority": "urgent" if n["level"] in ("orange", "red") else "normal",
                "area_department_id": areas.get(n["group_key"]), "source": "alert",
                "external_id": f"{rule.code}:{n['group_key']}:{n['episode']}",
                "description": f"由预警规则 {rule.name}（{rule.code}）自动上报", "reported_at": n["at"],
                "details": {"rule": rule.code, "group": n["group_key"], "level": n["level"]}}, now=n["at"])
            n["event_id"] = event.id
        except Invalid as exc:  # e.g. the matter was retired since the rule was saved
            n["message"] += f"（事件上报失败：{'；'.join(m for ms in exc.errors.values() for m in ms) or exc.detail}）"


def _areas(session: Session, groups: set[str]) -> dict[str, int]:
    """The area department each group names: a district, street or grid of that name, or else the
    one district whose department's name begins with it (江东区 -> 江东区城运中心)."""
    levels = ("district", "street", "grid")
    found = {d.name: d.id for d in session.scalars(select(Department).where(
        Department.name.in_(groups), Department.level.in_(levels)))} if groups else {}
    for group in groups - set(found):
        named = list(session.scalars(select(Department.id).where(
            Department.level == "district", Department.name.startswith(group, autoescape=True))).all())
        if len(named) == 1:
            found[group] = named[0]
    return found


def _deliver(session: Session, notifications: list[dict]) -> None:
    """Unsilenced notifications reach the inboxes of the rule's departments and roles."""
    for n in notifications:
        if n["silenced"] or not (n["departments"] or n["roles"]):
            continue
        users = select(User.id).where(User.is_active.is_(True), or_(
            User.department_id.in_(n["departments"] or [-1]),
            User.id.in_(select(user_role.c.user_id).where(user_role.c.role_code.in_(n["roles"] or [""])))))
        deliver(session, session.scalars(users), f"alert.{n['kind']}", n["message"],
                link=f"/data/alerts?rule={n['rule_id']}")


def _notification(rule: AlertRule, group: str, kind: str, state: State, value, now: dt.datetime,
                  error: str | None) -> dict:
    where = f"（{group}）" if group else ""
    level = LEVEL_NAMES.get(state.level or "", "")
    text = {
        "fire": f"{level}预警：{rule.name}{where}，当前值 {value}",
        "escalate": f"预警升级为{level}：{rule.name}{where}，当前值 {value}",
        "resolve": f"预警解除：{rule.name}{where}，当前值 {value}",
        "nodata": f"无数据：{rule.name}{where}",
        "error": f"评估出错：{rule.name}{where}：{error}",
    }[kind]
    silenced = rule.silenced_until is not None and rule.silenced_until > now
    return {"rule_id": rule.id, "group_key": group, "at": now, "kind": kind, "level": state.level,
            "episode": state.episode, "message": text, "departments": list(rule.notify_departments),
            "roles": list(rule.notify_roles), "silenced": silenced,
            "report_matter": rule.report_matter if kind == "fire" else "", "event_id": None}


@job("alerts.evaluate", every_seconds=60, max_attempts=3)
def evaluate_job(session: Session, tick: str, **params) -> dict:
    """The periodic job: evaluate the rules due at this tick (the tick's time is `now`)."""
    now = dt.datetime.fromisoformat(tick) if not tick.startswith("manual") else utcnow()
    return evaluate(session, now)
