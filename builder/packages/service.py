"""Signed resource packages (资源包): build, sign and verify them; keep the trusted keys.

Packages are bytes in, bytes out: nothing is extracted to disk. A package is refused whole,
with every problem found listed per area (package, entries, manifest, files, signature), as an
`Invalid` whose field errors name each entry at fault. See `archive` for the format."""
from __future__ import annotations

import base64

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongguan.db import utcnow
from tongguan.errors import Invalid, NotFound
from tongguan.pagination import Page, paginate
from tongguan.permissions import Actor, action

from . import archive, signing
from .archive import MANIFEST, SIGNATURE, Problems
from .models import TrustedKey

PLATFORM_KEY_NAME = "平台签名密钥 (platform signing key)"


def _files_problems(files: dict[str, bytes], problems: Problems) -> None:
    for path, content in files.items():
        if not isinstance(path, str):
            problems.add("files", "路径须为文本 (path must be text)", repr(path))
            continue
        reason = archive.path_problem(path)
        if not reason and path in archive.RESERVED:
            reason = f"{path} 是保留名 ({path} is reserved)"
        if not reason and not isinstance(content, bytes | bytearray):
            reason = "内容须为字节 (content must be bytes)"
        if reason:
            problems.add("files", reason, path)


def build_package(files: dict[str, bytes], manifest_fields: dict, *, key: signing.SigningKey | None = None) -> bytes:
    """A signed package of `files` ({path: content}): manifest.json (the fields plus every file's
    sha256 and size) and signature.json by `key` (default: the platform's key). Pure: no database.

    :param manifest_fields: kind, name, version; optional created_at (ISO 8601) and requires
        ({"components": {...}, "data_services": {...}})
    """
    problems = Problems()
    _files_problems(files, problems)
    unknown = sorted(set(manifest_fields) - (archive.MANIFEST_KEYS - {"format", "files"}))
    if unknown:
        problems.add("manifest", f"未知的字段 {', '.join(unknown)} (unknown fields)")
    archive.check_fields(manifest_fields, problems)
    problems.raise_if_any()
    return _signed(files, manifest_fields, key or signing.platform_key())


def _signed(files: dict[str, bytes], fields: dict, key: signing.SigningKey) -> bytes:
    manifest_raw = archive.dump_manifest(archive.manifest_for(fields, files))
    return archive.write({**files, MANIFEST: manifest_raw, SIGNATURE: archive.signature_for(key, manifest_raw)})


@action("package.manage")
def sign_package(session: Session, actor: Actor, data: bytes, manifest_fields: dict | None = None, *,
                 limits: archive.Limits | None = None) -> bytes:
    """Sign the zip `data` with the platform key: (re)compute manifest.json's files section from
    the zip's files, keep its other fields (overridden by `manifest_fields`), drop any old
    signature.json, and return the signed zip. A zip without manifest.json needs kind, name and
    version in `manifest_fields`. The zip is checked as on verification (size, entries, paths)."""
    problems = Problems()
    entries, _ = archive.read(data, limits or archive.LIMITS, problems)
    fields: dict = {}
    if MANIFEST in entries:
        doc = archive.parse_manifest(entries[MANIFEST], problems, with_files=False)
        if doc is not None:
            fields = {k: v for k, v in doc.items() if k not in ("format", "files")}
    fields.update({k: v for k, v in (manifest_fields or {}).items() if v is not None})
    if MANIFEST not in entries and not {"kind", "name", "version"} <= set(fields):
        problems.add("manifest", "压缩包没有 manifest.json，须提供 kind、name 和 version "
                                 "(the zip has no manifest.json: give kind, name and version)")
    else:
        archive.check_fields(fields, problems)
    problems.raise_if_any()
    files = {path: content for path, content in entries.items() if path not in archive.RESERVED}
    fields.pop("created_at", None)  # signed now
    return _signed(files, fields, signing.platform_key())


def _trust(session: Session, fingerprint: str) -> tuple[str, str | None]:
    """("platform" | "trusted" | "revoked" | "unknown", the key's name)."""
    if fingerprint == signing.platform_key().fingerprint:
        return "platform", PLATFORM_KEY_NAME
    key = session.scalar(select(TrustedKey).where(TrustedKey.fingerprint == fingerprint))
    if key is None:
        return "unknown", None
    return ("revoked" if key.revoked_at is not None else "trusted"), key.name


