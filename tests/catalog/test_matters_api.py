"""The matter catalog's API: reads, ETag-guarded adjustments, responsibility, domain mappings, XLSX."""
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from catalog.matters import service
from catalog.matters.models import DomainItem, Matter, ResponsibilityRule

PROBLEM = "application/problem+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def manager(make_user, bearer):
    return bearer(make_user("wang", "catalog_manager"))


@pytest.fixture
def handler(make_user, bearer):
    return bearer(make_user("zhao", "handler", department="water"))


@pytest.fixture
def seeded(session, system, org):
    service.seed_demo(session, system)
    session.commit()
    return {m.code: m for m in session.scalars(select(Matter))}


def matter_id(seeded, name):
    return next(m.id for m in seeded.values() if m.name == name)


def etag_of(client, url, headers):
    res = client.get(url, headers=headers)
    assert res.status_code == 200, res.json
    return res.headers["ETag"]


def test_the_tree_lists_the_categories_with_their_items(client, handler, seeded):
    res = client.get("/api/v1/matters/tree", headers=handler)
    assert res.status_code == 200
    assert len(res.json) >= 10
    env = next(n for n in res.json if n["name"] == "环境保护")
    noise = next(n for n in env["children"] if n["name"] == "噪声污染")
    assert "建筑施工噪声" in [n["name"] for n in noise["children"]]
    assert noise["children"][0]["tier"] == "item"


def test_the_list_filters_by_text_tier_and_parent(client, handler, seeded):
    res = client.get("/api/v1/matters", query_string={"q": "噪声", "tier": "item"}, headers=handler)
    assert res.status_code == 200 and res.json["total"] >= 7
    assert all("噪声" in m["name"] for m in res.json["items"])
    top = client.get("/api/v1/matters", query_string={"parent_id": 0, "per_page": 100}, headers=handler).json
    assert top["total"] == 12 and all(m["tier"] == "category" for m in top["items"])
    one = client.get(f"/api/v1/matters/{matter_id(seeded, '道路积水')}", headers=handler)
    assert one.json["path"] == ["防汛防台", "积水内涝", "道路积水"] and one.json["status"] == "active"
    assert one.headers["ETag"].startswith('"matter-')


def test_responsibility_answers_by_code_area_and_date(client, handler, seeded, org):
    code = next(c for c, m in seeded.items() if m.name == "占道经营")
    res = client.get(f"/api/v1/matters/{code}/responsibility",
                     query_string={"area": org["street"].id, "on": "2025-06-01"}, headers=handler)
    assert res.status_code == 200
    assert res.json["department_name"] == "滨湖街道" and res.json["effective_from"] == "2025-01-01"
    res = client.get(f"/api/v1/matters/{code}/responsibility", query_string={"on": "2025-06-01"}, headers=handler)
    assert res.status_code == 404 and res.mimetype == PROBLEM  # district-wide: no city-wide rule
    res = client.get("/api/v1/matters/nope/responsibility", headers=handler)
    assert res.status_code == 404
    res = client.get(f"/api/v1/matters/{code}/responsibility", query_string={"on": "not-a-date"}, headers=handler)
    assert res.status_code == 422 and "on" in res.json["errors"]["query"]


def test_a_manager_changes_the_department_from_a_date_with_the_etag(client, manager, handler, seeded, org):
    mid = matter_id(seeded, "道路积水")
    url = f"/api/v1/matters/{mid}"
    etag = etag_of(client, url, manager)
    body = {"effective_from": "2026-06-01", "department_id": org["water"].id, "time_limit": 2, "note": "汛期提速"}
    assert client.post(f"{url}/change", headers=manager, json=body).status_code == 428
    res = client.post(f"{url}/change", headers={**manager, "If-Match": etag}, json=body)
    assert res.status_code == 200, res.json
    assert res.headers["ETag"] != etag
    stale = client.post(f"{url}/change", headers={**manager, "If-Match": etag}, json={**body, "time_limit": 1})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    code = seeded[next(c for c, m in seeded.items() if m.id == mid)].code
    before = client.get(f"/api/v1/matters/{code}/responsibility?on=2026-05-31", headers=handler).json
    after = client.get(f"/api/v1/matters/{code}/responsibility?on=2026-06-01", headers=handler).json
    assert before["time_limit"] == 4 and before["department_name"] == "临江市水务局"
    assert after["time_limit"] == 2 and after["department_name"] == "市水务局"
    rules = client.get(f"{url}/rules?history=true", headers=handler).json
    assert [r["effective_to"] for r in rules] == ["2026-06-01", None]
    on_day = client.get(f"{url}/rules?on=2026-06-02", headers=handler).json
    assert [r["area_name"] for r in on_day] == ["全市"] and on_day[0]["time_limit"] == 2
    changes = client.get(f"{url}/changes", headers=handler).json
    assert changes[0]["kind"] == "change" and changes[0]["note"] == "汛期提速"


