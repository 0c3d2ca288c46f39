"""网格治理, cloned on its sample data: its indicators (case counts, self-handling, on-time and
closure rates, the assessment score by grid and street, patrol coverage) agree with counts taken
straight from the generated rows; a drill of manhole-cover alarms raises the alert, which reports
an event that the responsibility list dispatches to the housing bureau and the grid flow walks
from the street's verification through the bureau's handling to the street's re-check."""
import datetime as dt
from collections import defaultdict

import pytest
from sqlalchemy import select

from builder import pages, viewer
from catalog.matters.models import Matter, ResponsibilityRule
from runtime.alerts.models import AlertNotification
from runtime.events import service as events
from runtime.events.models import Event, EventStep
from report_engine import service as reports
from templates_lib import service
from templates_lib.grid import generator

from .conftest import NOW, indicator

SIZE, SEED = 4_000, 5
PREFIX = "bh_grid"


@pytest.fixture
def grid(session, system, city):
    use = service.template_use(session, system, "grid", {"code": PREFIX, "name": "滨湖网格治理", "size": SIZE,
                                                         "seed": SEED}, now=NOW)
    session.commit()
    return use


def _values(session, system, code, by=None, window=None, now=NOW):
    return indicator(session, system, f"{PREFIX}_{code}", by, window, now)


def _in(rows, field, days, now=NOW):
    end = now.replace(tzinfo=None)
    return [r for r in rows if end - dt.timedelta(days=days) <= r[field] <= end]


def _rate(part, whole):
    return round(100 * part / whole, 1) if whole else None


def _score(rows):
    due = [r for r in rows if r["on_time"] is not None]
    on_time = sum(r["on_time"] for r in due) / len(due)
    closed = sum(r["status"] == "已结案" for r in rows) / len(rows)
    own = sum(r["self_handled"] for r in rows) / len(rows)
    return round(40 * on_time + 30 * closed + 30 * own, 1)


def test_the_clone_holds_the_whole_scenario(session, system, grid, city):
    objects = grid.objects
    assert {s["local"] for s in objects["sources"]} == {"cases", "patrols", "sensors", "alerts"}
    cases = next(s for s in objects["sources"] if s["local"] == "cases")
    assert cases["rows"] == SIZE and cases["code"] == f"{PREFIX}_cases"
    assert {s["local"] for s in objects["services"]} == {"cases", "overdue", "patrols", "sensors", "alerts"}
    assert len(objects["indicators"]) == 16
    assert {r["local"] for r in objects["alert_rules"]} == {"manhole_alert", "on_time_alert"}
    assert [f["code"] for f in objects["flows"]] == [f"{PREFIX}_grid_flow"]
    assert [r["code"] for r in objects["reports"]] == [f"{PREFIX}_grid_weekly"]
    assert [p["code"] for p in objects["pages"]] == ["main"]
    # the demo organisation has no matter catalog: the clone made the matter, with its responsibility rule
    matter = session.scalar(select(Matter).where(Matter.name == "井盖破损移位", Matter.tier == "item"))
    rules = session.scalars(select(ResponsibilityRule).where(ResponsibilityRule.matter_id == matter.id))
    assert [(r.area_department_id, r.department_id) for r in rules] == [(None, city["lj-housing"].id)]
    view = service.use_view(session, grid)
    assert view["app"]["code"] == PREFIX and view["app"]["released"] is False


def test_indicators_match_counts_from_the_generated_data(session, system, grid):
    data = generator.generate(SIZE, SEED, NOW)
    week = _in(data["cases"], "found_at", 7)
    assert _values(session, system, "cases_total") == len(week)
    assert _values(session, system, "patrol_cases") == sum(r["source"] == "网格巡查" for r in week)
    assert _values(session, system, "sensor_alarms") == sum(r["source"] == "物联感知" for r in week)
    assert _values(session, system, "dispatched_cases") == sum(r["dispatched_at"] is not None for r in week)
    assert _values(session, system, "self_rate") == pytest.approx(
        _rate(sum(r["self_handled"] for r in week), len(week)), abs=0.051)
    due = [r for r in week if r["on_time"] is not None]
    assert _values(session, system, "on_time_rate") == pytest.approx(
        _rate(sum(r["on_time"] for r in due), len(due)), abs=0.051)
    month = _in(data["cases"], "found_at", 30)
    assert _values(session, system, "overdue_cases") == sum(r["status"] == "已超期" for r in month)
    # the assessment score, by grid and by street
    for dimension in ("grid", "street"):
        groups = defaultdict(list)
        for r in week:
            groups[r[dimension]].append(r)
        got = _values(session, system, "score", dimension, "7d")
        assert got.keys() == groups.keys()
        for name, rows in groups.items():
            assert got[name] == pytest.approx(_score(rows), abs=0.051), (dimension, name)
    patrols = defaultdict(lambda: [0, 0])
    for r in _in(data["patrols"], "started_at", 7):
        patrols[r["grid"]][0] += r["points_checked"]
        patrols[r["grid"]][1] += r["points_planned"]
    got = _values(session, system, "patrol_coverage", "grid", "7d")
    assert got == pytest.approx({g: _rate(*pair) for g, pair in patrols.items()}, abs=0.051)
    sensors = data["sensors"]
    assert _values(session, system, "sensors_online") == pytest.approx(
        _rate(sum(s["state"] == "在线" for s in sensors), len(sensors)), abs=0.051)


