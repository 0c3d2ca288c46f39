"""Password hashing (Argon2id) and API token secrets."""
from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)
# Verified against when the username is unknown, so both paths cost the same.
_DUMMY = _hasher.hash("not-a-real-password")

TOKEN_PREFIX = "tg_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _DUMMY, password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(secret: str) -> str:
    # Tokens carry 256 random bits, so a fast hash is enough; a KDF would only slow every request.
    return hashlib.sha256(secret.encode()).hexdigest()
