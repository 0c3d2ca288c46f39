"""Events that follow a flow: node by node on the version they started on, each move checked
against the node, timers, parallel branches, joint handling and explicit migration."""
import copy
import datetime as dt

import pytest
from sqlalchemy import func, select

from runtime.events import deadlines
from runtime.events import service as events
from runtime.events.models import Event, EventAction, EventStep
from runtime.flows import service as flows
from tongguan.errors import Invalid

NOW = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.timezone.utc)  # a Monday, 09:00 in the city


def task(nid, name, assign, **extra):
    return {"id": nid, "type": "task", "name": name, "assign": assign, "routing": "auto", **extra}


def hotline(org, **changes):
    """受理 → 是否紧急 → 应急处置 (street) | 处置 (responsible) → 回访等待 (1 h) → 审核 (may jump back) → end."""
    doc = {
        "nodes": [{"id": "start", "type": "start"},
                  task("accept", "受理", {"kind": "role", "value": "dispatcher"}, moves=["send"]),
                  {"id": "urgent", "type": "exclusive", "name": "是否紧急"},
                  task("fast", "应急处置", {"kind": "department", "value": org["street"].id}, moves=["send"],
                       time_limit={"value": 4, "unit": "hours"}, alert_mode="supervise"),
                  task("handle", "处置", {"kind": "responsible"}, moves=["send", "return", "transfer", "cc"],
                       time_limit={"value": 2, "unit": "working_days"},
                       warn_before={"value": 4, "unit": "hours"}),
                  {"id": "wait", "type": "timer", "name": "回访等待", "wait": {"value": 1, "unit": "hours"}},
                  task("review", "审核", {"kind": "role", "value": "dispatcher"}, moves=["send", "return", "jump"],
                       jump_to=["handle"]),
                  {"id": "end", "type": "end"}],
        "edges": [{"id": "e1", "from": "start", "to": "accept"}, {"id": "e2", "from": "accept", "to": "urgent"},
                  {"id": "e3", "from": "urgent", "to": "fast", "condition": "priority in ['urgent', 'critical']"},
                  {"id": "e4", "from": "urgent", "to": "handle", "default": True},
                  {"id": "e5", "from": "fast", "to": "wait"}, {"id": "e6", "from": "handle", "to": "wait"},
                  {"id": "e7", "from": "wait", "to": "review"}, {"id": "e8", "from": "review", "to": "end"}]}
    for nid, values in changes.items():
        next(n for n in doc["nodes"] if n["id"] == nid).update(values)
    return doc


@pytest.fixture
def flow(session, catalog, people):
    """The hotline flow, published and bound to 暴露垃圾 (010101, 市水务局 by the responsibility list)."""
    f = flows.flow_create(session, people["dispatcher"], {"code": "hotline", "name": "热线工单", "draft": hotline(catalog)})
    flows.flow_publish(session, people["dispatcher"], f.id)
    flows.flow_bind_matter(session, people["dispatcher"], f.id, "010101")
    session.commit()
    return f


def report(session, people, priority="normal", at=NOW):
    event, _ = events.event_report(session, people["dispatcher"], {
        "channel": "hotline", "title": "路边暴露垃圾", "matter_code": "010101", "priority": priority}, now=at)
    return event


def where(session, event):
    return sorted((s.node_id, s.kind) for s in session.scalars(
        select(EventStep).where(EventStep.event_id == event.id, EventStep.left_at.is_(None))))


def act(session, actor, event, move, at=NOW, **data):
    return events.event_act(session, actor, event.id, move, data, now=at)


