"""Data sources: SQL (tested on save, password encrypted), uploaded files, HTTP JSON behind an allow-list."""
import http.server
import io
import json
import sqlite3
import threading

import pytest
from sqlalchemy import select

from runtime.sources import service
from runtime.sources.models import DataSource
from tongguan.audit.models import AuditEntry
from tongguan.errors import ImportRejected, Invalid

from ..conftest import PG_URL, postgres_available


@pytest.fixture
def operator(make_user, bearer):
    user = make_user("data_op", "data_operator", department="water")
    return bearer(user)


@pytest.fixture
def rain_db(tmp_path, app):
    path = tmp_path / "rain.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE rain (station TEXT, mm REAL, observed_at TEXT)")
        conn.executemany("INSERT INTO rain VALUES (?, ?, ?)",
                         [("江东站", 12.5, "2026-11-25 08:00:00"), ("滨湖站", 30.0, "2026-11-25 08:00:00")])
    app.config["DATA_SOURCE_SQLITE_DIRS"] = [str(tmp_path)]
    return path


def test_a_sql_source_is_tested_on_save_and_lists_tables(client, operator, rain_db):
    made = client.post("/api/v1/data-sources", headers=operator, json={
        "code": "rain", "name": "雨量库", "kind": "sql", "url": f"sqlite:///{rain_db}"})
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["status"] == "ok" and body["has_secret"] is False
    tables = client.get(f"/api/v1/data-sources/{body['id']}/tables", headers=operator).get_json()
    assert tables[0]["name"] == "rain" and [c["name"] for c in tables[0]["columns"]] == ["station", "mm", "observed_at"]
    rows = client.get(f"/api/v1/data-sources/{body['id']}/preview?table=rain", headers=operator).get_json()
    assert rows[1] == {"station": "滨湖站", "mm": 30.0, "observed_at": "2026-11-25 08:00:00"}
    missing = client.get(f"/api/v1/data-sources/{body['id']}/preview?table=nope", headers=operator)
    assert missing.status_code == 422 and "table" in missing.get_json()["errors"]


def test_sqlite_files_outside_the_allowed_directories_are_refused(client, operator, app):
    res = client.post("/api/v1/data-sources", headers=operator, json={
        "code": "own", "name": "平台自己的库", "kind": "sql", "url": app.config["DATABASE_URL"]
        if app.config["DATABASE_URL"].startswith("sqlite") else "sqlite:////etc/passwd"})
    assert res.status_code == 422 and "DATA_SOURCE_SQLITE_DIRS" in res.get_json()["errors"]["url"][0]


def test_a_source_that_does_not_answer_is_refused_with_the_reason(client, operator):
    res = client.post("/api/v1/data-sources", headers=operator, json={
        "code": "down", "name": "不通的库", "kind": "sql", "url": "postgresql+psycopg://u:p@127.0.0.1:9/x"})
    assert res.status_code == 422 and res.get_json()["errors"]["url"][0].startswith("连接测试失败")
    bad = client.post("/api/v1/data-sources", headers=operator, json={
        "code": "bad", "name": "x", "kind": "sql", "url": "not a url"})
    assert bad.status_code == 422 and "url" in bad.get_json()["errors"]


@pytest.mark.skipif(not postgres_available(), reason="needs PostgreSQL")
def test_passwords_are_stored_encrypted_and_never_shown(client, operator, session):
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL).set(password="s3cret-pw").render_as_string(hide_password=False)
    made = client.post("/api/v1/data-sources", headers=operator, json={
        "code": "pg", "name": "业务库", "kind": "sql", "url": url})
    assert made.status_code == 201, made.get_json()
    assert "s3cret-pw" not in made.get_data(as_text=True) and made.get_json()["has_secret"] is True
    src = session.scalar(select(DataSource).where(DataSource.code == "pg"))
    assert "s3cret-pw" not in src.secret and "s3cret-pw" not in json.dumps(src.config)
    audit = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "data_source")).all()
    assert audit and all("s3cret-pw" not in json.dumps(e.changes) for e in audit)
    etag = client.get(f"/api/v1/data-sources/{src.id}", headers=operator).headers["ETag"]
    renamed = client.patch(f"/api/v1/data-sources/{src.id}", headers={**operator, "If-Match": etag},
                           json={"name": "业务库（主）"})
    assert renamed.status_code == 200 and renamed.get_json()["has_secret"] is True


def test_uploaded_files_load_all_or_nothing(client, operator, session):
    made = client.post("/api/v1/data-sources", headers=operator, json={
        "code": "points", "name": "积水点台账", "kind": "file",
        "fields": [{"name": "点位", "type": "string"}, {"name": "深度", "type": "number"},
                   {"name": "开通日期", "type": "date"}]}).get_json()
    sid = made["id"]
    bad = "点位,深度,开通日期\n滨湖路,12.5,2026-01-01\n望月路,很深,2026-02-01\n古楼,3,昨天\n"
    res = client.post(f"/api/v1/data-sources/{sid}/upload", headers=operator, content_type="multipart/form-data",
                      data={"file": (io.BytesIO(bad.encode()), "points.csv")})
    assert res.status_code == 422
    assert [(r["row"], r["field"]) for r in res.get_json()["rows"]] == [(3, "深度"), (4, "开通日期")]
    assert client.get(f"/api/v1/data-sources/{sid}", headers=operator).get_json()["row_count"] is None
    good = "点位,深度,开通日期\n滨湖路,12.5,2026-01-01\n望月路,,2026-02-01\n"
    ok = client.post(f"/api/v1/data-sources/{sid}/upload", headers=operator, content_type="multipart/form-data",
                     data={"file": (io.BytesIO(good.encode()), "points.csv")})
    assert ok.status_code == 200 and ok.get_json()["row_count"] == 2
    table = client.get(f"/api/v1/data-sources/{sid}/tables", headers=operator).get_json()
    rows = client.get(f"/api/v1/data-sources/{sid}/preview?table={table[0]['name']}", headers=operator).get_json()
    assert rows == [{"点位": "滨湖路", "深度": 12.5, "开通日期": "2026-01-01"},
                    {"点位": "望月路", "深度": None, "开通日期": "2026-02-01"}]
    other = client.post(f"/api/v1/data-sources/{sid}/upload", headers=operator, content_type="multipart/form-data",
                        data={"file": (io.BytesIO("a,b\n1,2\n".encode()), "x.csv")})
    assert other.status_code == 422 and "file" in other.get_json()["errors"]


