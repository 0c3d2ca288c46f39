"""渣土车治理, cloned on its sample data: the violations its indicators find in the GPS points (no
permit, speeding, off route, a long stop outside every registered place, an uncovered load) and the
credit scores built on them agree with counts taken straight from the generated rows; the drills
raise the alerts, and an uncovered-load event goes through the joint flow from the city
administration bureau to it and the transport bureau side by side."""
import datetime as dt
from collections import defaultdict

import pytest
from sqlalchemy import select

from builder import pages, viewer
from report_engine import service as reports
from runtime.alerts.models import AlertNotification
from runtime.events import service as events
from runtime.events.models import Event, EventStep
from templates_lib import service
from templates_lib.muck import generator

from .conftest import NOW, indicator

SIZE, SEED = 6_000, 7
CODE = "jd_muck"
END = NOW.replace(tzinfo=None)
# The five violations as the issue states them, written out again here over one GPS point each.
KINDS = {
    "no_permit": lambda p: p["permit_valid"] is False,
    "speeding": lambda p: p["speed_kmh"] > p["limit_kmh"],
    "off_route": lambda p: p["on_route"] is False,
    "illegal_stops": lambda p: p["stopped"] and p["stop_min"] >= 10 and p["geofence"] == "",
    "uncovered": lambda p: p["covered"] is False,
}
WEIGHTS = {"no_permit": 5, "illegal_stops": 5, "uncovered": 3, "off_route": 2, "speeding": 1}


@pytest.fixture(scope="module")
def data():
    return generator.generate(SIZE, SEED, NOW)


@pytest.fixture
def muck(session, system, city):
    use = service.template_use(session, system, "muck", {"code": CODE, "name": "江东渣土车治理", "size": SIZE,
                                                         "seed": SEED}, now=NOW)
    session.commit()
    return use


def _values(session, system, code, by=None, window=None, now=NOW):
    return indicator(session, system, f"{CODE}_{code}", by, window, now)


def _in(rows, hours, end=END):
    return [r for r in rows if end - dt.timedelta(hours=hours) <= r["at"] <= end]


def _trips(points, kind):
    return {p["trip"] for p in points if KINDS[kind](p)}


def _credit(points, by, per):
    """100 minus the weighted violations of each group, divided by its trucks (company) or drivers."""
    groups = defaultdict(list)
    for p in points:
        groups[p[by]].append(p)
    return {key: round(100 - sum(w * len(_trips(rows, k)) for k, w in WEIGHTS.items()) / len({r[per] for r in rows}), 1)
            for key, rows in groups.items()}


def test_the_clone_holds_the_whole_scenario(session, system, muck):
    objects = muck.objects
    assert {s["local"] for s in objects["sources"]} == {"gps", "sites", "permits", "trucks", "alerts", "events"}
    gps = next(s for s in objects["sources"] if s["local"] == "gps")
    assert gps["rows"] == SIZE and gps["code"] == f"{CODE}_gps"
    assert len(objects["services"]) == 6 and len(objects["indicators"]) == 19 and len(objects["alert_rules"]) == 3
    assert [f["code"] for f in objects["flows"]] == [f"{CODE}_muck_flow"]
    assert [r["code"] for r in objects["reports"]] == [f"{CODE}_muck_weekly"]
    assert [p["code"] for p in objects["pages"]] == ["main"]
    view = service.use_view(session, muck)
    assert view["app"]["code"] == CODE and view["app"]["released"] is False
    assert {d["code"] for d in view["drills"]} == {"uncovered", "black_trucks"}