def test_a_handler_cannot_change_split_or_retire_and_nothing_is_written(client, session, handler, seeded, org):
    mid = matter_id(seeded, "道路积水")
    url = f"/api/v1/matters/{mid}"
    etag = etag_of(client, url, handler)
    before = count(session, ResponsibilityRule)
    for action, body in (("change", {"effective_from": "2026-01-01", "time_limit": 1}),
                         ("retire", {"effective_from": "2026-01-01"}),
                         ("split", {"effective_from": "2026-01-01", "parts": [{"code": "a1", "name": "a"}, {"code": "a2", "name": "b"}]})):
        res = client.post(f"{url}/{action}", headers={**handler, "If-Match": etag}, json=body)
        assert res.status_code == 403 and res.mimetype == PROBLEM
    res = client.post("/api/v1/matters", headers=handler, json={"code": "99", "name": "x", "tier": "category"})
    assert res.status_code == 403
    res = client.post("/api/v1/matters/import", headers=handler, data={"file": (io.BytesIO(b"x"), "a.xlsx")})
    assert res.status_code == 403
    assert count(session, ResponsibilityRule) == before


def test_a_bad_hierarchy_is_a_problem_naming_the_field(client, manager, seeded):
    item = matter_id(seeded, "道路积水")
    res = client.post("/api/v1/matters", headers=manager,
                      json={"code": "990101", "name": "放错层级", "tier": "item", "parent_id": seeded["05"].id})
    assert res.status_code == 422 and res.mimetype == PROBLEM
    assert "parent_id" in res.json["errors"]
    res = client.post("/api/v1/matters", headers=manager, json={"code": "bad code", "name": "x", "tier": "category"})
    assert res.status_code == 422 and "code" in res.json["errors"]["json"]
    res = client.post("/api/v1/matters", headers=manager,
                      json={"code": "05019", "name": "细类下的细类", "tier": "item", "parent_id": item})
    assert res.status_code == 422 and "parent_id" in res.json["errors"]


def test_a_manager_adds_a_category_subcategory_and_item(client, manager, handler, org):
    cat = client.post("/api/v1/matters", headers=manager, json={"code": "20", "name": "城市运行", "tier": "category",
                                                                "effective_from": "2025-01-01"})
    assert cat.status_code == 201 and cat.headers["ETag"] == f'"matter-{cat.json["id"]}-v1"'
    sub = client.post("/api/v1/matters", headers=manager, json={"code": "2001", "name": "城市体征", "tier": "subcategory",
                                                                "parent_id": cat.json["id"], "effective_from": "2025-01-01"})
    item = client.post("/api/v1/matters", headers=manager, json={
        "code": "200101", "name": "水位超警", "tier": "item", "parent_id": sub.json["id"], "effective_from": "2025-01-01",
        "rules": [{"department_id": org["water"].id, "time_limit": 2, "time_unit": "hours", "legal_basis": "《防洪法》"}]})
    assert item.status_code == 201, item.json
    got = client.get("/api/v1/matters/200101/responsibility?on=2025-02-01", headers=handler).json
    assert got["department_name"] == "市水务局" and got["time_unit"] == "hours"
    res = client.patch(f"/api/v1/matters/{item.json['id']}", headers={**manager, "If-Match": item.headers["ETag"]},
                       json={"name": "河道水位超警"})
    assert res.status_code == 200 and res.json["name"] == "河道水位超警"