@action("package.verify")
def verify_package(session: Session, actor: Actor, data: bytes, allow_unsigned: bool = False, *,
                   limits: archive.Limits | None = None) -> dict:
    """Check the package `data` whole: a zip within the limits, safe entry paths (no absolute,
    '..', backslash, drive letter, NUL, symlink or duplicate), a valid manifest.json listing
    every file with its size and sha256, and a good signature by the platform key or a trusted,
    unrevoked key. Raises Invalid listing every problem.

    With `allow_unsigned`, a package without signature.json, or signed by a key nobody trusts,
    is accepted as untrusted; a bad signature or a revoked key is refused all the same.

    :returns: {"manifest": the manifest, "signed_by": fingerprint or None, "key_name",
        "trusted": bool, "files": how many files}
    """
    problems = Problems()
    entries, present = archive.read(data, limits or archive.LIMITS, problems)
    manifest = None
    if MANIFEST in entries:
        manifest = archive.parse_manifest(entries[MANIFEST], problems)
        if manifest is not None and isinstance(manifest.get("files"), dict):
            archive.check_files(manifest["files"], entries, present, problems)
    elif MANIFEST not in present:
        problems.add("manifest", "缺少 manifest.json (manifest.json is missing)")
    signed_by = key_name = None
    trusted = False
    if SIGNATURE in entries:
        found = archive.parse_signature(entries[SIGNATURE], entries.get(MANIFEST), problems)
        if found is not None:
            signed_by = found[1]
            trust, key_name = _trust(session, signed_by)
            trusted = trust in ("platform", "trusted")
            if trust == "revoked":
                problems.add("signature", f"签名密钥「{key_name}」已被吊销 (signed by a revoked key)")
            elif trust == "unknown" and not allow_unsigned:
                problems.add("signature", f"签名密钥 {signed_by[:16]}… 不受信任 (signed by an untrusted key)")
    elif SIGNATURE not in present and not allow_unsigned:
        problems.add("signature", "资源包未签名：缺少 signature.json (the package is not signed: "
                                  "signature.json is missing)")
    problems.raise_if_any()
    files = sum(1 for path in entries if path not in archive.RESERVED)
    return {"manifest": manifest, "signed_by": signed_by, "key_name": key_name, "trusted": trusted, "files": files}


@action("package.verify")
def package_public_key(session: Session, actor: Actor) -> dict:
    """The platform's signing key: algorithm, fingerprint, base64 raw public key and PEM."""
    key = signing.platform_key()
    return {"algorithm": signing.ALGORITHM, "fingerprint": key.fingerprint, "public_key": key.public_b64,
            "public_key_pem": key.public_pem}


# --- trusted keys ------------------------------------------------------------------------------


@action("package.verify")
def trusted_key_list(session: Session, actor: Actor, *, include_revoked: bool = False, page: int = 1,
                     per_page: int = 50) -> Page:
    """The trusted public keys, newest first (revoked ones too with `include_revoked`).
    The platform's own key is always trusted and is not listed (see package_public_key)."""
    stmt = select(TrustedKey).order_by(TrustedKey.created_at.desc(), TrustedKey.id.desc())
    if not include_revoked:
        stmt = stmt.where(TrustedKey.revoked_at.is_(None))
    return paginate(session, stmt, page, per_page)


@action("package.manage")
def trusted_key_add(session: Session, actor: Actor, data: dict) -> TrustedKey:
    """Trust the Ed25519 public key `data["public_key"]` (PEM or base64 of the raw 32 bytes).

    :param data: name, public_key, note (optional)
    """
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    if not name or len(name) > 100:
        errors["name"] = ["名称须为 1–100 个字符 (name must be 1-100 characters)"]
    try:
        public = signing.load_public_key(data.get("public_key") or "")
    except ValueError as exc:
        errors["public_key"] = [str(exc)]
        public = None
    if public is not None:
        raw = signing.raw_public(public)
        fingerprint = signing.fingerprint(raw)
        if fingerprint == signing.platform_key().fingerprint:
            errors["public_key"] = ["这是平台自己的签名公钥，本来就受信任 (this is the platform's own key: "
                                    "it is always trusted)"]
        else:
            existing = session.scalar(select(TrustedKey).where(TrustedKey.fingerprint == fingerprint))
            if existing is not None:
                errors["public_key"] = [
                    f"该公钥已登记为「{existing.name}」" + ("且已吊销，不能再次信任 (already registered and revoked: "
                                                         "it cannot be trusted again)"
                                                         if existing.revoked_at else " (already trusted)")]
    if errors:
        raise Invalid("The key cannot be trusted.", errors)
    key = TrustedKey(name=name, public_key=base64.b64encode(raw).decode(), fingerprint=fingerprint,
                     note=data.get("note", ""), created_by=actor.id)
    try:
        with session.begin_nested():  # another request adding the same key at the same moment
            session.add(key)
    except IntegrityError:
        raise Invalid("The key cannot be trusted.", {"public_key": ["该公钥刚被他人登记 (registered by someone "
                                                                    "else meanwhile)"]}) from None
    return key


@action("package.manage")
def trusted_key_revoke(session: Session, actor: Actor, key_id: int) -> TrustedKey:
    """Stop trusting a key: packages it signed are refused from now on. Final; twice is harmless."""
    key = session.get(TrustedKey, key_id)
    if key is None:
        raise NotFound(f"Trusted key {key_id} does not exist.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    return key
