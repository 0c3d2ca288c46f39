"""API services: a published app's data services and indicators offered outbound under a token
scoped to one API service, and an inbound HTTP API registered as a source and offered end to end."""
import datetime as dt
import http.server
import json
import sqlite3
import threading

import pytest

from builder import pages
from builder import service as apps
from builder.api_services import service as api_services
from runtime.indicators import service as indicators
from runtime.services import service as services
from runtime.sources import httpjson
from runtime.sources import service as sources
from tongguan.errors import Forbidden, Invalid, NotFound
from tongguan.permissions import Actor

NOW = dt.datetime.now(dt.timezone.utc)
EVENTS = [("江东区", "办结", 1), ("江东区", "处置中", 2), ("江西区", "办结", 3), ("江西区", "办结", 50)]


def table_card(card_id, service):
    return {"id": card_id, "type": "table.basic@1", "x": 0, "y": 0, "w": 900, "h": 400,
            "binding": {"service": service, "limit": 50}}


def bar_card(card_id, indicator):
    return {"id": card_id, "type": "chart.bar@1", "x": 0, "y": 500, "w": 600, "h": 400,
            "props": {"title": "各区事件"}, "binding": {"indicator": indicator, "by": "district"}}


def publish_app(session, actor, code, *cards):
    app = apps.app_create(session, actor, {"code": code, "name": f"应用 {code}", "kind": "screen"})
    pages.app_page_create(session, actor, app.id, {"code": "main", "name": "首页", "document": {
        "layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark", "params": [],
        "cards": list(cards)}})
    pages.app_release_create(session, actor, app.id)
    session.commit()
    return app


@pytest.fixture
def city(tmp_path, session, system, org):
    """An online service `city_rows` (parameter `district`), another `other_rows`, a published indicator
    `event_count` by district, and the published app `ops` whose page binds the first and the indicator
    (the first service is granted to the app)."""
    path = tmp_path / "city.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (district TEXT, status TEXT, reported_at TIMESTAMP)")
        conn.executemany("INSERT INTO events VALUES (?, ?, ?)", [
            (d, s, (NOW - dt.timedelta(days=ago)).replace(tzinfo=None).isoformat(" ")) for d, s, ago in EVENTS])
    src = sources.source_create(session, system, {"code": "city_db", "name": "城市事件库", "kind": "sql",
                                                  "url": f"sqlite:///{path}"},
                                sources.Policy(sqlite_dirs=[str(tmp_path)]))
    session.flush()
    output = [{"name": "district", "type": "string"}, {"name": "status", "type": "string"},
              {"name": "reported_at", "type": "datetime"}]
    made = {}
    for code, sql, params in (
            ("city_rows", "SELECT district, status, reported_at FROM events "
                          "WHERE (:district IS NULL OR district = :district) ORDER BY reported_at",
             [{"name": "district", "type": "string"}]),
            ("other_rows", "SELECT district, status, reported_at FROM events", [])):
        made[code] = services.service_create(session, system, {
            "code": code, "name": code, "source_id": src.id, "kind": "sql", "definition": {"sql": sql},
            "params": params, "output": output})
        session.flush()
        services.service_set_state(session, system, made[code].id, "online")
    ind = indicators.indicator_create(session, system, {
        "code": "event_count", "name": "事件数", "unit": "件", "service_id": made["other_rows"].id,
        "formula": "count()", "time_field": "reported_at", "dimensions": ["district"], "default_window": "30d"})
    indicators.indicator_set_state(session, system, ind.id, "published")
    session.commit()
    app = publish_app(session, system, "ops", table_card("t1", "city_rows"), bar_card("c1", "event_count"))
    services.service_grant_app(session, system, made["city_rows"].id, app.id)
    session.commit()
    return {"app": app, **made, "indicator": ind}


@pytest.fixture
def author(make_user, bearer):
    return bearer(make_user("author1", "author"))


def _online(client, headers, app_id, body):
    made = client.post(f"/api/v1/apps/{app_id}/api-services", headers=headers, json=body)
    assert made.status_code == 201, made.get_json()
    url = f"/api/v1/apps/{app_id}/api-services/{made.json['id']}"
    res = client.patch(url, headers={**headers, "If-Match": made.headers["ETag"]}, json={"state": "online"})
    assert res.status_code == 200, res.get_json()
    token = client.post(f"{url}/tokens", headers=headers, json={"name": "外部系统"})
    assert token.status_code == 201 and token.json["token"].startswith("tgo_")
    return url, {"Authorization": f"Bearer {token.json['token']}"}, token.json["id"]


