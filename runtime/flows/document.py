"""A flow is a JSON document; this module says whether one can be published, and why not.

    {"nodes": [{"id": "start", "type": "start"},
               {"id": "handle", "type": "task", "name": "处置", "assign": {"kind": "responsible"},
                "routing": "auto", "time_limit": {"value": 2, "unit": "working_days"},
                "warn_before": {"value": 4, "unit": "hours"}, "moves": ["send", "return", "transfer"]},
               {"id": "check", "type": "exclusive", "name": "是否紧急"},
               {"id": "end", "type": "end"}],
     "edges": [{"id": "e1", "from": "start", "to": "handle"},
               {"id": "e2", "from": "check", "to": "handle", "condition": "priority = 'urgent'"},
               {"id": "e3", "from": "check", "to": "end", "default": true}]}

Node types: start, task, exclusive (a gateway whose outgoing edges carry DSL conditions over the
event's fields, plus one default edge), parallel_split, parallel_join, timer (waits `wait`, e.g.
a day before the return visit, then goes on by itself), end. A task's assignee is a role, a
department, a person, the department the responsibility list names, or, in a special flow for
hard matters, several departments handling it jointly (`joint`: the node is done when every one of
them has sent it on). Its permitted moves are among send, return, jump (to the nodes in
`jump_to`), cc, transfer. `alert_mode` says what happens when its time limit passes (inbox: tell
the department; supervise: also put the event under supervision); `platform` names the system
the work is done in.

Pure: the caller says which roles, departments and people exist.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import dsl

NODE_TYPES = ("start", "task", "exclusive", "parallel_split", "parallel_join", "timer", "end")
MOVES = ("send", "return", "jump", "cc", "transfer")
ASSIGN_KINDS = ("role", "department", "person", "responsible", "joint")
ALERT_MODES = ("inbox", "supervise", "none")
UNITS = ("working_days", "hours")
# What a gateway condition may look at: the event's fields and their types.
EVENT_FIELDS = {"channel": "string", "priority": "string", "matter_code": "string", "title": "string",
                "address": "string", "returns": "integer", "refusals": "integer", "reopens": "integer",
                "supervised": "boolean", "reported_at": "datetime", "deadline_at": "datetime",
                "district": "string", "street": "string", "grid": "string"}
MAX_NODES = 200


@dataclass
class Problem:
    message: str  # zh-CN
    node: str | None = None  # the faulty node's id, for the designer to highlight
    edge: str | None = None

    def as_dict(self) -> dict:
        return {"node": self.node, "edge": self.edge, "message": self.message}


@dataclass
class Known:
    roles: set[str] = field(default_factory=set)
    departments: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    special: bool = False  # a special flow (疑难事项) may hand a node to several departments jointly


def _shape(doc) -> list[Problem]:
    if not isinstance(doc, dict) or not isinstance(doc.get("nodes"), list) or not isinstance(doc.get("edges"), list):
        return [Problem("流程文档须包含 nodes 和 edges 两个列表")]
    if len(doc["nodes"]) > MAX_NODES:
        return [Problem(f"节点过多（最多 {MAX_NODES} 个）")]
    problems = []
    seen = set()
    for i, node in enumerate(doc["nodes"]):
        if not isinstance(node, dict) or not isinstance(node.get("id"), str) or not node["id"]:
            problems.append(Problem(f"第 {i + 1} 个节点缺少 id"))
            continue
        if node["id"] in seen:
            problems.append(Problem(f"节点 id 重复：{node['id']}", node["id"]))
        seen.add(node["id"])
        if node.get("type") not in NODE_TYPES:
            problems.append(Problem(f"节点类型须为 {', '.join(NODE_TYPES)} 之一", node["id"]))
    for i, edge in enumerate(doc["edges"]):
        if not isinstance(edge, dict) or edge.get("from") not in seen or edge.get("to") not in seen:
            eid = edge.get("id") if isinstance(edge, dict) else None
            problems.append(Problem(f"第 {i + 1} 条连线的起点或终点不存在", edge=eid))
    return problems


def validate(doc, known: Known) -> list[Problem]:
    """Everything that stops the flow being published; empty when it can be."""
    problems = _shape(doc)
    if problems:
        return problems
    nodes = {n["id"]: n for n in doc["nodes"]}
    out: dict[str, list[dict]] = {n: [] for n in nodes}
    into: dict[str, list[dict]] = {n: [] for n in nodes}
    for e in doc["edges"]:
        out[e["from"]].append(e)
        into[e["to"]].append(e)
    starts = [n for n in nodes.values() if n["type"] == "start"]
    ends = [n for n in nodes.values() if n["type"] == "end"]
    if len(starts) != 1:
        problems.append(Problem("流程须有且只有一个开始节点", starts[1]["id"] if len(starts) > 1 else None))
    if not ends:
        problems.append(Problem("流程至少需要一个结束节点"))
    for node in nodes.values():
        nid, kind = node["id"], node["type"]
        if kind == "start" and into[nid]:
            problems.append(Problem("开始节点不能有进入的连线", nid))
        if kind == "end" and out[nid]:
            problems.append(Problem("结束节点不能有出去的连线", nid))
        if kind in ("start", "task", "parallel_join", "timer") and len(out[nid]) != 1 and not (kind == "task" and not out[nid]):
            problems.append(Problem(f"“{node.get('name') or nid}”只能有一条出去的连线（分支请用网关）", nid))
        if kind != "start" and kind != "end" and not out[nid]:
            problems.append(Problem(f"“{node.get('name') or nid}”没有出去的连线，流程走不到结束", nid))
        if kind == "task":
            problems.extend(_task(node, nodes, known))
        elif kind == "timer":
            problems.extend(_limit(node, "wait", "等待时长"))
            if node.get("wait") is None:
                problems.append(Problem("定时节点须设置等待时长", nid))
        elif kind == "exclusive":
            problems.extend(_gateway(node, out[nid]))
        elif kind == "parallel_split" and len(out[nid]) < 2:
            problems.append(Problem("并行拆分至少需要两条出去的连线", nid))
        elif kind == "parallel_join" and len(into[nid]) < 2:
            problems.append(Problem("并行汇聚至少需要两条进入的连线", nid))
        for e in out[nid]:
            if kind != "exclusive" and (e.get("condition") or e.get("default")):
                problems.append(Problem("只有排他网关的连线可以带条件", nid, e.get("id")))
    if len(starts) == 1:
        reached = _reach(starts[0]["id"], out)
        for nid in nodes:
            if nid not in reached:
                problems.append(Problem(f"“{nodes[nid].get('name') or nid}”从开始节点不可达", nid))
        reaches_end = _reach_back({n["id"] for n in ends}, into)
        for nid in reached:
            if nid not in reaches_end and nodes[nid]["type"] != "end":
                problems.append(Problem(f"从“{nodes[nid].get('name') or nid}”出发走不到结束节点", nid))
    problems.extend(_parallel_balance(nodes, out, starts))
    return _unique(problems)


def _task(node: dict, nodes: dict, known: Known) -> list[Problem]:
    nid, problems = node["id"], []
    if not node.get("name"):
        problems.append(Problem("任务节点须有名称", nid))
    assign = node.get("assign") or {}
    kind, value = assign.get("kind"), assign.get("value")
    if kind not in ASSIGN_KINDS:
        problems.append(Problem(f"请指定处理人：{', '.join(ASSIGN_KINDS)} 之一", nid))
    elif kind == "role" and value not in known.roles:
        problems.append(Problem(f"角色 {value} 不存在", nid))
    elif kind == "department" and value not in known.departments:
        problems.append(Problem(f"部门 {value} 不存在", nid))
    elif kind == "person" and value not in known.people:
        problems.append(Problem(f"人员 {value} 不存在", nid))
    elif kind == "joint":
        if not known.special:
            problems.append(Problem("多部门联合处置只用于疑难事项的特殊流程", nid))
        if not isinstance(value, list) or len(value) < 2:
            problems.append(Problem("联合处置须选择至少两个部门", nid))
        else:
            missing = [v for v in value if v not in known.departments]
            if missing:
                problems.append(Problem(f"部门 {', '.join(map(str, missing))} 不存在", nid))
    if node.get("routing", "manual") not in ("auto", "manual"):
        problems.append(Problem("流转方式须为 auto（自动）或 manual（人工）", nid))
    problems.extend(_limit(node, "time_limit", "时限"))
    problems.extend(_limit(node, "warn_before", "预警提前量"))
    if node.get("warn_before") is not None and node.get("time_limit") is None:
        problems.append(Problem("设置了预警提前量，也须设置时限", nid))
    if node.get("alert_mode", "inbox") not in ALERT_MODES:
        problems.append(Problem(f"超时提醒方式须为 {', '.join(ALERT_MODES)} 之一", nid))
    moves = node.get("moves", ["send"])
    if not isinstance(moves, list) or any(m not in MOVES for m in moves):
        problems.append(Problem(f"允许的操作须为 {', '.join(MOVES)} 中的若干项", nid))
    elif "send" not in moves and "jump" not in moves:
        problems.append(Problem("任务节点须允许发送或跳转，否则事件无法离开", nid))
    elif "jump" in moves:
        targets = node.get("jump_to") or []
        if not targets:
            problems.append(Problem("允许跳转时须指定可跳转到的节点", nid))
        bad = [t for t in targets if t not in nodes or nodes[t]["type"] != "task"]
        if bad:
            problems.append(Problem(f"只能跳转到任务节点：{', '.join(map(str, bad))}", nid))
    return problems


def _limit(node: dict, key: str, label: str) -> list[Problem]:
    limit = node.get(key)
    if limit is not None and (not isinstance(limit, dict) or limit.get("unit") not in UNITS
                              or not isinstance(limit.get("value"), int) or not 0 < limit["value"] <= 365):
        return [Problem(f"{label}须为 1–365 的整数，单位为工作日或小时", node["id"])]
    return []


def _gateway(node: dict, edges: list[dict]) -> list[Problem]:
    nid, problems = node["id"], []
    if len(edges) < 2:
        problems.append(Problem("排他网关至少需要两条出去的连线", nid))
    defaults = [e for e in edges if e.get("default")]
    if len(defaults) != 1:
        problems.append(Problem("排他网关须有且只有一条默认连线（其余条件都不成立时走它），才能覆盖所有情况", nid))
    for e in edges:
        if e.get("default"):
            if e.get("condition"):
                problems.append(Problem("默认连线不写条件", nid, e.get("id")))
            continue
        text = e.get("condition") or ""
        if not text:
            problems.append(Problem("排他网关的非默认连线须有条件", nid, e.get("id")))
            continue
        try:
            if dsl.check(dsl.parse(text), EVENT_FIELDS) != "boolean":
                problems.append(Problem("条件须为真假判断，如 priority = 'urgent'", nid, e.get("id")))
        except dsl.DslError as exc:
            problems.append(Problem(exc.render("zh-CN"), nid, e.get("id")))
    return problems


def _reach(start: str, out: dict) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for e in out[queue.popleft()]:
            if e["to"] not in seen:
                seen.add(e["to"])
                queue.append(e["to"])
    return seen


def _reach_back(targets: set[str], into: dict) -> set[str]:
    seen, queue = set(targets), deque(targets)
    while queue:
        for e in into[queue.popleft()]:
            if e["from"] not in seen:
                seen.add(e["from"])
                queue.append(e["from"])
    return seen


def _parallel_balance(nodes: dict, out: dict, starts: list) -> list[Problem]:
    """Every branch of a parallel split must meet again at one parallel join before the end."""
    problems = []
    for node in nodes.values():
        if node["type"] != "parallel_split":
            continue
        joins = []
        for e in out[node["id"]]:
            join = _first_join(e["to"], nodes, out, set())
            joins.append(join)
        if None in joins or len(set(joins)) != 1:
            problems.append(Problem("并行拆分的各分支须在同一个并行汇聚节点会合", node["id"]))
    return problems


def _first_join(nid: str, nodes: dict, out: dict, seen: set) -> str | None:
    if nid in seen:
        return None
    seen.add(nid)
    kind = nodes[nid]["type"]
    if kind == "parallel_join":
        return nid
    if kind == "end" or not out[nid]:
        return None
    found = {_first_join(e["to"], nodes, out, set(seen)) for e in out[nid]}
    return found.pop() if len(found) == 1 else None


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        key = (p.node, p.edge, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
