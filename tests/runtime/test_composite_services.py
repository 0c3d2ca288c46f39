"""Table queries with a DSL filter and grouping, composite services (join, union, derived columns),
where used, and changes that would break a dependant."""
import sqlite3

import pytest

from runtime.alerts import service as alerts
from runtime.indicators import service as indicators
from runtime.services import service
from runtime.sources import service as sources
from tongguan.errors import BreaksDependants, Conflict, Invalid
from tongguan.permissions import Actor

BY_DISTRICT = {"table": "rain", "filter": "mm >= 10", "group_by": ["district"],
               "aggregates": [{"name": "stations", "expr": "count()"}, {"name": "max_mm", "expr": "max(mm)"}]}


@pytest.fixture
def operator(make_user):
    return Actor.for_user(make_user("data_op", "data_operator", department="water"))


@pytest.fixture
def rain(tmp_path, app, session, system, org):
    path = tmp_path / "rain.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE rain (station TEXT, district TEXT, mm REAL)")
        conn.executemany("INSERT INTO rain VALUES (?, ?, ?)", [
            ("江东站", "江东区", 12.5), ("滨湖站", "江东区", 30.0), ("古楼站", "江西区", 3.0), ("新城站", "江西区", 18.0)])
    src = sources.source_create(session, system, {"code": "rain", "name": "雨量库", "kind": "sql",
                                                  "url": f"sqlite:///{path}"}, sources.Policy(sqlite_dirs=[str(tmp_path)]))
    session.commit()
    return src


def upload(session, system, code, body):
    src = sources.source_create(session, system, {"code": code, "name": code, "kind": "file"}, sources.Policy())
    session.flush()
    sources.source_upload(session, system, src.id, body.encode(), f"{code}.csv")
    session.commit()
    return src


@pytest.fixture
def population(session, system):
    return upload(session, system, "population", "district,population\n江东区,500000\n江西区,300000\n滨湖区,100000\n")


def table_service(session, actor, src, code="rain_by_district", definition=BY_DISTRICT):
    svc = service.service_create(session, actor, {"code": code, "name": "各区强降雨", "source_id": src.id,
                                                  "kind": "table", "definition": definition})
    session.commit()
    return svc


def test_a_table_query_filters_and_groups_in_the_source(session, operator, rain):
    svc = table_service(session, operator, rain)
    assert svc.output == [{"name": "district", "type": "string"}, {"name": "stations", "type": "integer"},
                          {"name": "max_mm", "type": "number"}]
    out = service.service_preview(session, operator, svc.id, {})
    assert out["rows"] == [{"district": "江东区", "stations": 2, "max_mm": 30.0},
                           {"district": "江西区", "stations": 1, "max_mm": 18.0}]
    plain = table_service(session, operator, rain, "wet_stations",
                          {"table": "rain", "filter": "district = '江西区' and mm > 5", "columns": ["station", "mm"]})
    assert service.service_preview(session, operator, plain.id, {})["rows"] == [{"station": "新城站", "mm": 18.0}]


def test_a_bad_filter_or_aggregate_names_the_field_and_saves_nothing(session, operator, rain):
    for definition, field in (({"table": "rain", "filter": "rainfall > 1"}, "definition.filter"),
                              ({"table": "rain", "filter": "mm + 1"}, "definition.filter"),
                              ({"table": "rain", "group_by": ["district"], "aggregates": [{"name": "n", "expr": "mm"}]},
                               "definition.aggregates.0.expr"),
                              ({"table": "rain", "group_by": ["区"], "aggregates": [{"name": "n", "expr": "count()"}]},
                               "definition.group_by")):
        with pytest.raises(Invalid) as err:
            table_service(session, operator, rain, "bad_one", definition)
        assert field in err.value.errors, (definition, err.value.errors)
        session.rollback()
    with pytest.raises(Invalid) as err:
        table_service(session, operator, rain, "bad_one", {"table": "rain", "filter": "rainfall > 1"})
    assert "rainfall" in err.value.errors["definition.filter"][0] and "^" in err.value.errors["definition.filter"][0]


def composite(session, actor, code="rain_per_capita", **definition):
    doc = {"parts": [{"service": "rain_by_district"}, {"service": "population_rows"}], "combine": "join",
           "join": {"how": "left", "on": ["district"]},
           "derived": [{"name": "stations_per_100k", "expr": "round(stations * 100000 / population, 2)"}],
           **definition}
    svc = service.service_create(session, actor, {"code": code, "name": "人均强降雨站点", "kind": "composite",
                                                  "definition": doc})
    session.commit()
    return svc


@pytest.fixture
def parts(session, operator, rain, population):
    by_district = table_service(session, operator, rain)
    pop = service.service_create(session, operator, {"code": "population_rows", "name": "人口", "kind": "table",
                                                     "source_id": population.id,
                                                     "definition": {"table": population.file_table}})
    session.commit()
    return by_district, pop


