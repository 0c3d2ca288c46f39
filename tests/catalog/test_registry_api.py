"""The component registry API: listing, registering, versions, lifecycle moves, attachments."""
import io

import pytest
from sqlalchemy import func, select

from catalog.registry import init_app
from catalog.registry.models import Component, ComponentVersion
from tests.catalog.test_registry_service import PDF, PNG

PROBLEM = "application/problem+json"
RADAR = {"code": "acme.radar", "name": "雷达图", "name_en": "Radar chart", "category": "chart",
         "vendor": "某某科技有限公司", "description": "多维度指标对比", "version": "1.0.0"}


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def problem(res, status):
    assert res.status_code == status, res.get_data(as_text=True)[:500]
    assert res.mimetype == PROBLEM
    return res.json


@pytest.fixture
def library(app):
    init_app(app)


@pytest.fixture
def manager(make_user, bearer):
    return bearer(make_user("qian", "catalog_manager"))


@pytest.fixture
def handler(make_user, bearer):
    return bearer(make_user("zhao", "handler", department="water"))


def upload(client, headers, url, data, filename):
    return client.post(url, headers=headers, data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def move(client, headers, state, code="acme.radar", version="1.0.0"):
    return client.post(f"/api/v1/components/{code}/versions/{version}/move", headers=headers, json={"state": state})


@pytest.fixture
def radar(client, manager):
    res = client.post("/api/v1/components", headers=manager, json=RADAR)
    assert res.status_code == 201, res.json
    return res


def test_a_handler_can_read_the_library_but_not_register(client, library, handler, session):
    res = client.get("/api/v1/components?q=柱状图", headers=handler)
    assert res.status_code == 200
    assert [c["code"] for c in res.json["items"]] == ["chart.bar"]
    bar = res.json["items"][0]
    assert bar["builtin"] and bar["latest_placeable_version"] == "1.0.0"
    assert bar["versions"][0]["state"] == "released" and bar["versions"][0]["placeable"]
    assert client.get("/api/v1/components/chart.bar", headers=handler).status_code == 200
    assert client.get("/api/v1/component-categories", headers=handler).json[0] == {
        "code": "chart", "name": "图表", "name_en": "Charts"}
    before = count(session, Component)
    problem(client.post("/api/v1/components", headers=handler, json=RADAR), 403)
    problem(move(client, handler, "maintenance", "chart.bar"), 403)
    problem(upload(client, handler, "/api/v1/components/chart.bar/versions/1.0.0/manual", PDF, "m.pdf"), 403)
    assert count(session, Component) == before


def test_anonymous_callers_get_401(client, library):
    problem(client.get("/api/v1/components"), 401)


def test_a_manager_registers_a_component_and_gets_its_etag(client, radar):
    assert radar.headers["ETag"] == f'"component-{radar.json["id"]}-v1"'
    body = radar.json
    assert body["builtin"] is False and body["vendor"] == "某某科技有限公司"
    assert [(v["version"], v["state"], v["next_states"]) for v in body["versions"]] == [
        ("1.0.0", "analysis", ["design"])]


def test_registration_errors_name_each_field(client, manager, session):
    res = client.post("/api/v1/components", headers=manager, json={**RADAR, "code": "Acme Radar", "version": "1.0",
                                                                     "category": "weather"})
    assert {"code", "version", "category"} <= set(problem(res, 422)["errors"]["json"])
    res = client.post("/api/v1/components", headers=manager, json={**RADAR, "props_schema": {"type": "objekt"}})
    assert "props_schema" in problem(res, 422)["errors"]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Component).where(Component.builtin.is_(False))) == 0


def test_a_duplicate_code_is_a_field_error(client, manager, radar):
    res = client.post("/api/v1/components", headers=manager, json=RADAR)
    assert "已被使用" in problem(res, 422)["errors"]["code"][0]


def test_editing_needs_the_current_etag_and_the_code_never_changes(client, manager, radar):
    url = "/api/v1/components/acme.radar"
    etag = radar.headers["ETag"]
    problem(client.patch(url, headers=manager, json={"name": "x"}), 428)
    res = client.patch(url, headers={**manager, "If-Match": etag}, json={"name": "雷达图 Pro", "category": "metric"})
    assert res.status_code == 200 and res.json["name"] == "雷达图 Pro" and res.headers["ETag"] != etag
    problem(client.patch(url, headers={**manager, "If-Match": etag}, json={"name": "被覆盖"}), 412)
    fresh = res.headers["ETag"]
    assert "code" in problem(client.patch(url, headers={**manager, "If-Match": fresh}, json={"code": "acme.x"}),
                             422)["errors"]["json"]
    assert client.get(url, headers=manager).json["name"] == "雷达图 Pro"


def test_an_etag_of_another_document_is_refused(client, manager, radar, library):
    bar = client.get("/api/v1/components/chart.bar", headers=manager)
    res = client.patch("/api/v1/components/acme.radar", headers={**manager, "If-Match": bar.headers["ETag"]},
                       json={"name": "x"})
    problem(res, 412)


