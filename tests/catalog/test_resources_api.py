"""Directories and resources over HTTP: problem documents, ETags, files, import and export."""
import io
import json

from openpyxl import Workbook, load_workbook

from catalog.resources import service as catalog
from catalog.resources.models import Resource

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")


def test_tree_create_move_and_delete_over_http(client, bearer, people, tree):
    h = bearer(people["manager"])
    nodes = client.get("/api/v1/directories?resource_class=data", headers=h).get_json()
    assert [n["name"] for n in nodes][:2] == ["数据资源", "城市运行"]
    made = client.post("/api/v1/directories", json={"parent_id": tree["flood"].id, "name": "积水"}, headers=h)
    assert made.status_code == 201
    new_id = made.get_json()["id"]
    moved = client.post(f"/api/v1/directories/{new_id}/move", json={"parent_id": tree["traffic"].id},
                        headers={**h, "If-Match": made.headers["ETag"]})
    assert moved.status_code == 200 and moved.get_json()["parent_id"] == tree["traffic"].id
    stale = client.post(f"/api/v1/directories/{new_id}/move", json={"parent_id": tree["flood"].id},
                        headers={**h, "If-Match": made.headers["ETag"]})
    assert stale.status_code == 412
    cycle = client.post(f"/api/v1/directories/{tree['ops'].id}/move", json={"parent_id": new_id},
                        headers={**h, "If-Match": client.get(f"/api/v1/directories/{tree['ops'].id}", headers=h).headers["ETag"]})
    assert cycle.status_code == 422 and cycle.mimetype == "application/problem+json"
    assert "parent_id" in cycle.get_json()["errors"]
    etag = client.get(f"/api/v1/directories/{new_id}", headers=h).headers["ETag"]
    gone = client.delete(f"/api/v1/directories/{new_id}", headers={**h, "If-Match": etag})
    assert gone.status_code == 200 and len(gone.get_json()["batch"]) == 32
    assert client.post(f"/api/v1/recycle-bin/{gone.get_json()['batch']}/restore", headers=h).get_json() == {
        "directories": 1, "resources": 0}


def test_resource_crud_problem_details_and_history(client, bearer, people, tree, org):
    h = bearer(people["manager"])
    bad = client.post("/api/v1/resources", headers=h, json={
        "directory_id": tree["flood"].id, "code": "x y", "name": "", "status": "live"})
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]["json"]) == {"code", "name", "status"}
    ok = client.post("/api/v1/resources", headers=h, json={
        "directory_id": tree["flood"].id, "code": "FX-100", "name": "积水点监测", "owner_department_id": org["water"].id,
        "meta": {"fields": [{"name": "depth_cm", "type": "number", "title": "积水深度"}]}})
    assert ok.status_code == 201, ok.get_json()
    body = ok.get_json()
    assert body["owner_department_name"] == "市水务局" and body["level"] == "manage"
    assert [d["name"] for d in body["directory_path"]] == ["数据资源", "城市运行", "防汛"]
    rid = body["id"]
    no_etag = client.patch(f"/api/v1/resources/{rid}", json={"name": "新名"}, headers=h)
    assert no_etag.status_code == 428
    changed = client.patch(f"/api/v1/resources/{rid}", json={"name": "积水点实时监测"},
                           headers={**h, "If-Match": ok.headers["ETag"]})
    assert changed.status_code == 200
    history = client.get(f"/api/v1/resources/{rid}/history", headers=h).get_json()
    assert history[0]["changes"]["name"] == ["积水点监测", "积水点实时监测"]
    assert client.get(f"/api/v1/resources/{rid}", headers=h).get_json()["view_count"] == 1


def test_search_endpoint_hides_what_a_user_may_not_view(client, bearer, people, tree, add_resource):
    add_resource(tree["flood"], "FX-101", "积水点分布")
    add_resource(tree["flood"], "FX-102", "积水深度", owner="street")
    h = bearer(people["street"])
    found = client.get("/api/v1/resources?q=积水", headers=h).get_json()
    assert [r["code"] for r in found["items"]] == ["FX-102"] and found["total"] == 1
    assert found["facets"]["department"] == [{"value": found["items"][0]["owner_department_id"],
                                              "label": "滨湖街道", "count": 1}]
    other = client.get("/api/v1/resources?q=积水点", headers=bearer(people["manager"])).get_json()["items"][0]["id"]
    assert client.get(f"/api/v1/resources/{other}", headers=h).status_code == 404


