"""The Celery side: one task that runs a registered job for a tick, retried with backoff,
and a beat schedule for the periodic jobs. Start workers with `tongguan jobs worker`."""
from __future__ import annotations

import functools
import os

from celery import Celery

DEFAULT_BROKER = "redis://127.0.0.1:6379/0"


@functools.lru_cache(maxsize=1)
def _flask_app():
    from tongguan import create_app

    return create_app()


def make_celery(broker_url: str | None = None) -> Celery:
    from . import load_jobs
    from .registry import JOBS

    load_jobs()

    broker = broker_url or os.environ.get("TONGGUAN_CELERY_BROKER_URL", DEFAULT_BROKER)
    celery = Celery("tongguan", broker=broker, backend=broker)
    celery.conf.update(task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
                       broker_connection_retry_on_startup=True, result_expires=3600,
                       task_default_queue=os.environ.get("TONGGUAN_CELERY_QUEUE", "tongguan"))

    @celery.task(name="tongguan.run_job", bind=True, max_retries=10)
    def run_job(self, name: str, tick: str, params: dict):
        from .runner import JobFailed, run

        app = _flask_app()
        try:
            outcome = run(app.extensions["tongguan.sessionmaker"], name, tick, params, backend="celery")
        except JobFailed as exc:
            if exc.retry:
                raise self.retry(exc=exc, countdown=min(2 ** self.request.retries, 60)) from exc
            return {"state": "failed", "attempts": JOBS[name].max_attempts}
        return {"state": outcome.state, "attempts": outcome.attempts, "result": outcome.result}

    @celery.task(name="tongguan.run_periodic")
    def run_periodic(name: str):
        from .backends import tick_for

        return run_job.apply(args=[name, tick_for(JOBS[name].every_seconds), {}]).get()

    celery.conf.beat_schedule = {
        f"periodic:{spec.name}": {"task": "tongguan.run_periodic", "schedule": float(spec.every_seconds),
                                  "args": [spec.name]}
        for spec in JOBS.values() if spec.every_seconds
    }
    return celery


celery = make_celery()  # `celery -A tongguan.jobs.worker worker` finds this