def test_builtin_components_cannot_be_edited(client, manager, library):
    bar = client.get("/api/v1/components/chart.bar", headers=manager)
    res = client.patch("/api/v1/components/chart.bar", headers={**manager, "If-Match": bar.headers["ETag"]},
                       json={"name": "改名"})
    assert "builtin" in problem(res, 422)["errors"]


def test_versions_are_added_and_listed_in_semver_order(client, manager, radar):
    for v in ("1.10.0", "1.9.0", "1.10.0-beta.2", "1.10.0-beta.11"):
        res = client.post("/api/v1/components/acme.radar/versions", headers=manager, json={"version": v})
        assert res.status_code == 201 and res.json["state"] == "analysis"
    listed = client.get("/api/v1/components/acme.radar/versions", headers=manager).json
    assert [v["version"] for v in listed] == ["1.0.0", "1.9.0", "1.10.0-beta.2", "1.10.0-beta.11", "1.10.0"]
    assert client.get("/api/v1/components/acme.radar", headers=manager).json["latest_version"] == "1.10.0"
    res = client.post("/api/v1/components/acme.radar/versions", headers=manager, json={"version": "1.9.0+b7"})
    assert "优先级相同" in problem(res, 422)["errors"]["version"][0]
    res = client.post("/api/v1/components/acme.radar/versions", headers=manager, json={"version": "2.0"})
    assert "version" in problem(res, 422)["errors"]["json"]


def test_a_bad_lifecycle_move_is_a_problem_naming_the_state(client, manager, radar, session):
    body = problem(move(client, manager, "development"), 422)
    assert "state" in body["errors"] and "需求分析" in body["errors"]["state"][0]
    assert "state" in problem(move(client, manager, "archived"), 422)["errors"]["json"]
    session.expire_all()
    assert session.scalar(select(ComponentVersion.state).join(ComponentVersion.component)
                          .where(Component.code == "acme.radar")) == "analysis"


def test_a_version_is_released_with_its_documents_and_then_retired(client, manager, radar):
    for state in ("design", "development", "testing"):
        assert move(client, manager, state).status_code == 200
    assert set(problem(move(client, manager, "released"), 422)["errors"]) == {"manual", "api_doc"}
    base = "/api/v1/components/acme.radar/versions/1.0.0"
    assert upload(client, manager, f"{base}/manual", PDF, "雷达图组件手册.pdf").status_code == 200
    res = upload(client, manager, f"{base}/api-doc", PDF, "接口文档.pdf")
    assert res.status_code == 200 and res.json["api_doc"]["filename"] == "接口文档.pdf"
    assert move(client, manager, "released").json["placeable"] is True
    assert move(client, manager, "maintenance").status_code == 200
    retired = move(client, manager, "retired")
    assert retired.json["state"] == "retired" and retired.json["next_states"] == []
    assert "已下线" in problem(move(client, manager, "maintenance"), 422)["errors"]["state"][0]
    # Old pages keep their documents too.
    download = client.get(f"{base}/manual", headers=manager)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf" and "attachment" in download.headers["Content-Disposition"]


def test_a_move_with_a_stale_if_match_is_refused(client, manager, radar):
    url = "/api/v1/components/acme.radar/versions/1.0.0"
    etag = client.get(url, headers=manager).headers["ETag"]
    assert client.post(f"{url}/move", headers={**manager, "If-Match": etag}, json={"state": "design"}).status_code == 200
    problem(client.post(f"{url}/move", headers={**manager, "If-Match": etag}, json={"state": "development"}), 412)


def test_placeable_tells_the_ui_whether_a_version_can_go_on_a_new_page(client, manager, handler, library):
    url = "/api/v1/components/chart.pie/versions/1.0.0/placeable"
    assert client.get(url, headers=handler).json == {"code": "chart.pie", "version": "1.0.0", "state": "released",
                                                     "placeable": True, "message": ""}
    move(client, manager, "maintenance", "chart.pie")
    move(client, manager, "retired", "chart.pie")
    res = client.get(url, headers=handler)
    assert res.json["placeable"] is False and res.json["state"] == "retired"
    assert "1.0.0" in res.json["message"] and "已下线" in res.json["message"]
    # Still resolvable for the pages that use it.
    assert client.get("/api/v1/components/chart.pie/versions/1.0.0", headers=handler).json["state"] == "retired"
    problem(client.get("/api/v1/components/chart.pie/versions/2.0.0/placeable", headers=handler), 404)


def test_a_png_named_pdf_is_refused_and_nothing_is_attached(client, manager, radar, session):
    res = upload(client, manager, "/api/v1/components/acme.radar/versions/1.0.0/manual", PNG, "手册.pdf")
    assert "manual" in problem(res, 422)["errors"]
    session.expire_all()
    assert session.scalar(select(func.count()).where(ComponentVersion.manual_file_id.is_not(None))) == 0
    problem(client.get("/api/v1/components/acme.radar/versions/1.0.0/manual", headers=manager), 404)


