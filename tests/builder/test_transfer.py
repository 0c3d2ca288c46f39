"""App packages: a release exported as a signed package and imported on another instance
(app_export, app_import, app_release_activate), with conflicts, tampering and missing parts.

The source instance is the `app` fixture (SQLite and PostgreSQL); the other instances are Flask
apps of their own on SQLite files. One process holds one package-signing key (builder.packages.
signing), so `keyring` gives each Flask app a key of its own, as separate machines would have."""
import io
import json
import shutil
import zipfile
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import current_app, has_app_context
from sqlalchemy import func, select

from builder import pages, service as apps, transfer
from builder.models import App, AppPage, AppRelease, AppRevision
from builder.packages import archive, service as packages, signing
from catalog.resources.service import ensure_roots as ensure_catalog_roots
from tests.conftest import PASSWORD
from tongguan import create_app
from tongguan.accounts import service as accounts
from tongguan.accounts.service import ensure_roles
from tongguan.db import make_engine, upgrade
from tongguan.errors import Forbidden, Invalid
from tongguan.permissions import Actor

PROBLEM = "application/problem+json"
SYSTEM = Actor.system("test")


def title(card_id="t1", text="防汛指挥"):
    return {"id": card_id, "type": "text.title@1", "x": 0, "y": 0, "w": 600, "h": 80, "props": {"text": text}}


def bar(card_id="c1", **binding):
    return {"id": card_id, "type": "chart.bar@1", "x": 0, "y": 100, "w": 600, "h": 400,
            "binding": {"service": "city_events", **binding}}


def screen(*cards, background=None):
    document = {"layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark", "params": [],
                "cards": list(cards)}
    if background:
        document["background"] = background
    return document


class Keyring(dict):
    """Flask app -> its signing key; the `app` fixture's app (and code outside any app) uses `default`."""

    def __init__(self):
        super().__init__()
        self.default = signing.SigningKey(Ed25519PrivateKey.generate())

    def current(self):
        return self.get(current_app._get_current_object(), self.default) if has_app_context() else self.default


@pytest.fixture
def keyring(monkeypatch):
    ring = Keyring()
    monkeypatch.setattr(signing, "platform_key", ring.current)
    return ring


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("instances") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def instance(tmp_path, sqlite_template, keyring):
    """instance(name) -> another Tongguan instance on its own SQLite file, with its own signing key,
    trusting the source's key, and an administrator `deployer` with an API token (`token`, `headers`)."""
    made = []

    def make(name: str, trust: bool = True):
        shutil.copy(sqlite_template, tmp_path / f"{name}.db")
        other = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / f'{name}.db'}",
                            "SECRET_KEY": "test-secret", "STORAGE_PATH": str(tmp_path / f"{name}-storage"),
                            "LOG_LEVEL": "WARNING"})
        keyring[other] = signing.SigningKey(Ed25519PrivateKey.generate())
        made.append(other)
        sessions = other.extensions["tongguan.sessionmaker"]
        s = sessions()
        ensure_roles(s)
        ensure_catalog_roots(s)
        user = accounts.user_create(s, SYSTEM, {"username": "deployer", "display_name": "部署员", "roles": ["admin"],
                                                "password": PASSWORD})
        s.flush()
        _, token = accounts.token_create(s, SYSTEM, {"name": "deploy"}, user_id=user.id)
        if trust:
            with other.app_context():
                packages.trusted_key_add(s, SYSTEM, {"name": "源平台 (source)", "public_key": keyring.default.public_b64})
        s.commit()
        s.close()
        return SimpleNamespace(app=other, client=other.test_client(), sessions=sessions, token=token,
                               headers={"Authorization": f"Bearer {token}"})

    yield make
    for other in made:
        other.extensions["tongguan.engine"].dispose()


def published(session, code="flood", *documents, kind="screen"):
    """An app with pages main, detail... holding `documents`, published as release 1."""
    app = apps.app_create(session, SYSTEM, {"code": code, "name": "防汛大屏", "kind": kind,
                                            "description": "汛期指挥"})
    for i, document in enumerate(documents):
        code_ = ("main", "detail", "more")[i]
        pages.app_page_create(session, SYSTEM, app.id, {"code": code_, "name": f"页面{i}", "document": document})
    pages.app_release_create(session, SYSTEM, app.id, note="首发")
    session.commit()
    return app


def snapshot(session, code):
    """An app as import must reproduce it: identity, pages in order, newest release."""
    app = session.scalar(select(App).where(App.code == code))
    found = list(session.scalars(select(AppPage).where(AppPage.app_id == app.id).order_by(AppPage.position)))
    release = session.scalar(select(AppRelease).where(AppRelease.app_id == app.id)
                             .order_by(AppRelease.number.desc()).limit(1))
    return {"app": (app.name, app.kind, app.description, app.state),
            "pages": [(p.code, p.name, p.document) for p in found],
            "release": ([(p["code"], p["name"]) for p in release.pages], release.documents, release.note)}