def test_an_event_follows_its_flow_to_the_end(session, flow, people, catalog):
    event = report(session, people)
    assert event.flow_version_id is not None and where(session, event) == [("accept", "task")]
    assert (event.status, event.node_names, event.department_id) == ("handling", "受理", None)
    with pytest.raises(Invalid, match="follows a flow"):
        act(session, people["dispatcher"], event, "take")
    act(session, people["dispatcher"], event, "send")
    assert where(session, event) == [("handle", "task")]  # the gateway's default: not urgent
    assert event.department_id == catalog["water"].id  # 处置 goes where the responsibility list says
    assert [e.id for e in events.event_list(session, people["water"]).items] == [event.id]
    assert events.event_list(session, people["street"]).items == []
    act(session, people["water"], event, "send", at=NOW + dt.timedelta(hours=3))
    assert where(session, event) == [("wait", "timer")]
    assert deadlines.steps.tick(session, NOW + dt.timedelta(hours=3, minutes=30))["timers"] == 0
    assert deadlines.steps.tick(session, NOW + dt.timedelta(hours=4, minutes=1))["timers"] == 1
    assert where(session, event) == [("review", "task")]
    act(session, people["dispatcher"], event, "jump", at=NOW + dt.timedelta(hours=5), target="handle",
        comment="回访不满意")
    assert where(session, event) == [("handle", "task")]
    act(session, people["water"], event, "send", at=NOW + dt.timedelta(hours=6))
    deadlines.steps.tick(session, NOW + dt.timedelta(hours=8))
    act(session, people["dispatcher"], event, "send", at=NOW + dt.timedelta(hours=9))
    assert (event.status, event.closed_at, where(session, event)) == ("closed", NOW + dt.timedelta(hours=9), [])
    trail = [a.action for a in events.event_timeline(session, people["dispatcher"], event.id)]
    assert trail[:4] == ["report", "accept", "flow", "step"] and trail[-1] == "send"
    assert {"jump", "timer"} <= set(trail)


def test_the_gateway_sends_urgent_events_the_fast_way(session, flow, people, catalog):
    event = report(session, people, priority="urgent")
    act(session, people["dispatcher"], event, "send")
    assert where(session, event) == [("fast", "task")] and event.department_id == catalog["street"].id


def snapshot(session, event):
    session.flush()
    return (session.scalar(select(Event.version).where(Event.id == event.id)), event.status, event.returns,
            where(session, event), session.scalar(select(func.count()).select_from(EventAction)
                                                  .where(EventAction.event_id == event.id)))


def test_a_node_without_the_return_permission_refuses_a_return_and_changes_nothing(session, flow, people):
    event = report(session, people, priority="urgent")
    act(session, people["dispatcher"], event, "send")  # now at 应急处置, which may only send
    before = snapshot(session, event)
    with pytest.raises(Invalid) as refused:
        act(session, people["street"], event, "return", comment="不归我们管")
    assert "不允许退回" in str(refused.value.errors)
    assert snapshot(session, event) == before
    with pytest.raises(Invalid):
        act(session, people["street"], event, "transfer", department_id=people["water"].department_id)
    assert snapshot(session, event) == before


def test_return_goes_back_to_the_step_before(session, flow, people, catalog):
    event = report(session, people)
    act(session, people["dispatcher"], event, "send")
    with pytest.raises(Invalid, match="reason"):
        act(session, people["water"], event, "return")
    act(session, people["water"], event, "return", comment="事项选错了")
    assert where(session, event) == [("accept", "task")] and event.returns == 1
    assert event.department_id is None
    with pytest.raises(Invalid):  # the first step has nowhere to return to (and may not anyway)
        act(session, people["dispatcher"], event, "return", comment="x")


def test_only_the_step_holder_or_the_ops_center_moves_it(session, flow, people):
    event = report(session, people)
    with pytest.raises(Exception):  # 受理 is the dispatchers' role: a street handler cannot even see it
        act(session, people["street"], event, "send")
    act(session, people["dispatcher"], event, "send")
    with pytest.raises(Exception):
        act(session, people["street"], event, "send")
    act(session, people["water"], event, "transfer", department_id=people["street"].department_id, comment="属街道")
    assert where(session, event) == [("handle", "task")] and event.department_id == people["street"].department_id
    act(session, people["street"], event, "send")
    assert where(session, event) == [("wait", "timer")]


def test_a_step_past_its_limit_is_supervised_when_the_node_says_so(session, flow, people):
    event = report(session, people, priority="urgent")
    act(session, people["dispatcher"], event, "send")
    assert deadlines.steps.tick(session, NOW + dt.timedelta(hours=3))["step_overdue"] == 0
    counts = deadlines.steps.tick(session, NOW + dt.timedelta(hours=5))
    assert counts["step_overdue"] == 1 and event.supervised
    assert deadlines.steps.tick(session, NOW + dt.timedelta(hours=6))["step_overdue"] == 0  # said once