OPEN_API = {"code": "open_city", "name": "城市事件开放接口", "items": [
    {"kind": "service", "code": "city_rows", "params": ["district"]},
    {"kind": "indicator", "code": "event_count", "by": "district", "window": "7d"}]}


def test_an_api_service_answers_what_the_app_itself_gets(client, session, system, city, author):
    url, token, _ = _online(client, author, city["app"].id, OPEN_API)
    root = "/api/open/v1/ops/open_city"
    described = client.get(root, headers=token)
    assert described.status_code == 200 and described.json["openapi"] == "3.1.0"
    assert set(described.json["paths"]) == {"/services/city_rows", "/indicators/event_count"}
    assert described.json["servers"] == [{"url": root}]
    schema = described.json["paths"]["/services/city_rows"]["get"]["responses"]["200"]["content"]
    row = schema["application/json"]["schema"]["properties"]["rows"]["items"]["properties"]
    assert row["reported_at"] == {"type": "string", "format": "date-time"}

    rows = client.get(f"{root}/services/city_rows?district=江东区", headers=token)
    direct = services.service_call(session, system, "city_rows", {"district": "江东区"})
    assert rows.status_code == 200 and rows.json["rows"] == direct["rows"] and len(direct["rows"]) == 2

    values = client.get(f"{root}/indicators/event_count", headers=token)  # the item's by and window
    direct = indicators.indicator_values(session, system, ["event_count"], by=["district"], window="7d")
    assert values.status_code == 200 and values.json["rows"] == direct["rows"]
    assert {r["district"]: r["event_count"] for r in values.json["rows"]} == {"江东区": 2, "江西区": 1}
    wider = client.get(f"{root}/indicators/event_count?window=90d&by=", headers=token).json
    assert wider["rows"] == [{"event_count": 4}]

    assert client.get(f"{root}/services/city_rows?status=x", headers=token).status_code == 422  # not offered
    listed = client.get(f"{url}/tokens", headers=author).json["items"]
    assert listed[0]["last_used_at"] is not None and "token" not in listed[0]


def test_other_tokens_items_and_states_are_refused_with_problems(client, session, city, author, bearer, make_user):
    url, token, token_id = _online(client, author, city["app"].id, OPEN_API)
    _, other, _ = _online(client, author, city["app"].id, {**OPEN_API, "code": "second"})
    root = "/api/open/v1/ops/open_city"

    def refused(path, headers, status):
        res = client.get(path, headers=headers)
        assert res.status_code == status and res.mimetype == "application/problem+json", (path, res.get_json())
        return res.json

    refused(root, {}, 401)
    refused(root, {"Authorization": "Bearer tgo_nonsense"}, 401)
    refused(root, bearer(make_user("someone", "admin")), 401)  # an account's token is no API token
    assert "另一个 API 服务" in refused(f"{root}/services/city_rows", other, 403)["detail"]
    refused(f"{root}/services/other_rows", token, 404)  # a real service, not offered here
    refused(f"{root}/indicators/city_rows", token, 404)

    etag = client.get(url, headers=author).headers["ETag"]
    res = client.patch(url, headers={**author, "If-Match": etag}, json={"state": "offline"})
    assert res.status_code == 200
    assert "未上线" in refused(f"{root}/services/city_rows", token, 403)["detail"]
    client.patch(url, headers={**author, "If-Match": res.headers["ETag"]}, json={"state": "online"})
    assert client.get(f"{root}/services/city_rows", headers=token).status_code == 200

    assert client.delete(f"{url}/tokens/{token_id}", headers=author).json["revoked_at"] is not None
    refused(f"{root}/services/city_rows", token, 401)
    assert client.get(f"{url}/tokens", headers=author).json["total"] == 0
    assert client.get(f"{url}/tokens?include_revoked=true", headers=author).json["total"] == 1


