"""Running a published flow document: where a token goes when it starts, is sent on, returns or
jumps. Pure: the caller keeps the state (the event's open steps in the database, or a list in
memory for the debugger, the simulator and the benchmark) and says what waits at each join.

A walk follows edges from a node until every branch rests: at a task or a timer (a step is
opened there), at a parallel join still waiting for its other branches, or at the end. Gateways
choose their edge by the first condition that holds over the event's fields, else the default.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

import dsl

RESTING = ("task", "timer")


class FlowError(Exception):
    """A move the document does not allow (zh-CN message)."""


@dataclass
class Walk:
    entered: list[str] = field(default_factory=list)  # task and timer nodes where a step now opens
    waiting: list[str] = field(default_factory=list)  # joins where one more branch now waits
    joined: list[str] = field(default_factory=list)  # joins now complete: their waiting branches go on
    passed: list[str] = field(default_factory=list)  # every node walked through, in order
    ended: bool = False


class Engine:
    def __init__(self, document: dict):
        self.document = document
        self.nodes: dict[str, dict] = {n["id"]: n for n in document["nodes"]}
        self.out: dict[str, list[dict]] = {n: [] for n in self.nodes}
        self.incoming: Counter[str] = Counter()
        for e in document["edges"]:
            self.out[e["from"]].append(e)
            self.incoming[e["to"]] += 1
        # defaults last, so the first condition that holds wins and the default catches the rest
        self.conditions: dict[str, list[tuple[dsl.Expr | None, str]]] = {}
        for nid, node in self.nodes.items():
            if node["type"] == "exclusive":
                edges = sorted(self.out[nid], key=lambda e: bool(e.get("default")))
                self.conditions[nid] = [(None if e.get("default") else dsl.parse(e["condition"]), e["to"])
                                        for e in edges]
        self.start_id = next(n for n, node in self.nodes.items() if node["type"] == "start")

    def name(self, node_id: str) -> str:
        node = self.nodes.get(node_id) or {}
        return node.get("name") or node_id

    def moves(self, node_id: str) -> list[str]:
        node = self.nodes[node_id]
        return list(node.get("moves", ["send"])) if node["type"] == "task" else []

    def jump_targets(self, node_id: str) -> list[str]:
        return list(self.nodes[node_id].get("jump_to") or []) if "jump" in self.moves(node_id) else []

    def start(self, facts: dict, waiting: Counter | None = None) -> Walk:
        walk = Walk()
        self._follow(self.start_id, facts, Counter(waiting or ()), walk)
        return walk

    def send(self, node_id: str, facts: dict, waiting: Counter | None = None) -> Walk:
        """The step at `node_id` is done: follow its edge on."""
        walk = Walk()
        self._follow(node_id, facts, Counter(waiting or ()), walk)
        return walk

    def enter(self, node_id: str, facts: dict, waiting: Counter | None = None) -> Walk:
        """Arrive at a node directly (a jump, a return, a migration)."""
        walk = Walk()
        self._arrive(node_id, facts, Counter(waiting or ()), walk)
        return walk

    def check_jump(self, node_id: str, target: str) -> None:
        if target not in self.jump_targets(node_id):
            raise FlowError(f"“{self.name(node_id)}”不能跳转到“{self.name(target)}”")

    def _follow(self, node_id: str, facts: dict, waiting: Counter, walk: Walk) -> None:
        node = self.nodes[node_id]
        if node["type"] == "exclusive":
            for condition, to in self.conditions[node_id]:
                if condition is None or dsl.matches(condition, facts):
                    self._arrive(to, facts, waiting, walk)
                    return
            raise FlowError(f"网关“{self.name(node_id)}”没有可走的连线")
        for edge in self.out[node_id]:  # one edge, or every edge of a parallel split
            self._arrive(edge["to"], facts, waiting, walk)

    def _arrive(self, node_id: str, facts: dict, waiting: Counter, walk: Walk) -> None:
        kind = self.nodes[node_id]["type"]
        walk.passed.append(node_id)
        if kind in RESTING:
            walk.entered.append(node_id)
        elif kind == "end":
            walk.ended = True
        elif kind == "parallel_join":
            waiting[node_id] += 1
            if waiting[node_id] < self.incoming[node_id]:
                walk.waiting.append(node_id)
                return
            waiting[node_id] = 0
            walk.joined.append(node_id)
            self._follow(node_id, facts, waiting, walk)
        else:  # a gateway or a split passes straight on
            self._follow(node_id, facts, waiting, walk)


def duration(limit: dict | None) -> dt.timedelta | None:
    """A node's limit as clock time, for the debugger and the simulator (the runtime uses the
    working calendar instead): a working day counts as a day."""
    if not limit:
        return None
    return dt.timedelta(days=limit["value"]) if limit["unit"] == "working_days" else dt.timedelta(hours=limit["value"])


@dataclass
class Token:
    id: int
    node: str
    kind: str  # task | timer | join
    entered: dt.datetime
    due: dt.datetime | None = None
    came_from: int | None = None  # the task token that sent this one (where `return` goes)
    group: int = 0  # joint handling: the tokens of one node visit that must all be sent


class Instance:
    """One run of a flow held in memory: what the debugger steps through, the simulator repeats,
    and the benchmark times. The runtime keeps the same state as the event's steps instead."""

    def __init__(self, engine: Engine, facts: dict, now: dt.datetime, joint: dict[str, int] | None = None):
        self.engine, self.facts, self.now = engine, facts, now
        self.joint = joint or {}  # node -> how many departments handle it together
        self.open: list[Token] = []
        self.history: list[dict] = []  # {node, kind, entered, left, move, late}
        self.passed: list[str] = []  # every node walked through, gateways included
        self.ended = False
        self._ids = 0
        self._groups = 0
        self._settle(engine.start(facts), None)

    def _token(self, node: str, kind: str, came_from: int | None, group: int = 0) -> Token:
        self._ids += 1
        due = None
        if kind == "timer":
            due = self.now + duration(self.engine.nodes[node].get("wait"))
        elif kind == "task":
            limit = duration(self.engine.nodes[node].get("time_limit"))
            due = self.now + limit if limit else None
        return Token(self._ids, node, kind, self.now, due, came_from, group)

    def _settle(self, walk: Walk, came_from: int | None) -> None:
        self.passed.extend(walk.passed)
        for join in walk.joined:
            self.open = [t for t in self.open if not (t.kind == "join" and t.node == join)]
        for node in walk.waiting:
            self.open.append(self._token(node, "join", came_from))
        for node in walk.entered:
            kind = self.engine.nodes[node]["type"]
            copies = self.joint.get(node, 1) if kind == "task" else 1
            self._groups += 1
            for _ in range(copies):
                self.open.append(self._token(node, kind, came_from, self._groups))
        if walk.ended and not any(t.kind != "join" for t in self.open):
            self.ended = True

    def waiting(self) -> Counter:
        return Counter(t.node for t in self.open if t.kind == "join")

    def token(self, token_id: int | None = None, node: str | None = None) -> Token:
        """By id, else by node, else the only open step there is."""
        steps = [t for t in self.open if t.kind != "join"]
        found = [t for t in steps if t.id == token_id] if token_id is not None else \
            [t for t in steps if t.node == node] if node is not None else steps
        if len(found) != 1:
            raise FlowError("没有这个待办环节" if not found else "有多个待办环节，请指定其一")
        return found[0]

    def _close(self, token: Token, move: str) -> None:
        self.open.remove(token)
        self.history.append({"token": token.id, "came_from": token.came_from, "node": token.node,
                             "kind": token.kind, "entered": token.entered, "left": self.now, "move": move, "late": token.due is not None and self.now > token.due})

    def advance(self, hours: float) -> None:
        self.now += dt.timedelta(hours=hours)

    def send(self, token: Token, move: str = "send") -> None:
        if token.kind == "task" and move == "send" and "send" not in self.engine.moves(token.node):
            raise FlowError(f"“{self.engine.name(token.node)}”不允许发送")
        self._close(token, move)
        if any(t.group == token.group and t.node == token.node and t.kind == "task" for t in self.open):
            return  # joint handling: the others have not sent it on yet
        self._settle(self.engine.send(token.node, self.facts, self.waiting()), token.id)

    def ret(self, token: Token) -> None:
        if "return" not in self.engine.moves(token.node):
            raise FlowError(f"“{self.engine.name(token.node)}”不允许退回")
        previous = self._previous_task(token.came_from)
        if previous is None:
            raise FlowError("已是第一个环节，不能退回")
        self._close(token, "return")
        self._groups += 1
        self.open.append(self._token(previous["node"], "task", previous.get("came_from"), self._groups))
        self.passed.append(previous["node"])

    def _previous_task(self, token_id: int | None) -> dict | None:
        """Where a return goes: the task that sent this token, passing over timers on the way."""
        by_id = {h["token"]: h for h in self.history}
        h = by_id.get(token_id)
        while h is not None and h["kind"] != "task":
            h = by_id.get(h["came_from"])
        return h

    def jump(self, token: Token, target: str) -> None:
        self.engine.check_jump(token.node, target)
        self._close(token, "jump")
        self._settle(self.engine.enter(target, self.facts, self.waiting()), token.id)

    def fire_timers(self) -> int:
        """Send on every timer whose wait is over; returns how many fired."""
        due = [t for t in self.open if t.kind == "timer" and t.due <= self.now]
        for t in due:
            self.send(t, "timer")
        return len(due)
