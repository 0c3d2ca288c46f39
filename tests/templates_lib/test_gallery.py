"""The gallery API: listing and filtering (template_list), a template's detail (template_get),
trying it without creating anything (template_try, template_try_view), using it with its checks
(template_use, template_use_queue, use_execute, template_use_list, template_use_get,
template_use_delete), saving pages and flows from apps
(template_save, template_saved_delete), and the permissions."""
import time

import pytest
from sqlalchemy import func, select

from builder import pages as app_pages, service as apps
from builder.models import App
from runtime.flows import service as flows
from runtime.sources import service as sources
from runtime.sources.models import DataSource
from templates_lib import package
from templates_lib.models import TemplateUse


@pytest.fixture
def author(make_user, bearer, city):
    return bearer(make_user("zhang", "author", "data_operator"))


def test_every_package_on_disk_loads_and_holds_together():
    found = package.codes()
    assert found[0] == "flood"
    for code in found:
        pkg = package.load(code)  # the manifest's schema, its references, its files and its generator
        assert pkg.generator.generate.__name__ == "generate" and pkg.manifest["drills"]
        assert set(pkg.manifest["categories"]) <= set(package.CATEGORIES)


def test_the_gallery_lists_filters_and_searches(client, author):
    body = client.get("/api/v1/templates", headers=author).get_json()
    assert body["categories"][0] == "应用模板" and "生态环境" in body["domains"]
    flood = next(e for e in body["items"] if e["code"] == "flood")
    assert flood["kind"] == "scenario" and flood["contents"]["alert_rules"] == 2 and flood["builtin"]
    safety = client.get("/api/v1/templates?domain=城市安全", headers=author).get_json()["items"]
    assert "flood" in [e["code"] for e in safety] and all("城市安全" in e["domains"] for e in safety)
    assert [e["code"] for e in client.get("/api/v1/templates?q=积水 地铁", headers=author).get_json()["items"]] == []
    assert "flood" in [e["code"] for e in client.get("/api/v1/templates?q=汛", headers=author).get_json()["items"]]
    assert client.get("/api/v1/templates?category=乱写", headers=author).status_code == 422


def test_a_template_detail_names_what_a_clone_may_bind(client, author):
    detail = client.get("/api/v1/templates/flood", headers=author).get_json()
    rainfall = next(s for s in detail["sources"] if s["code"] == "rainfall")
    assert {"name": "mm", "type": "number", "title": "雨量（毫米）"} in rainfall["columns"]
    assert [d["code"] for d in detail["drills"]] == ["rainstorm", "typhoon"]
    assert detail["matters"][0] == {"name": "道路积水", "department": "lj-water"}
    assert client.get("/api/v1/templates/nope", headers=author).status_code == 404


def test_trying_a_template_shows_its_screen_on_sample_data_and_creates_nothing(app, client, author, session):
    before = session.scalar(select(func.count(DataSource.id)))
    tried = client.post("/api/v1/templates/flood/try", headers=author).get_json()
    assert tried == {"app_code": "flood", "page_code": "main", "pages": [{"code": "main", "name": "汛情一张图"}],
                     "api_base": "/api/v1/templates/flood/try"}
    page = client.get("/api/v1/templates/flood/try/run/flood/main", headers=author).get_json()
    assert page["page"]["name"] == "汛情一张图"
    assert client.get("/api/v1/templates/flood/try/run/flood", headers=author).get_json()["pages"][0]["code"] == "main"
    data = client.post("/api/v1/templates/flood/try/run/flood/main/data", json={}, headers=author).get_json()
    broken = {cid: c.get("error") for cid, c in data["cards"].items() if not c["ok"]}
    assert broken == {}
    assert data["cards"]["m2"]["rows"]  # 24-hour rainfall over the sample data
    session.expire_all()
    assert session.scalar(select(func.count(DataSource.id))) == before
    assert session.scalar(select(App.id).where(App.code == "flood")) is None


def test_use_checks_the_code_size_and_the_own_sources(client, author, session, system):
    def use(body):
        return client.post("/api/v1/templates/flood/use", json=body, headers=author)

    assert use({"code": "X"}).get_json()["errors"]["code"]
    assert use({"code": "ok_code", "size": 10}).status_code == 422
    own = sources.source_create(session, system, {"code": "my_rain", "name": "自有雨量", "kind": "file", "columns": [
        {"name": "gauge", "type": "string"}, {"name": "mm", "type": "string"}]}, sources.Policy())
    session.commit()
    answer = use({"code": "own_flood", "sources": {"rainfall": {"mode": "own", "source_id": own.id}}})
    assert answer.status_code == 422
    message = answer.get_json()["errors"]["sources.rainfall.source_id"][0]
    assert "mm（number）" in message and "observed_at（datetime）" in message
    assert use({"code": "own_flood", "sources": {"nope": {"mode": "sample"}}}).get_json()["errors"]["sources.nope"]
    assert session.scalar(select(func.count(TemplateUse.id))) == 0


