"""Apps as the builder's first table: registered, published, and authorised to call data services."""
import pytest

from builder import service as apps
from runtime.services import service as services
from runtime.sources import service as sources
from tongguan.errors import Forbidden, Invalid, PreconditionFailed
from tongguan.permissions import Actor


@pytest.fixture
def rain_service(session, system):
    src = sources.source_create(session, system, {"code": "rain", "name": "雨量", "kind": "file"}, sources.Policy())
    session.flush()
    sources.source_upload(session, system, src.id, "district,mm\n江东区,60\n".encode(), "rain.csv")
    svc = services.service_create(session, system, {"code": "rain_rows", "name": "雨量", "source_id": src.id,
                                                    "kind": "table", "definition": {"table": src.file_table}})
    services.service_set_state(session, system, svc.id, "online")
    session.commit()
    return svc


def test_apps_are_registered_listed_and_changed(session, make_user):
    author = Actor.for_user(make_user("author1", "author"))
    app = apps.app_create(session, author, {"code": "flood_screen", "name": "防汛大屏", "kind": "screen"})
    session.commit()
    with pytest.raises(Invalid):
        apps.app_create(session, author, {"code": "flood_screen", "name": "重复", "kind": "page"})
    session.rollback()
    assert [a.code for a in apps.app_list(session, author, kind="screen").items] == ["flood_screen"]
    assert apps.app_get(session, author, app.id).state == "draft"
    version = app.version
    apps.app_update(session, author, app.id, {"state": "published"}, if_version=version)
    session.commit()
    with pytest.raises(PreconditionFailed):
        apps.app_update(session, author, app.id, {"name": "旧"}, if_version=version)
    with pytest.raises(Forbidden):
        apps.app_create(session, Actor.for_user(make_user("h1", "handler")), {"code": "x_app", "name": "x",
                                                                               "kind": "card"})


def test_a_service_granted_to_a_published_app_serves_its_viewers(session, system, make_user, org, rain_service):
    viewer = Actor.for_user(make_user("viewer", "handler", department="street"))
    app = apps.app_create(session, system, {"code": "flood_screen", "name": "防汛大屏", "kind": "screen"})
    session.commit()
    with pytest.raises(Forbidden):
        services.service_call(session, viewer, "rain_rows", {}, app="flood_screen")
    assert services.service_grant_app(session, system, rain_service.id, app.id) == [app.id]
    with pytest.raises(Forbidden):  # a draft app serves nobody
        services.service_call(session, viewer, "rain_rows", {}, app="flood_screen")
    apps.app_update(session, system, app.id, {"state": "published"})
    session.commit()
    assert services.service_call(session, viewer, "rain_rows", {}, app="flood_screen")["rows"] == [
        {"district": "江东区", "mm": 60}]
    with pytest.raises(Forbidden):  # without the app, the department itself is not authorised
        services.service_call(session, viewer, "rain_rows", {})
    assert services.service_grants(session, viewer, rain_service.id) == {"departments": [], "apps": [app.id]}
    assert services.service_grant_app(session, system, rain_service.id, app.id, allow=False) == []


def test_the_http_api(client, bearer, make_user, session, rain_service):
    author = bearer(make_user("author1", "author"))
    manager = bearer(make_user("dm", "data_operator"))
    viewer = bearer(make_user("viewer", "handler", department="street"))
    resp = client.post("/api/v1/apps", headers=author, json={"code": "hotline_page", "name": "热线页", "kind": "page"})
    assert resp.status_code == 201
    app_id, etag = resp.json["id"], resp.headers["ETag"]
    resp = client.patch(f"/api/v1/apps/{app_id}", headers={**author, "If-Match": etag}, json={"state": "published"})
    assert resp.status_code == 200 and resp.json["state"] == "published"
    assert client.get("/api/v1/apps?state=published", headers=viewer).json["items"][0]["code"] == "hotline_page"
    grants = f"/api/v1/data-services/{rain_service.id}/grants"
    assert client.post(grants, headers=manager, json={}).status_code == 422  # a department or an app
    assert client.post(grants, headers=manager, json={"app_id": app_id}).json == {"departments": [], "apps": [app_id]}
    assert client.get("/api/v1/data-services/rain_rows", headers=viewer).status_code == 403
    resp = client.get("/api/v1/data-services/rain_rows?_app=hotline_page", headers=viewer)
    assert resp.status_code == 200 and resp.json["rows"][0]["district"] == "江东区"
    assert client.get(grants, headers=viewer).json["apps"] == [app_id]
