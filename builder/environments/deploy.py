"""Talking to another Tongguan instance over its API: health, who the token is, whether it
trusts our signing key, importing a package and activating a release. Plain functions of
(url, token, ...), no database, so that environments are reached concurrently.

Uses the standard library's urllib (the project depends on neither httpx nor requests).
Redirects are refused, so the token is only ever sent to the URL the operator registered."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

TIMEOUT_S = 30.0  # per request; a package import on a busy instance takes a few seconds
MAX_ANSWER = 1024 * 1024


class RemoteError(Exception):
    """The environment could not be reached or refused: `message` says why, in zh-CN (English)."""

    def __init__(self, message: str, status: int | None = None, body: dict | None = None):
        super().__init__(message)
        self.message, self.status, self.body = message, status, body or {}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 30x reaches the caller as an HTTPError


_opener = urllib.request.build_opener(_NoRedirect)


def url_problem(url: str) -> str | None:
    """Why `url` cannot be an environment's address, or None: http(s), a host, no credentials,
    query or fragment."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "地址无法解析 (the URL cannot be parsed)"
    if parts.scheme not in ("http", "https"):
        return "地址须以 http:// 或 https:// 开头 (the URL must be http or https)"
    if not parts.hostname:
        return "地址缺少主机名 (the URL has no host)"
    if parts.username or parts.password:
        return "地址中不能含用户名或密码，请填写 API 令牌 (no credentials in the URL: give an API token)"
    if parts.query or parts.fragment:
        return "地址不能含查询串或片段 (no query or fragment in the URL)"
    return None


def _summary(body: dict) -> str:
    """A remote problem+json as one line: its detail and each field's first messages."""
    text = str(body.get("detail") or body.get("title") or "")
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts = []
        for field, messages in list(errors.items())[:8]:
            if isinstance(messages, dict):
                messages = [f"{k}: {v[0] if isinstance(v, list) and v else v}" for k, v in list(messages.items())[:3]]
            parts.append(f"{field}: {'; '.join(map(str, messages[:3])) if isinstance(messages, list) else messages}")
        text += " — " + " | ".join(parts)
    return text[:2000]


def call(url: str, token: str, method: str, path: str, *, data: bytes | None = None,
         content_type: str | None = None, timeout: float | None = None) -> dict:
    """The JSON answer of `method url+path`, or RemoteError with the remote's problem summarised."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url.rstrip("/") + path, data=data, headers=headers, method=method)
    try:
        with _opener.open(request, timeout=timeout or TIMEOUT_S) as answer:
            raw = answer.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as exc:
        try:
            body = json.loads(exc.read(MAX_ANSWER))
        except (ValueError, OSError):
            body = {}
        body = body if isinstance(body, dict) else {}
        summary = _summary(body) or exc.reason
        raise RemoteError(f"对方答复 {exc.code}：{summary} (the environment answered {exc.code})", exc.code,
                          body) from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RemoteError(f"无法连接 {url}：{reason} (cannot reach the environment)") from None
    if len(raw) > MAX_ANSWER:
        raise RemoteError("对方的答复过大 (the environment's answer is too large)")
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        raise RemoteError("对方的答复不是 JSON，地址是否指向统管平台？ (the answer is not JSON: is this a "
                          "Tongguan instance?)") from None


def check(url: str, token: str, fingerprint: str) -> dict:
    """What the environment says of itself: readiness and schema revision (/readyz), the token's
    user and whether it may import apps (/api/v1/me), and whether it trusts our key `fingerprint`."""
    found = {"reachable": False, "ready": False, "revision": None, "user": None, "can_deploy": False,
             "trusts_us": None, "problems": []}
    try:
        ready = call(url, "", "GET", "/readyz", timeout=10)
        found.update(reachable=True, ready=ready.get("status") == "ok", revision=ready.get("revision"))
    except RemoteError as exc:
        if exc.status == 503:  # up, but its database is behind or unreachable
            found.update(reachable=True, revision=exc.body.get("revision"))
        found["problems"].append(exc.message)
        if exc.status is None:
            return found
    try:
        me = call(url, token, "GET", "/api/v1/me", timeout=10)
        found["user"] = me.get("username")
        found["can_deploy"] = "app.manage" in (me.get("permissions") or [])
        if not found["can_deploy"]:
            found["problems"].append("令牌的用户没有 app.manage 权限，不能部署 (the token's user lacks app.manage)")
        own = call(url, token, "GET", "/api/v1/packages/public-key", timeout=10).get("fingerprint")
        keys = call(url, token, "GET", "/api/v1/packages/trusted-keys?per_page=200", timeout=10).get("items") or []
        found["trusts_us"] = own == fingerprint or any(k.get("fingerprint") == fingerprint for k in keys)
        if not found["trusts_us"]:
            found["problems"].append("对方尚未信任本平台的签名公钥，部署会被拒绝 (the environment does not trust "
                                     "this platform's signing key: deployments will be refused)")
    except RemoteError as exc:
        found["problems"].append(exc.message)
    return found


def push(url: str, token: str, package: bytes) -> dict:
    """Import `package` there (as a new version when the app exists) and activate the release it
    gives: {"app_id", "release", "created"}. RemoteError says at which step it failed."""
    imported = call(url, token, "POST", "/api/v1/apps/import?on_conflict=new_version", data=package,
                    content_type="application/zip")
    try:
        app_id, number = int(imported["app"]["id"]), int(imported["release"]["number"])
    except (KeyError, TypeError, ValueError):
        raise RemoteError("对方的导入答复缺少应用或版本 (the import's answer names no app or release)") from None
    try:
        activate(url, token, app_id, number)
    except RemoteError as exc:
        exc.message = (f"已导入为对方的第 {number} 版，但未能激活：{exc.message} "
                       f"(imported as release {number} there, but not activated)")
        raise
    return {"app_id": app_id, "release": number, "created": bool(imported.get("created"))}


def activate(url: str, token: str, app_id: int, number: int) -> dict:
    return call(url, token, "POST", f"/api/v1/apps/{int(app_id)}/releases/{int(number)}/activate", data=b"{}",
                content_type="application/json")