def test_a_clone_on_the_authors_own_source_reads_it_and_refuses_drills(client, author, session, system):
    flood = package.get("flood")
    columns = next(s["columns"] for s in flood.manifest["sources"] if s["code"] == "rainfall")
    own = sources.source_create(session, system, {"code": "my_rain", "name": "自有雨量", "kind": "file", "columns": [
        {"name": c["name"], "type": c["type"]} for c in columns]}, sources.Policy())
    session.flush()
    rows = [r for r in flood.generator.generate(2_100, 3, __import__("datetime").datetime.now(
        __import__("datetime").timezone.utc))["rainfall"]]
    sources.source_load(session, system, own.id, rows)
    session.commit()
    made = client.post("/api/v1/templates/flood/use", json={
        "code": "own_flood", "size": 1000, "sources": {"rainfall": {"mode": "own", "source_id": own.id}}}, headers=author)
    assert made.status_code == 202, made.get_json()
    assert made.get_json()["state"] == "pending" and made.headers["Location"].endswith(f"/{made.get_json()['id']}")
    use = finished(client, made.get_json()["id"], author)
    assert use["state"] == "succeeded" and use["progress"] == 100 and use["stage"] == "已完成"
    rainfall = next(s for s in use["objects"]["sources"] if s["local"] == "rainfall")
    assert rainfall["id"] == own.id and rainfall["mode"] == "own" and rainfall["rows"] == 2_100
    drill = client.post(f"/api/v1/template-uses/{use['id']}/drills/rainstorm", headers=author)
    assert drill.status_code == 409 and "rainfall" in drill.get_json()["errors"]["drill"][0]
    listed = client.get("/api/v1/template-uses", headers=author).get_json()
    assert [u["code"] for u in listed["items"]] == ["own_flood"] and listed["total"] == 1
    one = client.get(f"/api/v1/template-uses/{use['id']}", headers=author).get_json()
    assert one["template_name"] == "防台防汛" and one["app"]["code"] == "own_flood"
    assert client.post("/api/v1/templates/flood/use", json={"code": "own_flood"}, headers=author).status_code == 422


