"""防台防汛, cloned on its sample data: its indicators agree with counts taken straight from the
generated rows, and a drill pushes rain over the warning, which raises an alert and reports an
event that the flood flow sends to the water bureau."""
import datetime as dt
from collections import defaultdict

import pytest
from sqlalchemy import select

from runtime.alerts.models import AlertNotification
from runtime.events.models import Event, EventStep
from templates_lib import service
from templates_lib.flood import generator

from .conftest import NOW, indicator

SIZE, SEED = 5_000, 7


@pytest.fixture
def flood(session, system, city):
    use = service.template_use(session, system, "flood", {"code": "jd_flood", "name": "江东防汛", "size": SIZE,
                                                          "seed": SEED}, now=NOW)
    session.commit()
    return use


def _values(session, system, code, by=None, window=None, now=NOW):
    return indicator(session, system, f"jd_flood_{code}", by, window, now)


def _in(rows, field, hours, now=NOW):
    end = now.replace(tzinfo=None)
    return [r for r in rows if end - dt.timedelta(hours=hours) <= r[field] <= end]


def test_the_clone_holds_the_whole_scenario(session, system, flood):
    objects = flood.objects
    assert {s["local"] for s in objects["sources"]} == {"rainfall", "water_levels", "waterlogging", "pumps",
                                                         "shelters", "supplies", "alerts"}
    rainfall = next(s for s in objects["sources"] if s["local"] == "rainfall")
    assert rainfall["rows"] == SIZE and rainfall["code"] == "jd_flood_rainfall"
    assert len(objects["indicators"]) == 10 and len(objects["alert_rules"]) == 2
    assert [f["code"] for f in objects["flows"]] == ["jd_flood_flood_flow"]
    assert [r["code"] for r in objects["reports"]] == ["jd_flood_flood_daily"]
    assert [p["code"] for p in objects["pages"]] == ["main"]
    view = service.use_view(session, flood)
    assert view["app"]["code"] == "jd_flood" and view["app"]["released"] is False


def test_indicators_match_counts_from_the_generated_data(session, system, flood):
    data = generator.generate(SIZE, SEED, NOW)
    for window, code in ((1, "rain_1h"), (24, "rain_24h")):
        by_district = defaultdict(list)
        for r in _in(data["rainfall"], "observed_at", window):
            by_district[r["district"]].append(r)
        expected = {d: round(sum(r["mm"] for r in rows) / len({r["gauge"] for r in rows}), 1)
                    for d, rows in by_district.items()}
        got = _values(session, system, code, "district", f"{window}h")
        assert got.keys() == expected.keys()
        for district, value in expected.items():
            assert got[district] == pytest.approx(value, abs=0.051), (code, district)
    logged = {r["point"] for r in _in(data["waterlogging"], "observed_at", 1) if r["depth_cm"] >= r["warning_cm"]}
    assert _values(session, system, "points_over_warning") == len(logged)
    shelters = data["shelters"]
    assert _values(session, system, "shelters_open") == sum(1 for s in shelters if s["open"])
    assert _values(session, system, "people_relocated") == sum(s["people"] for s in shelters if s["open"])
    assert _values(session, system, "pumps_running") == sum(1 for p in data["pumps"] if p["state"] == "运行")


def test_the_sample_data_is_deterministic_and_sized():
    a, b = generator.generate(3_000, 11, NOW), generator.generate(3_000, 11, NOW)
    assert a == b and len(a["rainfall"]) == 3_000
    assert generator.generate(3_000, 12, NOW)["rainfall"] != a["rainfall"]
    last_hour = _in(a["rainfall"], "observed_at", 1)
    # wet but under the blue warning (20 mm/h): the drills are what raise alerts
    assert 0 < sum(r["mm"] for r in last_hour) / len({r["gauge"] for r in last_hour}) < 20


def test_a_drill_raises_the_alert_and_the_flow_sends_the_event_to_the_water_bureau(session, system, flood, city):
    at = NOW + dt.timedelta(minutes=5)
    out = service.template_drill(session, system, flood.id, "rainstorm", now=at)
    session.commit()
    rain = next(a for a in out["alerts"] if a["rule"] == "短时强降雨预警")
    assert rain["group"] == "江东区" and rain["level"] == "yellow"  # about 44 mm in the hour
    assert _values(session, system, "rain_1h", "district", "1h", now=at)["江东区"] >= 30
    event = session.get(Event, next(e["id"] for e in out["events"] if e["title"] == rain["message"]))
    assert event.department_id == city["lj-water"].id
    assert event.area_department_id == city["jd"].id  # the group 江东区 is the district 江东区城运中心
    assert event.flow_version_id is not None
    steps = list(session.scalars(select(EventStep).where(EventStep.event_id == event.id)))
    assert [s.node_id for s in steps if s.left_at is None] == ["drain"]
    notified = session.scalar(select(AlertNotification).where(AlertNotification.event_id == event.id))
    assert set(notified.departments) >= {city["lj-water"].id, city["lj-cityadmin"].id, city["lj-emergency"].id}


def test_a_lowered_threshold_takes_effect_on_the_next_drill(session, system, flood):
    from runtime.alerts import service as alerts

    rule = next(r for r in flood.objects["alert_rules"] if r["local"] == "rain_alert")
    alerts.rule_update(session, system, rule["id"], {"levels": [
        {"level": "blue", "condition": "value >= 20"}, {"level": "yellow", "condition": "value >= 30"},
        {"level": "orange", "condition": "value >= 40"}, {"level": "red", "condition": "value >= 80"}]})
    session.commit()
    out = service.template_drill(session, system, flood.id, "rainstorm", now=NOW + dt.timedelta(minutes=5))
    assert next(a for a in out["alerts"] if a["rule"] == "短时强降雨预警")["level"] == "orange"


def test_the_daily_flood_report_renders_the_sample_days_figures(session, system, flood):
    from report_engine import service as reports

    template = flood.objects["reports"][0]
    out = reports.report_preview(session, system, template["id"], {"date": NOW.date()})
    assert out["charts"] == 3 and out["tables"] == 3
    data = generator.generate(SIZE, SEED, NOW)
    shelters = data["shelters"]
    assert f"转移安置群众 <b>{sum(s['people'] for s in shelters if s['open']):,}</b> 人" in out["html"]
    assert "各区 24 小时面雨量" in out["html"] and "江东区" in out["html"]