def test_split_through_the_api_and_the_old_code_stops_answering(client, manager, handler, seeded, org):
    mid = matter_id(seeded, "停水")
    url = f"/api/v1/matters/{mid}"
    etag = etag_of(client, url, manager)
    res = client.post(f"{url}/split", headers={**manager, "If-Match": etag}, json={
        "effective_from": "2026-01-01",
        "parts": [{"code": "10010101", "name": "计划停水"}, {"code": "10010102", "name": "突发停水",
                   "rules": [{"department_id": org["water"].id, "time_limit": 2, "time_unit": "hours"}]}]})
    assert res.status_code == 200, res.json
    assert res.json["matter"]["effective_to"] == "2026-01-01"
    assert [p["name"] for p in res.json["parts"]] == ["计划停水", "突发停水"]
    code = res.json["matter"]["code"]
    assert client.get(f"/api/v1/matters/{code}/responsibility?on=2026-01-01", headers=handler).status_code == 404
    assert client.get(f"/api/v1/matters/{code}/responsibility?on=2025-12-31", headers=handler).status_code == 200
    assert client.get("/api/v1/matters/10010102/responsibility?on=2026-01-01", headers=handler).json["time_limit"] == 2


def test_retire_through_the_api_and_the_tree_hides_it_once_retired(client, manager, handler, seeded):
    mid = matter_id(seeded, "非法行医")
    url = f"/api/v1/matters/{mid}"
    res = client.post(f"{url}/retire", headers={**manager, "If-Match": etag_of(client, url, manager)},
                      json={"effective_from": "2025-02-01", "note": "职能划转"})
    assert res.status_code == 200 and res.json["status"] == "retired"
    names = str(client.get("/api/v1/matters/tree", headers=handler).json)
    assert "非法行医" not in names
    assert "非法行医" in str(client.get("/api/v1/matters/tree?include_retired=true", headers=handler).json)
    res = client.post(f"{url}/retire", headers={**manager, "If-Match": etag_of(client, url, manager)},
                      json={"effective_from": "2025-03-01"})
    assert res.status_code == 422 and "effective_from" in res.json["errors"]


def test_domain_catalog_mapping_and_unmapped_through_the_api(client, session, manager, handler, seeded):
    res = client.post("/api/v1/domain-catalogs", headers=manager, json={"code": "grid", "name": "网格巡查事项"})
    assert res.status_code == 201
    cid = res.json["id"]
    item = client.post(f"/api/v1/domain-catalogs/{cid}/items", headers=manager,
                       json={"code": "WG-1", "name": "路面有坑", "category": "市政"})
    assert item.status_code == 201 and item.json["mapping_state"] == "unmapped"
    unmapped = client.get(f"/api/v1/domain-catalogs/{cid}/unmapped", headers=handler).json
    assert [i["code"] for i in unmapped] == ["WG-1"]
    url = f"/api/v1/domain-catalogs/{cid}/items/{item.json['id']}/mapping"
    code = next(c for c, m in seeded.items() if m.name == "车行道破损")
    res = client.put(url, headers={**manager, "If-Match": item.headers["ETag"]}, json={"matter_code": code})
    assert res.status_code == 200 and res.json["matter"]["name"] == "车行道破损"
    assert res.json["mapping_state"] == "mapped"
    assert client.get(f"/api/v1/domain-catalogs/{cid}/unmapped", headers=handler).json == []
    # a handler cannot map
    res2 = client.delete(url, headers={**handler, "If-Match": res.headers["ETag"]})
    assert res2.status_code == 403
    # a retired matter is refused, with the field at fault
    retired = matter_id(seeded, "非法行医")
    murl = f"/api/v1/matters/{retired}"
    client.post(f"{murl}/retire", headers={**manager, "If-Match": etag_of(client, murl, manager)},
                json={"effective_from": "2025-02-01"})
    bad = client.put(url, headers={**manager, "If-Match": res.headers["ETag"]}, json={"matter_id": retired})
    assert bad.status_code == 422 and bad.mimetype == PROBLEM
    assert "废止" in bad.json["errors"]["matter_id"][0]
    cleared = client.delete(url, headers={**manager, "If-Match": res.headers["ETag"]})
    assert cleared.status_code == 200 and cleared.json["matter"] is None
    listed = client.get(f"/api/v1/domain-catalogs/{cid}/items?unmapped_only=true", headers=handler).json
    assert listed["total"] == 1
    cat_etag = etag_of(client, f"/api/v1/domain-catalogs/{cid}", manager)
    assert client.patch(f"/api/v1/domain-catalogs/{cid}", headers={**manager, "If-Match": cat_etag},
                        json={"name": "网格巡查事项清单"}).status_code == 200
    item_url = f"/api/v1/domain-catalogs/{cid}/items/{item.json['id']}"
    assert client.patch(item_url, headers={**manager, "If-Match": etag_of(client, item_url, manager)},
                        json={"name": "路面坑洼"}).json["name"] == "路面坑洼"
    assert client.delete(item_url, headers={**manager, "If-Match": etag_of(client, item_url, manager)}).status_code == 204
    cat_etag = etag_of(client, f"/api/v1/domain-catalogs/{cid}", manager)
    assert client.delete(f"/api/v1/domain-catalogs/{cid}", headers={**manager, "If-Match": cat_etag}).status_code == 204