def finished(client, use_id, headers, timeout=60.0):
    """Poll a queued clone until it is done (the in-process job back end carries it out)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        use = client.get(f"/api/v1/template-uses/{use_id}", headers=headers).get_json()
        if use["state"] in ("succeeded", "failed"):
            return use
        time.sleep(0.2)
    raise AssertionError(f"clone {use_id} still {use['state']} ({use['stage']})")


def test_a_queued_clone_that_fails_keeps_its_reason_and_frees_its_code(client, author, session, system, city):
    """use_execute as the job runs it: the author lost the right to use templates after asking."""
    from templates_lib import service as templates
    from tongguan.accounts.models import User

    queued = templates.template_use_queue(session, system, "flood", {"code": "late_flood", "size": 1000})
    zhang = session.scalar(select(User).where(User.username == "zhang"))
    queued.created_by = zhang.id
    zhang.is_active = False
    session.commit()
    done = templates.use_execute(session, queued.id)
    session.commit()
    assert (done.state, done.message) == ("failed", "创建者已没有使用场景模板的权限")
    assert session.scalar(select(App.id).where(App.code == "late_flood")) is None
    assert templates.use_execute(session, queued.id).state == "failed"  # a finished clone is left alone
    zhang.is_active = True
    session.commit()
    assert client.get(f"/api/v1/template-uses/{queued.id}", headers=author).get_json()["message"]
    assert client.delete(f"/api/v1/template-uses/{queued.id}", headers=author).status_code == 204
    again = client.post("/api/v1/templates/flood/use", json={"code": "late_flood", "size": 1000}, headers=author)
    assert again.status_code == 202
    done = finished(client, again.get_json()["id"], author)
    assert done["state"] == "succeeded" and done["app"]["code"] == "late_flood"
    assert client.delete(f"/api/v1/template-uses/{done['id']}", headers=author).status_code == 409


def test_a_clone_whose_generator_breaks_is_failed_with_the_reason(session, make_user, city, monkeypatch):
    from templates_lib import service as templates
    from tongguan.permissions import Actor

    author = Actor.for_user(make_user("zhang", "author"))

    def broken(**kwargs):
        raise RuntimeError("雨量站编号表缺失")

    monkeypatch.setattr(package.get("flood").generator, "generate", broken)
    queued = templates.template_use_queue(session, author, "flood", {"code": "broken_flood", "size": 1000})
    session.commit()
    done = templates.use_execute(session, queued.id)
    session.commit()
    assert done.state == "failed" and done.message == "RuntimeError：雨量站编号表缺失"
    assert session.scalar(select(func.count(DataSource.id)).where(DataSource.code.like("broken_flood%"))) == 0


def test_a_leader_may_browse_and_try_but_not_use(client, make_user, bearer, city):
    leader = bearer(make_user("liu", "leader"))
    assert client.get("/api/v1/templates", headers=leader).status_code == 200
    assert client.post("/api/v1/templates/flood/use", json={"code": "liu_flood"}, headers=leader).status_code == 403


def test_pages_and_flows_saved_from_apps_are_used_and_removed(client, author, session, system, make_user, bearer):
    app = apps.app_create(session, system, {"code": "board", "name": "值班看板", "kind": "page"})
    session.flush()
    document = {"layout": "grid", "theme": "light", "params": [], "cards": [
        {"id": "t", "type": "text.title@1", "x": 0, "y": 0, "w": 24, "h": 2, "props": {"text": "值班看板"}}]}
    page = app_pages.app_page_create(session, system, app.id, {"code": "main", "name": "看板", "document": document})
    flow = flows.flow_create(session, system, {"code": "two_steps", "name": "两步流程"})
    session.commit()
    saved = client.post("/api/v1/templates/saved", json={
        "kind": "page", "code": "duty_board", "name": "值班看板页", "domains": ["城市管理"], "app_id": app.id,
        "page_id": page.id}, headers=author)
    assert saved.status_code == 201, saved.get_json()
    assert saved.get_json()["categories"] == ["应用模板"] and saved.get_json()["saved_by"] == "zhang"
    assert client.post("/api/v1/templates/saved", json={"kind": "flow", "code": "duty_board", "name": "重名",
                                                         "flow_id": flow.id}, headers=author).status_code == 422
    assert client.post("/api/v1/templates/saved", json={"kind": "flow", "code": "two_step_flow", "name": "两步",
                                                         "flow_id": flow.id}, headers=author).status_code == 201
    # a saved page is tried on the workspace's own data, as a one-page app that is never saved
    tried = client.post("/api/v1/templates/duty_board/try", headers=author).get_json()
    assert tried["api_base"] == "/api/v1/templates/duty_board/try" and tried["page_code"] == "main"
    shown = client.get("/api/v1/templates/duty_board/try/run/duty_board/main", headers=author).get_json()
    assert shown["page"]["document"]["cards"][0]["props"]["text"] == "值班看板"
    answer = client.post("/api/v1/templates/duty_board/try/run/duty_board/main/data", json={}, headers=author)
    assert answer.status_code == 200 and all(c["ok"] for c in answer.get_json()["cards"].values())
    assert client.post("/api/v1/templates/two_step_flow/try", headers=author).status_code == 404
    assert session.scalar(select(func.count(App.id)).where(App.code == "duty_board")) == 0
    kinds = {e["code"]: e["kind"] for e in client.get("/api/v1/templates?kind=flow", headers=author).get_json()["items"]}
    assert kinds == {"two_step_flow": "flow"}
    used = client.post("/api/v1/templates/duty_board/use", json={"app_id": app.id, "code": "copy", "name": "副本"},
                       headers=author)
    assert used.status_code == 201 and used.get_json()["objects"]["pages"][0]["code"] == "copy"
    session.expire_all()
    from builder.models import AppPage
    copy = session.scalar(select(AppPage).where(AppPage.app_id == app.id, AppPage.code == "copy"))
    assert copy.document["cards"][0]["props"]["text"] == "值班看板"
    flow_use = client.post("/api/v1/templates/two_step_flow/use", json={"code": "two_steps_b", "name": "两步B"},
                           headers=author)
    assert flow_use.status_code == 201 and flow_use.get_json()["objects"]["flows"][0]["code"] == "two_steps_b"
    other = bearer(make_user("wang", "author"))
    assert client.delete("/api/v1/templates/saved/duty_board", headers=other).status_code == 403
    assert client.delete("/api/v1/templates/saved/duty_board", headers=author).status_code == 204
    assert client.get("/api/v1/templates/duty_board", headers=author).status_code == 404