def test_a_step_warns_before_its_deadline(session, flow, people):
    event = report(session, people)
    act(session, people["dispatcher"], event, "send")  # 处置: 2 working days, warned 4 hours before
    step = session.scalar(select(EventStep).where(EventStep.event_id == event.id, EventStep.node_id == "handle"))
    counts = deadlines.steps.tick(session, step.warn_at + dt.timedelta(minutes=1))
    assert counts["step_warned"] == 1 and step.alerted == "warned" and not event.supervised


def test_an_event_stays_on_its_version_and_migration_is_explicit_and_checked(session, flow, people, catalog):
    author = people["dispatcher"]
    changed = hotline(catalog, review={"name": "审核（新）"})
    flows.flow_update(session, author, flow.id, {"draft": changed})
    v2 = flows.flow_publish(session, author, flow.id)
    on_v2 = report(session, people)
    assert on_v2.flow_version_id == v2.id
    renamed = copy.deepcopy(changed)
    for n in renamed["nodes"]:
        if n["id"] == "accept":
            n["id"] = "intake"
    for e in renamed["edges"]:
        e["from"] = "intake" if e["from"] == "accept" else e["from"]
        e["to"] = "intake" if e["to"] == "accept" else e["to"]
    flows.flow_update(session, author, flow.id, {"draft": renamed})
    v3 = flows.flow_publish(session, author, flow.id)
    assert on_v2.flow_version_id == v2.id  # publishing v3 leaves running events where they are
    act(session, author, on_v2, "send")  # and they keep running on v2
    assert where(session, on_v2) == [("handle", "task")]
    newer = report(session, people)
    assert newer.flow_version_id == v3.id and where(session, newer) == [("intake", "task")]

    on_v2_at_accept = report(session, people, at=NOW)
    on_v2_at_accept.flow_version_id = v2.id  # (started before v3 went out)
    session.execute(EventStep.__table__.update().where(EventStep.event_id == on_v2_at_accept.id)
                    .values(flow_version_id=v2.id, node_id="accept"))
    dry = flows.flow_migrate(session, author, flow.id, {"from_version": 2, "to_version": 3})
    assert dry["events"] == 2 and not dry["applied"]
    assert [p["node"] for p in dry["problems"]] == ["accept"]
    with pytest.raises(Invalid, match="none was moved"):
        flows.flow_migrate(session, author, flow.id, {"from_version": 2, "to_version": 3, "dry_run": False})
    assert on_v2.flow_version_id == v2.id
    done = flows.flow_migrate(session, author, flow.id, {"from_version": 2, "to_version": 3, "dry_run": False,
                                                         "mapping": {"accept": "intake"}})
    assert done["applied"] and not done["problems"]
    session.refresh(on_v2_at_accept)
    assert on_v2_at_accept.flow_version_id == v3.id and where(session, on_v2_at_accept) == [("intake", "task")]
    act(session, author, on_v2_at_accept, "send")  # and it runs on v3 from there
    assert where(session, on_v2_at_accept) == [("handle", "task")]


def parallel(org):
    return {"nodes": [{"id": "start", "type": "start"}, {"id": "split", "type": "parallel_split"},
                      task("clean", "清运", {"kind": "department", "value": org["street"].id}),
                      task("fine", "处罚", {"kind": "department", "value": org["water"].id}),
                      {"id": "join", "type": "parallel_join"},
                      task("check", "核查", {"kind": "joint", "value": [org["street"].id, org["water"].id]}),
                      {"id": "end", "type": "end"}],
            "edges": [{"id": "1", "from": "start", "to": "split"}, {"id": "2", "from": "split", "to": "clean"},
                      {"id": "3", "from": "split", "to": "fine"}, {"id": "4", "from": "clean", "to": "join"},
                      {"id": "5", "from": "fine", "to": "join"}, {"id": "6", "from": "join", "to": "check"},
                      {"id": "7", "from": "check", "to": "end"}]}


