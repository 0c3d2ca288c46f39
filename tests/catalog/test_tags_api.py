"""The tag API: definitions with ETags, values masked on every read path, grants, feedback."""
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tongguan.audit.models import AuditEntry

PHONE = "13812341234"


@pytest.fixture
def h(make_user, bearer):
    """Headers of: owner (catalog manager, city centre, owns the tags), reader (handler, water bureau),
    admin (administrator of the water bureau: no grant, so masked too)."""
    return {
        "owner": bearer(make_user("wang", "catalog_manager", department="city")),
        "reader": bearer(make_user("zhao", "handler", department="water")),
        "admin": bearer(make_user("root", "admin", department="water")),
    }


def create_tag(client, headers, **extra):
    body = {"code": "phone", "name": "手机号", "subject_code": "complainant", "value_type": "text", "masking": "phone",
            **extra}
    res = client.post("/api/v1/tags", headers=headers, json=body)
    assert res.status_code == 201, res.json
    return res


@pytest.fixture
def phone(client, h):
    assert client.post("/api/v1/tag-subjects", headers=h["owner"], json={"code": "complainant", "name": "诉求人"}).status_code == 201
    res = create_tag(client, h["owner"])
    tag_id = res.json["id"]
    pub = client.post(f"/api/v1/tags/{tag_id}/publish", headers={**h["owner"], "If-Match": res.headers["ETag"]})
    assert pub.status_code == 200 and pub.json["state"] == "published"
    put = client.put("/api/v1/tag-values", headers=h["owner"],
                     json={"tag_id": tag_id, "subject": "complainant", "key": "P1", "value": PHONE})
    assert put.status_code == 200 and put.json["warnings"] == []
    return tag_id


def test_anonymous_and_unpermitted_calls_are_refused_as_problems(client, h, phone):
    assert client.get("/api/v1/tags").status_code == 401
    res = client.post("/api/v1/tags", headers=h["reader"], json={"code": "x", "name": "x", "subject_code": "complainant",
                                                                  "value_type": "text"})
    assert res.status_code == 403 and res.mimetype == "application/problem+json"
    res = client.put("/api/v1/tag-values", headers=h["reader"],
                     json={"tag_id": phone, "subject": "complainant", "key": "P2", "value": PHONE})
    assert res.status_code == 403


def test_invalid_definitions_get_field_errors_in_chinese(client, h, phone):
    res = client.post("/api/v1/tags", headers=h["owner"], json={
        "code": "1bad", "name": "", "subject_code": "complainant", "value_type": "colour"})
    assert res.status_code == 422
    assert {"code", "name", "value_type"} <= set(res.json["errors"]["json"])
    res = create_tag(client, h["owner"], code="grade", name="等级", value_type="enum", masking="none",
                     allowed={"options": ["A", "B"]})
    res = client.post("/api/v1/tags", headers=h["owner"], json={
        "code": "grade", "name": "等级", "subject_code": "complainant", "value_type": "enum", "allowed": {}})
    assert res.status_code == 422 and "已被使用" in res.json["errors"]["code"][0]


def test_a_published_tag_changes_only_by_a_new_version_with_if_match(client, h, phone):
    url = f"/api/v1/tags/{phone}"
    got = client.get(url, headers=h["owner"])
    etag = got.headers["ETag"]
    assert client.patch(url, headers={**h["owner"], "If-Match": etag}, json={"name": "电话"}).status_code == 409
    assert client.post(f"{url}/versions", headers=h["owner"], json={"name": "电话"}).status_code == 428
    res = client.post(f"{url}/versions", headers={**h["owner"], "If-Match": etag}, json={"name": "联系电话", "note": "改名"})
    assert res.status_code == 201 and res.json["revision"] == 2
    stale = client.post(f"{url}/versions", headers={**h["owner"], "If-Match": etag}, json={"name": "再改"})
    assert stale.status_code == 412
    history = client.get(f"{url}/versions", headers=h["reader"]).json
    assert [r["revision"] for r in history] == [2, 1]
    dep = client.post(f"{url}/deprecate", headers={**h["owner"], "If-Match": res.headers["ETag"]})
    assert dep.status_code == 200 and dep.json["state"] == "deprecated"
    put = client.put("/api/v1/tag-values", headers=h["owner"],
                     json={"tag_id": phone, "subject": "complainant", "key": "P2", "value": "13900001111"})
    assert put.status_code == 200 and "停用" in put.json["warnings"][0]


