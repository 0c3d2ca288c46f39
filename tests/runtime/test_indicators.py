"""Indicators: formulas checked against the service's fields, pushed down as one SELECT, derived ones,
drill-down by dimension, caching that never serves a changed definition, and where-used."""
import datetime as dt
import sqlite3

import pytest
from sqlalchemy import event

from runtime.indicators import service as indicators
from runtime.services import service as services
from runtime.sources import service as sources
from tongguan.errors import Conflict, Invalid
from tongguan.permissions import Actor

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
EVENTS = [  # district, street, status, reported (days ago), closed on time?
    ("江东区", "滨湖街道", "办结", 1, 1), ("江东区", "滨湖街道", "办结", 2, 0), ("江东区", "望月街道", "处置中", 3, None),
    ("江西区", "古楼街道", "办结", 5, 1), ("江西区", "古楼街道", "办结", 40, 1), ("江西区", "青石街道", "退回", 6, None),
]


@pytest.fixture
def events_service(tmp_path, app, session, system, org):
    path = tmp_path / "events.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (district TEXT, street TEXT, status TEXT, reported_at TIMESTAMP, on_time INTEGER)")
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", [
            (d, s, st, (NOW - dt.timedelta(days=ago)).replace(tzinfo=None).isoformat(" "), ok)
            for d, s, st, ago, ok in EVENTS])
    policy = sources.Policy(sqlite_dirs=[str(tmp_path)])
    src = sources.source_create(session, system, {"code": "ev", "name": "事件库", "kind": "sql",
                                                  "url": f"sqlite:///{path}"}, policy)
    session.flush()
    svc = services.service_create(session, system, {
        "code": "events", "name": "事件", "source_id": src.id, "kind": "sql",
        "definition": {"sql": "SELECT district, street, status, reported_at, on_time FROM events"},
        "output": [{"name": "district", "type": "string"}, {"name": "street", "type": "string"},
                   {"name": "status", "type": "string"}, {"name": "reported_at", "type": "datetime"},
                   {"name": "on_time", "type": "integer"}]})
    session.commit()
    with pytest.raises(Invalid) as err:
        services.service_update(session, system, svc.id, {"output": [{"name": "district", "type": "string"}]})
    assert "output" in err.value.errors
    session.rollback()
    session.commit()
    return svc


@pytest.fixture
def operator(make_user):
    return Actor.for_user(make_user("data_op", "data_operator", department="water"))


def define(session, actor, svc, code, formula, **extra):
    ind = indicators.indicator_create(session, actor, {
        "code": code, "name": code, "service_id": svc.id, "formula": formula, "time_field": "reported_at",
        "dimensions": ["district", "street"], "default_window": "30d", **extra})
    session.commit()
    return ind


def test_formulas_are_checked_against_the_service_fields(session, operator, events_service):
    for formula, field in (("count(where state = '办结')", "formula"), ("sum(status)", "formula"),
                           ("status = '办结'", "formula"), ("count() over last 7d", "formula")):
        with pytest.raises(Invalid) as err:
            define(session, operator, events_service, "bad_one", formula)
        assert field in err.value.errors, formula
        session.rollback()
    with pytest.raises(Invalid) as err:
        define(session, operator, events_service, "bad_two", "count()", dimensions=["区县"])
    assert "dimensions" in err.value.errors
    session.rollback()
    with pytest.raises(Invalid) as err:
        define(session, operator, events_service, "bad_three", "count(wher status = 1)")
    assert "^" in err.value.errors["formula"][0]  # the caret under the column at fault


def test_values_by_district_are_one_select_and_derived_ones_follow(session, operator, events_service, app):
    define(session, operator, events_service, "closed", "count(where status = '办结')")
    define(session, operator, events_service, "closed_on_time", "count(where status = '办结' and on_time = 1)")
    define(session, operator, events_service, "reported", "count()")
    indicators.indicator_create(session, operator, {"code": "on_time_rate", "name": "按时办结率", "kind": "derived",
                                                    "formula": "round(100 * closed_on_time / closed, 1)", "unit": "%"})
    session.commit()
    statements = []
    engine = services._engine(events_service.source)
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        out = indicators.indicator_values(session, operator, ["reported", "on_time_rate"], by=["district"], now=NOW,
                                          use_cache=False)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert out["rows"] == [{"district": "江东区", "reported": 3, "on_time_rate": 50.0},
                           {"district": "江西区", "reported": 2, "on_time_rate": 100.0}]  # the 40-day-old one is out
    street = indicators.indicator_values(session, operator, ["closed"], by=["street"], window="90d", now=NOW)
    assert {r["street"]: r["closed"] for r in street["rows"]} == {"滨湖街道": 2, "古楼街道": 2, "望月街道": 0,
                                                                   "青石街道": 0}
    city = indicators.indicator_values(session, operator, ["on_time_rate"], now=NOW)
    assert city["rows"] == [{"on_time_rate": 66.7}]
    with pytest.raises(Invalid) as err:
        indicators.indicator_values(session, operator, ["reported"], by=["status"], now=NOW)
    assert "by" in err.value.errors