def test_the_sample_data_is_deterministic_and_sized():
    a, b = generator.generate(3_000, 11, NOW), generator.generate(3_000, 11, NOW)
    assert a == b and len(a["cases"]) == 3_000
    assert generator.generate(3_000, 12, NOW)["cases"] != a["cases"]
    cases = a["cases"]
    # patrols find cases in the working day, sensors around the clock
    assert {r["hour"] for r in cases if r["source"] == "网格巡查"} <= {f"{h:02d}" for h in range(7, 19)}
    assert len({r["hour"] for r in cases if r["source"] == "物联感知"}) == 24
    # a case the grid handles itself is never dispatched; a dispatched one goes to its matter's department
    assert all(r["dispatched_at"] is None and r["department"] == r["grid"] for r in cases if r["self_handled"])
    manhole = [r for r in cases if r["matter"] == "井盖破损移位" and r["dispatched_at"] is not None]
    assert manhole and {r["department"] for r in manhole} == {"临江市住房和城乡建设局"}
    # the last hours are calm: no grid has two manhole alarms, so a drill is what raises the alert
    calm = defaultdict(int)
    for r in _in(cases, "found_at", 2 / 24):
        calm[r["grid"]] += r["sensor"] == "井盖倾斜"
    assert max(calm.values(), default=0) <= 1


def test_a_drill_raises_the_alert_and_the_flow_closes_the_loop(session, system, grid, city):
    at = NOW + dt.timedelta(minutes=5)
    out = service.template_drill(session, system, grid.id, "manhole", now=at)
    session.commit()
    assert {a["rule"] for a in out["alerts"]} == {"井盖倾斜报警"}
    alert = next(a for a in out["alerts"] if a["group"] == "滨湖第一网格")
    assert alert["level"] == "orange" and alert["kind"] == "fire"
    assert _values(session, system, "manhole_alarms", "grid", "1h", now=at)["滨湖第一网格"] >= 4
    event = session.get(Event, next(e["id"] for e in out["events"] if e["title"] == alert["message"]))
    assert event.area_department_id == city["jd-bh-01"].id and event.priority == "urgent"
    # on its flow, the responsibility list gives the event its time limit and, below, its handler
    assert (event.time_limit, event.time_unit) == (1, "working_days") and event.flow_version_id is not None
    assert event.department_id == city["jd-bh"].id  # first the street's grid centre verifies it
    notified = session.scalar(select(AlertNotification).where(AlertNotification.event_id == event.id))
    assert set(notified.departments) >= {city["lj-housing"].id, city["lj-cityadmin"].id}

    def open_step():
        steps = list(session.scalars(select(EventStep).where(EventStep.event_id == event.id,
                                                             EventStep.left_at.is_(None), EventStep.kind == "task")))
        assert len(steps) == 1
        return steps[0]

    walked = []
    for minutes in (30, 240, 300):
        step = open_step()
        walked.append((step.node_id, step.department_id))
        events.event_act(session, system, event.id, "send", {"step_id": step.id, "comment": "已办理"},
                         now=at + dt.timedelta(minutes=minutes))
        session.commit()
    assert walked == [("verify_jd_bh", city["jd-bh"].id), ("handle", city["lj-housing"].id),
                      ("recheck_jd_bh", city["jd-bh"].id)]
    session.refresh(event)
    assert event.status == "closed"


def test_the_storm_drill_reports_one_event_per_grid(session, system, grid, city):
    out = service.template_drill(session, system, grid.id, "storm", now=NOW + dt.timedelta(minutes=5))
    session.commit()
    assert {a["group"] for a in out["alerts"]} == {"滨湖第一网格", "滨湖第二网格", "望月第一网格", "望月第二网格"}
    assert {a["level"] for a in out["alerts"]} == {"yellow"}
    assert len(out["events"]) == 4 and {e["department"] for e in out["events"]} == {"滨湖街道", "望月街道"}


def test_the_page_and_the_weekly_report_render(session, system, grid):
    pages.app_release_create(session, system, grid.app_id)
    session.commit()
    answer = viewer.run_page_data(session, system, PREFIX, "main", viewer.Request(now=NOW))
    cards = answer["cards"]
    failed = {cid: a.get("error") for cid, a in cards.items() if not a.get("ok")}
    assert not failed
    assert cards["rank"]["rows"] and len(cards["rank"]["rows"]) == 11
    report = next(r for r in grid.objects["reports"] if r["local"] == "grid_weekly")
    out = reports.report_preview(session, system, report["id"], {"date": (NOW + dt.timedelta(hours=8)).date()})
    assert "网格治理周报" in out["html"] and "各网格考核排名" in out["html"]
    assert out["charts"] >= 5 and out["tables"] >= 5
