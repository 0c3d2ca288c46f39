"""Preset app templates and app settings: a new app starts from a preset's pages; its welcome page
and background are checked, kept on the app and served to the runtime viewer."""
from builder import pages, service as apps
from builder.app_settings import problems as settings_problems
from builder.presets import PRESETS, app_preset_list

SETTINGS = {"welcome": {"enabled": True, "title": "欢迎", "text": "城运总览", "duration_s": 3},
            "background": {"color": "#061634", "image": "/static/bg.png"}}


def test_the_presets_are_listed_for_the_app_list(client, make_user, bearer, session, system):
    headers = bearer(make_user("author1", "author"))
    listed = client.get("/api/v1/apps/presets", headers=headers).json
    assert [p["code"] for p in listed] == list(PRESETS)
    screen = listed[0]
    assert screen["name"] == "城运总览大屏" and screen["kind"] == "screen" and screen["cards"] >= 6
    assert {p["kind"] for p in app_preset_list(session, system)} == {"screen", "page", "mobile"}


def test_an_app_created_from_a_preset_starts_with_its_pages(client, make_user, bearer, session, system):
    headers = bearer(make_user("author1", "author"))
    res = client.post("/api/v1/apps", headers=headers, json={
        "code": "ops_screen", "name": "城运大屏", "kind": "screen", "preset": "city_overview_screen",
        "settings": SETTINGS})
    assert res.status_code == 201, res.json
    assert res.json["settings"] == SETTINGS
    [page] = pages.app_page_list(session, system, res.json["id"])
    document = page.document
    assert document["layout"] == "free" and document["theme"] == "dark" and document["size"]["width"] == 1920
    types = {c["type"] for c in document["cards"]}
    assert {"text.banner@1", "metric.number@1", "chart.bar@1", "chart.line@1", "chart.pie@1"} <= types
    for code in ("department_workbench", "mobile_brief"):
        kind = PRESETS[code]["kind"]
        made = client.post("/api/v1/apps", headers=headers, json={
            "code": code, "name": PRESETS[code]["name"], "kind": kind, "preset": code})
        assert made.status_code == 201, made.json
        [page] = pages.app_page_list(session, system, made.json["id"])
        assert page.document["theme"] == "light" and page.document["layout"] == "grid"


def test_an_unknown_or_mismatched_preset_and_bad_settings_are_refused(client, make_user, bearer):
    headers = bearer(make_user("author1", "author"))
    base = {"code": "x_app", "name": "x", "kind": "page"}
    for extra, field in (({"preset": "nothing"}, "preset"), ({"preset": "city_overview_screen"}, "preset"),
                         ({"settings": {"welcome": {"image": "javascript:alert(1)"}}}, "settings.welcome.image"),
                         ({"settings": {"background": {"color": "red"}, "other": 1}}, "settings.background.color")):
        res = client.post("/api/v1/apps", headers=headers, json={**base, **extra})
        assert res.status_code == 422, extra
        assert field in res.json["errors"], res.json["errors"]
    assert settings_problems({"other": 1}) == {"settings.other": ["不支持的属性 other (unknown property)"]}


def test_settings_are_changed_with_if_match_and_reach_the_runtime_viewer(client, make_user, bearer, session, system):
    headers = bearer(make_user("author1", "author"))
    app = apps.app_create(session, system, {"code": "ops_page", "name": "运行概览", "kind": "page"})
    pages.app_page_create(session, system, app.id, {"code": "main", "name": "首页"})
    session.commit()
    etag = client.get(f"/api/v1/apps/{app.id}", headers=headers).headers["ETag"]
    res = client.patch(f"/api/v1/apps/{app.id}", headers={**headers, "If-Match": etag}, json={"settings": SETTINGS})
    assert res.status_code == 200 and res.json["settings"] == SETTINGS
    session.expire_all()  # the API changed the app in its own session
    pages.app_release_create(session, system, app.id)
    session.commit()
    run = client.get("/api/v1/run/ops_page", headers=headers).json
    assert run["app"]["settings"] == SETTINGS
