"""Background jobs: one run per tick, retries, and both back ends (threads; Celery over the local Redis)."""
import datetime as dt
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from tongguan.jobs import JOBS, run, submit
from tongguan.jobs.backends import CeleryBackend, InProcessBackend, tick_for
from tongguan.jobs.models import JobRun
from tongguan.jobs.runner import JobFailed

from .conftest import REQUIRE, _reachable

REDIS = "redis://127.0.0.1:6379/15"


def rows(app, tick):
    with app.extensions["tongguan.sessionmaker"]() as s:
        return list(s.scalars(select(JobRun).where(JobRun.tick == tick)))


def test_a_tick_runs_once(app):
    make = app.extensions["tongguan.sessionmaker"]
    first = run(make, "jobs.selftest", "t-1", {"n": 1})
    again = run(make, "jobs.selftest", "t-1", {"n": 1})
    assert (first.state, first.result["tick"], first.result["echo"]) == ("done", "t-1", {"n": 1})
    assert again.state == "skipped"
    [row] = rows(app, "t-1")
    assert (row.state, row.attempts, row.result["tick"]) == ("done", 1, "t-1") and row.finished_at


def test_a_failed_run_is_retried_until_its_attempts_are_used(app):
    make = app.extensions["tongguan.sessionmaker"]
    with pytest.raises(JobFailed) as err:
        run(make, "jobs.flaky", "t-2", {"fail_times": 1})
    assert err.value.retry
    assert rows(app, "t-2")[0].state == "failed" and "on purpose" in rows(app, "t-2")[0].error
    assert run(make, "jobs.flaky", "t-2", {"fail_times": 1}).state == "done"
    assert run(make, "jobs.flaky", "t-2", {"fail_times": 1}).state == "skipped"  # never twice
    [row] = rows(app, "t-2")
    assert (row.state, row.attempts, row.error) == ("done", 2, "")


def test_concurrent_takers_of_one_tick_run_it_once(app):
    make = app.extensions["tongguan.sessionmaker"]
    outcomes, barrier = [], threading.Barrier(6)

    def take():
        barrier.wait()
        outcomes.append(run(make, "jobs.selftest", "t-3").state)

    threads = [threading.Thread(target=take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["done"] + ["skipped"] * 5


def test_the_in_process_backend_retries_with_backoff_and_gives_up(app):
    backend = InProcessBackend(app.extensions["tongguan.sessionmaker"], retry_delay=0.01)
    try:
        ok = backend.submit("jobs.flaky", "t-4", {"fail_times": 2}).result(timeout=10)
        assert (ok.state, ok.attempts) == ("done", 3)
        bad = backend.submit("jobs.flaky", "t-5", {"fail_times": 9}).result(timeout=10)
        assert bad.state == "failed"
        assert (rows(app, "t-5")[0].state, rows(app, "t-5")[0].attempts) == ("failed", JOBS["jobs.flaky"].max_attempts)
        with pytest.raises(KeyError):
            backend.submit("no.such.job", "t-6")
    finally:
        backend.shutdown()


def test_the_configured_backend_is_in_process_by_default(app):
    assert submit(app, "jobs.selftest", "t-7").result(timeout=10).state == "done"


def test_periodic_ticks_are_the_same_on_every_machine():
    at = dt.datetime(2026, 11, 25, 8, 7, 31, tzinfo=dt.timezone.utc)
    assert tick_for(60, at) == "2026-11-25T08:07:00+00:00"
    assert tick_for(300, at) == tick_for(300, at + dt.timedelta(seconds=100)) == "2026-11-25T08:05:00+00:00"


@pytest.fixture
def celery_worker(app, tmp_path):
    if not _reachable("127.0.0.1", 6379):
        if REQUIRE:
            pytest.fail("Redis is required (TONGGUAN_REQUIRE_SERVICES=1) but 127.0.0.1:6379 does not answer")
        pytest.skip("Redis at 127.0.0.1:6379 does not answer")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TONGGUAN_DATABASE_URL": app.config["DATABASE_URL"], "TONGGUAN_SECRET_KEY": "test-secret",
           "TONGGUAN_STORAGE_PATH": str(tmp_path / "worker-storage"), "TONGGUAN_CELERY_BROKER_URL": REDIS,
           "TONGGUAN_CELERY_QUEUE": queue, "TONGGUAN_LOG_LEVEL": "WARNING"}
    celery_bin = Path(sys.executable).with_name("celery")
    log = open(tmp_path / "worker.log", "w")
    proc = subprocess.Popen([str(celery_bin), "-A", "tongguan.jobs.worker", "worker", "--pool=solo", f"--queues={queue}",
                             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    os.environ["TONGGUAN_CELERY_QUEUE"] = queue
    backend = CeleryBackend(REDIS)
    backend.celery.conf.task_default_queue = queue
    yield backend
    os.environ.pop("TONGGUAN_CELERY_QUEUE", None)
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def test_celery_workers_run_each_tick_once_and_retry_failures(app, celery_worker, tmp_path):
    started = time.monotonic()
    first = celery_worker.submit("jobs.selftest", "c-1", {"via": "celery"})
    second = celery_worker.submit("jobs.selftest", "c-1", {"via": "celery"})
    try:
        a, b = first.get(timeout=60), second.get(timeout=60)
    except Exception:
        print((tmp_path / "worker.log").read_text())
        raise
    assert sorted([a["state"], b["state"]]) == ["done", "skipped"]
    done = a if a["state"] == "done" else b
    assert done["result"]["worker"] != f"{os.uname().nodename}:{os.getpid()}"  # another process ran it
    flaky = celery_worker.submit("jobs.flaky", "c-2", {"fail_times": 1}).get(timeout=60)
    assert (flaky["state"], flaky["attempts"]) == ("done", 2)
    [row] = rows(app, "c-2")
    assert (row.backend, row.state, row.attempts) == ("celery", "done", 2)
    assert time.monotonic() - started < 60
