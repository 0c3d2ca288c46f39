"""`db backup` / `db restore`: a portable archive that gives the same API answers on either engine."""
import pytest
from sqlalchemy import text

from tests.conftest import drop_postgres_database, own_postgres_database, require_postgres
from tongguan import create_app
from tongguan.accounts import service
from tongguan.backup import RestoreError, backup, restore
from tongguan.db import upgrade
from tongguan.demo import seed
from tongguan.permissions import Actor

ENDPOINTS = [
    "/api/v1/me",
    "/api/v1/roles",
    "/api/v1/departments?per_page=200",
    "/api/v1/departments?level=street",
    "/api/v1/departments/3",
    "/api/v1/users?per_page=200",
    "/api/v1/users/2",
    "/api/v1/tokens?include_revoked=true",
    "/api/v1/audit?per_page=200",
    "/api/v1/audit?action=department_update",
    "/api/v1/data-sources",
    "/api/v1/data-sources/3/preview?table=src_3",  # the rainfall file (1, 2: the event core, flow mining)
    "/api/v1/events?per_page=20&status=closed",
    "/open311/v2/services.json",
    "/api/v1/resources?q=积水点",
    "/api/v1/directories/1/stats",
]


def make(url, tmp_path, name):
    storage = tmp_path / f"storage-{name}"
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "x", "STORAGE_PATH": str(storage), "LOG_LEVEL": "WARNING"},
                      check_db=False)


def answers(app, headers):
    client = app.test_client()
    out = {}
    for path in ENDPOINTS:
        res = client.get(path, headers=headers)
        out[path] = (res.status_code, res.json, res.headers.get("ETag"))
    return out


@pytest.fixture
def fresh_postgres():
    """An empty PostgreSQL database of its own, dropped afterwards."""
    require_postgres()
    url = own_postgres_database("restore")
    yield url
    drop_postgres_database(url)


def populate(app):
    from runtime.sources import service as sources

    session = app.extensions["tongguan.sessionmaker"]()
    seed(session)
    session.commit()
    src = sources.source_create(session, Actor.system("test"), {"code": "pts", "name": "积水点", "kind": "file"},
                                sources.Policy())
    session.flush()
    sources.source_upload(session, Actor.system("test"), src.id, "点位,深度\n滨湖路,12.5\n".encode(), "p.csv")
    session.commit()
    system = Actor.system("test")
    street = service.department_get(session, system, 3)
    service.department_update(session, system, 3, {"name": street.name + "（更名）"}, street.version)
    _, secret = service.token_create(session, system, {"name": "backup-test"}, user_id=1)
    _, revoked = service.token_create(session, system, {"name": "old"}, user_id=1)
    session.commit()
    token_id = session.scalar(text("SELECT id FROM api_token WHERE name = 'old'"))
    service.token_revoke(session, system, token_id)
    session.commit()
    session.close()
    return {"Authorization": f"Bearer {secret}"}


def test_a_sqlite_backup_restores_into_postgresql_with_identical_api_answers(tmp_path, fresh_postgres):
    source = make(f"sqlite:///{tmp_path / 'source.db'}", tmp_path, "source")
    upgrade(source.extensions["tongguan.engine"])
    headers = populate(source)
    (tmp_path / "storage-source" / "docs").mkdir(parents=True)
    (tmp_path / "storage-source" / "docs" / "预案.txt").write_text("防汛预案", encoding="utf-8")
    expected = answers(source, headers)
    assert expected["/api/v1/users?per_page=200"][1]["total"] == 8

    archive = tmp_path / "backup.zip"
    summary = backup(source.extensions["tongguan.engine"], source.config["STORAGE_PATH"], str(archive))
    assert summary["files"] == 1 and summary["rows"] > 40

    target = make(fresh_postgres, tmp_path, "pg")
    restore(target.extensions["tongguan.engine"], target.config["STORAGE_PATH"], str(archive))
    assert answers(target, headers) == expected
    assert (tmp_path / "storage-pg" / "docs" / "预案.txt").read_text(encoding="utf-8") == "防汛预案"

    # New rows after a restore get fresh ids (the sequences moved past the restored ones).
    with target.extensions["tongguan.engine"].connect() as conn:
        highest = conn.scalar(text("SELECT max(id) FROM department"))
    res = target.test_client().post("/api/v1/departments", headers=headers,
                                    json={"code": "new-one", "name": "新部门", "level": "city"})
    assert res.status_code == 201 and res.json["id"] == highest + 1

    # And back again: PostgreSQL -> a new SQLite file.
    again = tmp_path / "again.zip"
    backup(target.extensions["tongguan.engine"], target.config["STORAGE_PATH"], str(again))
    back = make(f"sqlite:///{tmp_path / 'back.db'}", tmp_path, "back")
    restore(back.extensions["tongguan.engine"], back.config["STORAGE_PATH"], str(again))
    assert answers(back, headers)["/api/v1/departments/3"][1]["name"].endswith("（更名）")
    for app in (source, target, back):
        app.extensions["tongguan.engine"].dispose()


def test_restore_refuses_a_database_that_is_not_empty(app, tmp_path, org):
    archive = tmp_path / "b.zip"
    backup(app.extensions["tongguan.engine"], app.config["STORAGE_PATH"], str(archive))
    with pytest.raises(RestoreError, match="not empty"):
        restore(app.extensions["tongguan.engine"], app.config["STORAGE_PATH"], str(archive))


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    import zipfile

    bogus = tmp_path / "bogus.zip"
    with zipfile.ZipFile(bogus, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(RestoreError, match="manifest"):
        restore(app.extensions["tongguan.engine"], app.config["STORAGE_PATH"], str(bogus))
