"""The report engine's background jobs.

- `reports.render` carries out one run: tick `run:<id>` for a run queued through the API, or
  `schedule:<id>:<occurrence>` for one occurrence of a schedule (its run is made by the job, so
  that an occurrence seen by several schedulers is one claim in job_run, hence one report).
- `reports.schedules` (every minute) submits a `reports.render` for each schedule that is due.

Jobs run outside requests: the settings they need (storage, time zone, mail, the job back end)
are taken from the app when it is created (`configure`, called by create_app).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from tongguan.db import utcnow
from tongguan.jobs import job

from . import cadence, delivery, schedules, service

SMTP_KEYS = ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM", "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS")
SETTINGS: dict = {"storage_path": "instance/storage", "timezone": "Asia/Shanghai", "org": "", "smtp": {},
                  "backend": None}


def configure(app) -> None:
    from . import drawing

    drawing.configure(app.config["REPORT_CHART_PROCESSES"])  # renders happen in jobs and in requests alike
    SETTINGS.update(storage_path=app.config["STORAGE_PATH"], timezone=app.config.get("TIMEZONE", "Asia/Shanghai"),
                    org=app.config.get("ORG_NAME", ""), smtp={k: app.config.get(k) for k in SMTP_KEYS},
                    backend=app.extensions.get("tongguan.jobs"))


def _tz() -> ZoneInfo:
    return ZoneInfo(SETTINGS["timezone"])


def submit(session: Session, name: str, tick: str, params: dict) -> None:
    """Hand a job to the app's back end; without one (a bare script), run it here and now."""
    if SETTINGS["backend"] is not None:
        SETTINGS["backend"].submit(name, tick, params)
        return
    from tongguan.jobs import run

    run(sessionmaker(bind=session.get_bind()), name, tick, params)


@job("reports.render", max_attempts=2)
def render_job(session: Session, tick: str, run_id: int | None = None, schedule_id: int | None = None,
               occurrence: str | None = None) -> dict:
    if schedule_id is not None:
        run_id = schedules.schedule_occurrence_run(session, schedule_id, dt.datetime.fromisoformat(occurrence),
                                                 tz=_tz())
        if run_id is None:
            return {"skipped": "the schedule is gone"}
    run = service.run_execute(session, run_id, storage_path=SETTINGS["storage_path"], tz=_tz())
    if run is None:
        return {"skipped": f"no run {run_id}"}
    if run.trigger == "schedule" and not run.delivery:
        delivery.notify(session, run)
        session.commit()  # the report and its inbox messages are out before any mail server is waited for
        delivery.mail(session, run, smtp=SETTINGS["smtp"], storage_path=SETTINGS["storage_path"], org=SETTINGS["org"])
    return {"run_id": run.id, "state": run.state}


@job("reports.schedules", every_seconds=60)
def schedules_job(session: Session, tick: str, now: str | None = None) -> dict:
    """`now` (ISO) stands in for the clock (tests, `tongguan jobs run`)."""
    at = dt.datetime.fromisoformat(now) if now else utcnow()
    due = schedules.schedules_due(session, at, tz=_tz())
    for schedule_id, occurrence in due:
        submit(session, "reports.render", cadence.tick(schedule_id, occurrence),
               {"schedule_id": schedule_id, "occurrence": cadence.occurrence_key(occurrence)})
    return {"due": [cadence.tick(s, o) for s, o in due]}