def test_a_draft_can_be_edited_and_deleted_but_gets_no_values(client, h, phone):
    res = create_tag(client, h["owner"], code="draft", name="草稿")
    url = f"/api/v1/tags/{res.json['id']}"
    put = client.put("/api/v1/tag-values", headers=h["owner"],
                     json={"tag_id": res.json["id"], "subject": "complainant", "key": "P1", "value": "x"})
    assert put.status_code == 409
    patched = client.patch(url, headers={**h["owner"], "If-Match": res.headers["ETag"]}, json={"description": "说明"})
    assert patched.status_code == 200
    assert client.get(url, headers=h["reader"]).status_code == 404  # readers do not see drafts
    assert client.delete(url, headers={**h["owner"], "If-Match": patched.headers["ETag"]}).status_code == 204


def test_without_a_grant_no_read_path_shows_the_clear_value(client, session, h, phone):
    for who in ("reader", "admin"):
        headers = h[who]
        listing = client.get(f"/api/v1/tags/{phone}/values", headers=headers)
        assert listing.json["items"][0]["value"] == "138****1234" and listing.json["items"][0]["masked"]
        assert client.get(f"/api/v1/tags/{phone}", headers=headers).json["clear"] is False
        subject = client.get("/api/v1/tag-values?subject=complainant&key=P1", headers=headers)
        assert subject.json[0]["value"] == "138****1234"
        assert client.get(f"/api/v1/tags/{phone}/values?q=1234", headers=headers).status_code == 403
        csv = client.get(f"/api/v1/tags/{phone}/values/export?format=csv", headers=headers)
        assert csv.status_code == 200 and csv.headers["X-Tongguan-Masked"] == "1"
        text = csv.get_data().decode("utf-8-sig")
        assert "138****1234" in text and PHONE not in text
        xlsx = client.get(f"/api/v1/tags/{phone}/values/export?format=xlsx", headers=headers)
        cells = [c for row in load_workbook(io.BytesIO(xlsx.get_data())).active.iter_rows(values_only=True) for c in row]
        assert "138****1234" in cells and PHONE not in cells
        for body in (listing, subject):
            assert PHONE not in body.get_data(as_text=True)
    audit = client.get("/api/v1/audit?object_type=tag_value", headers=h["admin"])
    assert audit.status_code == 200 and audit.json["total"] >= 1
    assert PHONE not in audit.get_data(as_text=True)
    session.expire_all()
    assert PHONE not in json.dumps([e.changes for e in session.scalars(select(AuditEntry))], ensure_ascii=False)
    # the owner's department sees it clear, and may search it
    owner = client.get(f"/api/v1/tags/{phone}/values?q=8123", headers=h["owner"]).json
    assert owner["items"][0]["value"] == PHONE and owner["items"][0]["masked"] is False
    csv = client.get(f"/api/v1/tags/{phone}/values/export", headers=h["owner"]).get_data().decode("utf-8-sig")
    assert PHONE in csv


