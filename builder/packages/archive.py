"""The package format (tongguan-package/1): reading a zip in memory with caps, checking its
entry paths, its manifest and its files, and writing a package. Nothing is extracted to disk.

A package is a zip with `manifest.json` and `signature.json` at its root::

    manifest.json   {"format": "tongguan-package/1", "kind", "name", "version", "created_at",
                     "requires": {"components": {...}, "data_services": {...}},
                     "files": {"<path>": {"sha256": "<hex>", "size": n}, ...}}
    signature.json  {"algorithm": "Ed25519", "key_fingerprint": "<sha256 hex of the raw key>",
                     "public_key": "<base64 raw>", "signature": "<base64, over manifest.json's bytes>"}

Every other entry is listed in `files` with its hash and size, and every listed file exists.
Problems are collected per area (package, entries, manifest, files, signature), each message in
zh-CN with the English in brackets, so one answer lists them all."""
from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import json
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass

from tongguan.errors import Invalid

from . import signing

FORMAT = "tongguan-package/1"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
RESERVED = (MANIFEST, SIGNATURE)
MANIFEST_KEYS = {"format", "kind", "name", "version", "created_at", "requires", "files"}
KIND_RE = re.compile(r"[a-z][a-z0-9_.-]{0,63}", re.ASCII)
SHA256_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)
MAX_PATH = 512
CHUNK = 64 * 1024
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed entry times: the same files give the same bytes


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024  # the zip itself
    max_unpacked_bytes: int = 200 * 1024 * 1024  # all entries uncompressed (zip bombs)
    max_entries: int = 10_000


LIMITS = Limits()


def configure(limits: Limits) -> None:
    global LIMITS
    LIMITS = limits


class Problems:
    """Problems found in a package, by area; `raise_if_any` refuses it whole."""

    def __init__(self):
        self.errors: dict[str, list | dict] = {}

    def add(self, area: str, message: str, path: str | None = None) -> None:
        if path is None:
            self.errors.setdefault(area, []).append(message)
        else:
            self.errors.setdefault(area, {}).setdefault(shown(path), []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def count(self) -> int:
        return sum(len(v) if isinstance(v, list) else sum(map(len, v.values())) for v in self.errors.values())

    def refuse(self) -> Invalid:
        n = self.count()
        return Invalid(f"The package is refused ({n} problem{'s' if n != 1 else ''}).", self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise self.refuse()


def shown(path: str) -> str:
    """A path as it may appear in an answer (NUL and control characters made visible)."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in path)[:MAX_PATH + 20]


def _fatal(message: str) -> Invalid:
    problems = Problems()
    problems.add("package", message)
    return problems.refuse()


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


# --- paths -----------------------------------------------------------------------------------


def path_problem(path: str) -> str | None:
    """Why `path` may not name a file in a package, or None. Paths are relative, '/'-separated,
    canonical (no empty, '.' or '..' parts), without backslashes, drive letters or NUL."""
    if not path:
        return "路径为空 (empty path)"
    if "\x00" in path:
        return "路径含 NUL 字符 (path contains NUL)"
    if any(not ch.isprintable() for ch in path):
        return "路径含控制字符 (path contains control characters)"
    if len(path) > MAX_PATH:
        return f"路径超过 {MAX_PATH} 个字符 (path longer than {MAX_PATH} characters)"
    if "\\" in path:
        return "路径含反斜杠 (path contains a backslash)"
    if path.startswith("/"):
        return "路径为绝对路径 (absolute path)"
    if re.match(r"[A-Za-z]:", path):
        return "路径含盘符 (path has a drive letter)"
    parts = path.split("/")
    if ".." in parts:
        return "路径含 ..，可能越出包目录 (path contains '..': path traversal)"
    if any(part in ("", ".") for part in parts):
        return "路径不规范（含空段或 .） (non-canonical path: empty or '.' part)"
    return None


# --- reading ---------------------------------------------------------------------------------


def _declared_entries(data: bytes) -> int:
    """How many entries the zip's end record announces (0 when it cannot be read: zipfile says why)."""
    try:
        end = zipfile._EndRecData(io.BytesIO(data))  # noqa: SLF001 - the same reader zipfile uses
    except (OSError, ValueError, struct.error, zipfile.BadZipFile):
        return 0
    return int(end[zipfile._ECD_ENTRIES_TOTAL]) if end else 0  # noqa: SLF001


def _fatal_entries(n: int, limits: Limits) -> Invalid | None:
    if n <= limits.max_entries:
        return None
    return _fatal(f"资源包含 {n} 个条目，超过上限 {limits.max_entries} (too many entries: {n} > {limits.max_entries})")


def read(data: bytes, limits: Limits, problems: Problems) -> tuple[dict[str, bytes], set[str]]:
    """The regular files of the zip `data`, by path, read in memory with caps, and the set of every
    entry name (read or not).

    Refuses at once (raises Invalid) a package that is too big, not a zip, has too many entries
    or unpacks beyond the limit (whatever its headers claim); adds to `problems` each entry that
    is refused on its own (bad path, symlink, duplicate, encrypted, corrupt)."""
    if not isinstance(data, bytes | bytearray) or not data:
        raise _fatal("资源包为空 (the package is empty)")
    if len(data) > limits.max_bytes:
        raise _fatal(f"资源包超过 {_mb(limits.max_bytes)} (the package is larger than {_mb(limits.max_bytes)})")
    too_many = _fatal_entries(_declared_entries(data), limits)
    if too_many:
        raise too_many  # before zipfile builds an object for each entry of the central directory
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError):
        raise _fatal("不是 zip 文件 (not a zip file)") from None
    too_many = _fatal_entries(len(infos), limits)
    if too_many:
        raise too_many
    bomb = _fatal(f"解压后超过 {_mb(limits.max_unpacked_bytes)}，疑为压缩炸弹 "
                  f"(unpacks to more than {_mb(limits.max_unpacked_bytes)}: zip bomb)")
    if sum(info.file_size for info in infos) > limits.max_unpacked_bytes:
        raise bomb
    entries: dict[str, bytes] = {}
    seen: dict[str, str] = {}  # casefolded name -> name
    total = 0
    for info in infos:
        name = info.orig_filename  # before zipfile cuts it at a NUL
        folded = name.rstrip("/").casefold()
        if folded in seen:
            same = seen[folded] == name
            problems.add("entries", "条目重名 (duplicate entry name)" if same
                         else f"与 {shown(seen[folded])} 仅大小写不同 (differs from {shown(seen[folded])} only in case)",
                         name)
            entries.pop(seen[folded], None)  # which of the two is meant is unknowable: neither is read
            continue
        seen[folded] = name
        reason = path_problem(name[:-1] if name.endswith("/") else name)
        if reason:
            problems.add("entries", reason, name)
            continue
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            problems.add("entries", "条目是符号链接 (entry is a symbolic link)", name)
            continue
        if info.is_dir() or kind == stat.S_IFDIR:
            if info.file_size:
                problems.add("entries", "目录条目带有内容 (directory entry with content)", name)
            continue
        if kind not in (0, stat.S_IFREG):
            problems.add("entries", "条目不是普通文件 (entry is not a regular file)", name)
            continue
        if info.flag_bits & 0x1:
            problems.add("entries", "条目已加密 (entry is encrypted)", name)
            continue
        chunks = []
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(min(CHUNK, limits.max_unpacked_bytes - total + 1)):
                    total += len(chunk)
                    if total > limits.max_unpacked_bytes:
                        raise bomb
                    chunks.append(chunk)
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError, ValueError, OSError, RuntimeError):
            problems.add("entries", "条目已损坏或被篡改（校验失败） (entry is corrupt or tampered: CRC or header "
                                    "check failed)", name)
            continue
        entries[name] = b"".join(chunks)
    return entries, {info.orig_filename for info in infos}


