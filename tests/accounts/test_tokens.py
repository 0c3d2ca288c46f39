"""API tokens: created with the secret shown once, stored hashed, revocable."""
from sqlalchemy import select

from tongguan.accounts.models import ApiToken


def test_a_created_token_works_and_is_stored_only_as_a_hash(client, session, make_user, bearer):
    user = make_user("chen", "author")
    res = client.post("/api/v1/tokens", headers=bearer(user), json={"name": "脚本", "expires_in_days": 30})
    assert res.status_code == 201
    secret = res.json["token"]
    assert secret.startswith("tg_")
    stored = session.scalar(select(ApiToken).where(ApiToken.id == res.json["id"]))
    assert secret not in (stored.token_hash, stored.prefix) and len(stored.token_hash) == 64
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json["username"] == "chen"


def test_a_revoked_token_gets_401(client, make_user, bearer):
    user = make_user("chen", "author")
    headers = bearer(user)
    created = client.post("/api/v1/tokens", headers=headers, json={"name": "ci"}).json
    other = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/me", headers=other).status_code == 200
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=headers).status_code == 200
    res = client.get("/api/v1/me", headers=other)
    assert res.status_code == 401
    assert res.mimetype == "application/problem+json"


def test_an_unknown_or_malformed_token_gets_401(client, org):
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer tg_nope"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_users_see_and_revoke_only_their_own_tokens(client, make_user, bearer):
    a, b = make_user("a", "author"), make_user("b", "author")
    a_headers, b_headers = bearer(a), bearer(b)
    mine = client.post("/api/v1/tokens", headers=a_headers, json={"name": "a1"}).json
    listed = client.get("/api/v1/tokens", headers=b_headers).json["items"]
    assert mine["id"] not in {t["id"] for t in listed}
    assert client.delete(f"/api/v1/tokens/{mine['id']}", headers=b_headers).status_code == 404
    assert client.get(f"/api/v1/tokens?user_id={a.id}", headers=b_headers).status_code == 403


def test_an_admin_can_list_anybodys_tokens(client, make_user, bearer, admin_headers):
    a = make_user("a", "author")
    client.post("/api/v1/tokens", headers=bearer(a), json={"name": "a1"})
    res = client.get(f"/api/v1/tokens?user_id={a.id}", headers=admin_headers)
    assert res.status_code == 200 and {t["name"] for t in res.json["items"]} >= {"a1"}


def test_a_deactivated_users_token_stops_working(client, session, make_user, bearer, admin_headers):
    user = make_user("gone", "author")
    headers = bearer(user)
    etag = client.get(f"/api/v1/users/{user.id}", headers=admin_headers).headers["ETag"]
    client.patch(f"/api/v1/users/{user.id}", headers={**admin_headers, "If-Match": etag}, json={"is_active": False})
    assert client.get("/api/v1/me", headers=headers).status_code == 401
