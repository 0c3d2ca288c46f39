"""Report schedules: generate a template's report every day, week (Mondays) or month (the 1st) at a
time of the city's day, for the period just closed, and deliver it (see jobs.py and delivery.py).
The time arithmetic is in cadence.py."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tongguan.audit.recorder import acting_as
from tongguan.errors import Invalid, NotFound
from tongguan.pagination import Page, check_version, paginate
from tongguan.permissions import Actor, action

from . import cadence, render
from .models import RUN_STATES, ReportRun, ReportSchedule, ReportTemplate
from .service import _SHANGHAI, _by_code, _new_run, _reader


def _schedule(session: Session, schedule_id: int) -> ReportSchedule:
    found = session.get(ReportSchedule, schedule_id)
    if found is None:
        raise NotFound(f"Report schedule {schedule_id} does not exist.")
    return found


def _with_next(schedule: ReportSchedule, tz: ZoneInfo | None, now: dt.datetime | None = None) -> ReportSchedule:
    """Attach `next_run_at` (None while disabled), for the output."""
    now = now or dt.datetime.now(dt.timezone.utc)
    schedule.next_run_at = (cadence.upcoming(schedule.cadence, schedule.at, tz or _SHANGHAI, now)
                            if schedule.enabled else None)
    return schedule


def _check_schedule(session: Session, schedule: ReportSchedule) -> None:
    from tongguan.accounts.models import Role, User

    errors = {}
    template = session.scalar(select(ReportTemplate).where(ReportTemplate.code == schedule.template_code))
    if template is None:
        errors["template_code"] = [f"报告模板 {schedule.template_code} 不存在 (no such report template)"]
    users = [int(u) for u in (schedule.recipients or {}).get("users", [])]
    known = set(session.scalars(select(User.id).where(User.id.in_(users), User.is_active.is_(True)))) \
        if users else set()
    if set(users) - known:
        errors["recipients.users"] = [f"用户不存在或已停用：{', '.join(map(str, sorted(set(users) - known)))}"]
    roles = list((schedule.recipients or {}).get("roles", []))
    known_roles = set(session.scalars(select(Role.code).where(Role.code.in_(roles)))) if roles else set()
    if set(roles) - known_roles:
        errors["recipients.roles"] = [f"角色不存在：{', '.join(sorted(set(roles) - known_roles))}"]
    if errors:
        raise Invalid("The report schedule is not valid.", errors)


@action("report.read")
def report_schedule_list(session: Session, actor: Actor, *, code=None, enabled=None, page=1, per_page=50,
                         tz: ZoneInfo | None = None) -> Page:
    """Schedules by template code, with when each runs next."""
    stmt = select(ReportSchedule).order_by(ReportSchedule.template_code, ReportSchedule.id)
    if code:
        stmt = stmt.where(ReportSchedule.template_code == code)
    if enabled is not None:
        stmt = stmt.where(ReportSchedule.enabled.is_(enabled))
    found = paginate(session, stmt, page, per_page)
    codes = {s.template_code for s in found.items}
    names = {code: name for code, name in session.execute(
        select(ReportTemplate.code, ReportTemplate.name).where(ReportTemplate.code.in_(codes)))} if codes else {}
    for schedule in found.items:
        _with_next(schedule, tz).template_name = names.get(schedule.template_code)
    return found


def _named(session: Session, schedule: ReportSchedule, tz: ZoneInfo | None) -> ReportSchedule:
    schedule.template_name = session.scalar(select(ReportTemplate.name).where(
        ReportTemplate.code == schedule.template_code))
    return _with_next(schedule, tz)


@action("report.read")
def report_schedule_get(session: Session, actor: Actor, schedule_id: int, *,
                        tz: ZoneInfo | None = None) -> ReportSchedule:
    return _named(session, _schedule(session, schedule_id), tz)


@action("report.manage")
def report_schedule_create(session: Session, actor: Actor, data: dict, *,
                           tz: ZoneInfo | None = None) -> ReportSchedule:
    """Generate template `template_code`'s report every day, week (Mondays) or month (the 1st) at `at`
    in the city's time zone, for the period just closed, and deliver it to `recipients` (users, and
    the users holding `roles`) and by mail to `emails`. Its first run is the first occurrence after now."""
    defaults = {"cadence": "daily", "at": "07:00", "area": "", "enabled": True, "recipients": {}, "emails": []}
    schedule = ReportSchedule(**{**defaults, **data}, created_by=actor.id, last_tick="")
    schedule.recipients = {"users": [], "roles": [], **(schedule.recipients or {})}
    _check_schedule(session, schedule)
    session.add(schedule)
    session.flush()
    return _named(session, schedule, tz)


@action("report.manage")
def report_schedule_update(session: Session, actor: Actor, schedule_id: int, data: dict,
                           if_version: int | None = None, *, tz: ZoneInfo | None = None) -> ReportSchedule:
    schedule = _schedule(session, schedule_id)
    check_version(schedule, if_version)
    for key, value in data.items():
        setattr(schedule, key, value)
    schedule.recipients = {"users": [], "roles": [], **(schedule.recipients or {})}
    _check_schedule(session, schedule)
    session.flush()
    return _named(session, schedule, tz)


@action("report.manage")
def report_schedule_delete(session: Session, actor: Actor, schedule_id: int, if_version: int | None = None) -> None:
    """Delete a schedule; the reports it generated stay in the archive."""
    schedule = _schedule(session, schedule_id)
    check_version(schedule, if_version)
    for run in session.scalars(select(ReportRun).where(ReportRun.schedule_id == schedule.id)):
        run.schedule_id = None  # also in the session's copies, not only by the foreign key's SET NULL
    session.delete(schedule)
    session.flush()


def _occurrence_period(schedule: ReportSchedule, occurrence: dt.datetime, tz: ZoneInfo) -> render.Period:
    day, start, end = cadence.period(schedule.cadence, occurrence, tz)
    return render.Period(day, start, end, schedule.area or "")


@action("report.manage")
def report_schedule_run_now(session: Session, actor: Actor, schedule_id: int, *, tz: ZoneInfo | None = None,
                            now: dt.datetime | None = None) -> ReportRun:
    """Queue the schedule's report for its latest due period now (delivered like a scheduled one).
    The caller commits and hands the run to the job `reports.render` (tick `run:<id>`)."""
    schedule = _schedule(session, schedule_id)
    template = _by_code(session, schedule.template_code)
    data_as = _reader(session, actor, template)[1]
    tz = tz or _SHANGHAI
    occurrence = cadence.latest(schedule.cadence, schedule.at, tz, now or dt.datetime.now(dt.timezone.utc))
    run = _new_run(template, _occurrence_period(schedule, occurrence, tz), created_by=actor.id, data_as=data_as,
                   trigger="schedule", schedule_id=schedule.id)
    session.add(run)
    session.flush()
    # the schedule's last run is this one; not through the ORM, so that its ETag stays (a run is not an edit)
    session.execute(update(ReportSchedule).where(ReportSchedule.id == schedule.id).values(last_run_id=run.id),
                    execution_options={"synchronize_session": False})
    return run


def schedules_due(session: Session, now: dt.datetime, *, tz: ZoneInfo) -> list[tuple[int, dt.datetime]]:
    """(schedule id, occurrence) of each enabled schedule whose latest occurrence has not been taken;
    occurrences before a schedule existed are not made up."""
    due = []
    for schedule in session.scalars(select(ReportSchedule).where(ReportSchedule.enabled.is_(True))
                                    .order_by(ReportSchedule.id)):
        occurrence = cadence.latest(schedule.cadence, schedule.at, tz, now)
        if occurrence >= schedule.created_at and cadence.occurrence_key(occurrence) > (schedule.last_tick or ""):
            due.append((schedule.id, occurrence))
    return due


def schedule_occurrence_run(session: Session, schedule_id: int, occurrence: dt.datetime, *,
                            tz: ZoneInfo) -> int | None:
    """The run of one occurrence of a schedule (the job `reports.render`): made pending and committed
    through a short session of its own, so that its progress can be written like a queued one's; a
    second attempt of the same job finds the run the first made. None when the schedule is gone.
    A template that is missing gives a failed run, which its creator hears of."""
    key = cadence.occurrence_key(occurrence)
    with Session(bind=session.get_bind()) as short:
        schedule = short.get(ReportSchedule, schedule_id)
        if schedule is None:
            return None
        if schedule.last_tick == key and schedule.last_run_id is not None:
            return schedule.last_run_id
        template = short.scalar(select(ReportTemplate).where(ReportTemplate.code == schedule.template_code))
        period = _occurrence_period(schedule, occurrence, tz)
        if template is not None:
            run = _new_run(template, period, created_by=schedule.created_by, data_as=None, trigger="schedule",
                           schedule_id=schedule.id)
        else:  # the job's run_execute fails it with the reason
            run = ReportRun(template_code=schedule.template_code, type=schedule.cadence, title=schedule.template_code,
                            report_date=period.date, period_start=period.start, period_end=period.end,
                            area=period.area, state="pending", stage=RUN_STATES["pending"][0], trigger="schedule",
                            schedule_id=schedule.id, created_by=schedule.created_by, delivery={})
        with acting_as(short, Actor.system("job:reports.render"), "report_schedule_occurrence"):
            short.add(run)
            short.flush()
        # not through the ORM: a run is not an edit, and must not change the schedule's ETag
        short.execute(update(ReportSchedule).where(ReportSchedule.id == schedule.id)
                      .values(last_tick=key, last_run_id=run.id))
        short.commit()
        return run.id
