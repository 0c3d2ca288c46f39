"""Run one job for one tick, exactly once: claim, run, record."""
from __future__ import annotations

import logging
import os
import socket
import traceback
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..audit.recorder import acting_as
from ..db import utcnow
from ..permissions import Actor
from .models import JobRun
from .registry import JOBS

log = logging.getLogger(__name__)
WORKER = f"{socket.gethostname()}:{os.getpid()}"


class JobFailed(RuntimeError):
    """The run failed and may be retried (`retry` is False once attempts are used up)."""

    def __init__(self, message: str, retry: bool):
        super().__init__(message)
        self.retry = retry


@dataclass
class RunOutcome:
    state: str  # done | skipped (another run has it or had it) | failed
    attempts: int
    result: dict | None = None


def _claim(make_session: sessionmaker, name: str, tick: str, params: dict, backend: str, max_attempts: int):
    """Insert the run, or take over a failed one with attempts left; None when it is not ours."""
    with make_session() as s:
        try:
            s.add(JobRun(job=name, tick=tick, params=params, backend=backend, worker=WORKER, state="running",
                         attempts=1))
            s.commit()
            return 1
        except IntegrityError:
            s.rollback()
        # Compare-and-set: only one taker moves a failed run back to running.
        row = s.execute(select(JobRun.id, JobRun.attempts, JobRun.state)
                        .where(JobRun.job == name, JobRun.tick == tick)).one()
        if row.state != "failed" or row.attempts >= max_attempts:
            return None
        taken = s.execute(update(JobRun).where(JobRun.id == row.id, JobRun.state == "failed",
                                               JobRun.attempts == row.attempts)
                          .values(state="running", attempts=row.attempts + 1, worker=WORKER, started_at=utcnow(),
                                  error=""))
        s.commit()
        return row.attempts + 1 if taken.rowcount == 1 else None


def _finish(make_session: sessionmaker, name: str, tick: str, **values) -> None:
    with make_session() as s:
        s.execute(update(JobRun).where(JobRun.job == name, JobRun.tick == tick)
                  .values(finished_at=utcnow(), **values))
        s.commit()


def run(make_session: sessionmaker, name: str, tick: str, params: dict | None = None,
        backend: str = "inprocess") -> RunOutcome:
    """Carry out job `name` for `tick` unless it already ran (or is running) for that tick.
    Raises JobFailed when the job raised; the run is then retryable until max_attempts."""
    spec = JOBS.get(name)
    if spec is None:
        raise KeyError(f"no job named {name!r}")
    params = params or {}
    attempt = _claim(make_session, name, tick, params, backend, spec.max_attempts)
    if attempt is None:
        return RunOutcome("skipped", 0)
    session: Session = make_session()
    try:
        with acting_as(session, Actor.system(f"job:{name}"), name):
            result = spec.fn(session, tick, **params)
        session.commit()
    except Exception as exc:  # noqa: BLE001 - any failure of the job is recorded and retried
        session.rollback()
        _finish(make_session, name, tick, state="failed",
                error="".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000])
        log.warning("job %s tick %s failed (attempt %d of %d): %s", name, tick, attempt, spec.max_attempts, exc)
        raise JobFailed(str(exc), retry=attempt < spec.max_attempts) from exc
    finally:
        session.close()
    _finish(make_session, name, tick, state="done", result=result if isinstance(result, dict) else None)
    return RunOutcome("done", attempt, result)