# --- XLSX -------------------------------------------------------------------------------------------


def upload(client, url, headers, content, name="catalog.xlsx"):
    return client.post(url, headers=headers, data={"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def test_export_then_import_of_the_standard_catalog_round_trips(client, session, manager, seeded):
    res = client.get("/api/v1/matters/export", headers=manager)
    assert res.status_code == 200 and res.mimetype == XLSX
    assert "attachment" in res.headers["Content-Disposition"]
    content = res.data
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["标准事项", "分区权责"]
    assert book["标准事项"].max_row - 1 == len(seeded)
    rules_before = count(session, ResponsibilityRule)
    again = upload(client, "/api/v1/matters/import", manager, content)
    assert again.status_code == 200, again.json
    assert again.json == {"created": 0, "updated": 0, "rules_changed": 0, "retired": 0}
    assert count(session, ResponsibilityRule) == rules_before
    # and into an empty catalog it rebuilds the same export
    session.execute(DomainItem.__table__.delete())
    session.execute(ResponsibilityRule.__table__.delete())
    session.execute(Matter.__table__.update().values(parent_id=None, split_from_id=None))
    from catalog.matters.models import MatterChange
    session.execute(MatterChange.__table__.delete())
    session.execute(Matter.__table__.delete())
    session.commit()
    rebuilt = upload(client, "/api/v1/matters/import", manager, content)
    assert rebuilt.status_code == 200, rebuilt.json
    assert rebuilt.json["created"] == len(seeded)
    second = client.get("/api/v1/matters/export", headers=manager).data
    rows = lambda data, sheet: [tuple(r) for r in load_workbook(io.BytesIO(data))[sheet].iter_rows(values_only=True)]  # noqa: E731
    assert rows(second, "标准事项") == rows(content, "标准事项")
    assert rows(second, "分区权责") == rows(content, "分区权责")


def test_an_import_with_one_bad_row_writes_nothing_and_names_the_row(client, session, manager, org):
    book = Workbook()
    ws = book.active
    ws.title = "标准事项"
    ws.append(["编码", "名称", "层级", "上级编码", "适用范围", "生效日期", "废止日期", "责任部门编码", "责任部门",
               "办理时限", "时限单位", "法律依据", "权责生效日期", "说明", "排序"])
    ws.append(["30", "城市体征", "大类", None, "市级", "2025-01-01"])
    ws.append(["3001", "水位", "小类", "30", "市级", "2025-01-01"])
    ws.append(["300101", "水位超警", "细类", "3001", "市级", "2025-01-01", None, "water", None, 2, "小时"])
    ws.append(["300102", "雨量超警", "细类", "3001", "市级", "2025-01-01", None, "water", None, 2, "分钟"])
    out = io.BytesIO()
    book.save(out)
    before = count(session, Matter)
    res = upload(client, "/api/v1/matters/import", manager, out.getvalue())
    assert res.status_code == 422 and res.mimetype == PROBLEM
    assert res.json["rows"] == [{"sheet": "标准事项", "row": 5, "field": "时限单位",
                                 "message": res.json["rows"][0]["message"]}]
    assert "工作日或小时" in res.json["rows"][0]["message"]
    assert "第 5 行" in res.json["errors"]["file"][0]
    assert count(session, Matter) == before
    # fixed, it goes in whole
    ws.cell(row=5, column=11, value="小时")
    out = io.BytesIO()
    book.save(out)
    res = upload(client, "/api/v1/matters/import", manager, out.getvalue())
    assert res.status_code == 200 and res.json["created"] == 4
    assert client.get("/api/v1/matters/300102/responsibility?on=2025-03-01", headers=manager).json["time_unit"] == "hours"


def test_an_import_reports_every_bad_row_and_field(client, session, manager, seeded):
    book = Workbook()
    ws = book.active
    ws.title = "标准事项"
    ws.append(["编码", "名称", "层级", "上级编码", "责任部门编码", "办理时限", "时限单位"])
    ws.append(["40", "新大类", "大类"])
    ws.append(["4001", "孤儿小类", "小类", "nope"])
    ws.append(["400101", "", "细类", "4001"])
    ws.append(["400102", "错误部门", "细类", "4001", "no-such-dept", 3, "工作日"])
    ws.append(["400103", "错误时限", "中类", "4001", "water", -1, "工作日"])
    areas = book.create_sheet("分区权责")
    areas.append(["事项编码", "区域编码", "责任部门编码", "办理时限", "时限单位"])
    areas.append(["400102", "water", "water", 3, "工作日"])
    out = io.BytesIO()
    book.save(out)
    res = upload(client, "/api/v1/matters/import", manager, out.getvalue())
    assert res.status_code == 422
    got = {(r["sheet"], r["row"], r["field"]) for r in res.json["rows"]}
    assert {("标准事项", 3, "上级编码"), ("标准事项", 4, "名称"), ("标准事项", 5, "责任部门编码"),
            ("标准事项", 6, "层级"), ("标准事项", 6, "办理时限"), ("分区权责", 2, "区域编码")} <= got
    assert count(session, Matter) == len(seeded)


def test_a_file_that_is_not_xlsx_or_lacks_columns_is_refused(client, manager, org):
    res = upload(client, "/api/v1/matters/import", manager, b"not a workbook")
    assert res.status_code == 422 and "file" in res.json["errors"]
    book = Workbook()
    book.active.title = "标准事项"
    book.active.append(["名称"])
    out = io.BytesIO()
    book.save(out)
    res = upload(client, "/api/v1/matters/import", manager, out.getvalue())
    assert res.status_code == 422 and {r["field"] for r in res.json["rows"]} == {"编码", "层级"}


def test_domain_items_export_import_round_trip_and_a_retired_mapping_rejects_the_row(client, session, manager, seeded):
    cid = next(c.id for c in service.domain_catalog_list(session, service_actor(), per_page=10).items if c.code == "hotline-12345")
    res = client.get(f"/api/v1/domain-catalogs/{cid}/export", headers=manager)
    assert res.status_code == 200 and res.mimetype == XLSX
    content = res.data
    same = upload(client, f"/api/v1/domain-catalogs/{cid}/import", manager, content)
    assert same.status_code == 200 and same.json["created"] == 0 and same.json["updated"] == 0
    book = load_workbook(io.BytesIO(content))
    ws = book["领域事项"]
    retired = matter_id(seeded, "非法行医")
    murl = f"/api/v1/matters/{retired}"
    client.post(f"{murl}/retire", headers={**manager, "If-Match": etag_of(client, murl, manager)},
                json={"effective_from": "2025-02-01"})
    ws.append(["RX-9901", "黑诊所", "卫生", None, seeded_code(seeded, "非法行医")])
    ws.append(["RX-9902", "新诉求", "其他", None, None])
    out = io.BytesIO()
    book.save(out)
    before = count(session, DomainItem)
    bad = upload(client, f"/api/v1/domain-catalogs/{cid}/import", manager, out.getvalue())
    assert bad.status_code == 422
    assert [(r["row"], r["field"]) for r in bad.json["rows"]] == [(ws.max_row - 1, "标准事项编码")]
    assert count(session, DomainItem) == before
    ws.cell(row=ws.max_row - 1, column=5).value = None
    out = io.BytesIO()
    book.save(out)
    good = upload(client, f"/api/v1/domain-catalogs/{cid}/import", manager, out.getvalue())
    assert good.status_code == 200 and good.json["created"] == 2, good.json


def service_actor():
    from tongguan.permissions import Actor

    return Actor.system("test")


def seeded_code(seeded, name):
    return next(c for c, m in seeded.items() if m.name == name)
