"""Signed resource packages: building, signing and verifying zips, and the trusted keys."""
import io
import json
import os
import stat
import warnings
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from builder.packages import archive, configure, signing
from builder.packages.models import TrustedKey
from builder.packages.service import (
    build_package, package_public_key, sign_package, trusted_key_add, trusted_key_list, trusted_key_revoke,
    verify_package,
)
from tongguan.errors import Forbidden, Invalid, NotFound
from tongguan.permissions import Actor

FILES = {"app.json": b'{"code": "flood_screen", "pages": []}', "pages/main.json": "防汛大屏".encode(),
         "assets/logo.png": bytes(range(256)) * 4}
FIELDS = {"kind": "app", "name": "防汛大屏", "version": "1.0.0",
          "requires": {"components": {"chart.bar": "^1.0.0"}, "data_services": {"rain_rows": {}}}}


@pytest.fixture(autouse=True)
def platform_key(request, tmp_path):
    """Each test signs with a fresh platform key of its own (not the repository's instance folder)."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app")  # create_app configures the key first; this one wins
    signing.configure(tmp_path / "keys" / "package_signing.pem")
    return signing.platform_key()


@pytest.fixture(scope="module")
def memory_engine():
    engine = create_engine("sqlite://")
    TrustedKey.__table__.create(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def mem(memory_engine):
    """A session on an in-memory database holding only trusted_key: for checks of the zip itself
    (the tests of trust run on both real databases)."""
    with Session(memory_engine) as s:
        yield s


@pytest.fixture
def other_key():
    return signing.SigningKey(Ed25519PrivateKey.generate())


def make_zip(entries, *, symlink=None) -> bytes:
    """A zip of (name, content) pairs exactly as given: bad names and duplicates included."""
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        warnings.simplefilter("ignore")  # "Duplicate name"
        for name, content in entries:
            info = zipfile.ZipInfo("placeholder")
            info.filename = name
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = ((stat.S_IFLNK | 0o777) if name == symlink else (stat.S_IFREG | 0o644)) << 16
            zf.writestr(info, content)
    return out.getvalue()


def entries_of(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def rezip(data: bytes, **changes) -> bytes:
    """The same zip with some entries' content changed (by name; dots as in `manifest_json`)."""
    changes = {name.replace("_json", ".json").replace("__", "/"): value for name, value in changes.items()}
    return make_zip([(name, changes.get(name, content)) for name, content in entries_of(data)
                     if changes.get(name, content) is not None])


def flip(content: bytes, at: int = 0) -> bytes:
    return content[:at] + bytes([content[at] ^ 1]) + content[at + 1:]


def refusal(call) -> dict:
    with pytest.raises(Invalid) as exc:
        call()
    assert exc.value.detail.startswith("The package is refused")
    return exc.value.errors


def test_a_built_package_verifies_with_its_manifest_and_signer(session, system, platform_key):
    package = build_package(FILES, FIELDS)
    result = verify_package(session, system, package)
    assert result["signed_by"] == platform_key.fingerprint and result["trusted"] and result["files"] == 3
    manifest = result["manifest"]
    assert manifest["format"] == "tongguan-package/1" and manifest["name"] == "防汛大屏"
    assert manifest["requires"] == FIELDS["requires"]
    assert manifest["files"]["pages/main.json"] == {"sha256": archive.hashlib.sha256("防汛大屏".encode()).hexdigest(),
                                                    "size": 12}
    signature = json.loads(dict(entries_of(package))["signature.json"])
    assert signature["algorithm"] == "Ed25519" and signature["key_fingerprint"] == platform_key.fingerprint


def test_signing_a_plain_zip_adds_the_manifest_and_signature(mem, system):
    plain = make_zip(list(FILES.items()))
    problems = refusal(lambda: sign_package(mem, system, plain))
    assert "kind, name and version" in problems["manifest"][0]
    signed = sign_package(mem, system, plain, {"kind": "app", "name": "热线页", "version": "0.1.0"})
    assert set(dict(entries_of(signed))) == {"manifest.json", "signature.json", *FILES}
    result = verify_package(mem, system, signed)
    assert result["manifest"]["name"] == "热线页" and result["files"] == 3


