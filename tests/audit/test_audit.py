"""The audit log: every write, with its actor; filtered by the API."""
from sqlalchemy import select

from tongguan.audit.models import AuditEntry


def entries(session, **where):
    session.expire_all()
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(session.scalars(stmt))


def test_a_write_through_the_api_is_recorded_with_its_actor(client, session, admin, admin_headers, org):
    res = client.post("/api/v1/departments", headers=admin_headers,
                      json={"code": "gx", "name": "高新区", "level": "district", "parent_id": org["city"].id})
    [entry] = entries(session, object_type="department", object_id=str(res.json["id"]))
    assert (entry.actor_id, entry.actor_name, entry.via) == (admin.id, "admin", "token")
    assert entry.action == "department_create" and entry.operation == "insert"
    assert entry.after_digest and entry.before_digest is None
    assert entry.request_id == res.headers["X-Request-ID"]


def test_an_update_records_before_and_after(client, session, admin_headers, org):
    url = f"/api/v1/departments/{org['street'].id}"
    etag = client.get(url, headers=admin_headers).headers["ETag"]
    client.patch(url, headers={**admin_headers, "If-Match": etag}, json={"name": "滨湖街道办"})
    [entry] = entries(session, object_type="department", operation="update")
    assert entry.changes == {"name": ["滨湖街道", "滨湖街道办"]}
    assert entry.before_digest != entry.after_digest


def test_secrets_never_reach_the_audit_log(client, session, admin_headers, make_user):
    user = make_user("chen", "author")
    etag = client.get(f"/api/v1/users/{user.id}", headers=admin_headers).headers["ETag"]
    client.patch(f"/api/v1/users/{user.id}", headers={**admin_headers, "If-Match": etag}, json={"password": "a-new-password"})
    [entry] = entries(session, object_type="user_account", operation="update", action="user_update")
    assert entry.changes["password_hash"] == ["[redacted]", "[redacted]"]


def test_a_role_change_is_recorded(client, session, admin_headers, make_user):
    user = make_user("chen", "author")
    etag = client.get(f"/api/v1/users/{user.id}", headers=admin_headers).headers["ETag"]
    client.patch(f"/api/v1/users/{user.id}", headers={**admin_headers, "If-Match": etag}, json={"roles": ["leader"]})
    [entry] = entries(session, object_type="user_account", action="user_update")
    assert entry.changes["roles"] == [["author"], ["leader"]]


def test_a_refused_write_leaves_no_audit_entry(client, session, make_user, bearer):
    headers = bearer(make_user("zhao", "handler"))
    before = len(entries(session))
    client.post("/api/v1/departments", headers=headers, json={"code": "x", "name": "x", "level": "city"})
    assert len(entries(session)) == before


def test_the_audit_api_filters_by_actor_action_and_time(client, admin_headers, make_user, org):
    make_user("chen", "author")
    res = client.get("/api/v1/audit?action=user_create&object_type=user_account", headers=admin_headers)
    assert res.status_code == 200
    assert {e["action"] for e in res.json["items"]} == {"user_create"}
    assert res.json["total"] >= 2  # admin and chen
    future = client.get("/api/v1/audit?since=2999-01-01T00:00:00%2B08:00", headers=admin_headers)
    assert future.json["total"] == 0
    naive = client.get("/api/v1/audit?since=2020-01-01T00:00:00", headers=admin_headers)
    assert naive.status_code == 422 and "since" in naive.json["errors"]["query"]


def test_a_handler_cannot_read_the_audit_log_but_a_leader_can(client, make_user, bearer):
    assert client.get("/api/v1/audit", headers=bearer(make_user("zhao", "handler"))).status_code == 403
    assert client.get("/api/v1/audit", headers=bearer(make_user("liu", "leader"))).status_code == 200


def test_a_login_is_recorded_but_a_failed_one_is_only_counted(client, session, make_user, login):
    user = make_user("chen", "author")
    login("chen", "wrong-password")
    login("chen")
    [entry] = entries(session, action="login")
    assert entry.actor_id == user.id and entry.changes.get("last_login_at")


def test_the_admin_audit_page_needs_the_permission(client, make_user, login):
    make_user("zhao", "handler")
    login("zhao")
    assert client.get("/admin/audit").status_code == 403
