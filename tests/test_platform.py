"""App start-up, migrations, health, logs, configuration."""
import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tongguan import create_app
from tongguan.db import MigrationsBehind, import_models, include_name, make_engine, upgrade


def test_the_app_refuses_a_database_that_is_behind_and_names_the_fix(tmp_path):
    with pytest.raises(MigrationsBehind, match="tongguan db upgrade"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "SECRET_KEY": "x"})


def test_the_models_match_the_migrations(app):
    engine = app.extensions["tongguan.engine"]
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_name": include_name}), import_models())
    assert diff == []


def test_upgrade_is_idempotent(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    upgrade(engine)
    upgrade(engine)
    create_app({"DATABASE_URL": str(engine.url), "SECRET_KEY": "x"})


def test_healthz_and_readyz_answer(client):
    assert client.get("/healthz").json == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json["status"] == "ok"


def test_readyz_is_503_when_migrations_are_behind(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}", "SECRET_KEY": "x"}, check_db=False)
    res = app.test_client().get("/readyz")
    assert res.status_code == 503 and res.json["status"] == "migrations_behind"


def test_every_response_carries_a_request_id_and_keeps_the_callers(client):
    assert len(client.get("/healthz").headers["X-Request-ID"]) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"


def test_a_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TONGGUAN_INSTANCE_PATH", str(tmp_path))
    url = f"sqlite:///{tmp_path / 'a.db'}"
    first = create_app({"DATABASE_URL": url}, check_db=False).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": url}, check_db=False).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_configuration_comes_from_prefixed_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("TONGGUAN_LOGIN_MAX_FAILURES", "7")
    monkeypatch.setenv("TONGGUAN_ORG_NAME", "测试市城运中心")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "SECRET_KEY": "x"}, check_db=False)
    assert app.config["LOGIN_MAX_FAILURES"] == 7 and app.config["ORG_NAME"] == "测试市城运中心"


def test_every_setting_is_documented_in_the_readme():
    from tongguan.config import DOCUMENTED

    readme = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
    for key in DOCUMENTED:
        assert f"`TONGGUAN_{key}`" in readme, key


def test_the_serve_command_refuses_to_start_behind_and_says_what_to_run(tmp_path):
    env = {**os.environ, "TONGGUAN_INSTANCE_PATH": str(tmp_path), "TONGGUAN_DATABASE_URL": f"sqlite:///{tmp_path / 'e.db'}"}
    out = subprocess.run([sys.executable, "-m", "tongguan.cli", "serve", "--port", "5991"], env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "tongguan db upgrade" in out.stderr