def test_types_are_inferred_for_a_first_upload_of_json(session, system, org):
    src = service.source_create(session, system, {"code": "j", "name": "j", "kind": "file"}, service.Policy())
    session.flush()
    data = json.dumps([{"站点": "江东", "雨量": 3, "告警": True, "时间": "2026-11-25T08:00:00+08:00"},
                       {"站点": "滨湖", "雨量": 4.5, "告警": False, "时间": None}], ensure_ascii=False).encode()
    service.source_upload(session, system, src.id, data, "rain.json")
    session.commit()
    assert src.fields == [{"name": "站点", "type": "string"}, {"name": "雨量", "type": "number"},
                          {"name": "告警", "type": "boolean"}, {"name": "时间", "type": "datetime"}]
    rows = service.source_preview(session, system, src.id, src.file_table, service.Policy())
    assert rows[0]["时间"].isoformat() == "2026-11-25T00:00:00"  # stored in UTC
    with pytest.raises(ImportRejected):
        service.source_upload(session, system, src.id, b'[{"\\u7ad9\\u70b9": 1, "\\u96e8\\u91cf": "x", '
                              b'"\\u544a\\u8b66": true, "\\u65f6\\u95f4": null}]', "bad.json")


class _Api(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.end_headers()
            return
        body = json.dumps({"data": {"items": [{"plate": "浙A12345", "speed": 42},
                                              {"plate": "浙A67890", "speed": 0}]},
                           "auth": self.headers.get("Authorization")}, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_api():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_http_sources_cannot_reach_internal_hosts_unless_allowed(client, operator, app, local_api, session):
    spec = {"code": "muck", "name": "渣土车接口", "kind": "http", "url": f"{local_api}/vehicles",
            "json_path": "data.items", "auth_header": "Bearer abc"}
    refused = client.post("/api/v1/data-sources", headers=operator, json=spec)
    assert refused.status_code == 422 and "内部地址" in refused.get_json()["errors"]["url"][0]
    app.config["HTTP_SOURCE_ALLOWED_HOSTS"] = ["127.0.0.1"]
    made = client.post("/api/v1/data-sources", headers=operator, json=spec)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["fields"] == [{"name": "plate", "type": "string"}, {"name": "speed", "type": "integer"}]
    assert "abc" not in made.get_data(as_text=True)
    rows = client.get(f"/api/v1/data-sources/{body['id']}/preview?table=records", headers=operator).get_json()
    assert rows[0] == {"plate": "浙A12345", "speed": 42}
    redirect = client.post("/api/v1/data-sources", headers=operator, json={**spec, "code": "redir",
                                                                           "url": f"{local_api}/redirect"})
    assert redirect.status_code == 422 and "重定向" in redirect.get_json()["errors"]["url"][0], redirect.get_json()


def test_permissions_and_delete(client, operator, bearer, make_user, session, system):
    handler = bearer(make_user("h1", "handler"))
    assert client.get("/api/v1/data-sources", headers=handler).status_code == 200
    assert client.post("/api/v1/data-sources", headers=handler,
                       json={"code": "x1", "name": "x", "kind": "file"}).status_code == 403
    src = service.source_create(session, system, {"code": "gone", "name": "gone", "kind": "file"}, service.Policy())
    session.commit()
    etag = client.get(f"/api/v1/data-sources/{src.id}", headers=handler).headers["ETag"]
    assert client.delete(f"/api/v1/data-sources/{src.id}", headers={**handler, "If-Match": etag}).status_code == 403
    etag = client.get(f"/api/v1/data-sources/{src.id}", headers=operator).headers["ETag"]
    assert client.delete(f"/api/v1/data-sources/{src.id}", headers={**operator, "If-Match": etag}).status_code == 204
    assert client.post(f"/api/v1/data-sources/{src.id}/test", headers=operator).status_code == 404
    with pytest.raises(Invalid):
        service.source_create(session, system, {"code": "gone2", "name": "g", "kind": "ftp"}, service.Policy())


def test_service_listing_retesting_and_updating(session, system, org, rain_db):
    policy = service.Policy(sqlite_dirs=[str(rain_db.parent)])
    src = service.source_create(session, system, {"code": "rain2", "name": "雨量", "kind": "sql",
                                                  "url": f"sqlite:///{rain_db}"}, policy)
    session.commit()
    assert [s.code for s in service.source_list(session, system, kind="sql").items] == ["rain2"]
    assert service.source_list(session, system, q="雨").total == 1
    assert service.source_tables(session, system, src.id, policy)[0]["name"] == "rain"
    rain_db.unlink()
    tested = service.source_test(session, system, src.id, policy)
    assert tested.status == "error" and tested.last_error and not rain_db.exists()  # read-only: not recreated
    with pytest.raises(Invalid) as err:
        service.source_update(session, system, src.id, {"url": "sqlite:////nowhere/x.db"}, policy)
    assert "url" in err.value.errors
    assert service.source_get(session, system, src.id).code == "rain2"