def test_parallel_branches_join_and_a_special_flow_is_handled_jointly(session, catalog, people):
    author = people["dispatcher"]
    plain = flows.flow_create(session, author, {"code": "plain", "name": "x", "draft": parallel(catalog)})
    assert any("特殊流程" in p["message"] for p in flows.flow_check(session, author, plain.id))
    f = flows.flow_create(session, author, {"code": "muck", "name": "渣土污染联合处置", "special": True,
                                            "draft": parallel(catalog)})
    assert flows.flow_check(session, author, f.id) == []
    flows.flow_publish(session, author, f.id)
    flows.flow_bind_matter(session, author, f.id, "010101")
    event = report(session, people)
    assert where(session, event) == [("clean", "task"), ("fine", "task")]
    assert [e.id for e in events.event_list(session, people["street"]).items] == [event.id]
    assert [e.id for e in events.event_list(session, people["water"]).items] == [event.id]
    act(session, people["street"], event, "send")
    assert where(session, event) == [("fine", "task"), ("join", "join")]  # one branch waits for the other
    act(session, people["water"], event, "send")
    assert where(session, event) == [("check", "task"), ("check", "task")]  # both departments, jointly
    act(session, people["water"], event, "send")
    assert where(session, event) == [("check", "task")] and event.status == "handling"
    act(session, people["street"], event, "send")
    assert event.status == "closed"


def test_cancelling_closes_the_open_steps(session, flow, people):
    event = report(session, people)
    act(session, people["dispatcher"], event, "cancel", comment="重复上报")
    assert event.status == "cancelled" and where(session, event) == []


def test_the_http_api_shows_steps_and_moves(client, bearer, flow, people, make_user, catalog):
    headers = bearer(make_user("disp2", "dispatcher"))
    created = client.post("/api/v1/events", headers=headers, json={
        "channel": "hotline", "title": "垃圾", "matter_code": "010101"})
    assert created.status_code == 201
    url = f"/api/v1/events/{created.json['id']}"
    steps = client.get(f"{url}/steps", headers=headers).json
    assert [(s["node_id"], s["moves"], s["mine"]) for s in steps] == [("accept", ["send"], True)]
    etag = client.get(url, headers=headers).headers["ETag"]
    refused = client.post(f"{url}/actions/return", headers={**headers, "If-Match": etag}, json={"comment": "x"})
    assert refused.status_code == 422 and "不允许退回" in str(refused.json["errors"])
    sent = client.post(f"{url}/actions/send", headers={**headers, "If-Match": etag}, json={})
    assert sent.status_code == 200 and sent.json["node_names"] == "处置"


def test_the_debugger_and_the_simulator(client, bearer, flow, make_user):
    headers = bearer(make_user("disp3", "dispatcher"))
    url = f"/api/v1/flows/{flow.id}"
    first = client.post(f"{url}/debug", headers=headers, json={"facts": {"priority": "urgent"}, "moves": []}).json
    assert [o["node"] for o in first["open"]] == ["accept"]
    moves = [{"move": "send"}, {"move": "send", "hours": 2}, {"move": "timer"}, {"move": "send"}]
    done = client.post(f"{url}/debug", headers=headers, json={"facts": {"priority": "urgent"}, "moves": moves}).json
    assert done["ended"] and "fast" in done["path"] and "handle" not in done["path"]
    bad = client.post(f"{url}/debug", headers=headers, json={"moves": [{"move": "return"}]})
    assert bad.status_code == 422 and "第 1 步" in str(bad.json["errors"])
    sim = client.post(f"{url}/simulate", headers=headers, json={"count": 1000, "seed": 7}).json
    assert sim["ended"] + sim["stuck"] == 1000 and sim["ended"] > 900
    assert sum(p["count"] for p in sim["paths"]) <= sim["ended"]
    assert {n["node"] for n in sim["nodes"]} >= {"accept", "review", "wait"}
    assert sim["nodes"] == sorted(sim["nodes"], key=lambda n: -n["avg_hours"])  # slowest first


def test_steps_debugging_and_simulating_through_the_service(session, flow, people):
    event = report(session, people)
    rows = events.event_steps(session, people["dispatcher"], event.id)
    assert [(r["node_id"], r["mine"]) for r in rows] == [("accept", True)]
    state = flows.flow_debug(session, people["water"], flow.id, {"facts": {}, "moves": [{"move": "send"}]})
    assert [o["node"] for o in state["open"]] == ["handle"]
    assert flows.flow_simulate(session, people["water"], flow.id, {"count": 50})["count"] == 50


