"""Data services: checked SELECTs with typed parameters, versions, states, grants, calls, OpenAPI, import/export."""
import sqlite3

import pytest

from runtime.services import service
from runtime.sources import service as sources
from tongguan.errors import Conflict, Forbidden, Invalid
from tongguan.permissions import Actor

RAIN_SQL = "SELECT station, district, mm FROM rain WHERE mm >= :min_mm ORDER BY mm DESC"


@pytest.fixture
def rain(tmp_path, app, session, system, org):
    path = tmp_path / "rain.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE rain (station TEXT, district TEXT, mm REAL)")
        conn.executemany("INSERT INTO rain VALUES (?, ?, ?)", [("江东站", "江东区", 12.5), ("滨湖站", "江东区", 30.0),
                                                                ("古楼站", "江西区", 3.0)])
    app.config["DATA_SOURCE_SQLITE_DIRS"] = [str(tmp_path)]
    src = sources.source_create(session, system, {"code": "rain", "name": "雨量库", "kind": "sql",
                                                  "url": f"sqlite:///{path}"}, sources.Policy(sqlite_dirs=[str(tmp_path)]))
    session.commit()
    return src


@pytest.fixture
def operator(make_user):
    return Actor.for_user(make_user("data_op", "data_operator", department="water"))


def make(session, actor, src, **extra):
    data = {"code": "heavy_rain", "name": "强降雨站点", "source_id": src.id, "kind": "sql",
            "definition": {"sql": RAIN_SQL}, "params": [{"name": "min_mm", "type": "number", "default": 10}], **extra}
    svc = service.service_create(session, actor, data)
    session.commit()
    return svc


def test_a_service_is_checked_and_probed_when_defined(session, operator, rain):
    svc = make(session, operator, rain)
    assert svc.output == [{"name": "station", "type": "string"}, {"name": "district", "type": "string"},
                          {"name": "mm", "type": "number"}]
    for bad_sql, field in (("DELETE FROM rain", "definition.sql"), ("SELECT 1; DROP TABLE rain", "definition.sql"),
                           ("SELECT * FROM rain WHERE station = :who", "params"),
                           ("SELECT * FROM nowhere", "definition.sql")):
        with pytest.raises(Invalid) as err:
            service.service_create(session, operator, {"code": "bad_one", "name": "x", "source_id": rain.id,
                                                       "kind": "sql", "definition": {"sql": bad_sql}})
        assert field in err.value.errors, (bad_sql, err.value.errors)
        session.rollback()


def test_versions_states_and_calls(session, operator, rain, make_user):
    svc = make(session, operator, rain)
    with pytest.raises(Conflict):
        service.service_call(session, operator, "heavy_rain", {})  # still a draft
    service.service_set_state(session, operator, svc.id, "online")
    out = service.service_call(session, operator, "heavy_rain", {"min_mm": "20"})
    assert out["rows"] == [{"station": "滨湖站", "district": "江东区", "mm": 30.0}] and out["revision"] == 1
    assert [r["station"] for r in service.service_call(session, operator, "heavy_rain", {})["rows"]] == ["滨湖站", "江东站"]
    with pytest.raises(Invalid) as err:
        service.service_call(session, operator, "heavy_rain", {"min_mm": "很多", "x": 1})
    assert set(err.value.errors) == {"min_mm", "x"}
    service.service_update(session, operator, svc.id, {"definition": {"sql": RAIN_SQL.replace("mm DESC", "mm")}})
    session.commit()
    assert svc.revision == 2
    revisions = service.service_revisions(session, operator, svc.id)
    assert revisions[0]["revision"] == 1 and revisions[0]["snapshot"]["definition"]["sql"] == RAIN_SQL
    with pytest.raises(Invalid):
        service.service_set_state(session, operator, svc.id, "draft")  # online -> draft is not a move
    service.service_set_state(session, operator, svc.id, "offline")
    with pytest.raises(Conflict):
        service.service_call(session, operator, "heavy_rain", {})


def test_only_the_owner_granted_departments_and_managers_call(session, operator, rain, make_user, org):
    svc = make(session, operator, rain)
    service.service_set_state(session, operator, svc.id, "online")
    session.commit()
    street = Actor.for_user(make_user("street_h", "handler", department="street"))
    water = Actor.for_user(make_user("water_h", "handler", department="water"))
    assert service.service_call(session, water, "heavy_rain", {})["rows"]  # the owner department
    with pytest.raises(Forbidden):
        service.service_call(session, street, "heavy_rain", {})
    assert service.service_grant(session, operator, svc.id, org["street"].id) == [org["street"].id]
    assert service.service_call(session, street, "heavy_rain", {})["rows"]
    assert service.service_grant(session, operator, svc.id, org["street"].id, allow=False) == []


def test_table_services_on_an_uploaded_file(session, operator, system):
    src = sources.source_create(session, system, {"code": "pts", "name": "积水点", "kind": "file"}, sources.Policy())
    session.flush()
    sources.source_upload(session, system, src.id, "点位,深度\n滨湖路,12.5\n望月路,3\n".encode(), "p.csv")
    svc = service.service_create(session, operator, {"code": "points", "name": "积水点", "source_id": src.id,
                                                     "kind": "table",
                                                     "definition": {"table": src.file_table, "columns": ["点位"]}})
    session.commit()
    assert service.service_preview(session, operator, svc.id, {})["rows"] == [{"点位": "滨湖路"}, {"点位": "望月路"}]
    with pytest.raises(Invalid) as err:
        service.service_create(session, operator, {"code": "sneaky", "name": "x", "source_id": src.id, "kind": "sql",
                                                   "definition": {"sql": "SELECT * FROM user_account"}})
    assert "kind" in err.value.errors  # no SQL against the platform's own database


