"""The platform's Ed25519 package-signing key, and reading other parties' public keys.

The private key is PEM text from the configuration, or a PKCS8 PEM file (mode 0600) created on
first use; `configure` says which. Nothing here knows about Flask."""
from __future__ import annotations

import base64
import binascii
import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALGORITHM = "Ed25519"

_path: Path | None = None
_pem: str | None = None
_key: "SigningKey | None" = None
_lock = threading.Lock()


class KeyUnusable(RuntimeError):
    """The configured signing key cannot be read or is not an Ed25519 private key."""


def raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def fingerprint(raw: bytes) -> str:
    """sha256 of the raw 32-byte public key, as hex."""
    return hashlib.sha256(raw).hexdigest()


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def public_raw(self) -> bytes:
        return raw_public(self.public)

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    @property
    def public_pem(self) -> str:
        return public_pem(self.public)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_raw)

    def sign(self, data: bytes) -> bytes:
        return self.private.sign(data)


def _private_from_pem(pem: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise KeyUnusable(f"The package signing key in {where} cannot be read: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyUnusable(f"The package signing key in {where} is not an Ed25519 private key.")
    return key


def configure(path: str | Path | None, pem: str | None = None) -> None:
    """Use `pem` (PEM text) when given, else the PKCS8 PEM file at `path`, created on first use.
    A PEM given here is checked at once, so a bad configuration stops the app at start."""
    global _path, _pem, _key
    with _lock:
        _path = Path(path) if path is not None else None
        _pem = pem
        _key = SigningKey(_private_from_pem(pem.encode(), "PACKAGE_SIGNING_KEY")) if pem else None


def _create(path: Path) -> None:
    """Write a new key to `path` with mode 0600; when another process is first, keep its key."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
        try:
            os.link(tmp, path)  # atomic, and refuses to replace a key another worker wrote meanwhile
        except FileExistsError:
            pass
    finally:
        tmp.unlink(missing_ok=True)


def platform_key() -> SigningKey:
    """The platform's signing key (created in the configured file on first use)."""
    global _key
    with _lock:
        if _key is not None:
            return _key
        if _path is None:
            raise RuntimeError("builder.packages.signing is not configured (create_app does it)")
        if not _path.exists():
            _create(_path)
        _key = SigningKey(_private_from_pem(_path.read_bytes(), str(_path)))
        return _key


def load_public_key(text: str) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo) or base64 of the raw 32 bytes.
    Raises ValueError with a zh-CN (English) message."""
    text = (text or "").strip()
    if "PRIVATE KEY" in text:
        raise ValueError("这是私钥，请只提供公钥 (this is a private key: give the public key only)")
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(text.encode())
        except (ValueError, TypeError, binascii.Error):
            raise ValueError("无法读取 PEM 公钥 (the PEM public key cannot be read)") from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("不是 Ed25519 公钥 (not an Ed25519 public key)")
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise ValueError("公钥须为 PEM 或 32 字节原始公钥的 base64 (give a PEM or the base64 of the raw "
                         "32-byte key)") from None
    if len(raw) != 32:
        raise ValueError(f"Ed25519 原始公钥须为 32 字节，实际 {len(raw)} 字节 (a raw Ed25519 public key is "
                         f"32 bytes, not {len(raw)})")
    try:
        return Ed25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise ValueError("不是有效的 Ed25519 公钥 (not a valid Ed25519 public key)") from None


def verify(public: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True
