"""The flow document's validation: what stops a flow being published, naming the faulty node."""
import copy

import pytest

from runtime.flows.document import Known, validate

KNOWN = Known(roles={"dispatcher", "handler"}, departments={7}, people={3})


def task(nid, name, **extra):
    return {"id": nid, "type": "task", "name": name, "assign": {"kind": "role", "value": "dispatcher"},
            "routing": "manual", "time_limit": {"value": 2, "unit": "working_days"}, "moves": ["send", "return"],
            **extra}


SIX_STEPS = {
    "nodes": [{"id": "start", "type": "start"}, task("accept", "受理"),
              task("dispatch", "分拨", routing="auto"),
              {"id": "urgent", "type": "exclusive", "name": "是否紧急"},
              task("handle", "处置", assign={"kind": "responsible"}, moves=["send", "return", "transfer", "cc"]),
              task("fast", "应急处置", assign={"kind": "department", "value": 7},
                   time_limit={"value": 4, "unit": "hours"}),
              task("review", "审核", moves=["send", "return", "jump"], jump_to=["handle"]),
              {"id": "end", "type": "end"}],
    "edges": [{"id": "e1", "from": "start", "to": "accept"}, {"id": "e2", "from": "accept", "to": "dispatch"},
              {"id": "e3", "from": "dispatch", "to": "urgent"},
              {"id": "e4", "from": "urgent", "to": "fast", "condition": "priority in ['urgent', 'critical']"},
              {"id": "e5", "from": "urgent", "to": "handle", "default": True},
              {"id": "e6", "from": "handle", "to": "review"}, {"id": "e7", "from": "fast", "to": "review"},
              {"id": "e8", "from": "review", "to": "end"}],
}


def broken(change):
    doc = copy.deepcopy(SIX_STEPS)
    change(doc)
    return [(p.node, p.message) for p in validate(doc, KNOWN)]


def test_a_good_six_step_flow_with_a_gateway_passes():
    assert validate(SIX_STEPS, KNOWN) == []


def node(doc, nid):
    return next(n for n in doc["nodes"] if n["id"] == nid)


@pytest.mark.parametrize("change, faulty, words", [
    (lambda d: d["edges"].remove(d["edges"][1]), "accept", "走不到结束"),
    (lambda d: d["nodes"].append(task("orphan", "孤立")) or d["edges"].append(
        {"id": "x", "from": "orphan", "to": "end"}), "orphan", "不可达"),
    (lambda d: d["edges"][4].pop("default"), "urgent", "默认连线"),
    (lambda d: d["edges"][3].update(condition="priority = 1"), "urgent", "需要"),
    (lambda d: d["edges"][3].update(condition="colour = 'red'"), "urgent", "colour"),
    (lambda d: node(d, "accept").update(assign={"kind": "role", "value": "wizard"}), "accept", "角色 wizard 不存在"),
    (lambda d: node(d, "fast").update(assign={"kind": "department", "value": 99}), "fast", "部门 99 不存在"),
    (lambda d: node(d, "review").update(jump_to=["end"]), "review", "只能跳转到任务节点"),
    (lambda d: node(d, "handle").update(moves=["fly"]), "handle", "允许的操作"),
    (lambda d: node(d, "handle").update(time_limit={"value": 0, "unit": "hours"}), "handle", "时限"),
    (lambda d: d["edges"].append({"id": "x", "from": "accept", "to": "end"}), "accept", "只能有一条"),
    (lambda d: d["edges"][0].update(condition="true"), "start", "只有排他网关"),
    (lambda d: d["nodes"].append({"id": "start2", "type": "start"}), "start2", "只有一个开始"),
])
def test_each_fault_names_its_node(change, faulty, words):
    problems = broken(change)
    assert any(n == faulty and words in m for n, m in problems), problems


def test_parallel_branches_must_meet_at_one_join():
    doc = {"nodes": [{"id": "s", "type": "start"}, {"id": "split", "type": "parallel_split"},
                     task("a", "城管处置"), task("b", "环保处置"), {"id": "join", "type": "parallel_join"},
                     {"id": "end", "type": "end"}],
           "edges": [{"from": "s", "to": "split"}, {"from": "split", "to": "a"}, {"from": "split", "to": "b"},
                     {"from": "a", "to": "join"}, {"from": "b", "to": "join"}, {"from": "join", "to": "end"}]}
    assert validate(doc, KNOWN) == []
    doc["edges"][4] = {"from": "b", "to": "end"}
    problems = [(p.node, p.message) for p in validate(doc, KNOWN)]
    assert any(n == "split" and "同一个并行汇聚" in m for n, m in problems)
    assert any(n == "join" and "至少需要两条进入" in m for n, m in problems)


def test_garbage_is_refused_with_a_message_not_an_exception():
    for doc in (None, [], {"nodes": "x", "edges": []}, {"nodes": [{"type": "start"}], "edges": []},
                {"nodes": [{"id": "a", "type": "wormhole"}], "edges": [{"from": "a", "to": "b"}]}):
        assert validate(doc, KNOWN)
