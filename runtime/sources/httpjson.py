"""HTTP JSON sources, fetched with a timeout and a size limit, and never from the platform's
own network unless the host is allowed (no requests to loopback, private, link-local or
reserved addresses: a source must not become a way into the intranet)."""
from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit


class FetchError(Exception):
    """Why a fetch was refused or failed, in zh-CN."""


def check_url(url: str, allowed_hosts: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError("地址须以 http:// 或 https:// 开头")
    host = parts.hostname
    if host in allowed_hosts:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise FetchError(f"无法解析主机 {host}") from exc
    for info in infos:
        addr = ipaddress.ip_address(info[4][0])
        if addr.is_private or addr.is_loopback or addr.is_link_local or addr.is_reserved or addr.is_multicast \
                or addr.is_unspecified:
            raise FetchError(f"主机 {host} 指向内部地址 {addr}，不在允许列表（HTTP_SOURCE_ALLOWED_HOSTS）中")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # a redirect could lead inside
        raise FetchError(f"接口返回了重定向（{code}），为安全起见不跟随")


def fetch(url: str, *, headers: dict | None = None, timeout: float = 10, max_bytes: int = 5_000_000,
          allowed_hosts: list[str] | None = None):
    check_url(url, allowed_hosts or [])
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, headers={"Accept": "application/json", **(headers or {})})
    try:
        with opener.open(request, timeout=timeout) as response:
            body = response.read(max_bytes + 1)
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(f"接口返回 HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FetchError(f"无法访问接口：{getattr(exc, 'reason', exc)}") from exc
    if len(body) > max_bytes:
        raise FetchError(f"接口返回超过 {max_bytes} 字节的上限")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FetchError("接口返回的不是 JSON") from exc


def records(doc, path: str = "") -> list[dict]:
    """The list of records at a dotted path (`data.items`); the document itself when empty."""
    node = doc
    for key in [p for p in path.split(".") if p]:
        if not isinstance(node, dict) or key not in node:
            raise FetchError(f"JSON 中找不到路径 {path}")
        node = node[key]
    if not isinstance(node, list) or not all(isinstance(r, dict) for r in node):
        raise FetchError("该路径处须为对象数组")
    return node


# Hosts that outbound calls made by background jobs (webhooks) may reach although they are
# internal; set from HTTP_SOURCE_ALLOWED_HOSTS by the app factory.
ALLOWED_HOSTS: list[str] = []


def configure(allowed_hosts: list[str]) -> None:
    ALLOWED_HOSTS[:] = list(allowed_hosts)


def post_json(url: str, body: bytes, *, headers: dict | None = None, timeout: float = 5,
              allowed_hosts: list[str] | None = None) -> int:
    """POST a JSON body; returns the status (2xx), raises FetchError otherwise."""
    check_url(url, ALLOWED_HOSTS if allowed_hosts is None else allowed_hosts)
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with opener.open(request, timeout=timeout) as response:
            response.read(65536)
            return response.status
    except FetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchError(f"对方返回 HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FetchError(f"无法送达：{getattr(exc, 'reason', exc)}") from exc