def raw(client, url, headers, data):
    return client.post(url, headers=headers, data=data, content_type="application/zip")


def upload(client, url, headers, data, **form):
    return client.post(url, headers=headers, data={"file": (io.BytesIO(data), "app.zip"), **form},
                       content_type="multipart/form-data")


def counts(session):
    session.expire_all()
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (App, AppPage, AppRevision, AppRelease))


def test_a_release_exported_and_imported_elsewhere_is_the_same_app(client, admin_headers, session, keyring, instance,
                                                                    make_user, bearer):
    background = {"image": "/static/img/logo.svg", "color": "#001122"}
    app = published(session, "flood", screen(title(), background=background), screen(title("t2", "明细")))
    res = client.get(f"/api/v1/apps/{app.id}/releases/1/package", headers=admin_headers)
    assert res.status_code == 200 and res.mimetype == "application/zip"
    assert "flood-1.zip" in res.headers["Content-Disposition"]
    package = res.get_data()
    assert transfer.app_export(session, SYSTEM, app.id, 1) == package  # the same release, the same bytes
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        assert zf.namelist() == ["manifest.json", "signature.json", "app.json", "assets/static/img/logo.svg",
                                 "pages/detail.json", "pages/main.json"]
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["kind"] == "app" and manifest["version"] == "1"
    assert manifest["requires"] == {"components": {"text.title@1": {"code": "text.title", "major": 1,
                                                                    "version": "1.0.0"}}, "data_services": {}}

    other = instance("test_env")
    res = raw(other.client, "/api/v1/apps/import", other.headers, package)
    assert res.status_code == 201, res.json
    assert res.json["created"] and res.json["app"]["code"] == "flood" and res.json["release"]["number"] == 1
    remote = other.sessions()
    assert snapshot(remote, "flood") == snapshot(session, "flood")
    first = remote.scalar(select(AppRevision).join(AppPage).where(AppPage.code == "main"))
    assert first.number == 1 and first.message == "导入 (imported)"

    res = upload(other.client, "/api/v1/apps/import", other.headers, package)  # the code is taken now
    assert res.status_code == 409 and res.mimetype == PROBLEM
    assert res.json["options"] == ["rename", "new_version"] and res.json["existing"]["code"] == "flood"
    res = upload(other.client, "/api/v1/apps/import", other.headers, package, on_conflict="rename",
                 new_code="flood_copy")
    assert res.status_code == 201 and res.json["created"] and res.json["app"]["code"] == "flood_copy"
    assert snapshot(remote, "flood_copy") == snapshot(session, "flood")

    # a second release: a page changed, one added; imported as a new version of the same app
    main = session.scalar(select(AppPage).where(AppPage.app_id == app.id, AppPage.code == "main"))
    pages.app_page_save(session, SYSTEM, app.id, main.id, screen(title(text="汛情总览")), message="改标题")
    pages.app_page_create(session, SYSTEM, app.id, {"code": "more", "name": "更多", "document": screen(title())})
    pages.app_release_create(session, SYSTEM, app.id, note="第二版")
    session.commit()
    second = transfer.app_export(session, SYSTEM, app.id, 2)
    res = raw(other.client, "/api/v1/apps/import?on_conflict=new_version", other.headers, second)
    assert res.status_code == 201 and not res.json["created"] and res.json["release"]["number"] == 2
    remote.expire_all()
    assert snapshot(remote, "flood") == snapshot(session, "flood")
    remote_app = remote.scalar(select(App).where(App.code == "flood"))
    assert [r.message for r in pages.app_revision_list(remote, SYSTEM, remote_app.id, first.page_id).items] == [
        "导入 (imported)", "导入 (imported)"]
    again = raw(other.client, "/api/v1/apps/import?on_conflict=new_version", other.headers, second)
    assert again.status_code == 201 and again.json["release"]["number"] == 2  # nothing new to publish

    # activation: the release /run shows
    res = other.client.post(f"/api/v1/apps/{remote_app.id}/releases/1/activate", headers=other.headers)
    assert res.status_code == 200 and res.json["active_release"] == 1
    remote.expire_all()
    assert transfer.app_release_activate(remote, SYSTEM, remote_app.id, 2).active_release == 2
    remote.close()

    reader = bearer(make_user("reader", "handler"))  # app.read exports, app.manage imports
    assert client.get(f"/api/v1/apps/{app.id}/releases/2/package", headers=reader).status_code == 200
    assert raw(client, "/api/v1/apps/import?on_conflict=new_version", reader, second).status_code == 403
    with pytest.raises(Forbidden):
        transfer.app_import(session, Actor.for_user(make_user("h2", "handler")), second)