def test_the_slowest_steps_of_a_flow_are_data_for_indicators(session, system, flow, people):
    from runtime.indicators import service as indicators
    from runtime.services import service as services
    from runtime.sources import service as sources

    for hours in (2, 10):  # 受理 is quick; 处置 takes a while, once past its limit
        event = report(session, people)
        act(session, people["dispatcher"], event, "send", at=NOW + dt.timedelta(hours=1))
        act(session, people["water"], event, "send", at=NOW + dt.timedelta(hours=1 + hours * 5))
    session.commit()
    src = sources.source_create(session, system, {"code": "mining", "name": "流程挖掘", "kind": "builtin",
                                                  "dataset": "event_steps"}, sources.Policy())
    svc = services.service_create(session, system, {"code": "steps", "name": "环节", "kind": "table",
                                                    "source_id": src.id, "definition": {"table": "event_steps"}})
    indicators.indicator_create(session, system, {
        "code": "step_hours", "name": "环节平均停留", "service_id": svc.id, "time_field": "entered_at",
        "formula": "round(avg(hours_between(entered_at, left_at)), 1)", "dimensions": ["flow", "node_name"],
        "default_window": ""})
    indicators.indicator_create(session, system, {
        "code": "step_late", "name": "超时环节数", "service_id": svc.id, "time_field": "entered_at",
        "formula": "count(where late and not is_open)", "dimensions": ["flow", "node_name"], "default_window": ""})
    session.commit()
    out = indicators.indicator_values(session, system, ["step_hours", "step_late"], by=["node_name"],
                                      use_cache=False)
    rows = {r["node_name"]: r for r in out["rows"]}
    assert rows["受理"]["step_hours"] == 1.0 and rows["处置"]["step_hours"] == 30.0
    assert rows["处置"]["step_late"] == 1  # 50 hours is past 2 working days; 10 is not
    assert max(rows.values(), key=lambda r: r["step_hours"] or 0)["node_name"] == "处置"


def test_map_points_follow_the_list_filters(session, catalog, people):
    for i, (lon, status) in enumerate(((120.2, None), (120.3, "cancel"), (None, None))):
        event, _ = events.event_report(session, people["dispatcher"], {
            "channel": "grid", "title": f"井盖{i}", "matter_code": "010101", "longitude": lon,
            "latitude": 30.2 if lon else None}, now=NOW)
        if status:
            act(session, people["dispatcher"], event, status, comment="误报")
    everything = events.event_points(session, people["dispatcher"], now=NOW)
    assert everything["total"] == 2 and {p["longitude"] for p in everything["points"]} == {120.2, 120.3}
    live = events.event_points(session, people["dispatcher"], status=["dispatched"], now=NOW)
    assert [p["title"] for p in live["points"]] == ["井盖0"] and live["points"][0]["overdue"] is False
    assert events.event_points(session, people["street"], now=NOW)["total"] == 0  # not theirs to see


def test_a_batch_proposes_duplicates_by_place_and_time(session, catalog, people):
    near = {"channel": "iot", "title": "积水", "matter_code": "010101", "longitude": 120.2, "latitude": 30.2}
    out = events.event_report_batch(session, people["dispatcher"], [
        {**near, "external_id": "a", "source": "sensor"},
        {**near, "latitude": 30.2005, "external_id": "b", "source": "sensor"},  # 55 m away
        {**near, "latitude": 30.21, "external_id": "c", "source": "sensor"}], now=NOW)  # 1.1 km away
    session.expire_all()
    first, second, far = (session.get(Event, o["id"]) for o in out)
    assert second.details["possible_duplicates"] == [first.number]
    assert first.details["possible_duplicates"] == [second.number]
    assert "possible_duplicates" not in far.details
    assert first.department_id == catalog["water"].id and first.deadline_at is not None
    again = events.event_report_batch(session, people["dispatcher"], [{**near, "external_id": "b", "source": "sensor"}])
    assert again == [{"index": 0, "id": second.id, "number": second.number, "created": False}]