def test_files_are_sniffed_and_downloads_need_use(client, bearer, people, roots, session, actors, org):
    docs = catalog.directory_create(session, actors["manager"], {"parent_id": roots["document"].id, "name": "预案"})
    r = catalog.resource_create(session, actors["manager"], {"directory_id": docs.id, "code": "DOC-1",
                                                             "name": "防汛应急预案", "owner_department_id": org["water"].id})
    session.commit()
    h = bearer(people["manager"])
    fake = client.post(f"/api/v1/resources/{r.id}/file", headers=h,
                       data={"file": (io.BytesIO(PNG), "plan.pdf")}, content_type="multipart/form-data")
    assert fake.status_code == 422 and "file" in fake.get_json()["errors"]
    up = client.post(f"/api/v1/resources/{r.id}/file", headers=h,
                     data={"file": (io.BytesIO(PDF), "预案.pdf")}, content_type="multipart/form-data")
    assert up.status_code == 200 and up.get_json()["file"]["mime"] == "application/pdf"
    down = client.get(f"/api/v1/resources/{r.id}/file", headers=h)
    assert down.status_code == 200 and down.data == PDF
    assert client.get(f"/api/v1/resources/{r.id}", headers=h).get_json()["use_count"] == 1
    catalog.catalog_grant_create(session, actors["manager"], {"resource_id": r.id, "department_id": org["street"].id,
                                                              "level": "view"})
    session.commit()
    assert client.get(f"/api/v1/resources/{r.id}/file", headers=bearer(people["street"])).status_code == 403


