"""Indicator alerts end to end: rules checked, evaluation by the job, pending time, hysteresis, one report."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from catalog.matters import service as matters
from runtime.alerts import service as alerts
from runtime.alerts.models import AlertNotification, AlertState, AlertTransition
from runtime.events.models import Event
from runtime.indicators import service as indicators
from runtime.services import service as services
from runtime.sources import service as sources
from tongguan.errors import Invalid
from tongguan.inbox import service as inbox
from tongguan.jobs import run
from tongguan.permissions import Actor

T0 = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def rain(session, system, org):
    """A file source of rainfall per district, an indicator max(mm) by district, and a way to change the data."""
    src = sources.source_create(session, system, {"code": "rain", "name": "雨量", "kind": "file"}, sources.Policy())
    session.flush()

    def load(**mm):
        body = "district,mm\n" + "".join(f"{d},{v}\n" for d, v in mm.items())
        sources.source_upload(session, system, src.id, body.encode(), "rain.csv")
        session.commit()

    load(江东区=10, 江西区=5)
    start = dt.date(2026, 1, 1)
    top = matters.matter_create(session, system, {"code": "03", "name": "防汛防台", "tier": "category",
                                                  "effective_from": start})
    sub = matters.matter_create(session, system, {"code": "0302", "name": "积水内涝", "tier": "subcategory",
                                                  "parent_id": top.id, "effective_from": start})
    matters.matter_create(session, system, {"code": "030201", "name": "道路积水", "tier": "item",
                                            "parent_id": sub.id, "effective_from": start})
    svc = services.service_create(session, system, {"code": "rain_rows", "name": "雨量", "source_id": src.id,
                                                    "kind": "table", "definition": {"table": src.file_table}})
    ind = indicators.indicator_create(session, system, {"code": "max_rain", "name": "最大雨量", "service_id": svc.id,
                                                        "formula": "max(mm)", "dimensions": ["district"],
                                                        "unit": "mm", "default_window": ""})
    session.commit()
    return load, ind


def make_rule(session, ind, **extra):
    rule = alerts.rule_create(session, Actor.system("t"), {
        "code": "heavy_rain", "name": "强降雨", "indicator_id": ind.id, "by": "district", "interval_s": 60,
        "levels": [{"level": "red", "condition": "value >= 100"}, {"level": "yellow", "condition": "value >= 50"}],
        "clear_condition": "value < 30", "pending_s": 120, "report_matter": "030201", **extra})
    session.commit()
    return rule


def tick(session, minutes):
    out = alerts.evaluate(session, T0 + dt.timedelta(minutes=minutes))
    session.commit()
    return out


def state_of(session, rule, group="江东区"):
    session.expire_all()
    return session.scalar(select(AlertState).where(AlertState.rule_id == rule.id, AlertState.group_key == group))


def test_fires_after_pending_clears_only_below_the_clearing_rule_and_reports_one_event(session, rain, org, make_user):
    load, ind = rain
    duty = make_user("duty", "handler", department="district")
    rule = make_rule(session, ind, notify_departments=[org["district"].id])
    tick(session, 0)
    assert state_of(session, rule).state == "normal"
    load(江东区=60, 江西区=5)
    tick(session, 1)
    assert state_of(session, rule).state == "pending"
    tick(session, 2)
    assert state_of(session, rule).state == "pending"  # 60 s of the 120 s pending time
    tick(session, 3)
    assert (state_of(session, rule).state, state_of(session, rule).level) == ("firing", "yellow")
    load(江东区=40, 江西区=5)  # below the warning, above the clearing rule: still firing
    tick(session, 4)
    assert state_of(session, rule).state == "firing"
    load(江东区=120, 江西区=5)
    tick(session, 5)
    assert state_of(session, rule).level == "red"
    load(江东区=20, 江西区=5)
    tick(session, 6)
    assert state_of(session, rule).state == "normal"
    notes = session.scalars(select(AlertNotification).order_by(AlertNotification.id)).all()
    assert [(n.kind, n.level) for n in notes] == [("fire", "yellow"), ("escalate", "red"), ("resolve", None)]
    assert [n.report_matter for n in notes] == ["030201", "", ""]  # exactly one event to report
    reported = session.scalars(select(Event)).all()  # exactly one event, in the event core
    assert len(reported) == 1 and notes[0].event_id == reported[0].id
    event = reported[0]
    assert (event.channel, event.matter_code, event.external_id) == ("alert", "030201", "heavy_rain:江东区:1")
    assert event.area_department_id == org["district"].id and event.status == "accepted"  # no rule: manual queue
    assert event.title.startswith("黄色预警：强降雨（江东区）")
    inbox_titles = [m.title for m in inbox.inbox_list(session, Actor.for_user(duty)).items]
    assert [t[:4] for t in reversed(inbox_titles)] == ["黄色预警", "预警升级", "预警解除"]
    assert notes[0].message.startswith("黄色预警：强降雨（江东区）")
    assert state_of(session, rule, "江西区").state == "normal"
    history = alerts.rule_history(session, Actor.system("t"), rule.id)
    assert [t.to_state for t in reversed(history["transitions"])] == ["pending", "firing", "recovering", "normal"]


def test_rules_not_yet_due_wait_and_silences_mute_but_keep(session, rain):
    load, ind = rain
    rule = make_rule(session, ind, pending_s=0, interval_s=300)
    alerts.rule_silence(session, Actor.system("t"), rule.id, dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1),
                        "汛期演练")
    session.commit()
    load(江东区=60, 江西区=5)
    assert tick(session, 0)["rules"] == 1
    assert tick(session, 1)["rules"] == 0  # the interval is five minutes
    note = session.scalar(select(AlertNotification))
    assert note.kind == "fire" and note.silenced


def test_no_data_and_errors(session, rain):
    load, ind = rain
    rule = make_rule(session, ind, pending_s=0)
    load(江东区=60, 江西区=5)
    tick(session, 0)
    load(江西区=5)  # 江东区 no longer reports
    tick(session, 1)
    assert state_of(session, rule).state == "nodata"


def test_rules_are_checked(session, rain):
    _, ind = rain
    for bad, field in (({"levels": [{"level": "red", "condition": "value >"}]}, "levels.0.condition"),
                       ({"levels": [{"level": "red", "condition": "value + 1"}]}, "levels.0.condition"),
                       ({"by": "street"}, "by"), ({"clear_condition": "mm < 3"}, "clear_condition")):
        with pytest.raises(Invalid) as err:
            make_rule(session, ind, **bad)
        assert field in err.value.errors, bad
        session.rollback()


def test_the_job_evaluates_each_tick_once(app, session, rain):
    load, ind = rain
    make_rule(session, ind, pending_s=0)
    load(江东区=60, 江西区=5)
    make = app.extensions["tongguan.sessionmaker"]
    tick_at = (T0 + dt.timedelta(minutes=10)).isoformat()
    first = run(make, "alerts.evaluate", tick_at)
    again = run(make, "alerts.evaluate", tick_at)
    assert (first.state, first.result["notifications"], again.state) == ("done", 1, "skipped")
    assert session.scalar(select(func.count()).select_from(AlertTransition)) == 2  # normal → pending → firing


def test_the_http_api(client, bearer, make_user, rain, session):
    _, ind = rain
    h = bearer(make_user("op", "data_operator", department="water"))
    made = client.post("/api/v1/alert-rules", headers=h, json={
        "code": "rain_alert", "name": "强降雨", "indicator_id": ind.id, "by": "district",
        "levels": [{"level": "yellow", "condition": "value >= 50"}], "clear_condition": "value < 30"})
    assert made.status_code == 201, made.get_json()
    bad = client.post("/api/v1/alert-rules", headers=h, json={
        "code": "bad_alert", "name": "x", "indicator_id": ind.id, "levels": [{"level": "yellow", "condition": "v > 1"}]})
    assert bad.status_code == 422 and "levels.0.condition" in bad.get_json()["errors"]
    rid = made.get_json()["id"]
    silenced = client.post(f"/api/v1/alert-rules/{rid}/silence", headers=h,
                           json={"until": "2099-01-01T00:00:00+08:00", "note": "演练"})
    assert silenced.status_code == 200 and silenced.get_json()["silence_note"] == "演练"
    assert client.get(f"/api/v1/alert-rules/{rid}/history", headers=h).get_json() == {
        "states": [], "transitions": [], "notifications": []}
    assert client.get("/api/v1/alert-rules", headers=h).get_json()["total"] == 1
    etag = client.get(f"/api/v1/alert-rules/{rid}", headers=h).headers["ETag"]
    assert client.patch(f"/api/v1/alert-rules/{rid}", headers={**h, "If-Match": etag},
                        json={"pending_s": 300}).get_json()["pending_s"] == 300


def test_listing_reading_and_changing_rules(session, rain):
    _, ind = rain
    rule = make_rule(session, ind)
    actor = Actor.system("t")
    assert [r.code for r in alerts.rule_list(session, actor, indicator_id=ind.id).items] == ["heavy_rain"]
    assert alerts.rule_get(session, actor, rule.id).levels[0]["level"] == "yellow"  # stored lowest first
    alerts.rule_update(session, actor, rule.id, {"enabled": False})
    session.commit()
    assert tick(session, 0)["rules"] == 0


def test_a_window_does_not_apply_to_an_indicator_without_a_time_field(session, rain):
    _, ind = rain
    out = indicators.indicator_values(session, Actor.system("t"), ["max_rain"], by=["district"], window="30d")
    assert {r["district"]: r["max_rain"] for r in out["rows"]} == {"江东区": 10.0, "江西区": 5.0}