def test_an_upload_without_a_file_names_the_field(client, manager, radar):
    res = client.post("/api/v1/components/acme.radar/versions/1.0.0/api-doc", headers=manager, data={},
                      content_type="multipart/form-data")
    assert "api_doc" in problem(res, 422)["errors"]


def test_an_upload_over_the_request_limit_gets_413(app, client, manager, radar):
    app.config["UPLOAD_MAX_BYTES"] = 4096
    res = upload(client, manager, "/api/v1/components/acme.radar/versions/1.0.0/manual", PDF + b" " * 8192, "m.pdf")
    problem(res, 413)


def test_a_file_over_the_documents_limit_is_refused(client, manager, radar, monkeypatch):
    from tongguan.files.kinds import KINDS

    accepted, _ = KINDS["document"]
    monkeypatch.setitem(KINDS, "document", (accepted, 1024))
    res = upload(client, manager, "/api/v1/components/acme.radar/versions/1.0.0/manual", PDF + b" " * 2048, "m.pdf")
    assert "上限" in problem(res, 422)["errors"]["manual"][0]


def test_the_list_filters_and_paginates(client, manager, radar, library):
    get = lambda **q: client.get("/api/v1/components", headers=manager, query_string=q).json  # noqa: E731
    assert [c["code"] for c in get(builtin="false")["items"]] == ["acme.radar"]
    assert [c["code"] for c in get(state="analysis")["items"]] == ["acme.radar"]
    assert {c["code"] for c in get(category="map")["items"]} == {"map.points", "map.areas"}
    assert [c["code"] for c in get(q="指标卡")["items"]] == ["metric.card"]
    page = get(per_page=5, page=5)
    assert page["total"] == 21 and len(page["items"]) == 1
    assert "state" in problem(client.get("/api/v1/components?state=draft", headers=manager), 422)["errors"]["query"]


@pytest.mark.parametrize("url", ["/api/v1/components/nope", "/api/v1/components/chart.bar/versions/0.0.1",
                                 "/api/v1/components/chart.bar/versions/x y", "/api/v1/components/%E4%B8%AD"])
def test_unknown_components_and_versions_are_404_problems(client, manager, library, url):
    problem(client.get(url, headers=manager), 404)


def _texts(spec) -> set:
    """Every string inside the spec's inline data (category names, series names, labels)."""
    found = set()
    for data in [spec.get("data"), *(layer.get("data") for layer in spec.get("layer", []))]:
        for row in (data or {}).get("values", []):
            found |= {v for v in row.values() if isinstance(v, str)}
    found |= {v for d in spec.get("datasets", {}).values() for row in d for v in row.values() if isinstance(v, str)}
    return found


def test_a_chart_type_has_a_preview_spec_over_sample_rows(client, library, handler):
    # component_version_preview: any reader (component.read) may draw it
    res = client.get("/api/v1/components/chart.bar/versions/1.0.0/preview", headers=handler)
    assert res.status_code == 200, res.json
    spec, rows = res.json["spec"], res.json["rows"]
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert rows[0]["district"] == "临江区" and {"临江区", "东湖区"} <= _texts(spec)
    assert spec["config"]["font"] == "Noto Sans CJK SC" and spec["config"]["background"] == "transparent"
    light = spec["config"]["axis"]["labelColor"]
    dark = client.get("/api/v1/components/chart.bar/versions/1.0.0/preview?theme=dark", headers=handler).json
    assert dark["spec"]["config"]["axis"]["labelColor"] != light
    assert dark["rows"] == rows


@pytest.mark.parametrize("code", ["chart.line", "chart.area", "chart.pie", "chart.gauge", "list.ranking"])
def test_every_chart_type_has_a_preview(client, library, handler, code):
    res = client.get(f"/api/v1/components/{code}/versions/1.0.0/preview", headers=handler)
    assert res.status_code == 200, res.json
    assert res.json["spec"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    if code in ("chart.line", "chart.area"):
        assert len(res.json["rows"]) == 24 and res.json["rows"][0]["hour"] == "00时"


def test_types_that_are_not_charts_have_no_preview(client, library, manager, radar):
    for url in ["/api/v1/components/table.basic/versions/1.0.0/preview",
                "/api/v1/components/text.title/versions/1.0.0/preview",
                "/api/v1/components/acme.radar/versions/1.0.0/preview",  # third-party: nothing to draw
                "/api/v1/components/chart.bar/versions/9.9.9/preview"]:
        problem(client.get(url, headers=manager), 404)
    bad = problem(client.get("/api/v1/components/chart.bar/versions/1.0.0/preview?theme=pink", headers=manager), 422)
    assert "theme" in bad["errors"]["query"]


def test_anonymous_callers_get_no_preview(client, library):
    problem(client.get("/api/v1/components/chart.bar/versions/1.0.0/preview"), 401)