def test_violations_match_counts_from_the_generated_points(session, system, muck, data):
    gps = data["gps"]
    day, week, month = _in(gps, 24), _in(gps, 24 * 7), _in(gps, 24 * 30)
    assert _values(session, system, "trucks_active") == len({p["plate"] for p in day})
    assert _values(session, system, "trips", window="7d") == len({p["trip"] for p in week})
    for kind in KINDS:
        assert _values(session, system, kind, window="30d") == len(_trips(month, kind)), kind
    assert _values(session, system, "violations", window="7d") == sum(len(_trips(week, k)) for k in KINDS)
    flagged = set().union(*(_trips(week, k) for k in KINDS))
    assert _values(session, system, "violation_rate", window="7d") == pytest.approx(
        100 * len(flagged) / len({p["trip"] for p in week}), abs=0.051)
    by_street = defaultdict(set)
    for p in week:
        if KINDS["illegal_stops"](p):
            by_street[p["street"]].add(p["trip"])
    got = {k: v for k, v in _values(session, system, "illegal_stops", "street", "7d").items() if v}
    assert got == {street: len(trips) for street, trips in by_street.items()}


def test_credit_scores_match_the_weighted_violations(session, system, muck, data):
    month = _in(data["gps"], 24 * 30)
    for by, per, code in (("company", "plate", "company_credit"), ("driver", "driver", "driver_credit")):
        expected = _credit(month, by, per)
        got = _values(session, system, code, by)
        assert got.keys() == expected.keys()
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, abs=0.051), (code, key)
    # a realistic spread: most companies keep a good score, the careless ones fall behind
    scores = sorted(_credit(month, "company", "plate").values())
    assert 60 < scores[0] < scores[-1] <= 100


def test_registers_match(session, system, muck, data):
    today = NOW.date()
    assert _values(session, system, "permits_valid") == sum(
        1 for p in data["permits"] if p["valid_from"] <= today <= p["valid_to"])
    assert _values(session, system, "permits_expiring") == sum(
        1 for p in data["permits"] if today <= p["valid_to"] <= today + dt.timedelta(days=7))
    assert _values(session, system, "sites_active") == sum(
        1 for s in data["sites"] if s["kind"] == "工地" and s["status"] == "在建")
    assert _values(session, system, "trucks_unpermitted") == sum(1 for t in data["trucks"] if not t["permit"])


def test_the_sample_data_is_deterministic_sized_and_shaped():
    a, b = generator.generate(3_000, 11, NOW), generator.generate(3_000, 11, NOW)
    assert a == b and len(a["gps"]) == 3_000 and len(generator.generate(1_234, 11, NOW)["gps"]) == 1_234
    assert generator.generate(3_000, 12, NOW)["gps"] != a["gps"]
    assert all(x["at"] <= y["at"] for x, y in zip(a["gps"], a["gps"][1:])) and a["gps"][-1]["at"] <= END
    big = generator.generate(40_000, 11, NOW)
    # a drill knows no size: its trucks, companies and drivers are the same in every fleet
    for code in ("uncovered", "black_trucks"):
        drilled = generator.drill(code, 11, NOW)["gps"]
        assert drilled == generator.drill(code, 11, NOW)["gps"]
        for fleet in (a["trucks"], big["trucks"]):
            known = {(t["plate"], t["company"], d) for t in fleet for d in t["drivers"].split("、")}
            assert {(p["plate"], p["company"], p["driver"]) for p in drilled} <= known, code
    gps = big["gps"]
    night = sum(1 for p in gps if p["hour"] in ("21", "22", "23", "00", "01", "02", "03", "04", "05"))
    assert night > 0.75 * len(gps)  # muck trucks run at night
    trips = {p["trip"] for p in gps}
    share = {k: len(_trips(gps, k)) / len(trips) for k in KINDS}
    assert all(0 < v < 0.1 for v in share.values()), share
    assert {p["street"] for p in gps} == {"滨湖街道", "望月街道", "古楼街道", "青石街道", "海口镇", "渔门街道", "科创街道"}
    # the last hours are clean of what the alert rules watch: the drills are what raise alerts
    recent = _in(gps, generator.CLEAN_HOURS)
    assert recent and not any(KINDS[k](p) for p in recent for k in ("no_permit", "illegal_stops", "uncovered"))


def _open_steps(session, event_id):
    return sorted(((s.node_id, s.department_id) for s in session.scalars(
        select(EventStep).where(EventStep.event_id == event_id)) if s.left_at is None), key=lambda x: x[0])