def test_a_composite_joins_its_parts_and_derives_columns(session, operator, parts):
    svc = composite(session, operator)
    assert svc.source_id is None
    assert [f["name"] for f in svc.output] == ["district", "stations", "max_mm", "population", "stations_per_100k"]
    assert svc.output[-1]["type"] == "number"
    rows = service.service_preview(session, operator, svc.id, {})["rows"]
    assert rows == [{"district": "江东区", "stations": 2, "max_mm": 30.0, "population": 500000, "stations_per_100k": 0.4},
                    {"district": "江西区", "stations": 1, "max_mm": 18.0, "population": 300000,
                     "stations_per_100k": 0.33}]
    # population first, left join: 滨湖区 has no wet station and keeps nulls
    svc2 = composite(session, operator, "population_rain", parts=[{"service": "population_rows"},
                                                                  {"service": "rain_by_district"}], derived=[])
    rows = service.service_preview(session, operator, svc2.id, {})["rows"]
    assert rows[-1] == {"district": "滨湖区", "population": 100000, "stations": None, "max_mm": None}
    service.service_update(session, operator, svc2.id, {"definition": {**svc2.definition, "join": {"how": "inner",
                                                                                                    "on": ["district"]}}})
    assert [r["district"] for r in service.service_preview(session, operator, svc2.id, {})["rows"]] == ["江东区", "江西区"]


def test_a_union_stacks_parts_with_the_same_columns(session, operator, system):
    a = upload(session, system, "rain_a", "station,mm\nA1,3\nA2,4\n")
    b = upload(session, system, "rain_b", "station,mm\nB1,5\n")
    c = upload(session, system, "rain_c", "station,level\nC1,high\n")
    for code, src in (("rows_a", a), ("rows_b", b), ("rows_c", c)):
        service.service_create(session, operator, {"code": code, "name": code, "kind": "table", "source_id": src.id,
                                                   "definition": {"table": src.file_table}})
    session.commit()
    svc = service.service_create(session, operator, {"code": "all_rows", "name": "全部", "kind": "composite",
                                                     "definition": {"combine": "union", "parts": [
                                                         {"service": "rows_a"}, {"service": "rows_b"}]}})
    assert [r["station"] for r in service.service_preview(session, operator, svc.id, {})["rows"]] == ["A1", "A2", "B1"]
    with pytest.raises(Invalid) as err:
        service.service_create(session, operator, {"code": "mixed", "name": "x", "kind": "composite", "definition": {
            "combine": "union", "parts": [{"service": "rows_a"}, {"service": "rows_c"}]}})
    assert "definition.parts.1.service" in err.value.errors


def test_a_composite_refuses_unknown_parts_keys_and_a_source(session, operator, parts, rain):
    for definition, field in (({"parts": [{"service": "nowhere"}]}, "definition.parts.0.service"),
                              ({"parts": [{"service": "rain_by_district"}, {"service": "population_rows"}],
                                "join": {"on": ["station"]}}, "definition.join.on"),
                              ({"parts": [{"service": "rain_by_district"}], "derived": [{"name": "x", "expr": "mm * 2"}]},
                               "definition.derived.0.expr")):
        with pytest.raises(Invalid) as err:
            service.service_create(session, operator, {"code": "bad_one", "name": "x", "kind": "composite",
                                                       "definition": definition})
        assert field in err.value.errors, (definition, err.value.errors)
        session.rollback()
    with pytest.raises(Invalid) as err:
        service.service_create(session, operator, {"code": "bad_one", "name": "x", "kind": "composite",
                                                   "source_id": rain.id, "definition": {"parts": []}})
    assert "source_id" in err.value.errors


def test_indicators_over_a_composite_are_computed_by_district(session, operator, parts):
    svc = composite(session, operator)
    ind = indicators.indicator_create(session, operator, {
        "code": "stations_per_100k", "name": "每十万人强降雨站点", "service_id": svc.id,
        "formula": "sum(stations_per_100k)", "dimensions": ["district"], "default_window": ""})
    session.commit()
    out = indicators.indicator_values(session, operator, [ind.code], by=["district"], use_cache=False)
    assert out["rows"] == [{"district": "江东区", "stations_per_100k": 0.4},
                           {"district": "江西区", "stations_per_100k": 0.33}]
    total = indicators.indicator_values(session, operator, [ind.code], use_cache=False)
    assert total["rows"] == [{"stations_per_100k": pytest.approx(0.73)}]


