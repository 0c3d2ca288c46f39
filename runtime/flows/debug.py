"""Trying a flow before events run on it: step a sample event through it by hand, or simulate a
thousand events with random choices and see the paths they take, how long each step holds them
and where deadlines would be missed. Pure: works on a document, in memory, with a clock that only
moves when told (a working day counts as a day here).
"""
from __future__ import annotations

import datetime as dt
import random
import statistics

from .engine import Engine, FlowError, Instance

START = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.timezone.utc)
MAX_MOVES = 200  # a simulated event still open after this many moves is stuck in a loop
PRIORITIES = (("normal", 0.7), ("urgent", 0.2), ("critical", 0.1))
CHANNELS = ("hotline", "grid", "iot", "video", "app", "alert", "api")


def _joint(engine: Engine) -> dict[str, int]:
    return {nid: len(n["assign"]["value"]) for nid, n in engine.nodes.items()
            if n["type"] == "task" and (n.get("assign") or {}).get("kind") == "joint"}


def _facts(facts: dict | None) -> dict:
    base = {"channel": "hotline", "priority": "normal", "matter_code": "", "title": "调试事件", "address": "",
            "returns": 0, "refusals": 0, "reopens": 0, "supervised": False, "reported_at": START,
            "deadline_at": None, "district": "", "street": "", "grid": ""}
    return {**base, **{k: v for k, v in (facts or {}).items() if k in base}}


def _hours(a: dt.datetime, b: dt.datetime) -> float:
    return round((b - a).total_seconds() / 3600, 2)


def state(instance: Instance) -> dict:
    engine = instance.engine
    return {
        "ended": instance.ended,
        "clock_hours": _hours(START, instance.now),
        "open": [{"token": t.id, "node": t.node, "name": engine.name(t.node), "kind": t.kind,
                  "moves": engine.moves(t.node) if t.kind == "task" else [],
                  "jump_to": engine.jump_targets(t.node) if t.kind == "task" else [],
                  "due_in_hours": None if t.due is None else _hours(instance.now, t.due)}
                 for t in instance.open],
        "history": [{"node": h["node"], "name": engine.name(h["node"]), "move": h["move"],
                     "entered_hours": _hours(START, h["entered"]), "hours": _hours(h["entered"], h["left"]),
                     "late": h["late"]} for h in instance.history],
        "path": instance.passed,
    }


def step(document: dict, facts: dict | None, moves: list[dict]) -> dict:
    """Replay `moves` ([{token, move: send|return|jump|timer, target?, hours?}]) on a sample event
    and say where it stands. A move the flow does not allow raises FlowError, naming the move."""
    engine = Engine(document)
    instance = Instance(engine, _facts(facts), START, _joint(engine))
    for i, m in enumerate(moves):
        try:
            instance.advance(float(m.get("hours") or 0))
            if m["move"] == "timer":
                timer = instance.token(m.get("token"))
                instance.advance(max(0.0, (timer.due - instance.now).total_seconds() / 3600))
                instance.fire_timers()
                continue
            token = instance.token(m.get("token"))
            if m["move"] == "send":
                instance.send(token)
            elif m["move"] == "return":
                instance.ret(token)
            elif m["move"] == "jump":
                instance.jump(token, m.get("target") or "")
            else:
                raise FlowError(f"未知操作 {m['move']}")
        except FlowError as exc:
            raise FlowError(f"第 {i + 1} 步：{exc}") from None
    return state(instance)


def _one(engine: Engine, joint: dict, rng: random.Random, p_return: float, p_jump: float) -> Instance:
    priority = rng.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0]
    instance = Instance(engine, _facts({"priority": priority, "channel": rng.choice(CHANNELS)}), START, joint)
    for _ in range(MAX_MOVES):
        if instance.ended or not any(t.kind != "join" for t in instance.open):
            break
        token = rng.choice([t for t in instance.open if t.kind != "join"])
        if token.kind == "timer":
            instance.advance(max(0.0, (token.due - instance.now).total_seconds() / 3600))
            instance.fire_timers()
            continue
        node = engine.nodes[token.node]
        limit = (token.due - token.entered).total_seconds() / 3600 if token.due else 8.0
        instance.advance(rng.expovariate(1 / (0.7 * limit)))
        moves = engine.moves(token.node)
        roll = rng.random()
        if "return" in moves and token.came_from is not None and roll < p_return:
            instance.ret(token)
        elif "jump" in moves and node.get("jump_to") and roll < p_return + p_jump:
            instance.jump(token, rng.choice(node["jump_to"]))
        elif "send" in moves:
            instance.send(token)
        else:
            instance.jump(token, rng.choice(node["jump_to"]))
    return instance


def simulate(document: dict, count: int = 1000, seed: int = 1, p_return: float = 0.08,
             p_jump: float = 0.04) -> dict:
    """Run `count` random events through the flow: each step takes a random time around 70 % of
    its limit; a node that allows it returns or jumps now and then. Reports paths, step times and
    missed deadlines."""
    engine = Engine(document)
    joint = _joint(engine)
    rng = random.Random(seed)
    paths: dict[tuple, int] = {}
    per_node: dict[str, list[float]] = {}
    late: dict[str, int] = {}
    totals, late_events, stuck = [], 0, 0
    for _ in range(count):
        inst = _one(engine, joint, rng, p_return, p_jump)
        if not inst.ended:
            stuck += 1
            continue
        tasks = tuple(h["node"] for h in inst.history if h["kind"] == "task")
        paths[tasks] = paths.get(tasks, 0) + 1
        for h in inst.history:
            per_node.setdefault(h["node"], []).append(_hours(h["entered"], h["left"]))
            late[h["node"]] = late.get(h["node"], 0) + h["late"]
        late_events += any(h["late"] for h in inst.history)
        totals.append(_hours(START, inst.now))

    def pct(values: list[float], q: float) -> float:
        return round(statistics.quantiles(values, n=100)[q - 1], 2) if len(values) > 1 else (values or [0])[0]

    return {
        "count": count, "ended": len(totals), "stuck": stuck, "late_events": late_events,
        "paths": [{"nodes": [engine.name(n) for n in p], "count": c, "share": round(c / count, 4)}
                  for p, c in sorted(paths.items(), key=lambda kv: -kv[1])[:10]],
        "nodes": sorted(({"node": n, "name": engine.name(n), "visits": len(v),
                          "avg_hours": round(statistics.fmean(v), 2), "p90_hours": pct(v, 90),
                          "late": late.get(n, 0), "late_share": round(late.get(n, 0) / len(v), 4)}
                         for n, v in per_node.items()), key=lambda r: -r["avg_hours"]),
        "total_hours": {"avg": round(statistics.fmean(totals), 2) if totals else 0,
                        "p50": pct(totals, 50) if totals else 0, "p90": pct(totals, 90) if totals else 0},
    }