def _text(value, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value.strip()) and len(value) <= limit and "\x00" not in value


def check_fields(doc: dict, problems: Problems, area: str = "manifest") -> None:
    """The manifest's descriptive fields: kind, name, version, created_at, requires."""
    if not (isinstance(doc.get("kind"), str) and KIND_RE.fullmatch(doc["kind"])):
        problems.add(area, "kind 须为小写字母开头的编码，如 app (kind must be a lower-case code such as app)")
    if not _text(doc.get("name"), 200):
        problems.add(area, "name 须为 1–200 个字符的文本 (name must be text of 1-200 characters)")
    if not _text(doc.get("version"), 64):
        problems.add(area, "version 须为 1–64 个字符的文本 (version must be text of 1-64 characters)")
    created = doc.get("created_at")
    if created is not None:
        try:
            if not isinstance(created, str):
                raise ValueError
            dt.datetime.fromisoformat(created)
        except ValueError:
            problems.add(area, "created_at 须为 ISO 8601 时间 (created_at must be an ISO 8601 time)")
    requires = doc.get("requires", {})
    if not isinstance(requires, dict) or set(requires) - {"components", "data_services"} or not all(
            isinstance(v, dict) for v in requires.values()):
        problems.add(area, "requires 须为 {\"components\": {...}, \"data_services\": {...}} "
                           "(requires must map components and data_services to objects)")