def test_where_used_and_a_breaking_change_is_listed_before_it_is_saved(session, operator, parts):
    by_district, _ = parts
    comp = composite(session, operator)
    ind = indicators.indicator_create(session, operator, {
        "code": "wet_stations", "name": "强降雨站点数", "service_id": by_district.id, "formula": "sum(stations)",
        "dimensions": ["district"], "default_window": ""})
    session.commit()
    used = service.service_usages(session, operator, by_district.id)
    assert [(u["kind"], u["code"], u["problem"]) for u in used] == [
        ("data_service", "rain_per_capita", ""), ("indicator", "wet_stations", "")]

    # dropping the grouping removes `stations`: both dependants would break
    change = {"definition": {"table": "rain", "columns": ["station", "district", "mm"]}}
    version = by_district.version
    with pytest.raises(BreaksDependants) as err:
        service.service_update(session, operator, by_district.id, change)
    session.rollback()
    broken = {d["code"]: d["problem"] for d in err.value.dependants}
    assert set(broken) == {"rain_per_capita", "wet_stations"}
    assert "stations" in broken["wet_stations"] and "stations" in broken["rain_per_capita"]
    session.expire_all()
    assert session.get(type(by_district), by_district.id).version == version  # nothing saved
    assert session.get(type(by_district), by_district.id).definition == BY_DISTRICT

    # a harmless change goes through; a confirmed breaking one too
    service.service_update(session, operator, by_district.id, {"name": "各区强降雨站点"})
    service.service_update(session, operator, by_district.id, change, confirm_breaking=True)
    session.commit()
    assert "stations" not in [f["name"] for f in session.get(type(by_district), by_district.id).output]
    assert comp.id and ind.id


def test_a_used_service_cannot_go_offline_nor_a_used_indicator_retire(session, operator, parts):
    by_district, _ = parts
    ind = indicators.indicator_create(session, operator, {
        "code": "wet_stations", "name": "强降雨站点数", "service_id": by_district.id, "formula": "sum(stations)",
        "dimensions": ["district"], "default_window": ""})
    service.service_set_state(session, operator, by_district.id, "online")
    indicators.indicator_set_state(session, operator, ind.id, "published")
    rule = alerts.rule_create(session, operator, {"code": "wet", "name": "强降雨", "indicator_id": ind.id,
                                                  "by": "district", "levels": [{"level": "red", "condition": "value > 1"}]})
    session.commit()
    with pytest.raises(Conflict, match="强降雨站点数"):
        service.service_set_state(session, operator, by_district.id, "offline")
    session.rollback()
    with pytest.raises(Conflict, match="wet"):
        indicators.indicator_set_state(session, operator, ind.id, "retired")
    session.rollback()
    assert [(u["kind"], u["code"]) for u in indicators.indicator_usages(session, operator, ind.id)] == [
        ("alert_rule", "wet")]
    # the alert rule evaluates by district: removing that dimension breaks it
    with pytest.raises(BreaksDependants) as err:
        indicators.indicator_update(session, operator, ind.id, {"dimensions": []})
    session.rollback()
    assert err.value.dependants[0]["code"] == "wet" and "district" in err.value.dependants[0]["problem"]
    alerts.rule_update(session, operator, rule.id, {"enabled": False})
    session.commit()
    indicators.indicator_set_state(session, operator, ind.id, "retired")


def test_the_http_api_answers_409_with_the_dependants(client, bearer, make_user, session, operator, parts):
    by_district, _ = parts
    indicators.indicator_create(session, operator, {
        "code": "wet_stations", "name": "强降雨站点数", "service_id": by_district.id, "formula": "sum(stations)",
        "dimensions": ["district"], "default_window": ""})
    session.commit()
    headers = bearer(make_user("dm", "data_operator"))
    url = f"/api/v1/data-services/{by_district.id}"
    etag = client.get(url, headers=headers).headers["ETag"]
    change = {"definition": {"table": "rain", "columns": ["station", "mm"]}}
    resp = client.patch(url, json=change, headers={**headers, "If-Match": etag})
    assert resp.status_code == 409 and resp.mimetype == "application/problem+json"
    assert [d["code"] for d in resp.json["dependants"]] == ["wet_stations"]
    assert client.get(url, headers=headers).headers["ETag"] == etag
    resp = client.patch(url, json={**change, "confirm_breaking": True}, headers={**headers, "If-Match": etag})
    assert resp.status_code == 200, resp.json
    usages = client.get(f"{url}/usages", headers=headers).json
    assert usages[0]["code"] == "wet_stations" and usages[0]["problem"]
    resp = client.post("/api/v1/data-services", headers=headers, json={
        "code": "per_capita", "name": "人均", "kind": "composite", "definition": {
            "parts": [{"service": "population_rows"}],
            "derived": [{"name": "half", "expr": "population / 2"}]}})
    assert resp.status_code == 201, resp.json
    assert resp.json["source_id"] is None and resp.json["output"][-1] == {"name": "half", "type": "number"}


def test_a_composite_exports_and_imports_without_a_source(session, operator, parts):
    svc = composite(session, operator)
    doc = service.service_export(session, operator, svc.id)
    assert doc["source"] is None and doc["kind"] == "composite"
    copy = service.service_import(session, operator, {**doc, "code": "rain_per_capita_copy"})
    session.commit()
    assert copy.source_id is None and copy.output == svc.output
    assert service.service_preview(session, operator, copy.id, {})["rows"] == \
        service.service_preview(session, operator, svc.id, {})["rows"]
