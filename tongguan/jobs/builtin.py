"""Jobs of the platform itself: a self-test that shows which worker ran it (used by
`tongguan jobs selftest` and the tests), and a job that fails a given number of times."""
from __future__ import annotations

from sqlalchemy import select

from .models import JobRun
from .registry import job
from .runner import WORKER


@job("jobs.selftest")
def selftest(session, tick: str, **params) -> dict:
    return {"worker": WORKER, "tick": tick, "echo": params}


@job("jobs.flaky", max_attempts=3)
def flaky(session, tick: str, fail_times: int = 1) -> dict:
    """Fails on its first `fail_times` attempts (to exercise retries)."""
    attempts = session.scalar(select(JobRun.attempts).where(JobRun.job == "jobs.flaky", JobRun.tick == tick))
    if attempts <= fail_times:
        raise RuntimeError(f"failing on purpose (attempt {attempts} of the first {fail_times})")
    return {"worker": WORKER, "attempts": attempts}
