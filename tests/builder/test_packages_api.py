"""/api/v1/packages: signing, verifying and the trusted keys over HTTP, errors as problem+json."""
import io
import json

import pytest

from builder.packages import archive, signing
from builder.packages.service import build_package
from tests.builder.test_packages import FIELDS, FILES, entries_of, flip, make_zip, platform_key  # noqa: F401

PROBLEM = "application/problem+json"


def problem(res, status):
    assert res.status_code == status, res.get_data(as_text=True)[:500]
    assert res.mimetype == PROBLEM
    return res.json


def upload(client, url, headers, data, filename="package.zip"):
    return client.post(url, headers=headers, data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def raw(client, url, headers, data):
    return client.post(url, headers=headers, data=data, content_type="application/zip")


@pytest.fixture
def handler(make_user, bearer):
    return bearer(make_user("zhao", "handler", department="water"))


@pytest.fixture
def other():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return signing.SigningKey(Ed25519PrivateKey.generate())


def test_an_admin_signs_a_zip_and_any_user_verifies_it(client, admin_headers, handler, platform_key):
    plain = make_zip(list(FILES.items()))
    res = raw(client, "/api/v1/packages/sign?kind=app&name=防汛大屏&version=1.0.0", admin_headers, plain)
    assert res.status_code == 200 and res.mimetype == "application/zip"
    assert "attachment" in res.headers["Content-Disposition"] and ".zip" in res.headers["Content-Disposition"]
    signed = res.get_data()
    assert {"manifest.json", "signature.json"} <= set(dict(entries_of(signed)))
    res = upload(client, "/api/v1/packages/verify", handler, signed)
    assert res.status_code == 200, res.json
    assert res.json["trusted"] and res.json["signed_by"] == platform_key.fingerprint and res.json["files"] == 3
    assert res.json["manifest"]["name"] == "防汛大屏"
    resigned = upload(client, "/api/v1/packages/sign", admin_headers, signed)  # its manifest gives the fields
    assert resigned.status_code == 200 and raw(client, "/api/v1/packages/verify", handler,
                                                resigned.get_data()).json["trusted"]
    key = client.get("/api/v1/packages/public-key", headers=handler).json
    assert key["fingerprint"] == platform_key.fingerprint and key["public_key_pem"].startswith("-----BEGIN PUBLIC KEY")


def test_a_user_without_the_role_cannot_sign_or_manage_keys(client, handler, other):
    problem(raw(client, "/api/v1/packages/sign?kind=app&name=x&version=1", handler, make_zip([("a", b"a")])), 403)
    key = {"name": "x", "public_key": other.public_b64}
    problem(client.post("/api/v1/packages/trusted-keys", headers=handler, json=key), 403)
    problem(client.delete("/api/v1/packages/trusted-keys/1", headers=handler), 403)
    problem(client.get("/api/v1/packages/public-key"), 401)


def test_a_refused_package_answers_422_naming_each_problem(client, handler):
    package = build_package(FILES, FIELDS)
    tampered = make_zip([(n, flip(c) if n == "app.json" else c) for n, c in entries_of(package)]
                        + [("../evil.sh", b"rm -rf /")])
    body = problem(upload(client, "/api/v1/packages/verify", handler, tampered), 422)
    assert body["detail"] == "The package is refused (2 problems)."
    assert "sha256 mismatch: tampered" in body["errors"]["files"]["app.json"][0]
    assert "path traversal" in body["errors"]["entries"]["../evil.sh"][0]
    body = problem(raw(client, "/api/v1/packages/verify", handler, b"not a zip"), 422)
    assert body["errors"] == {"package": ["不是 zip 文件 (not a zip file)"]}
    unsigned = make_zip([(n, c) for n, c in entries_of(package) if n != "signature.json"])
    assert "not signed" in problem(raw(client, "/api/v1/packages/verify", handler, unsigned), 422)[
        "errors"]["signature"][0]
    assert raw(client, "/api/v1/packages/verify?allow_unsigned=true", handler, unsigned).json["trusted"] is False
    body = problem(client.post("/api/v1/packages/verify", headers=handler, data={"other": "x"},
                               content_type="multipart/form-data"), 422)
    assert "file" in body["errors"]
    archive.configure(archive.Limits(max_bytes=1_000))
    try:
        body = problem(raw(client, "/api/v1/packages/verify", handler, package), 422)
        assert "larger than" in body["errors"]["package"][0]
        problem(raw(client, "/api/v1/packages/verify", handler, package + bytes(100_000)), 413)
    finally:
        archive.configure(archive.Limits())


def test_trusted_keys_are_added_listed_and_revoked(client, admin_headers, handler, other):
    foreign = build_package(FILES, FIELDS, key=other)
    assert "untrusted key" in problem(raw(client, "/api/v1/packages/verify", handler, foreign), 422)[
        "errors"]["signature"][0]
    url = "/api/v1/packages/trusted-keys"
    body = problem(client.post(url, headers=admin_headers, json={"name": "坏", "public_key": "AAAA"}), 422)
    assert list(body["errors"]) == ["public_key"]
    body = problem(client.post(url, headers=admin_headers, json={"public_key": "AAAA"}), 422)
    assert "name" in body["errors"]["json"]
    res = client.post(url, headers=admin_headers, json={"name": "省平台", "public_key": other.public_pem})
    assert res.status_code == 201 and res.json["fingerprint"] == other.fingerprint
    key_id = res.json["id"]
    assert [k["name"] for k in client.get(url, headers=handler).json["items"]] == ["省平台"]
    verified = raw(client, "/api/v1/packages/verify", handler, foreign).json
    assert verified["trusted"] and verified["key_name"] == "省平台"
    res = client.delete(f"{url}/{key_id}", headers=admin_headers)
    assert res.status_code == 200 and res.json["revoked_at"]
    assert client.get(url, headers=handler).json["items"] == []
    assert client.get(f"{url}?include_revoked=true", headers=handler).json["total"] == 1
    assert "revoked key" in problem(raw(client, "/api/v1/packages/verify", handler, foreign), 422)[
        "errors"]["signature"][0]
    problem(client.delete(f"{url}/{key_id + 1}", headers=admin_headers), 404)
    assert json.loads(dict(entries_of(foreign))["signature.json"])["key_fingerprint"] == other.fingerprint
