"""The alert state machine, as one pure function from (state, observation, now) to the next state.

    Normal → Pending → Firing → Recovering → Normal      (plus NoData and Error)

- A warning rule must hold for `pending_s` before the alert fires (a spike does not page anyone).
- Once firing, only the separate clearing rule brings it down (hysteresis: between the two
  thresholds it stays firing), and the clearing rule must hold for `recover_s`.
- One firing episode notifies once and reports at most one event; a higher level within the
  episode escalates (notifies again, no new event). Silences mute notifications, not states.
- No data: `nodata` (go to NoData), `keep` (stay as is), `ok` (count as clear), `alerting`
  (count as the highest level's warning).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

LEVELS = ("blue", "yellow", "orange", "red")  # 蓝 < 黄 < 橙 < 红
LEVEL_NAMES = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
STATES = ("normal", "pending", "firing", "recovering", "nodata", "error")
NODATA_POLICIES = ("nodata", "keep", "ok", "alerting")


@dataclass(frozen=True)
class Rule:
    pending_s: int = 0
    recover_s: int = 0
    nodata: str = "nodata"


@dataclass(frozen=True)
class State:
    state: str = "normal"
    level: str | None = None
    since: dt.datetime | None = None  # when the current state began
    episode: int = 0  # firing episodes so far: an event is reported once per episode


@dataclass(frozen=True)
class Observation:
    """What one evaluation saw: the highest warning level that matched (None: none), whether the
    clearing rule holds, whether there was data, and an error if evaluation failed."""

    level: str | None = None
    clear: bool = False
    has_data: bool = True
    error: str | None = None


@dataclass
class Step:
    state: State
    transitions: list[tuple[str, str]] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)  # fire | escalate | resolve | nodata | error


def _higher(a: str | None, b: str | None) -> bool:
    return b is not None and (a is None or LEVELS.index(b) > LEVELS.index(a))


def step(current: State, rule: Rule, seen: Observation, now: dt.datetime) -> Step:
    out = Step(current)

    def go(state: str, **changes) -> None:
        if state != out.state.state:
            out.transitions.append((out.state.state, state))
            changes.setdefault("since", now)
        out.state = replace(out.state, state=state, **changes)

    if seen.error is not None:
        if current.state != "error":
            out.actions.append("error")
        go("error")
        return out
    if not seen.has_data:
        if rule.nodata == "keep":
            return out
        if rule.nodata == "nodata":
            if current.state != "nodata":
                out.actions.append("nodata")
            go("nodata", level=None)
            return out
        seen = Observation(level=LEVELS[-1], clear=False) if rule.nodata == "alerting" else Observation(clear=True)

    state = current.state if current.state not in ("nodata", "error") else "normal"
    if state != current.state:
        go("normal", level=None)
    warn = seen.level is not None

    if state == "normal":
        if warn:
            go("pending", level=seen.level)
            state = "pending"
        else:
            return out
    if state == "pending":
        if not warn:
            go("normal", level=None)
            return out
        level = seen.level if _higher(out.state.level, seen.level) else out.state.level
        out.state = replace(out.state, level=level)
        if (now - out.state.since).total_seconds() >= rule.pending_s:
            go("firing", episode=current.episode + 1)
            out.actions.append("fire")
        return out
    if state == "firing":
        if _higher(out.state.level, seen.level):
            out.state = replace(out.state, level=seen.level)
            out.actions.append("escalate")
        if seen.clear and not warn:
            go("recovering")
            state = "recovering"
        else:
            return out
    if state == "recovering":
        if warn or not seen.clear:
            go("firing")  # the same episode: no new event
            if _higher(out.state.level, seen.level):
                out.state = replace(out.state, level=seen.level)
                out.actions.append("escalate")
            return out
        if (now - out.state.since).total_seconds() >= rule.recover_s:
            go("normal", level=None)
            out.actions.append("resolve")
    return out