def parse_manifest(raw: bytes, problems: Problems, *, with_files: bool = True) -> dict | None:
    """manifest.json as a dict (None when it cannot be read). Checks the format, the fields and,
    `with_files`, the files section's shape; not yet the files themselves."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        problems.add("manifest", "manifest.json 不是 UTF-8 编码的 JSON (manifest.json is not UTF-8 JSON)")
        return None
    if not isinstance(doc, dict):
        problems.add("manifest", "manifest.json 须为 JSON 对象 (manifest.json must be a JSON object)")
        return None
    unknown = sorted(set(doc) - MANIFEST_KEYS)
    if unknown:
        problems.add("manifest", f"未知的字段 {', '.join(map(shown, unknown))} (unknown fields)")
    if doc.get("format") != FORMAT:
        problems.add("manifest", f"format 须为 {FORMAT} (format must be {FORMAT})")
    check_fields(doc, problems)
    if not with_files:
        return doc
    files = doc.get("files")
    if not isinstance(files, dict):
        problems.add("manifest", "files 须为 {路径: {sha256, size}} (files must map paths to {sha256, size})")
        return doc
    for path, entry in files.items():
        reason = path_problem(path) or (f"{path} 是保留名 ({path} is reserved)" if path in RESERVED else None)
        if reason:
            problems.add("files", f"清单中的{reason}", path)
        elif not (isinstance(entry, dict) and set(entry) == {"sha256", "size"}
                  and isinstance(entry["sha256"], str) and SHA256_RE.fullmatch(entry["sha256"])
                  and type(entry["size"]) is int and entry["size"] >= 0):
            problems.add("files", "清单条目须为 {sha256: 64 位小写十六进制, size: 非负整数} "
                                  "(manifest entry must be {sha256: 64 lower-case hex, size: integer >= 0})", path)
    return doc


def check_files(listed: dict, entries: dict[str, bytes], present: set[str], problems: Problems) -> None:
    """Every entry is listed with a matching size and hash; every listed file is present."""
    for path, content in entries.items():
        if path in RESERVED:
            continue
        entry = listed.get(path)
        if entry is None:
            problems.add("files", "文件未列入清单 (file not listed in the manifest)", path)
        elif not isinstance(entry, dict) or "size" not in entry or "sha256" not in entry:
            continue  # its shape is already reported
        elif entry["size"] != len(content):
            problems.add("files", f"大小不符：清单 {entry['size']}，实际 {len(content)}，已被篡改 "
                                  f"(size mismatch: tampered)", path)
        elif entry["sha256"] != hashlib.sha256(content).hexdigest():
            problems.add("files", "哈希不符，已被篡改 (sha256 mismatch: tampered)", path)
    for path in listed:
        if path not in present and not path_problem(path) and path not in RESERVED:
            problems.add("files", "清单列出的文件不存在 (listed in the manifest but missing)", path)


def parse_signature(raw: bytes, manifest_raw: bytes | None, problems: Problems):
    """(public key, fingerprint) of a signature that verifies over `manifest_raw`, else None
    with the reason added to `problems`."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        problems.add("signature", "signature.json 不是 UTF-8 编码的 JSON (signature.json is not UTF-8 JSON)")
        return None
    if not isinstance(doc, dict) or not all(isinstance(doc.get(k), str) for k in (
            "algorithm", "key_fingerprint", "public_key", "signature")):
        problems.add("signature", "signature.json 须含 algorithm、key_fingerprint、public_key、signature 文本 "
                                  "(signature.json needs algorithm, key_fingerprint, public_key and signature)")
        return None
    if doc["algorithm"] != signing.ALGORITHM:
        problems.add("signature", f"不支持的签名算法 {shown(doc['algorithm'][:40])}，须为 Ed25519 "
                                  f"(unsupported algorithm: must be Ed25519)")
        return None
    try:
        public = signing.load_public_key(doc["public_key"])
        signature = base64.b64decode(doc["signature"], validate=True)
    except ValueError as exc:
        problems.add("signature", f"签名或公钥无法读取：{exc} (unreadable signature or public key)")
        return None
    except binascii.Error:
        problems.add("signature", "签名不是 base64 (the signature is not base64)")
        return None
    fingerprint = signing.fingerprint(signing.raw_public(public))
    if doc["key_fingerprint"] != fingerprint:
        problems.add("signature", "key_fingerprint 与公钥不符 (key_fingerprint does not match the public key)")
        return None
    if manifest_raw is None:
        return None  # the missing manifest is reported already
    if not signing.verify(public, signature, manifest_raw):
        problems.add("signature", "签名无效：清单在签名后被改动，或签名有误 (bad signature: manifest.json was "
                                  "changed after signing, or the signature is wrong)")
        return None
    return public, fingerprint


# --- writing ---------------------------------------------------------------------------------


def manifest_for(fields: dict, files: dict[str, bytes]) -> dict:
    return {
        "format": FORMAT,
        "kind": fields["kind"],
        "name": fields["name"],
        "version": fields["version"],
        "created_at": fields.get("created_at") or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "requires": {"components": {}, "data_services": {}, **(fields.get("requires") or {})},
        "files": {path: {"sha256": hashlib.sha256(content).hexdigest(), "size": len(content)}
                  for path, content in sorted(files.items())},
    }


def dump_manifest(manifest: dict) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode() + b"\n"


def signature_for(key: signing.SigningKey, manifest_raw: bytes) -> bytes:
    doc = {"algorithm": signing.ALGORITHM, "key_fingerprint": key.fingerprint, "public_key": key.public_b64,
           "signature": base64.b64encode(key.sign(manifest_raw)).decode()}
    return json.dumps(doc, indent=2).encode() + b"\n"


def write(files: dict[str, bytes]) -> bytes:
    """A zip of `files` (manifest and signature first, the rest sorted), with fixed times."""
    out = io.BytesIO()
    order = [p for p in RESERVED if p in files] + sorted(p for p in files if p not in RESERVED)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in order:
            info = zipfile.ZipInfo(path, ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zf.writestr(info, files[path])
    return out.getvalue()
