"""Secrets at rest (data-source passwords, API keys): Fernet (AES-128-CBC + HMAC-SHA256) with
a key derived from SECRET_KEY, so every machine that shares the secret key can read them.
Changing SECRET_KEY makes stored secrets unreadable: re-enter them (the UI says which)."""
from __future__ import annotations

import base64
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_fernet: Fernet | None = None


class SecretUnreadable(RuntimeError):
    pass


def configure(secret_key: str) -> None:
    global _fernet
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tongguan", info=b"secrets at rest v1") \
        .derive(secret_key.encode())
    _fernet = Fernet(base64.urlsafe_b64encode(key))


def encrypt(data: dict) -> str:
    if _fernet is None:
        raise RuntimeError("tongguan.crypto is not configured (create_app does it)")
    return _fernet.encrypt(json.dumps(data, ensure_ascii=False).encode()).decode()


def decrypt(token: str) -> dict:
    if not token:
        return {}
    if _fernet is None:
        raise RuntimeError("tongguan.crypto is not configured (create_app does it)")
    try:
        return json.loads(_fernet.decrypt(token.encode()))
    except InvalidToken as exc:
        raise SecretUnreadable("A stored secret cannot be read with this SECRET_KEY; enter it again.") from exc