def test_uncovered_loads_raise_an_alert_and_the_joint_flow_takes_the_event(session, system, muck, city):
    at = NOW + dt.timedelta(minutes=5)
    drilled = generator.drill("uncovered", SEED, at)["gps"]
    site = {p["site"] for p in drilled}
    assert len(site) == 1
    out = service.template_drill(session, system, muck.id, "uncovered", now=at)
    session.commit()
    assert out["rows"] == len(drilled)
    alert = next(a for a in out["alerts"] if a["rule"] == "工地出土车辆未密闭预警")
    assert alert["group"] == site.pop() and alert["level"] == "orange"  # four trucks: orange from 3
    assert _values(session, system, "uncovered", "site", "1h", now=at)[alert["group"]] == 4
    event = session.get(Event, next(e["id"] for e in out["events"] if e["title"] == alert["message"]))
    assert event.department_id == city["lj-cityadmin"].id and event.priority == "urgent"
    assert event.flow_version_id is not None
    steps = list(session.scalars(select(EventStep).where(EventStep.event_id == event.id, EventStep.left_at.is_(None))))
    assert [(s.node_id, s.department_id) for s in steps] == [("triage", city["lj-cityadmin"].id)]
    events.event_act(session, system, event.id, "send", {"step_id": steps[0].id, "comment": "联合执法"}, now=at)
    session.commit()
    # urgent: the city administration bureau enforces on site while the transport bureau summons the company
    assert _open_steps(session, event.id) == [("enforce", city["lj-cityadmin"].id), ("trace", city["lj-transport"].id)]
    notified = session.scalar(select(AlertNotification).where(AlertNotification.event_id == event.id))
    assert set(notified.departments) >= {city["lj-cityadmin"].id, city["lj-transport"].id}


def test_black_trucks_dumping_raise_the_permit_and_the_dumping_alerts(session, system, muck, city):
    at = NOW + dt.timedelta(minutes=5)
    drilled = generator.drill("black_trucks", SEED, at)["gps"]
    plates = {p["plate"] for p in drilled}
    assert len(plates) == 2 and not any(p["permit_valid"] for p in drilled)
    out = service.template_drill(session, system, muck.id, "black_trucks", now=at)
    session.commit()
    fired = {(a["rule"], a["group"]): a["level"] for a in out["alerts"]}
    assert fired == {**{("无证渣土车预警", plate): "orange" for plate in plates}, ("疑似偷倒预警", "海口镇"): "orange"}
    titles = {e["title"]: e for e in out["events"]}
    assert len(titles) == 3 and all(e["department"] == "临江市城市管理行政执法局" for e in titles.values())
    dumping = next(a for a in out["alerts"] if a["rule"] == "疑似偷倒预警")
    event = session.get(Event, titles[dumping["message"]]["id"])
    assert event.area_department_id == city["lg-hk"].id  # the street the load was tipped in
    plate = sorted(plates)[0]
    assert _values(session, system, "no_permit", "plate", "1h", now=at)[plate] == 1


def test_the_big_screen_and_the_weekly_report_render(session, system, muck, data):
    app_id = service.use_view(session, muck)["app"]["id"]
    pages.app_release_create(session, system, app_id)
    session.commit()
    out = viewer.run_page_data(session, system, CODE, "main", viewer.Request(now=NOW))
    failed = {card: answer.get("error") for card, answer in out["cards"].items() if not answer["ok"]}
    assert failed == {} and len(out["cards"]) == 16
    assert out["cards"]["m_trucks"]["rows"][0]["value"] == _values(session, system, "trucks_active")
    assert len(out["cards"]["map"]["slots"]["points"]["rows"]) == len(data["sites"])
    template_id = muck.objects["reports"][0]["id"]
    html = reports.report_preview(session, system, template_id, {"date": dt.date(2026, 11, 24)})["html"]
    assert "辆渣土车完成运输" in html and "各类违规车次" in html and "信用分最低的驾驶员" in html
