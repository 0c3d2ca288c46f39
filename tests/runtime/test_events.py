"""The event core: idempotent intake with automatic dispatch, the lifecycle moves and who may make
them, deadlines on the working calendar, and the event facts as a built-in data source."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from runtime.events import service as events
from runtime.events.calendar import WorkCalendar
from runtime.events.models import Event, EventAction, WorkCalendarDay
from runtime.services import service as services
from runtime.sources import service as sources
from tongguan.errors import Forbidden, ImportRejected, Invalid, NotFound, PreconditionFailed
from tongguan.permissions import Actor

# Wednesday 25 November 2026, 10:00 in the city (02:00 UTC)
T0 = dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.timezone.utc)


def report(session, actor, **extra):
    data = {"title": "路边垃圾堆积", "channel": "grid", "matter_code": "010101", "address": "滨湖路 12 号",
            "reporter_name": "王小明", "reporter_phone": "13812345678", **extra}
    event, created = events.event_report(session, actor, data, now=extra.pop("now", T0))
    session.commit()
    return event, created


def test_intake_dispatches_by_the_responsibility_list_and_says_why(session, catalog, people):
    event, created = report(session, people["reporter"], reported_at=T0)
    assert created and event.number.startswith("SJ20261125-")
    assert event.status == "dispatched" and event.department_id == catalog["water"].id
    assert event.dispatch_mode == "auto" and event.time_limit == 2
    # two working days from Wednesday 10:00 is Friday 10:00 in the city
    assert event.deadline_at == dt.datetime(2026, 11, 27, 2, 0, tzinfo=dt.timezone.utc)
    timeline = events.event_timeline(session, people["dispatcher"], event.id)
    assert [a.action for a in timeline] == ["report", "accept", "dispatch"]
    assert "权责清单" in timeline[-1].comment and "市水务局" in timeline[-1].comment

    area, _ = report(session, people["reporter"], matter_code="010102", area_department_id=catalog["street"].id,
                     title="滨湖路积水", reported_at=T0)  # a street falls back to its district's rule
    assert area.department_id == catalog["district"].id
    assert area.deadline_at == T0 + dt.timedelta(hours=4)

    unmapped, _ = report(session, people["reporter"], matter_code="", title="不明情况")
    assert unmapped.status == "accepted" and unmapped.department_id is None
    queue = events.event_list(session, people["dispatcher"], queue=True).items
    assert [e.id for e in queue] == [unmapped.id]
    assert "人工分拨" in events.event_timeline(session, people["dispatcher"], unmapped.id)[-1].comment


def test_a_retried_intake_never_makes_a_second_event(session, catalog, people):
    first, created = report(session, people["reporter"], source="hotline", external_id="12345-0001")
    again, created_again = report(session, people["reporter"], source="hotline", external_id="12345-0001")
    assert created and not created_again and again.id == first.id
    other, created = report(session, people["reporter"], source="app", external_id="12345-0001")
    assert created and other.id != first.id  # another system's id space
    out = events.event_report_batch(session, people["reporter"], [
        {"title": "水位超警", "channel": "iot", "matter_code": "010102", "source": "hotline",
         "external_id": "12345-0001"},
        {"title": "水位超警", "channel": "iot", "matter_code": "010102", "source": "sensor", "external_id": "s-1"}])
    session.commit()
    assert [(o["id"] == first.id, o["created"]) for o in out] == [(True, False), (False, True)]
    assert session.scalar(select(func.count()).select_from(Event)) == 3


def test_a_bad_batch_is_rejected_row_by_row_and_changes_nothing(session, catalog, people):
    with pytest.raises(ImportRejected) as err:
        events.event_report_batch(session, people["reporter"], [
            {"title": "ok", "channel": "iot", "matter_code": "010101", "source": "s", "external_id": "a"},
            {"title": "bad", "channel": "fax", "matter_code": "999"},
            {"title": "dup", "channel": "iot", "source": "s", "external_id": "a"}])
    session.rollback()
    assert {(r["row"], r["field"]) for r in err.value.rows} == {(2, "channel"), (2, "matter_code"),
                                                                 (3, "external_id")}
    assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_the_lifecycle_to_closing_and_reopening(session, catalog, people):
    event, _ = report(session, people["reporter"])
    water, dispatcher = people["water"], people["dispatcher"]
    for act in ("take", "submit"):
        events.event_act(session, water, event.id, act, {"comment": "已清运"})
    events.event_act(session, dispatcher, event.id, "return", {"comment": "照片不清楚"})
    assert event.status == "handling" and event.returns == 1
    events.event_act(session, water, event.id, "submit", {"comment": "补充照片"})
    events.event_act(session, dispatcher, event.id, "approve")
    assert event.status == "closed" and event.closed_at is not None
    events.event_act(session, dispatcher, event.id, "reopen", {"comment": "市民反映又有堆积"})
    session.commit()
    assert event.status == "handling" and event.reopens == 1 and event.closed_at is None
    assert events.event_counts(session, water, now=T0) == {"by_status": {"handling": 1}, "overdue": 0, "queue": 0}
    actions = [a.action for a in events.event_timeline(session, dispatcher, event.id)]
    assert actions[-6:] == ["take", "submit", "return", "submit", "approve", "reopen"]


def test_a_move_the_status_or_role_does_not_allow_is_refused_and_changes_nothing(session, catalog, people):
    event, _ = report(session, people["reporter"])
    version = event.version
    with pytest.raises(Invalid, match="action"):
        events.event_act(session, people["water"], event.id, "approve")  # not under review
    with pytest.raises(NotFound):
        events.event_act(session, people["street"], event.id, "take")  # not at the street's department
    with pytest.raises(Forbidden):
        events.event_act(session, people["water"], event.id, "cancel", {"comment": "x"})  # an ops-center move
    with pytest.raises(Invalid, match="reason"):
        events.event_act(session, people["water"], event.id, "refuse")  # a refusal needs its reason
    events.event_act(session, people["water"], event.id, "take")
    events.event_act(session, people["water"], event.id, "submit")
    with pytest.raises(Forbidden):  # under review: only the ops center sends it back
        events.event_act(session, people["water"], event.id, "return", {"comment": "撤回"})
    with pytest.raises(PreconditionFailed):
        events.event_act(session, people["water"], event.id, "comment", {"comment": "x"}, if_version=version - 1)
    session.rollback()
    session.expire_all()
    assert session.get(Event, event.id).status == "dispatched" and session.get(Event, event.id).version == version
    assert [a.action for a in events.event_timeline(session, people["dispatcher"], event.id)] == [
        "report", "accept", "dispatch"]
    assert events.event_list(session, people["street"]).total == 0  # not theirs to see
    with pytest.raises(NotFound):
        events.event_get(session, people["street"], event.id)


def test_a_refusal_goes_back_to_the_queue_and_an_upheld_one_counts_against_dispatch(session, catalog, people):
    event, _ = report(session, people["reporter"])
    events.event_act(session, people["water"], event.id, "refuse", {"comment": "不属于水务局职责"})
    assert event.status == "accepted" and event.department_id is None and event.refusals == 1
    events.event_judge_refusal(session, people["dispatcher"], event.id, True, "权责清单有误")
    assert event.refusals_upheld == 1
    with pytest.raises(Invalid):
        events.event_judge_refusal(session, people["dispatcher"], event.id, False)
    events.event_act(session, people["dispatcher"], event.id, "dispatch",
                     {"department_id": catalog["street"].id, "comment": "改派属地街道"})
    session.commit()
    assert event.department_id == catalog["street"].id and event.dispatch_mode == "manual"
    decisions = events.event_dispatches(session, people["dispatcher"], event.id)
    assert [(d.mode, d.refusal_upheld) for d in decisions] == [("auto", True), ("manual", None)]


def test_suspend_resume_extend_supervise_and_cancel(session, catalog, people):
    event, _ = report(session, people["reporter"])
    d = people["dispatcher"]
    deadline = event.deadline_at
    events.event_act(session, people["water"], event.id, "take")
    events.event_act(session, d, event.id, "suspend", {"comment": "等待天气好转"})
    assert event.status == "suspended"
    events.event_act(session, d, event.id, "resume")
    assert event.status == "handling"
    events.event_act(session, d, event.id, "extend", {"comment": "需协调环卫车辆", "extra_days": 2})
    assert event.deadline_at == dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.timezone.utc)  # Fri + 2 working days
    assert deadline < event.deadline_at
    events.event_act(session, d, event.id, "supervise", {"comment": "请加快处置"})
    assert event.supervised and event.status == "handling"
    events.event_act(session, d, event.id, "cancel", {"comment": "重复上报"})
    session.commit()
    assert event.status == "cancelled"


def test_the_working_calendar_skips_weekends_and_holidays_and_counts_adjusted_workdays():
    cal = WorkCalendar(holidays=frozenset({dt.date(2026, 12, 31)}), workdays=frozenset({dt.date(2027, 1, 2)}))
    thursday = dt.datetime(2026, 12, 24, 1, 30, tzinfo=dt.timezone.utc)  # 09:30 in the city
    assert cal.deadline(thursday, 2, "working_days") == dt.datetime(2026, 12, 28, 1, 30, tzinfo=dt.timezone.utc)
    # Wed 30 Dec + 2: 31 Dec is a holiday, 1 Jan a Friday, 2 Jan a worked Saturday
    wednesday = dt.datetime(2026, 12, 30, 1, 30, tzinfo=dt.timezone.utc)
    assert cal.deadline(wednesday, 2, "working_days") == dt.datetime(2027, 1, 2, 1, 30, tzinfo=dt.timezone.utc)
    saturday = dt.datetime(2026, 12, 26, 6, 0, tzinfo=dt.timezone.utc)  # a day off: counts from Monday's start
    assert cal.deadline(saturday, 1, "working_days") == dt.datetime(2026, 12, 28, 16, 0, tzinfo=dt.timezone.utc)
    assert cal.deadline(saturday, 5, "hours") == saturday + dt.timedelta(hours=5)


def test_the_holiday_table_moves_deadlines(session, catalog, people):
    session.add(WorkCalendarDay(day=dt.date(2026, 11, 26), kind="holiday", note="测试假日"))
    session.commit()
    event, _ = report(session, people["reporter"], reported_at=T0)
    assert event.deadline_at == dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.timezone.utc)  # Thu off: Fri, Mon


def test_the_event_core_is_a_built_in_source_for_efficiency_indicators(session, system, catalog, people):
    from runtime.indicators import service as indicators

    closed, _ = report(session, people["reporter"], area_department_id=catalog["street"].id)
    for act, who in (("take", "water"), ("submit", "water"), ("approve", "dispatcher")):
        events.event_act(session, people[who], closed.id, act, now=T0 + dt.timedelta(hours=5))
    returned, _ = report(session, people["reporter"], area_department_id=catalog["street"].id)
    events.event_act(session, people["water"], returned.id, "take")
    events.event_act(session, people["water"], returned.id, "submit")
    events.event_act(session, people["dispatcher"], returned.id, "return", {"comment": "不合格"})
    session.commit()
    src = sources.source_create(session, system, {"code": "event_core", "name": "事件中心", "kind": "builtin",
                                                  "dataset": "events"}, sources.Policy())
    svc = services.service_create(session, system, {"code": "event_rows", "name": "事件", "kind": "table",
                                                    "source_id": src.id, "definition": {"table": "events"}})
    session.commit()
    fields = {f["name"]: f["type"] for f in svc.output}
    assert fields["district"] == "string" and fields["on_time"] == "boolean" and fields["closed_at"] == "datetime"
    rows = services.service_preview(session, system, svc.id, {})["rows"]
    assert {r["district"] for r in rows} == {"江东区"} and {r["street"] for r in rows} == {"滨湖街道"}
    for code, formula in (("on_time_rate", "100 * count(where on_time) / count(where closed_at is not null)"),
                          ("return_rate", "100 * count(where returns > 0) / count(where dispatched_at is not null)"),
                          ("handling_hours", "avg(hours_between(first_dispatched_at, closed_at))")):
        indicators.indicator_create(session, system, {"code": code, "name": code, "service_id": svc.id,
                                                      "formula": formula, "dimensions": ["district", "department"],
                                                      "time_field": "reported_at", "default_window": ""})
    session.commit()
    out = indicators.indicator_values(session, system, ["on_time_rate", "return_rate", "handling_hours"],
                                      by=["district"], use_cache=False)
    assert out["rows"] == [{"district": "江东区", "on_time_rate": 100.0, "return_rate": 50.0, "handling_hours": 5.0}]


def test_the_http_api_reports_idempotently_masks_reporters_and_acts_with_if_match(client, bearer, make_user, session,
                                                                                 catalog):
    reporter = bearer(make_user("hotline", "author"))
    handler = bearer(make_user("water_h", "handler", department="water"))
    ops = bearer(make_user("ops", "dispatcher"))
    body = {"title": "垃圾堆积", "channel": "hotline", "matter_code": "010101", "reporter_name": "王小明",
            "reporter_phone": "13812345678", "source": "hotline-12345", "external_id": "GD-001"}
    first = client.post("/api/v1/events", headers=reporter, json=body)
    assert first.status_code == 201 and first.json["status"] == "dispatched"
    again = client.post("/api/v1/events", headers=reporter, json=body)
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    bad = client.post("/api/v1/events", headers=reporter, json={**body, "external_id": "GD-002", "matter_code": "01"})
    assert bad.status_code == 422 and "matter_code" in str(bad.json["errors"])
    url = f"/api/v1/events/{first.json['id']}"
    seen = client.get(url, headers=handler)
    assert seen.json["reporter_phone"] == "138****5678" and seen.json["reporter_name"] == "王**"
    assert client.get(url, headers=ops).json["reporter_phone"] == "13812345678"
    etag = seen.headers["ETag"]
    assert client.post(f"{url}/actions/take", headers=handler, json={}).status_code == 428
    took = client.post(f"{url}/actions/take", headers={**handler, "If-Match": etag}, json={})
    assert took.status_code == 200 and took.json["status"] == "handling"
    stale = client.post(f"{url}/actions/submit", headers={**handler, "If-Match": etag}, json={})
    assert stale.status_code == 412
    refused = client.post(f"{url}/actions/approve", headers={**handler, "If-Match": took.headers["ETag"]}, json={})
    assert refused.status_code == 422  # not under review yet
    assert client.post(f"{url}/actions/fly", headers=handler, json={}).status_code == 404
    assert [a["action"] for a in client.get(f"{url}/timeline", headers=ops).json] == [
        "report", "accept", "dispatch", "take"]
    counts = client.get("/api/v1/events/counts", headers=ops).json
    assert counts["by_status"] == {"handling": 1} and counts["queue"] == 0
    batch = client.post("/api/v1/events/batch", headers=reporter, json={"items": [
        {"title": "水位超警", "channel": "iot", "source": "sensor", "external_id": "w-1"}]})
    assert batch.status_code == 200 and batch.json["items"][0]["created"] is True
    assert client.get("/api/v1/events/counts", headers=ops).json["queue"] == 1
    assert client.get("/api/v1/events?queue=true", headers=ops).json["items"][0]["title"] == "水位超警"
    assert client.get("/api/v1/events?status=handling", headers=handler).json["total"] == 1
    dispatches = client.get(f"{url}/dispatches", headers=ops).json
    assert dispatches[0]["mode"] == "auto" and "权责清单" in dispatches[0]["reason"]
    judged = client.post(f"{url}/refusal", headers=ops, json={"upheld": True})
    assert judged.status_code == 422  # nothing was refused


def test_reports_of_one_problem_from_three_channels_are_proposed_and_merged(session, catalog, people, client,
                                                                              bearer, make_user):
    from runtime.events.models import DuplicateRule

    near = {"latitude": 31.2304, "longitude": 121.4737, "address": "滨湖路 12 号"}
    hotline, _ = report(session, people["reporter"], channel="hotline", **near)
    app, _ = report(session, people["reporter"], channel="app", latitude=31.2310, longitude=121.4740,
                    address="滨湖路 14 号", now=T0 + dt.timedelta(hours=2))  # about 70 m away
    far, _ = report(session, people["reporter"], channel="app", latitude=31.2400, longitude=121.4737,
                    address="古楼路 1 号")  # about 1 km away
    late, _ = report(session, people["reporter"], channel="video", now=T0 + dt.timedelta(hours=30), **near)
    other_matter, _ = report(session, people["reporter"], matter_code="010102", channel="iot", **near)
    assert app.details["possible_duplicates"] == [hotline.number]
    assert "possible_duplicates" not in far.details and "possible_duplicates" not in other_matter.details
    assert "possible_duplicates" not in late.details  # 30 h apart: outside the 24 h window
    found = events.event_duplicates(session, people["dispatcher"], hotline.id)
    assert [f["number"] for f in found] == [app.number] and 60 < found[0]["distance_m"] < 90
    session.add(DuplicateRule(matter_id=hotline.matter_id, distance_m=2000, window_h=48))
    session.commit()
    assert {f["number"] for f in events.event_duplicates(session, people["dispatcher"], hotline.id)} == {
        app.number, far.number, late.number}

    headers = bearer(make_user("ops", "dispatcher"))
    etag = client.get(f"/api/v1/events/{app.id}", headers=headers).headers["ETag"]
    resp = client.post(f"/api/v1/events/{app.id}/merge", headers={**headers, "If-Match": etag},
                       json={"into_id": hotline.id})
    assert resp.status_code == 200 and resp.json["id"] == hotline.id
    session.expire_all()
    assert session.get(Event, app.id).merged_into_id == hotline.id
    assert app.id not in [e.id for e in events.event_list(session, people["dispatcher"]).items]
    timeline = events.event_timeline(session, people["dispatcher"], hotline.id)
    assert {a.event_id for a in timeline} == {hotline.id, app.id}  # every report's timeline is kept
    assert [a.action for a in timeline if a.action == "merge"] == ["merge", "merge"]
    with pytest.raises(Invalid):
        events.event_merge(session, people["dispatcher"], app.id, hotline.id)  # already merged
    with pytest.raises(Forbidden):
        events.event_merge(session, people["water"], far.id, hotline.id)


def test_a_batch_proposes_duplicates_among_earlier_events_and_its_own(session, catalog, people):
    near = {"latitude": 31.2304, "longitude": 121.4737}
    earlier, _ = report(session, people["reporter"], channel="hotline", **near)
    session.commit()
    out = events.event_report_batch(session, people["reporter"], [
        {"title": "井盖缺失", "channel": "iot", "matter_code": "010101", "latitude": 31.2306, "longitude": 121.4738},
        {"title": "远处", "channel": "iot", "matter_code": "010101", "latitude": 31.2600, "longitude": 121.4737},
        {"title": "井盖缺失", "channel": "video", "matter_code": "010101", "latitude": 31.2305, "longitude": 121.4736},
        {"title": "另一事项", "channel": "iot", "matter_code": "010102", **near}], now=T0 + dt.timedelta(hours=1))
    session.commit()
    session.expire_all()
    first, far, second, other = (session.get(Event, o["id"]) for o in out)
    assert first.details["possible_duplicates"] == [earlier.number, second.number]
    assert second.details["possible_duplicates"] == [earlier.number, first.number]
    assert "possible_duplicates" not in far.details and "possible_duplicates" not in other.details
    said = session.scalars(select(EventAction).where(EventAction.event_id == second.id,
                                                     EventAction.action == "duplicate_suspected")).all()
    assert len(said) == 1 and said[0].details == {"events": [earlier.id, first.id]}


def test_due_soon_then_overdue_tell_the_department_once_and_escalate_to_its_superior(session, catalog, people,
                                                                                     make_user):
    from runtime.events import deadlines
    from tongguan.inbox import service as inbox

    district_lead = Actor.for_user(make_user("district_lead", "handler", department="district"))
    event, _ = report(session, people["reporter"], matter_code="010102", area_department_id=catalog["street"].id,
                      reported_at=T0)  # 江东区 handles it within 4 hours
    assert deadlines.check(session, now=T0 + dt.timedelta(hours=2)) == {"due_soon": 0, "overdue": 0}
    assert deadlines.check(session, now=T0 + dt.timedelta(hours=3, minutes=20)) == {"due_soon": 1, "overdue": 0}
    assert deadlines.check(session, now=T0 + dt.timedelta(hours=3, minutes=40)) == {"due_soon": 0, "overdue": 0}
    assert deadlines.check(session, now=T0 + dt.timedelta(hours=5)) == {"due_soon": 0, "overdue": 1}
    assert deadlines.check(session, now=T0 + dt.timedelta(hours=6)) == {"due_soon": 0, "overdue": 0}
    session.commit()
    assert event.supervised
    actions = [(a.action, a.comment) for a in events.event_timeline(session, people["dispatcher"], event.id)]
    assert actions[-1][0] == "overdue" and "临江市城运中心 督办" in actions[-1][1]
    titles = [m.title for m in inbox.inbox_list(session, district_lead).items]
    assert titles[-1].startswith("即将超期") and titles[0].startswith("已超期")
    # the superior of 江东区 is the city center, where the dispatcher sits: it hears of the supervision
    assert [m.title for m in inbox.inbox_list(session, people["dispatcher"]).items] == [
        f"督办：江东区 的 {event.number} {event.title} 已超期"]
    assert deadlines.check(session, now=T0 + dt.timedelta(days=3), share=0.5) == {"due_soon": 0, "overdue": 0}