def _where(package, positions):
    with zipfile.ZipFile(io.BytesIO(package)) as zf:
        return positions, len(package), [(i.filename, i.header_offset, i.compress_size) for i in zf.infolist()]


def test_one_changed_byte_anywhere_is_refused_and_nothing_is_written(session, keyring):
    app = published(session, "flood", screen(title(), background={"image": "/static/img/logo.svg"}))
    package = transfer.app_export(session, SYSTEM, app.id, 1)
    before = counts(session)
    accepted = []
    for at in range(len(package)):
        tampered = package[:at] + bytes([package[at] ^ 1]) + package[at + 1:]
        try:
            transfer.app_import(session, SYSTEM, tampered, on_conflict="rename", new_code="flood_copy")
        except Invalid as refused:
            assert refused.detail.startswith("The package is refused"), (at, refused.errors)
        else:
            accepted.append(at)
    assert accepted == [], _where(package, accepted)
    session.rollback()
    assert counts(session) == before
    for extra in (package + b"\0", b"\0" + package):  # bytes around the zip's records
        with pytest.raises(Invalid):
            transfer.app_import(session, SYSTEM, extra, on_conflict="rename", new_code="flood_copy")
    _, release, created = transfer.app_import(session, SYSTEM, package, on_conflict="rename", new_code="flood_copy")
    assert created and release.number == 1 and counts(session) != before


def test_unsigned_untrusted_and_incomplete_packages_are_refused_with_every_reason(session, keyring, instance,
                                                                                 city_data):
    app = published(session, "flood", screen(title(), bar()))
    package = transfer.app_export(session, SYSTEM, app.id, 1)
    entries, _ = archive.read(package, archive.LIMITS, archive.Problems())
    files = {p: c for p, c in entries.items() if p not in archive.RESERVED}
    fields = {k: v for k, v in json.loads(entries["manifest.json"]).items() if k not in ("format", "files")}

    other = instance("bare")  # no data service city_events there
    remote = other.sessions()
    with other.app.app_context(), pytest.raises(Invalid) as refused:
        transfer.app_import(remote, SYSTEM, package)
    assert refused.value.errors == {"requires.data_services.city_events": [
        "本平台没有数据服务 city_events，请先导入或登记 (no such data service here: import or register it first)"]}

    unsigned = transfer.write({**files, "manifest.json": archive.dump_manifest(archive.manifest_for(fields, files))})
    with pytest.raises(Invalid) as refused:
        transfer.app_import(session, SYSTEM, unsigned, on_conflict="rename", new_code="flood_b")
    assert list(refused.value.errors) == ["signature"]
    stranger = transfer.package_of(files, fields, key=signing.SigningKey(Ed25519PrivateKey.generate()))
    with pytest.raises(Invalid) as refused:
        transfer.app_import(session, SYSTEM, stranger, on_conflict="rename", new_code="flood_b")
    assert list(refused.value.errors) == ["signature"] and "untrusted" in refused.value.errors["signature"][0]
    deflated = packages.build_package(files, fields)  # signed by us, but not laid out as an app package
    with pytest.raises(Invalid) as refused:
        transfer.app_import(session, SYSTEM, deflated, on_conflict="rename", new_code="flood_b")
    assert list(refused.value.errors) == ["package"]
    made, _, _ = transfer.app_import(session, SYSTEM, unsigned, on_conflict="rename", new_code="flood_b",
                                     allow_unsigned=True)
    assert made.code == "flood_b"

    # re-signed by us with an unknown component type and a binding to an unknown service and indicator
    document = screen({**title(), "type": "text.nope@1"}, bar(), bar("c2", service="nowhere"),
                      {**bar("c3"), "binding": {"indicator": ["lost_rate", "events"]}})
    bad = transfer.package_of({**files, "pages/main.json": transfer._dump(document)}, fields)
    with pytest.raises(Invalid) as refused:
        transfer.app_import(session, SYSTEM, bad, on_conflict="rename", new_code="flood_c")
    errors = refused.value.errors
    assert set(errors) == {"pages.main.cards[0].type", "requires.components.text.nope@1",
                           "requires.data_services.nowhere", "requires.data_services.lost_rate"}
    assert "no such indicator" in errors["requires.data_services.lost_rate"][0]
    with pytest.raises(Invalid) as refused:  # rename needs a code
        transfer.app_import(session, SYSTEM, package, on_conflict="rename")
    assert "new_code" in refused.value.errors
    remote.close()
