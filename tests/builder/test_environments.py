"""Environments and deployments against two real instances served on 127.0.0.1: deploy a release
to both in one call, a second release, roll back one, a down environment, and the history.

The source is the `app` fixture (SQLite and PostgreSQL); the environments are instances of
their own on SQLite files (see `instance` in test_transfer)."""
import socket
import threading

import pytest
from sqlalchemy import select, text
from werkzeug.serving import make_server

from builder import pages
from builder.environments import deploy as remote_calls, service as environments
from builder.models import App, AppPage
from tests.builder.test_transfer import (SYSTEM, instance, keyring, published, screen,  # noqa: F401 (fixtures)
                                        sqlite_template, title)
from tongguan.errors import Invalid
from tongguan.permissions import Actor

PROBLEM = "application/problem+json"


@pytest.fixture
def serve():
    """serve(flask_app) -> its base URL, served by werkzeug in a thread until the test ends."""
    servers = []

    def start(flask_app):
        server = make_server("127.0.0.1", 0, flask_app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once closed


def active(target, code):
    """(active_release, newest release number) of the app `code` on an instance."""
    s = target.sessions()
    try:
        app = s.scalar(select(App).where(App.code == code))
        return app.active_release, len(pages.app_release_list(s, SYSTEM, app.id).items)
    finally:
        s.close()


def test_deploy_to_two_environments_then_roll_one_back(client, admin_headers, session, keyring, instance, serve,
                                                      make_user, bearer, monkeypatch):
    app = published(session, "flood", screen(title()))
    test_env, prod_env = instance("test_env"), instance("prod_env")
    ids = {}
    for code, target in (("test", test_env), ("prod", prod_env)):
        res = client.post("/api/v1/environments", headers=admin_headers, json={
            "code": code, "name": f"{code} 环境", "url": serve(target.app) + "/", "token": target.token})
        assert res.status_code == 201, res.json
        assert res.json["has_token"] and "token" not in res.json and not res.json["url"].endswith("/")
        ids[code] = res.json["id"]
    stored = session.execute(text("SELECT secret FROM environment WHERE code = 'test'")).scalar()
    assert test_env.token not in stored  # encrypted at rest
    check = client.get(f"/api/v1/environments/{ids['test']}/check", headers=admin_headers).json
    assert check["ok"] and check["trusts_us"] and check["user"] == "deployer" and check["revision"], check

    res = client.post("/api/v1/deployments", headers=admin_headers,
                      json={"app_id": app.id, "number": 1, "environment_ids": [ids["test"], ids["prod"]]})
    assert res.status_code == 201, res.json
    assert [(d["state"], d["remote_release"]) for d in res.json] == [("succeeded", 1), ("succeeded", 1)], res.json
    assert active(test_env, "flood") == active(prod_env, "flood") == (1, 1)

    main = session.scalar(select(AppPage).where(AppPage.app_id == app.id))
    pages.app_page_save(session, SYSTEM, app.id, main.id, screen(title(text="第二版")))
    pages.app_release_create(session, SYSTEM, app.id)
    session.commit()
    second = environments.deploy(session, SYSTEM, app.id, 2, [ids["test"], ids["prod"]])
    session.commit()
    assert [d.state for d in second] == ["succeeded", "succeeded"]
    assert active(test_env, "flood") == active(prod_env, "flood") == (2, 2)
    again = environments.deploy(session, SYSTEM, app.id, 2, [ids["prod"]])  # the same release: no new one there
    session.commit()
    assert again[0].state == "succeeded" and active(prod_env, "flood") == (2, 2)

    res = client.post(f"/api/v1/deployments/{second[0].id}/rollback", headers=admin_headers)
    assert res.status_code == 201, res.json
    assert res.json["rolled_back_from"] == second[0].id and res.json["release_number"] == 1
    assert active(test_env, "flood") == (1, 2) and active(prod_env, "flood") == (2, 2)
    first = environments.deployment_list(session, SYSTEM, ids["test"]).items[-1]
    with pytest.raises(Invalid, match="Nothing to roll back to"):
        environments.rollback(session, SYSTEM, first.id)

    # a down environment fails on its own, with a message, and the other still gets the release
    res = client.post("/api/v1/environments", headers=admin_headers, json={
        "code": "down", "name": "停机环境", "url": f"http://127.0.0.1:{closed_port()}", "token": "x"})
    down = res.json["id"]
    monkeypatch.setattr(remote_calls, "TIMEOUT_S", 5)
    res = client.post("/api/v1/deployments", headers=admin_headers,
                      json={"app_id": app.id, "number": 1, "environment_ids": [down, ids["test"]]})
    assert [d["state"] for d in res.json] == ["failed", "succeeded"]
    assert "cannot reach" in res.json[0]["message"] and res.json[0]["remote_release"] is None
    check = environments.environment_check(session, SYSTEM, down)
    assert not check["ok"] and not check["reachable"] and check["problems"]

    # the history, by environment and by app
    history = client.get(f"/api/v1/environments/{ids['test']}/deployments", headers=admin_headers).json
    assert [(d["release_number"], d["state"], bool(d["rolled_back_from"])) for d in history["items"]] == [
        (1, "succeeded", False), (1, "succeeded", True), (2, "succeeded", False), (1, "succeeded", False)]
    by_app = client.get(f"/api/v1/apps/{app.id}/deployments", headers=admin_headers).json
    assert by_app["total"] == 8 and environments.app_deployment_list(session, SYSTEM, app.id).total == 8

    # editing with If-Match, listing, deleting; only administrators manage environments
    item = client.get(f"/api/v1/environments/{down}", headers=admin_headers)
    assert client.patch(f"/api/v1/environments/{down}", headers=admin_headers, json={"name": "x"}).status_code == 428
    res = client.patch(f"/api/v1/environments/{down}", headers={**admin_headers, "If-Match": item.headers["ETag"]},
                       json={"name": "已停用", "url": "ftp://nowhere"})
    assert res.status_code == 422 and "url" in res.json["errors"]
    env = environments.environment_update(session, SYSTEM, down, {"name": "已停用", "token": "new-token"})
    assert environments.token_of(env) == "new-token"
    assert environments.environment_get(session, SYSTEM, down).name == "已停用"
    session.commit()
    assert [e.code for e in environments.environment_list(session, SYSTEM).items] == ["down", "prod", "test"]
    etag = client.get(f"/api/v1/environments/{down}", headers=admin_headers).headers["ETag"]
    assert client.delete(f"/api/v1/environments/{down}", headers={**admin_headers, "If-Match": etag}).status_code == 204
    environments.environment_delete(session, SYSTEM, ids["prod"])
    session.commit()
    author = bearer(make_user("author1", "author"))
    res = client.get("/api/v1/environments", headers=author)
    assert res.status_code == 403 and res.mimetype == PROBLEM
    assert client.get(f"/api/v1/apps/{app.id}/deployments", headers=author).json["total"] == 4
    with pytest.raises(Invalid):
        environments.environment_create(session, Actor.system(), {"code": "bad", "name": "x", "url": "http://u:p@h",
                                                                  "token": ""})