def test_an_expired_token_is_refused(client, session, system, city, author):
    url, _, _ = _online(client, author, city["app"].id, OPEN_API)
    api_id = int(url.rsplit("/", 1)[1])
    token, secret = api_services.api_service_token_create(session, system, city["app"].id, api_id,
                                                          {"name": "短期", "expires_in_days": 1})
    token.expires_at = NOW - dt.timedelta(minutes=1)
    session.commit()
    assert client.get("/api/open/v1/ops/open_city", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_the_rate_limit_answers_429_with_retry_after(client, city, author, monkeypatch):
    monkeypatch.setattr(api_services, "RATE", api_services._FixedWindow())  # no counts from other tests
    _, token, _ = _online(client, author, city["app"].id, {**OPEN_API, "rate_limit": 2})
    path = "/api/open/v1/ops/open_city/services/city_rows"
    assert [client.get(path, headers=token).status_code for _ in range(2)] == [200, 200]
    res = client.get(path, headers=token)
    assert res.status_code == 429 and 1 <= int(res.headers["Retry-After"]) <= 60
    window = api_services._FixedWindow()
    assert window.take(1, 1, now=120.0) is None and window.take(1, 1, now=150.0) == 30
    assert window.take(1, 1, now=180.0) is None  # a new minute


def test_only_what_the_app_binds_or_is_granted_can_be_offered(session, system, city, make_user):
    author = Actor.for_user(make_user("author2", "author"))
    app_id = city["app"].id
    with pytest.raises(Invalid) as caught:
        api_services.api_service_create(session, author, app_id, {"code": "x_api", "name": "x", "items": [
            {"kind": "service", "code": "other_rows"}, {"kind": "service", "code": "no_such"},
            {"kind": "indicator", "code": "event_count", "by": "status"}]})
    errors = caught.value.errors
    assert "既未被本应用的页面绑定" in errors["items.0.code"][0] and "不存在" in errors["items.1.code"][0]
    assert "items.2.by" in errors
    session.rollback()
    # bound by a page but not granted: outbound calls run as the app, so it is refused with the reason
    bound_only = publish_app(session, system, "bound_only", table_card("t1", "other_rows"))
    with pytest.raises(Invalid) as caught:
        api_services.api_service_create(session, author, bound_only.id, {"code": "x_api", "name": "x", "items": [
            {"kind": "service", "code": "other_rows"}]})
    assert "未授权给本应用" in caught.value.errors["items.0.code"][0]
    session.rollback()
    draft = apps.app_create(session, author, {"code": "draft_app", "name": "草稿", "kind": "page"})
    with pytest.raises(Invalid) as caught:
        api_services.api_service_create(session, author, draft.id, {"code": "x_api", "name": "x", "items": []})
    assert "未发布" in caught.value.errors["app"][0]
    session.rollback()
    api = api_services.api_service_create(session, author, app_id, {"code": "ok_api", "name": "ok", "items": [
        {"kind": "service", "code": "city_rows"}]})
    session.commit()
    with pytest.raises(Invalid):  # code unique per app
        api_services.api_service_create(session, author, app_id, {"code": "ok_api", "name": "again"})
    session.rollback()
    with pytest.raises(Invalid) as caught:  # draft -> offline is no move
        api_services.api_service_update(session, author, app_id, api.id, {"state": "offline"})
    assert "state" in caught.value.errors
    session.rollback()
    reader = Actor.for_user(make_user("reader", "handler"))
    assert [a.code for a in api_services.api_service_list(session, reader, app_id).items] == ["ok_api"]
    assert api_services.api_service_get(session, reader, app_id, api.id).items[0]["params"] == []
    with pytest.raises(Forbidden):
        api_services.api_service_token_create(session, reader, app_id, api.id, {"name": "x"})
    with pytest.raises(NotFound):
        api_services.api_service_get(session, reader, bound_only.id, api.id)  # another app's id
    assert api_services.api_service_token_list(session, author, app_id, api.id).total == 0
    token, _ = api_services.api_service_token_create(session, author, app_id, api.id, {"name": "t"})
    session.flush()
    assert api_services.api_service_token_revoke(session, author, app_id, api.id, token.id).revoked_at


def test_the_management_api_needs_if_match_and_app_manage(client, city, author, bearer, make_user):
    reader = bearer(make_user("reader", "handler"))
    base = f"/api/v1/apps/{city['app'].id}/api-services"
    assert client.post(base, headers=reader, json={"code": "a_api", "name": "a"}).status_code == 403
    made = client.post(base, headers=author, json={"code": "a_api", "name": "a", "rate_limit": 10})
    assert made.status_code == 201 and made.json["state"] == "draft"
    url = f"{base}/{made.json['id']}"
    assert client.patch(url, headers=author, json={"name": "b"}).status_code == 428
    stale = {**author, "If-Match": '"api_service-99-v1"'}
    assert client.patch(url, headers=stale, json={"name": "b"}).status_code == 412
    res = client.patch(url, headers={**author, "If-Match": made.headers["ETag"]},
                       json={"name": "b", "items": [{"kind": "service", "code": "other_rows"}]})
    assert res.status_code == 422 and "items.0.code" in res.json["errors"]
    assert client.get(base, headers=reader).json["items"][0]["name"] == "a"
    assert client.get(f"{url}/tokens", headers=reader).status_code == 403


class _Vehicles(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the stdlib's name
        body = json.dumps({"data": {"items": [{"plate": "浙A12345", "speed": 42}, {"plate": "浙A67890", "speed": 0}]}},
                          ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def vehicles_api(monkeypatch):
    server = http.server.HTTPServer(("127.0.0.1", 0), _Vehicles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(httpjson, "ALLOWED_HOSTS", ["127.0.0.1"])  # what HTTP_SOURCE_ALLOWED_HOSTS sets
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_an_inbound_http_api_is_a_source_a_data_service_and_offered_outbound(client, session, system, org,
                                                                            vehicles_api, author):
    src = sources.source_create(session, system, {"code": "muck", "name": "渣土车接口", "kind": "http",
                                                  "url": f"{vehicles_api}/vehicles", "json_path": "data.items"},
                                sources.Policy(allowed_hosts=["127.0.0.1"]))
    session.commit()
    with pytest.raises(Invalid) as caught:  # grouping is not offered over an HTTP source
        services.service_create(session, system, {
            "code": "muck_groups", "name": "x", "source_id": src.id, "kind": "table",
            "definition": {"table": "records", "group_by": ["plate"],
                           "aggregates": [{"name": "n", "expr": "count()"}]}})
    assert "definition.group_by" in caught.value.errors
    session.rollback()
    svc = services.service_create(session, system, {
        "code": "muck_moving", "name": "行驶中的渣土车", "source_id": src.id, "kind": "table",
        "definition": {"table": "records", "filter": "speed > 0", "columns": ["plate", "speed"]}})
    session.flush()
    services.service_set_state(session, system, svc.id, "online")
    assert svc.output == [{"name": "plate", "type": "string"}, {"name": "speed", "type": "integer"}]
    app = publish_app(session, system, "muck_screen", table_card("t1", "muck_moving"))
    services.service_grant_app(session, system, svc.id, app.id)
    session.commit()
    _, token, _ = _online(client, author, app.id, {"code": "muck_open", "name": "渣土车开放接口",
                                                   "items": [{"kind": "service", "code": "muck_moving"}]})
    res = client.get("/api/open/v1/muck_screen/muck_open/services/muck_moving", headers=token)
    assert res.status_code == 200, res.get_json()
    assert res.json["rows"] == [{"plate": "浙A12345", "speed": 42}] and res.json["truncated"] is False
    session.expire_all()
    httpjson.ALLOWED_HOSTS[:] = []  # the host is no longer allowed: the call is refused, not a 500
    res = client.get("/api/open/v1/muck_screen/muck_open/services/muck_moving", headers=token)
    assert res.status_code == 409 and "内部地址" in res.json["detail"]


def test_outbound_calls_run_as_the_api_service_with_the_apps_grants_only(session, system, city, monkeypatch):
    monkeypatch.setattr(api_services, "RATE", api_services._FixedWindow())
    app_id = city["app"].id
    api = api_services.api_service_create(session, system, app_id, OPEN_API)
    session.flush()
    api_services.api_service_update(session, system, app_id, api.id, {"state": "online"})
    _, secret = api_services.api_service_token_create(session, system, app_id, api.id, {"name": "t"})
    session.commit()
    api, app, caller = api_services.api_open_authorize(session, secret, "ops", "open_city")
    assert caller.username == "api:ops/open_city" and caller.permissions == {"data.read"}
    assert caller.department_id is None
    assert api_services.api_open_describe(session, caller, api, app, "/x")["info"]["title"] == "城市事件开放接口"
    assert len(api_services.api_open_service(session, caller, api, app, "city_rows", {}, limit=2)["rows"]) == 2
    values = api_services.api_open_indicator(session, caller, api, "event_count", by="")
    assert values["rows"] == [{"event_count": 3}]  # over the item's 7 days
    # the grant to the app is what lets it through: withdrawn, the call is refused as for the app's pages
    services.service_grant_app(session, system, city["city_rows"].id, app_id, allow=False)
    with pytest.raises(Forbidden):
        api_services.api_open_service(session, caller, api, app, "city_rows", {})
    with pytest.raises(NotFound):
        api_services.api_open_service(session, caller, api, app, "other_rows", {})