def test_a_department_applies_an_approver_grants_and_the_value_is_clear(client, h, phone):
    apply = client.post(f"/api/v1/tags/{phone}/grants", headers=h["reader"], json={"reason": "回访诉求人"})
    assert apply.status_code == 201 and apply.json["status"] == "pending"
    again = client.post(f"/api/v1/tags/{phone}/grants", headers=h["reader"], json={"reason": "再次"})
    assert again.status_code == 409
    assert client.post(f"/api/v1/tag-grants/{apply.json['id']}/decision", headers=h["reader"],
                       json={"approve": True}).status_code == 403
    queue = client.get("/api/v1/tag-grants?status=pending", headers=h["owner"]).json
    assert [g["department_name"] for g in queue["items"]] == ["市水务局"]
    refused = client.post(f"/api/v1/tag-grants/{apply.json['id']}/decision", headers=h["owner"],
                          json={"approve": False})
    assert refused.status_code == 422 and "note" in refused.json["errors"]
    ok = client.post(f"/api/v1/tag-grants/{apply.json['id']}/decision", headers=h["owner"],
                     json={"approve": True, "note": "同意", "expires_at": "2099-01-01T00:00:00+08:00"})
    assert ok.status_code == 200 and ok.json["status"] == "granted" and ok.json["decider_name"] == "wang"
    assert client.get(f"/api/v1/tags/{phone}/values", headers=h["reader"]).json["items"][0]["value"] == PHONE
    detail = client.get(f"/api/v1/tags/{phone}", headers=h["reader"]).json
    assert detail["clear"] and detail["my_grant"]["status"] == "granted"
    revoke = client.post(f"/api/v1/tag-grants/{apply.json['id']}/revoke", headers=h["owner"], json={"note": "到期收回"})
    assert revoke.status_code == 200 and revoke.json["status"] == "revoked"
    assert client.get(f"/api/v1/tags/{phone}/values", headers=h["reader"]).json["items"][0]["masked"]
    mine = client.get(f"/api/v1/tags/{phone}/grants?mine=true", headers=h["reader"]).json
    assert mine["total"] == 1


def test_feedback_like_favourite_comment_and_my_favourites(client, h, phone):
    url = f"/api/v1/tags/{phone}"
    assert client.put(f"{url}/like", headers=h["reader"]).json["likes"] == 1
    assert client.put(f"{url}/favourite", headers=h["reader"]).json["favourited"] is True
    comment = client.post(f"{url}/comments", headers=h["reader"], json={"body": "很好用"})
    assert comment.status_code == 201 and comment.json["mine"]
    assert client.get(f"{url}/comments", headers=h["owner"]).json["items"][0]["mine"] is False
    favourites = client.get("/api/v1/tag-favourites", headers=h["reader"]).json
    assert [t["code"] for t in favourites["items"]] == ["phone"]
    listing = client.get("/api/v1/tags?q=手机", headers=h["reader"]).json
    assert listing["items"][0]["score"] == 2 + 3 + 2 + 0.0 and listing["items"][0]["favourited"]
    assert client.delete(f"/api/v1/tag-comments/{comment.json['id']}", headers=h["reader"]).status_code == 204
    assert client.delete(f"{url}/favourite", headers=h["reader"]).json["favourited"] is False
    assert client.delete(f"{url}/like", headers=h["reader"]).json["likes"] == 0
    assert client.get(url, headers=h["reader"]).json["views"] >= 1


def test_subjects_and_types_are_listed_for_the_side_filter(client, h, phone):
    subjects = {s["code"]: s for s in client.get("/api/v1/tag-subjects", headers=h["reader"]).json}
    assert subjects["complainant"]["tag_count"] == 1 and subjects["resource"]["builtin"]
    res = client.post("/api/v1/tag-types", headers=h["owner"], json={"code": "basic", "name": "基本信息", "topic": "民生诉求"})
    assert res.status_code == 201
    assert client.patch(f"/api/v1/tag-types/{res.json['id']}", headers=h["owner"], json={"topic": "诉求"}).status_code == 200
    assert client.patch("/api/v1/tag-subjects/complainant", headers=h["owner"], json={"name": "诉求人"}).status_code == 200
    assert [t["topic"] for t in client.get("/api/v1/tag-types", headers=h["reader"]).json] == ["诉求"]
    assert client.delete(f"/api/v1/tag-values?tag_id={phone}&subject=complainant&key=P1",
                         headers=h["owner"]).status_code == 204