def test_a_table_service_lists_the_latest_rows_first_under_its_limit(session, operator, system):
    """Typed rows loaded straight into a file source (source_load, as a template's sample data and its
    drills are), appended to, and read newest first."""
    import datetime as dt

    src = sources.source_create(session, system, {"code": "readings", "name": "读数", "kind": "file", "columns": [
        {"name": "station", "type": "string"}, {"name": "at", "type": "datetime"}]}, sources.Policy())
    session.flush()
    start = dt.datetime(2026, 11, 25, 8, 0)
    sources.source_load(session, system, src.id, [{"station": f"s{i}", "at": start + dt.timedelta(hours=i)} for i in range(3)])
    sources.source_load(session, system, src.id, [{"station": "s3", "at": start + dt.timedelta(hours=3)}], append=True)
    assert src.row_count == 4
    with pytest.raises(Invalid) as err:
        sources.source_load(session, system, src.id, [{"station": "x", "depth": 3}])
    assert "depth" in err.value.errors["rows"][0]
    svc = service.service_create(session, operator, {"code": "latest", "name": "最新读数", "source_id": src.id,
                                                     "kind": "table", "definition": {"table": src.file_table,
                                                                                     "newest_first": "at"}})
    session.commit()
    assert [r["station"] for r in service.service_preview(session, operator, svc.id, {}, limit=2)["rows"]] == ["s3", "s2"]
    with pytest.raises(Invalid) as err:
        service.service_create(session, operator, {"code": "bad", "name": "x", "source_id": src.id, "kind": "table",
                                                   "definition": {"table": src.file_table, "newest_first": "station"}})
    assert "definition.newest_first" in err.value.errors


def test_the_http_api_openapi_listing_and_export_import(client, bearer, make_user, session, rain, operator):
    h = bearer(make_user("op2", "data_operator", department="water"))
    made = client.post("/api/v1/data-services", headers=h, json={
        "code": "heavy_rain", "name": "强降雨站点", "source_id": rain.id, "kind": "sql",
        "definition": {"sql": RAIN_SQL}, "params": [{"name": "min_mm", "type": "number", "default": 10}]})
    assert made.status_code == 201, made.get_json()
    sid = made.get_json()["id"]
    preview = client.post(f"/api/v1/data-services/{sid}/preview", headers=h, json={"params": {"min_mm": 1}})
    assert len(preview.get_json()["rows"]) == 3
    assert "/api/v1/data-services/heavy_rain" not in client.get("/api/openapi.json").get_json()["paths"]
    online = client.post(f"/api/v1/data-services/{sid}/state", headers={**h, "If-Match": made.headers["ETag"]},
                         json={"state": "online"})
    assert online.status_code == 200
    called = client.get("/api/v1/data-services/heavy_rain?min_mm=20", headers=h)
    assert called.status_code == 200 and called.get_json()["rows"][0]["station"] == "滨湖站"
    bad = client.get("/api/v1/data-services/heavy_rain?min_mm=abc", headers=h)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json" and "min_mm" in bad.get_json()["errors"]
    spec = client.get("/api/openapi.json").get_json()
    op = spec["paths"]["/api/v1/data-services/heavy_rain"]["get"]
    assert op["parameters"][0]["name"] == "min_mm" and op["parameters"][0]["schema"]["type"] == "number"
    doc = client.get(f"/api/v1/data-services/{sid}/export", headers=h).get_json()
    assert doc["schema"] == "tongguan/data-service@1" and doc["source"] == "rain"
    doc["code"] = "heavy_rain_copy"
    imported = client.post("/api/v1/data-services/import", headers=h, json=doc)
    assert imported.status_code == 200 and imported.get_json()["state"] == "draft"
    again = client.post("/api/v1/data-services/import", headers=h, json={**doc, "name": "改名"})
    assert again.get_json()["revision"] == 2
    assert client.post("/api/v1/data-services/import", headers=h, json={"schema": "x"}).status_code == 422


def test_service_get_export_and_import_at_the_service_layer(session, operator, rain):
    svc = make(session, operator, rain)
    assert service.service_get(session, operator, svc.id).code == "heavy_rain"
    doc = service.service_export(session, operator, svc.id)
    doc["params"] = [{"name": "min_mm", "type": "number", "default": 25}]
    same = service.service_import(session, operator, doc)
    session.commit()
    assert same.id == svc.id and same.revision == 2 and same.params[0]["default"] == 25
    with pytest.raises(Invalid) as err:
        service.service_import(session, operator, {**doc, "source": "nope"})
    assert "source" in err.value.errors


def test_a_source_in_use_cannot_be_deleted(session, operator, rain, tmp_path, system):
    make(session, operator, rain)
    with pytest.raises(Conflict) as err:
        sources.source_delete(session, system, rain.id)
    assert "heavy_rain" in str(err.value)
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("这不是数据库")
    with pytest.raises(Invalid) as err:
        sources.source_create(session, system, {"code": "notes", "name": "x", "kind": "sql",
                                                "url": f"sqlite:///{not_a_db}"}, sources.Policy(sqlite_dirs=[str(tmp_path)]))
    assert err.value.errors["url"][0].startswith("连接测试失败")