def test_re_signing_recomputes_the_file_list_and_keeps_the_fields(mem, system, other_key):
    foreign = build_package(FILES, FIELDS, key=other_key)
    changed = rezip(foreign, app_json=b"{}", extra__notes_txt=None)
    changed = make_zip(entries_of(changed) + [("notes.txt", b"new")])
    with pytest.raises(Invalid):
        verify_package(mem, system, changed)
    signed = sign_package(mem, system, changed)
    result = verify_package(mem, system, signed)
    assert result["trusted"] and result["files"] == 4 and result["manifest"]["requires"] == FIELDS["requires"]


@pytest.mark.parametrize("path", list(FILES))
def test_one_changed_byte_in_any_file_is_refused_as_tampered(mem, system, path):
    package = build_package(FILES, FIELDS)
    tampered = make_zip([(n, flip(c, len(c) // 2) if n == path else c) for n, c in entries_of(package)])
    problems = refusal(lambda: verify_package(mem, system, tampered))
    assert list(problems) == ["files"]
    assert "sha256 mismatch: tampered" in problems["files"][path][0]


def test_a_changed_size_a_file_not_listed_and_a_missing_file_are_each_named(mem, system):
    package = build_package(FILES, FIELDS)
    entries = [(n, c + b"!" if n == "app.json" else c) for n, c in entries_of(package) if n != "assets/logo.png"]
    problems = refusal(lambda: verify_package(mem, system, make_zip(entries + [("evil.js", b"alert(1)")])))
    assert "size mismatch" in problems["files"]["app.json"][0]
    assert "listed in the manifest but missing" in problems["files"]["assets/logo.png"][0]
    assert "not listed" in problems["files"]["evil.js"][0]


def test_a_byte_flipped_inside_the_zip_itself_is_refused(mem, system):
    package = build_package({"a.txt": b"x" * 100}, FIELDS)
    stored = io.BytesIO()
    with zipfile.ZipFile(stored, "w", zipfile.ZIP_STORED) as zf:
        for name, content in entries_of(package):
            zf.writestr(name, content)
    raw = stored.getvalue()
    at = raw.index(b"x" * 100) + 50
    problems = refusal(lambda: verify_package(mem, system, flip(raw, at)))
    assert "corrupt or tampered" in problems["entries"]["a.txt"][0]


def test_one_changed_byte_in_the_manifest_is_a_bad_signature(mem, system):
    package = build_package(FILES, FIELDS)
    manifest = dict(entries_of(package))["manifest.json"]
    at = manifest.index("1.0.0".encode())
    problems = refusal(lambda: verify_package(mem, system, rezip(package, manifest_json=flip(manifest, at))))
    assert list(problems) == ["signature"] and "bad signature" in problems["signature"][0]


def test_a_forged_signature_document_is_refused(mem, system, other_key):
    package = build_package(FILES, FIELDS)
    signature = json.loads(dict(entries_of(package))["signature.json"])
    wrong = {**signature, "public_key": other_key.public_b64}  # the fingerprint names another key
    problems = refusal(lambda: verify_package(mem, system, rezip(package, signature_json=json.dumps(wrong).encode())))
    assert "key_fingerprint does not match" in problems["signature"][0]
    problems = refusal(lambda: verify_package(mem, system, rezip(package, signature_json=b"[]")))
    assert "needs algorithm" in problems["signature"][0]


def test_an_unsigned_package_is_refused_unless_allowed(mem, system):
    unsigned = rezip(build_package(FILES, FIELDS), signature_json=None)
    problems = refusal(lambda: verify_package(mem, system, unsigned))
    assert "not signed" in problems["signature"][0]
    result = verify_package(mem, system, unsigned, allow_unsigned=True)
    assert result["signed_by"] is None and result["trusted"] is False and result["files"] == 3
    bad = rezip(build_package(FILES, FIELDS), manifest_json=b"{}")
    problems = refusal(lambda: verify_package(mem, system, bad, allow_unsigned=True))  # never a bad one
    assert "bad signature" in problems["signature"][0] and problems["manifest"]


def test_a_missing_or_invalid_manifest_is_refused(mem, system):
    problems = refusal(lambda: verify_package(mem, system, make_zip([("a.txt", b"a")]), allow_unsigned=True))
    assert problems["manifest"] == ["缺少 manifest.json (manifest.json is missing)"]
    for manifest, reason in [(b"\xff", "not UTF-8 JSON"), (b"[1]", "must be a JSON object"),
                             (b'{"format": "zip"}', "format must be tongguan-package/1")]:
        problems = refusal(lambda: verify_package(mem, system, make_zip([("manifest.json", manifest)]),
                                                  allow_unsigned=True))
        assert reason in " ".join(problems["manifest"])
    doc = {"format": "tongguan-package/1", "kind": "App!", "name": "", "version": "1", "extra": 1,
           "files": {"a.txt": {"sha256": "00", "size": -1}}}
    problems = refusal(lambda: verify_package(mem, system, make_zip([("manifest.json", json.dumps(doc).encode()),
                                                                         ("a.txt", b"a")]), allow_unsigned=True))
    text = " ".join(problems["manifest"])
    assert "unknown fields" in text and "kind must be" in text and "name must be" in text
    assert "manifest entry must be" in problems["files"]["a.txt"][0]


def test_an_untrusted_key_is_refused_then_trusted_then_revoked(session, system, other_key):
    package = build_package(FILES, FIELDS, key=other_key)
    problems = refusal(lambda: verify_package(session, system, package))
    assert "untrusted key" in problems["signature"][0]
    assert verify_package(session, system, package, allow_unsigned=True)["trusted"] is False

    key = trusted_key_add(session, system, {"name": "省平台", "public_key": other_key.public_pem, "note": "省级"})
    session.commit()
    assert key.fingerprint == other_key.fingerprint and key.public_key == other_key.public_b64
    result = verify_package(session, system, package)
    assert result["trusted"] and result["key_name"] == "省平台" and result["signed_by"] == other_key.fingerprint
    assert [k.name for k in trusted_key_list(session, system).items] == ["省平台"]

    trusted_key_revoke(session, system, key.id)
    trusted_key_revoke(session, system, key.id)  # twice is harmless
    session.commit()
    for allow in (False, True):
        problems = refusal(lambda: verify_package(session, system, package, allow_unsigned=allow))
        assert "revoked key" in problems["signature"][0]
    assert trusted_key_list(session, system).items == []
    assert len(trusted_key_list(session, system, include_revoked=True).items) == 1
    with pytest.raises(Invalid) as exc:  # revoking is final
        trusted_key_add(session, system, {"name": "再来", "public_key": other_key.public_b64})
    assert "revoked" in exc.value.errors["public_key"][0]
    with pytest.raises(NotFound):
        trusted_key_revoke(session, system, key.id + 100)


def test_only_ed25519_public_keys_can_be_trusted(session, system, platform_key):
    from cryptography.hazmat.primitives.asymmetric import ec

    ec_pem = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    private_pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    for text, reason in [(ec_pem, "not an Ed25519 public key"), (private_pem, "this is a private key"),
                         ("AAAA", "32 bytes, not 3"), ("not base64!", "give a PEM"),
                         ("-----BEGIN PUBLIC KEY-----\nxx\n-----END PUBLIC KEY-----", "cannot be read"),
                         (platform_key.public_pem, "platform's own key")]:
        with pytest.raises(Invalid) as exc:
            trusted_key_add(session, system, {"name": "k", "public_key": text})
        assert reason in exc.value.errors["public_key"][0], text
    assert session.scalar(select(func.count()).select_from(TrustedKey)) == 0
    key = Ed25519PrivateKey.generate().public_key()
    trusted_key_add(session, system, {"name": "k", "public_key": signing.public_pem(key)})
    with pytest.raises(Invalid) as exc:
        trusted_key_add(session, system, {"name": "again", "public_key": signing.public_pem(key)})
    assert "already trusted" in exc.value.errors["public_key"][0]


@pytest.mark.parametrize("name, reason", [
    ("../x", "path traversal"), ("a/../../x", "path traversal"), ("/etc/x", "absolute path"),
    ("a\\..\\b", "backslash"), ("C:/x", "drive letter"), ("a\x00b", "NUL"), ("./a", "non-canonical"),
    ("a//b", "non-canonical"),
])
def test_unsafe_entry_paths_are_refused(mem, system, name, reason):
    package = make_zip(list(build_and_read().items()) + [(name, b"x")])
    problems = refusal(lambda: verify_package(mem, system, package))
    assert any(reason in m for messages in problems["entries"].values() for m in messages), problems
    with pytest.raises(Invalid):
        sign_package(mem, system, package)


def build_and_read() -> dict:
    return dict(entries_of(build_package(FILES, FIELDS, key=signing.platform_key())))


def test_a_symlink_entry_is_refused(mem, system):
    package = make_zip(list(build_and_read().items()) + [("link", b"/etc/passwd")], symlink="link")
    problems = refusal(lambda: verify_package(mem, system, package))
    assert "symbolic link" in problems["entries"]["link"][0]


def test_duplicate_entry_names_are_refused(mem, system):
    entries = list(build_and_read().items())
    problems = refusal(lambda: verify_package(mem, system, make_zip(entries + [("app.json", b"{}")])))
    assert "duplicate entry name" in problems["entries"]["app.json"][0]
    problems = refusal(lambda: verify_package(mem, system, make_zip(entries + [("APP.json", b"{}")])))
    assert "only in case" in problems["entries"]["APP.json"][0]


def test_oversized_packages_zip_bombs_and_too_many_entries_are_refused_whole(mem, system):
    package = build_package(FILES, FIELDS)
    problems = refusal(lambda: verify_package(mem, system, package, limits=archive.Limits(max_bytes=100)))
    assert "larger than" in problems["package"][0]
    bomb = build_package({"zeros.bin": bytes(10_000)}, FIELDS)
    assert len(bomb) < 2_000
    problems = refusal(lambda: verify_package(mem, system, bomb, limits=archive.Limits(max_unpacked_bytes=5_000)))
    assert "zip bomb" in problems["package"][0]
    problems = refusal(lambda: verify_package(mem, system, package, limits=archive.Limits(max_entries=3)))
    assert "too many entries" in problems["package"][0]
    for junk in (b"", b"PK\x03\x04 not really", "清单".encode()):
        problems = refusal(lambda: verify_package(mem, system, junk))
        assert list(problems) == ["package"]


def test_a_zip_bomb_whose_headers_lie_is_stopped_while_reading(mem, system):
    bomb = bytearray(build_package({"zeros.bin": bytes(10_000)}, FIELDS))
    small = (10).to_bytes(4, "little")
    big = (10_000).to_bytes(4, "little")
    # the uncompressed size in the local and central headers: claim 10 bytes
    for marker, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := bomb.find(marker, start)) != -1:
            if bomb[start + offset:start + offset + 4] == big:
                bomb[start + offset:start + offset + 4] = small
            start += 4
    limits = archive.Limits(max_unpacked_bytes=5_000)
    problems = refusal(lambda: verify_package(mem, system, bytes(bomb), limits=limits))
    # zipfile reads no more than the header claims, and the lie breaks the CRC check
    assert "corrupt or tampered" in problems["entries"]["zeros.bin"][0]


def test_building_refuses_bad_paths_and_fields():
    with pytest.raises(Invalid) as exc:
        build_package({"../x": b"", "manifest.json": b"{}"}, {"kind": "app", "name": "x"})
    errors = exc.value.errors
    assert "path traversal" in errors["files"]["../x"][0] and "reserved" in errors["files"]["manifest.json"][0]
    assert "version must be" in errors["manifest"][0]


def test_only_package_managers_sign_and_keys_are_managed_by_them(session, make_user, other_key):
    author = Actor.for_user(make_user("author1", "author"))
    package = build_package(FILES, FIELDS)
    with pytest.raises(Forbidden):
        sign_package(session, author, package)
    with pytest.raises(Forbidden):
        trusted_key_add(session, author, {"name": "x", "public_key": other_key.public_b64})
    assert verify_package(session, author, package)["trusted"]
    assert package_public_key(session, author)["fingerprint"] == signing.platform_key().fingerprint


def test_the_platform_key_is_created_once_with_mode_0600(tmp_path):
    path = tmp_path / "instance" / "keys" / "package_signing.pem"
    configure(tmp_path / "instance", {})
    assert not path.exists()  # made on first use, not at start
    key = signing.platform_key()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    configure(tmp_path / "instance", {})
    assert signing.platform_key().fingerprint == key.fingerprint
    assert key.fingerprint == archive.hashlib.sha256(key.public_raw).hexdigest()


def test_a_configured_pem_is_the_platform_key(tmp_path, other_key):
    pem = other_key.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode()
    instance = tmp_path / "instance"
    try:
        configure(instance, {"PACKAGE_SIGNING_KEY": pem, "PACKAGE_MAX_BYTES": 1234})
        assert signing.platform_key().fingerprint == other_key.fingerprint
        assert archive.LIMITS.max_bytes == 1234 and not (instance / "keys").exists()
        with pytest.raises(signing.KeyUnusable):
            configure(instance, {"PACKAGE_SIGNING_KEY": "-----BEGIN PRIVATE KEY-----\nxx\n-----END PRIVATE KEY-----"})
    finally:
        configure(instance, {})
