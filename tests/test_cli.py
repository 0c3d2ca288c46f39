"""The `tongguan` command line."""
import pytest
from click.testing import CliRunner

from tongguan.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("TONGGUAN_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("TONGGUAN_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("TONGGUAN_LOG_LEVEL", "WARNING")
    runner = CliRunner()

    def invoke(*args, ok=True):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke


def test_db_upgrade_then_demo_seed_twice_adds_nothing_the_second_time(run):
    assert "empty -> " in run("db", "upgrade").output
    first = run("demo", "seed").output
    assert "+29 departments, +8 users" in first and "admin (admin)" in first
    assert "+0 departments, +0 users" in run("demo", "seed").output


def test_user_and_token_creation(run, tmp_path):
    from tongguan import create_app

    run("db", "upgrade")
    run("demo", "seed")
    assert "created user ops1" in run("user", "create", "ops1", "--role", "handler", "--department", "lj-water",
                                      "--password", "long-enough-1").output
    secret = run("token", "create", "ops1", "--name", "ci").output.strip()
    assert secret.startswith("tg_")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json
    assert me["username"] == "ops1" and me["roles"] == ["handler"]
    app.extensions["tongguan.engine"].dispose()


def test_a_bad_user_gets_a_clear_error(run):
    run("db", "upgrade")
    result = run("user", "create", "x", "--role", "nope", "--password", "long-enough-1", ok=False)
    assert result.exit_code != 0 and "roles" in result.output


def test_backup_and_restore_through_the_command(run, tmp_path, monkeypatch):
    run("db", "upgrade")
    run("demo", "seed")
    archive = tmp_path / "b.zip"
    assert "rows in" in run("db", "backup", str(archive)).output
    monkeypatch.setenv("TONGGUAN_DATABASE_URL", f"sqlite:///{tmp_path / 'restored.db'}")
    assert "restored" in run("db", "restore", str(archive)).output
    refused = run("db", "restore", str(archive), ok=False)
    assert refused.exit_code != 0 and "not empty" in refused.output


def test_jobs_run_once_per_tick_and_selftest(run):
    run("db", "upgrade")
    assert "jobs.selftest: done (attempt 1)" in run("jobs", "run", "jobs.selftest", "--tick", "cli-1").output
    assert "jobs.selftest: skipped" in run("jobs", "run", "jobs.selftest", "--tick", "cli-1").output
    assert "no job named nope" in run("jobs", "run", "nope", ok=False).output
    assert "alerts.evaluate: done" in run("jobs", "run", "alerts.evaluate").output
    assert "inprocess: RunOutcome(state='done'" in run("jobs", "selftest").output


def test_the_demo_big_screen_is_published_and_every_card_resolves(run, tmp_path):
    from tongguan import create_app

    run("db", "upgrade")
    run("demo", "seed")
    secret = run("token", "create", "leader", "--name", "screen").output.strip()
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    page = client.get("/api/v1/run/ops_overview/main", headers=headers).json
    assert page["app"]["kind"] == "screen" and len(page["page"]["document"]["cards"]) == 11
    cards = client.post("/api/v1/run/ops_overview/main/data", json={}, headers=headers).json["cards"]
    assert len(cards) == 10 and {k: v.get("error") for k, v in cards.items() if not v["ok"]} == {}
    assert sum(r["events_reported"] for r in cards["c8"]["rows"]) > 0
    filtered = client.post("/api/v1/run/ops_overview/main/data", json={"params": {"district": "江东区城运中心"}},
                           headers=headers).json["cards"]
    assert {r["district"] for r in filtered["c7"]["rows"]} == {"江东区城运中心"}
    app.extensions["tongguan.engine"].dispose()
