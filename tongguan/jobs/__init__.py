"""Background jobs behind one interface, with two back ends.

A job is a plain function registered with `@job(name)`, taking a session and the tick
it runs for. `submit(app, name, tick)` hands it to the configured back end:

- `inprocess` (one machine, the default): a thread pool in the web process, and a
  scheduler thread for periodic jobs;
- `celery` (several machines): Celery workers over Redis (`tongguan jobs worker`).

Either way the run is claimed in the `job_run` table first, keyed by (job, tick): a
tick is carried out once however many schedulers or workers see it, a failed run is
retried up to `max_attempts`, and a finished one is never run again.
"""
from .registry import JOBS, Job, job  # noqa: F401
from .runner import RunOutcome, run  # noqa: F401
from . import builtin  # noqa: E402,F401 - registers the platform's own jobs

# Modules whose import registers jobs (imported by workers and schedulers before they look).
JOB_MODULES = ["tongguan.jobs.builtin", "runtime.alerts.service", "runtime.services.subscriptions",
               "runtime.events.deadlines", "report_engine.jobs", "templates_lib.jobs"]


def load_jobs() -> None:
    import importlib

    for name in JOB_MODULES:
        importlib.import_module(name)


def init_app(app) -> None:
    """Choose the back end from JOB_BACKEND; `submit` uses it."""
    from .backends import CeleryBackend, InProcessBackend

    load_jobs()
    if app.config["JOB_BACKEND"] == "celery":
        backend = CeleryBackend(app.config["CELERY_BROKER_URL"])
    else:
        backend = InProcessBackend(app.extensions["tongguan.sessionmaker"])
    app.extensions["tongguan.jobs"] = backend


def submit(app, name: str, tick: str, params: dict | None = None):
    """Hand job `name` for `tick` to the configured back end (a Future or a Celery AsyncResult)."""
    return app.extensions["tongguan.jobs"].submit(name, tick, params)
