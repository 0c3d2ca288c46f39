"""The two ways of carrying out jobs: threads in this process, or Celery workers over Redis."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from .registry import JOBS
from .runner import JobFailed, RunOutcome, run

log = logging.getLogger(__name__)


def tick_for(every_seconds: int, now: dt.datetime | None = None) -> str:
    """The tick a periodic job is due for: the start of the current interval, the same on every machine."""
    now = now or dt.datetime.now(dt.timezone.utc)
    start = int(now.timestamp()) // every_seconds * every_seconds
    return dt.datetime.fromtimestamp(start, dt.timezone.utc).isoformat()


class InProcessBackend:
    name = "inprocess"

    def __init__(self, make_session, workers: int = 2, retry_delay: float = 1.0):
        self.make_session = make_session
        self.retry_delay = retry_delay
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tongguan-job")
        self._stop = threading.Event()
        self._scheduler: threading.Thread | None = None

    def _run(self, name: str, tick: str, params: dict) -> RunOutcome:
        delay = self.retry_delay
        while True:
            try:
                return run(self.make_session, name, tick, params, backend=self.name)
            except JobFailed as exc:
                if not exc.retry:
                    return RunOutcome("failed", JOBS[name].max_attempts)
                time.sleep(delay)
                delay = min(delay * 2, 60)

    def submit(self, name: str, tick: str, params: dict | None = None) -> Future:
        if name not in JOBS:
            raise KeyError(f"no job named {name!r}")
        return self.pool.submit(self._run, name, tick, params or {})

    def start_scheduler(self, poll_seconds: float = 1.0) -> None:
        """Submit each periodic job once per interval (several processes may do this: the claim
        in job_run keeps each tick to one run)."""
        if self._scheduler is not None:
            return
        seen: dict[str, str] = {}

        def loop():
            while not self._stop.wait(poll_seconds):
                for spec in list(JOBS.values()):
                    if spec.every_seconds:
                        tick = tick_for(spec.every_seconds)
                        if seen.get(spec.name) != tick:
                            seen[spec.name] = tick
                            self.submit(spec.name, tick)

        self._scheduler = threading.Thread(target=loop, name="tongguan-scheduler", daemon=True)
        self._scheduler.start()

    def shutdown(self) -> None:
        self._stop.set()
        self.pool.shutdown(wait=True)


class CeleryBackend:
    name = "celery"

    def __init__(self, broker_url: str):
        from .worker import make_celery

        self.celery = make_celery(broker_url)

    def submit(self, name: str, tick: str, params: dict | None = None):
        if name not in JOBS:
            raise KeyError(f"no job named {name!r}")
        return self.celery.send_task("tongguan.run_job", args=[name, tick, params or {}])

    def start_scheduler(self, poll_seconds: float = 1.0) -> None:
        """With Celery the schedule is Celery beat's (`tongguan jobs worker --beat`)."""

    def shutdown(self) -> None:
        pass