def test_cached_values_follow_a_changed_definition(session, operator, events_service):
    ind = define(session, operator, events_service, "closed", "count(where status = '办结')")
    first = indicators.indicator_values(session, operator, ["closed"], now=NOW)["rows"][0]["closed"]
    indicators.indicator_update(session, operator, ind.id, {"formula": "count(where status = '退回')"})
    session.commit()
    assert (first, indicators.indicator_values(session, operator, ["closed"], now=NOW)["rows"][0]["closed"]) == (3, 1)


def test_where_used_and_retiring(session, operator, events_service):
    closed = define(session, operator, events_service, "closed", "count(where status = '办结')")
    reported = define(session, operator, events_service, "reported", "count()")
    rate = indicators.indicator_create(session, operator, {"code": "closure_rate", "name": "办结率", "kind": "derived",
                                                           "formula": "closed / reported"})
    session.commit()
    assert [u["code"] for u in indicators.indicator_usages(session, operator, closed.id)] == ["closure_rate"]
    with pytest.raises(Invalid):  # its inputs are drafts
        indicators.indicator_set_state(session, operator, rate.id, "published")
    for ind in (closed, reported, rate):
        indicators.indicator_set_state(session, operator, ind.id, "published")
    session.commit()
    with pytest.raises(Conflict) as err:
        indicators.indicator_set_state(session, operator, closed.id, "retired")
    assert "closure_rate" in str(err.value)
    with pytest.raises(Invalid) as err:  # a derived indicator cannot use itself, even through another
        indicators.indicator_update(session, operator, rate.id, {"formula": "closure_rate + 1"})
    assert "formula" in err.value.errors
    session.rollback()
    assert indicators.indicator_get(session, operator, closed.id).code == "closed"
    assert indicators.indicator_list(session, operator, q="closure").total == 1


def test_the_http_api(client, bearer, make_user, events_service, session, operator):
    h = bearer(make_user("op2", "data_operator", department="water"))
    made = client.post("/api/v1/indicators", headers=h, json={
        "code": "reported", "name": "上报量", "service_id": events_service.id, "formula": "count()",
        "time_field": "reported_at", "dimensions": ["district"], "default_window": "3650d"})
    assert made.status_code == 201, made.get_json()
    bad = client.post("/api/v1/indicators", headers=h, json={
        "code": "bad_one", "name": "x", "service_id": events_service.id, "formula": "count(where nope = 1)"})
    assert bad.status_code == 422 and "formula" in bad.get_json()["errors"]
    values = client.get("/api/v1/indicators/values?codes=reported&by=district", headers=h).get_json()
    assert {r["district"]: r["reported"] for r in values["rows"]} == {"江东区": 3, "江西区": 3}
    published = client.post(f"/api/v1/indicators/{made.get_json()['id']}/state",
                            headers={**h, "If-Match": made.headers["ETag"]}, json={"state": "published"})
    assert published.status_code == 200 and published.get_json()["state"] == "published"
    assert client.get(f"/api/v1/indicators/{made.get_json()['id']}/usages", headers=h).get_json() == []


def test_rounding_and_percentiles_run_on_a_sqlite_source(session, operator, events_service):
    define(session, operator, events_service, "share", "round(100.0 * count(where on_time = 1) / count(), 1)")
    define(session, operator, events_service, "p50", "percentile(on_time, 0.5)")
    out = indicators.indicator_values(session, operator, ["share", "p50"], window="90d", now=NOW)
    assert out["rows"] == [{"share": 50.0, "p50": 1.0}]


def test_many_computations_read_the_indicators_once_and_fail_alone(session, operator, events_service):
    define(session, operator, events_service, "reported", "count()")
    define(session, operator, events_service, "closed", "count(where status = '办结')")
    answers = indicators.indicator_values_many(session, operator, [
        {"codes": ["reported"], "by": ["district"], "now": NOW},
        {"codes": ["closed", "reported"], "now": NOW},
        {"codes": ["nope"], "now": NOW},
        {"codes": ["reported"], "by": ["status"], "now": NOW},
    ])
    assert {r["district"]: r["reported"] for r in answers[0]["rows"]} == {"江东区": 3, "江西区": 2}
    assert answers[1]["rows"] == [{"closed": 3, "reported": 5}]
    assert isinstance(answers[2], Invalid) and "nope" in str(answers[2].errors)
    assert isinstance(answers[3], Invalid) and "status" in answers[3].errors["by"][0]