def _xlsx(rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "资源"
    ws.append(["目录", "编码", "名称", "描述", "所属部门编码", "状态", "共享级别", "更新周期", "联系人", "联系电话", "元数据"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_xlsx_import_is_all_or_nothing_and_names_the_bad_rows(client, bearer, people, tree, session):
    h = bearer(people["manager"])
    rows = [["积水", f"IMP-{i}", f"导入资源{i}", "", "water", "已发布", "无条件共享", "每日", "", "", ""] for i in range(5)]
    rows[2][4] = "nowhere"
    rows[3][10] = '{"fields": [{"name": "a b", "type": "string"}]}'
    bad = client.post(f"/api/v1/directories/{tree['flood'].id}/import", headers=h,
                      data={"file": (_xlsx(rows), "导入.xlsx")}, content_type="multipart/form-data")
    assert bad.status_code == 422
    report = bad.get_json()["rows"]
    assert [(r["row"], r["field"]) for r in report] == [(4, "所属部门编码"), (5, "元数据")]
    assert session.query(Resource).filter(Resource.code.like("IMP-%")).count() == 0
    rows[2][4], rows[3][10] = "water", ""
    good = client.post(f"/api/v1/directories/{tree['flood'].id}/import", headers=h,
                       data={"file": (_xlsx(rows), "导入.xlsx")}, content_type="multipart/form-data")
    assert good.status_code == 200 and good.get_json() == {"created": 5, "updated": 0, "directories": 1}
    again = client.post(f"/api/v1/directories/{tree['flood'].id}/import", headers=h,
                        data={"file": (_xlsx(rows), "导入.xlsx")}, content_type="multipart/form-data")
    assert again.get_json() == {"created": 0, "updated": 5, "directories": 0}


def test_export_round_trips_and_masks_tag_values(client, bearer, people, tree, add_resource, session, system, org):
    from catalog.tags import service as tags

    r = add_resource(tree["flood"], "FX-200", "防汛值班表", meta={"source_system": "防汛指挥系统"})
    add_resource(tree["traffic"], "JT-200", "路口流量")
    tag = tags.tag_create(session, system, {"code": "duty_phone", "name": "值班电话", "subject_code": "resource",
                                             "value_type": "text", "masking": "phone",
                                             "owner_department_id": org["water"].id})
    tags.tag_publish(session, system, tag.id)
    tags.set_value(session, system, tag.id, "resource", str(r.id), "13812341234")
    session.commit()
    h = bearer(people["manager"])  # city department: no grant for the tag
    found = client.get("/api/v1/resources?q=值班表", headers=h).get_json()["items"][0]["tags"]
    assert found == [{"tag_id": tag.id, "code": "duty_phone", "name": "值班电话", "value": "138****1234",
                      "masked": True, "state": "published"}]
    assert client.get("/api/v1/resources?q=13812341234", headers=h).get_json()["total"] == 0
    one = client.get(f"/api/v1/resources/{r.id}", headers=h).get_json()
    assert "13812341234" not in json.dumps(one, ensure_ascii=False)
    xlsx = client.get(f"/api/v1/directories/{tree['ops'].id}/export?format=xlsx", headers=h)
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.data))["资源"]
    cells = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    assert cells[0][:3] == ["目录", "编码", "名称"]
    assert {row[1]: row[0] for row in cells[1:]} == {"FX-200": "防汛", "JT-200": "交通"}
    assert "13812341234" not in xlsx.data.decode("latin-1") and any("138****1234" in (row[11] or "") for row in cells)
    as_json = client.get(f"/api/v1/directories/{tree['ops'].id}/export?format=json", headers=h)
    assert "13812341234" not in as_json.get_data(as_text=True)
    doc = as_json.get_json()
    assert doc["resources"][0]["tags"][0]["masked"] is True
    # the export imports back into another directory of the class (codes must be new there, so rename)
    for item in doc["resources"]:
        item["code"] += "-copy"
    copy = client.post("/api/v1/directories", json={"parent_id": tree["ops"].parent_id, "name": "副本"}, headers=h)
    back = client.post(f"/api/v1/directories/{copy.get_json()['id']}/import", headers=h,
                       data={"file": (io.BytesIO(json.dumps(doc).encode()), "x.json")}, content_type="multipart/form-data")
    assert back.status_code == 200 and back.get_json() == {"created": 2, "updated": 0, "directories": 2}
    street = client.get(f"/api/v1/directories/{tree['ops'].id}/export?format=json", headers=bearer(people["street"]))
    assert street.status_code == 404  # a directory one cannot see cannot be exported


def test_statistics_and_charts(client, bearer, people, tree, add_resource):
    add_resource(tree["flood"], "FX-300", "a")
    h = bearer(people["manager"])
    s = client.get(f"/api/v1/directories/{tree['ops'].id}/stats", headers=h).get_json()
    assert s["total"] == 1 and s["by_class"][0]["label"] == "数据资源"
    svg = client.get(f"/api/v1/directories/{tree['ops'].id}/stats/by_owner.svg", headers=h)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert client.get(f"/api/v1/directories/{tree['ops'].id}/stats/nope.svg", headers=h).status_code == 404


def test_classes_and_grants_endpoints(client, bearer, people, tree, org):
    h = bearer(people["manager"])
    classes = client.get("/api/v1/resource-classes", headers=h).get_json()
    assert {c["code"] for c in classes} >= {"data", "video", "platform_service"}
    assert next(c for c in classes if c["code"] == "video")["schema"]["properties"]["stream_url"]
    made = client.post("/api/v1/catalog-grants", headers=h, json={"directory_id": tree["ops"].id,
                                                                   "department_id": org["street"].id, "level": "view"})
    assert made.status_code == 201 and made.get_json()["principal_name"] == "滨湖街道"
    listed = client.get(f"/api/v1/catalog-grants?directory_id={tree['flood'].id}", headers=h).get_json()
    assert listed[0]["inherited_from"] == "城市运行"
    assert client.get("/api/v1/catalog-grants", headers=h).status_code == 422
    assert client.delete(f"/api/v1/catalog-grants/{made.get_json()['id']}", headers=h).status_code == 204
