"""The organisation and accounts API: permissions, ETags, tokens."""
from sqlalchemy import func, select

from tongguan.accounts.models import Department, User


def count(session, model):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_handler_cannot_call_an_admin_api_and_nothing_is_written(client, session, make_user, bearer):
    handler = make_user("zhao", "handler", department="water")
    before = count(session, Department), count(session, User)
    res = client.post("/api/v1/departments", headers=bearer(handler),
                      json={"code": "new", "name": "新部门", "level": "district"})
    assert res.status_code == 403
    assert res.mimetype == "application/problem+json"
    res = client.post("/api/v1/users", headers=bearer(handler),
                      json={"username": "evil", "display_name": "x", "password": "12345678", "roles": ["admin"]})
    assert res.status_code == 403
    assert (count(session, Department), count(session, User)) == before


def test_handler_can_read_the_organisation(client, make_user, bearer):
    handler = make_user("zhao", "handler", department="water")
    res = client.get("/api/v1/departments?level=city", headers=bearer(handler))
    assert res.status_code == 200
    assert {d["code"] for d in res.json["items"]} == {"city", "water"}


def test_an_anonymous_call_gets_401(client, org):
    res = client.get("/api/v1/departments")
    assert res.status_code == 401
    assert res.mimetype == "application/problem+json"


def test_admin_creates_a_department_and_gets_its_etag(client, admin_headers, org):
    res = client.post("/api/v1/departments", headers=admin_headers,
                      json={"code": "jd-wy", "name": "望月街道", "level": "street", "parent_id": org["district"].id})
    assert res.status_code == 201
    assert res.headers["ETag"] == f'"department-{res.json["id"]}-v1"'
    assert res.json["name"] == "望月街道"


def test_a_stale_if_match_gets_412_and_changes_nothing(client, session, admin_headers, org):
    url = f"/api/v1/departments/{org['street'].id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    first = client.patch(url, headers={**admin_headers, "If-Match": etag}, json={"name": "滨湖街道办事处"})
    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    stale = client.patch(url, headers={**admin_headers, "If-Match": etag}, json={"name": "被覆盖"})
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    session.expire_all()
    assert session.get(Department, org["street"].id).name == "滨湖街道办事处"


def test_a_write_without_if_match_gets_428(client, admin_headers, org):
    res = client.patch(f"/api/v1/departments/{org['street'].id}", headers=admin_headers, json={"name": "x"})
    assert res.status_code == 428


def test_moving_a_department_under_its_own_descendant_is_refused(client, admin_headers, org):
    url = f"/api/v1/departments/{org['district'].id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    res = client.patch(url, headers={**admin_headers, "If-Match": etag}, json={"parent_id": org["street"].id})
    assert res.status_code == 422
    assert "parent_id" in res.json["errors"]


def test_a_department_with_children_cannot_be_deleted_but_an_empty_one_can(client, admin_headers, org):
    url = f"/api/v1/departments/{org['district'].id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    assert client.delete(url, headers={**admin_headers, "If-Match": etag}).status_code == 422
    url = f"/api/v1/departments/{org['street'].id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    assert client.delete(url, headers={**admin_headers, "If-Match": etag}).status_code == 204
    assert client.get(url, headers=admin_headers).status_code == 404


def test_admin_creates_a_user_with_roles_and_the_password_is_never_returned(client, admin_headers, org):
    res = client.post("/api/v1/users", headers=admin_headers, json={
        "username": "li", "display_name": "李强", "password": "longenough", "roles": ["data_operator"],
        "department_id": org["city"].id})
    assert res.status_code == 201
    assert res.json["roles"] == ["data_operator"]
    assert "password" not in res.json and "password_hash" not in res.json


def test_a_duplicate_username_is_a_field_error(client, admin_headers, admin):
    res = client.post("/api/v1/users", headers=admin_headers,
                      json={"username": "ADMIN", "display_name": "x", "password": "longenough"})
    assert res.status_code == 422
    assert "username" in res.json["errors"]


def test_user_update_needs_the_current_etag(client, admin_headers, make_user):
    user = make_user("chen", "author")
    url = f"/api/v1/users/{user.id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    res = client.patch(url, headers={**admin_headers, "If-Match": etag}, json={"roles": ["author", "leader"]})
    assert res.status_code == 200 and res.json["roles"] == ["author", "leader"]
    assert client.patch(url, headers={**admin_headers, "If-Match": etag}, json={"roles": []}).status_code == 412


def test_me_lists_my_permissions(client, make_user, bearer):
    leader = make_user("liu", "leader")
    res = client.get("/api/v1/me", headers=bearer(leader))
    assert res.status_code == 200
    assert res.json["username"] == "liu"
    assert "audit.read" in res.json["permissions"] and "org.manage" not in res.json["permissions"]


def test_roles_are_listed_with_their_permissions(client, admin_headers):
    roles = {r["code"]: r for r in client.get("/api/v1/roles", headers=admin_headers).json}
    assert set(roles) == {"admin", "catalog_manager", "data_operator", "author", "dispatcher", "handler", "leader"}
    assert "org.manage" in roles["admin"]["permissions"]


def test_user_list_filters_by_role_and_paginates(client, admin_headers, make_user):
    for i in range(3):
        make_user(f"h{i}", "handler")
    res = client.get("/api/v1/users?role=handler&per_page=2", headers=admin_headers)
    assert res.json["total"] == 3 and len(res.json["items"]) == 2
    res = client.get("/api/v1/users?role=handler&per_page=2&page=2", headers=admin_headers)
    assert [u["username"] for u in res.json["items"]] == ["h2"]
