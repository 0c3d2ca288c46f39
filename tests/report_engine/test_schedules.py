"""Report schedules: the time arithmetic (pure), the periodic job that finds what is due and runs each
occurrence once however many schedulers see it, and the API (If-Match, run now); on SQLite and PostgreSQL."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from report_engine import cadence, jobs, schedules, service as reports
from report_engine.models import ReportRun, ReportSchedule
from tongguan.jobs import run as run_job

from .test_async import finished, poll

SHANGHAI, KOLKATA = ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Kolkata")
UTC = dt.timezone.utc


def local(tz, *args):
    return dt.datetime(*args, tzinfo=tz)


# --- the arithmetic -------------------------------------------------------------------------------

def test_a_daily_schedule_occurs_every_day_at_its_time_in_the_citys_zone():
    before = local(SHANGHAI, 2026, 11, 25, 6, 59)
    assert cadence.latest("daily", "07:00", SHANGHAI, before) == dt.datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    assert cadence.upcoming("daily", "07:00", SHANGHAI, before) == dt.datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    on_time = local(SHANGHAI, 2026, 11, 25, 7, 0)
    assert cadence.latest("daily", "07:00", SHANGHAI, on_time) == on_time  # due at the minute itself
    assert cadence.upcoming("daily", "07:00", SHANGHAI, on_time) == local(SHANGHAI, 2026, 11, 26, 7, 0)
    # another zone (UTC+05:30) names other instants for the same wall-clock time
    assert cadence.latest("daily", "07:00", KOLKATA, local(KOLKATA, 2026, 11, 25, 8, 0)) == \
        dt.datetime(2026, 11, 25, 1, 30, tzinfo=UTC)


def test_a_daily_occurrence_reports_on_the_day_before():
    occurrence = local(SHANGHAI, 2026, 11, 25, 7, 0)
    assert cadence.period("daily", occurrence, SHANGHAI) == (dt.date(2026, 11, 24),) * 3
    # 00:30 on the 25th in Shanghai is still the 24th in UTC: the city's day counts
    just_after_midnight = local(SHANGHAI, 2026, 11, 25, 0, 30)
    assert cadence.period("daily", just_after_midnight, SHANGHAI)[0] == dt.date(2026, 11, 24)


def test_a_weekly_schedule_occurs_on_mondays_and_reports_on_the_week_to_the_sunday_before():
    wednesday = local(SHANGHAI, 2026, 11, 25, 12, 0)
    monday = local(SHANGHAI, 2026, 11, 23, 7, 0)
    assert cadence.latest("weekly", "07:00", SHANGHAI, wednesday) == monday
    assert cadence.upcoming("weekly", "07:00", SHANGHAI, wednesday) == local(SHANGHAI, 2026, 11, 30, 7, 0)
    assert cadence.period("weekly", monday, SHANGHAI) == (dt.date(2026, 11, 22), dt.date(2026, 11, 16),
                                                            dt.date(2026, 11, 22))
    sunday = local(SHANGHAI, 2026, 11, 29, 9, 0)  # from a Sunday: the week closed the Sunday before
    assert cadence.period("weekly", sunday, SHANGHAI)[0] == dt.date(2026, 11, 22)


def test_a_monthly_schedule_occurs_on_the_first_and_reports_on_the_whole_month_before():
    late_november = local(SHANGHAI, 2026, 11, 25, 12, 0)
    assert cadence.latest("monthly", "08:30", SHANGHAI, late_november) == local(SHANGHAI, 2026, 11, 1, 8, 30)
    assert cadence.upcoming("monthly", "08:30", SHANGHAI, late_november) == local(SHANGHAI, 2026, 12, 1, 8, 30)
    assert cadence.period("monthly", local(SHANGHAI, 2026, 12, 1, 8, 30), SHANGHAI) == (
        dt.date(2026, 11, 30), dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert cadence.period("monthly", local(SHANGHAI, 2027, 1, 1, 0, 0), SHANGHAI) == (
        dt.date(2026, 12, 31), dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert cadence.period("monthly", local(SHANGHAI, 2028, 3, 1, 7, 0), SHANGHAI)[1:] == (
        dt.date(2028, 2, 1), dt.date(2028, 2, 29))


def test_an_occurrence_is_named_by_its_utc_instant():
    occurrence = local(SHANGHAI, 2026, 11, 25, 7, 0)
    assert cadence.tick(3, occurrence) == "schedule:3:2026-11-24T23:00:00+00:00"
    assert cadence.occurrence_key(occurrence.astimezone(KOLKATA)) == "2026-11-24T23:00:00+00:00"
    with pytest.raises(ValueError):
        cadence.parse_at("7:00")
    with pytest.raises(ValueError):
        cadence.parse_at("24:00")


# --- the periodic job -----------------------------------------------------------------------------

class Recorder:
    """Stands in for the job back end: keeps what the scheduler submits."""

    def __init__(self):
        self.submitted = []

    def submit(self, name, tick, params=None):
        self.submitted.append((name, tick, params))


@pytest.fixture
def backend(monkeypatch):
    recorder = Recorder()
    monkeypatch.setitem(jobs.SETTINGS, "backend", recorder)
    return recorder


def schedule(session, system, **data):
    made = schedules.report_schedule_create(session, system, {"template_code": "city_weekly", **data})
    session.execute(update(ReportSchedule).where(ReportSchedule.id == made.id)
                    .values(created_at=dt.datetime(2026, 11, 1, tzinfo=UTC)))  # made long ago
    session.commit()
    return made


def test_a_due_occurrence_runs_once_however_many_schedulers_see_it(app, session, system, weekly, backend):
    make = app.extensions["tongguan.sessionmaker"]
    weekly_one = schedule(session, system, cadence="weekly", at="07:00")
    schedule(session, system, cadence="daily", at="07:00", enabled=False)
    now = local(SHANGHAI, 2026, 11, 25, 12, 0).isoformat()
    first = run_job(make, "reports.schedules", "2026-11-25T04:00:00+00:00", {"now": now})
    second = run_job(make, "reports.schedules", "2026-11-25T04:01:00+00:00", {"now": now})  # another machine, later
    expected = "schedule:%d:2026-11-22T23:00:00+00:00" % weekly_one.id
    assert first.result == second.result == {"due": [expected]}
    assert [t for _, t, _ in backend.submitted] == [expected, expected]

    outcomes = [run_job(make, name, tick, params).state for name, tick, params in backend.submitted]
    assert outcomes == ["done", "skipped"]
    [run] = session.scalars(select(ReportRun)).all()
    assert (run.state, run.trigger, run.schedule_id, run.type) == ("succeeded", "schedule", weekly_one.id, "weekly")
    assert (run.report_date, run.period_start, run.period_end) == (dt.date(2026, 11, 22), dt.date(2026, 11, 16),
                                                                   dt.date(2026, 11, 22))
    session.refresh(weekly_one)
    assert (weekly_one.last_tick, weekly_one.last_run_id, weekly_one.version) == (
        "2026-11-22T23:00:00+00:00", run.id, 1)  # a run is not an edit: the ETag stays
    assert run_job(make, "reports.schedules", "t3", {"now": now}).result == {"due": []}
    next_monday = local(SHANGHAI, 2026, 11, 30, 7, 0).isoformat()
    assert run_job(make, "reports.schedules", "t4", {"now": next_monday}).result == {
        "due": ["schedule:%d:2026-11-29T23:00:00+00:00" % weekly_one.id]}


def test_a_schedule_does_not_make_up_occurrences_from_before_it_existed(app, session, system, weekly):
    made = schedules.report_schedule_create(session, system, {"template_code": "city_weekly", "cadence": "daily"})
    session.commit()
    now = made.created_at + dt.timedelta(minutes=1)
    assert schedules.schedules_due(session, now, tz=SHANGHAI) == []
    tomorrow = cadence.upcoming("daily", "07:00", SHANGHAI, made.created_at)
    assert schedules.schedules_due(session, tomorrow, tz=SHANGHAI) == [(made.id, tomorrow)]


def test_an_occurrence_whose_template_is_gone_fails_and_is_kept(app, session, system, weekly, backend):
    make = app.extensions["tongguan.sessionmaker"]
    made = schedule(session, system, cadence="daily")
    reports.report_template_delete(session, system, weekly.id)
    session.commit()
    run_job(make, "reports.schedules", "t1", {"now": local(SHANGHAI, 2026, 11, 25, 7, 1).isoformat()})
    [(name, tick, params)] = backend.submitted
    assert run_job(make, name, tick, params).result["state"] == "failed"
    run = session.scalar(select(ReportRun))
    assert run.schedule_id == made.id and "city_weekly 已删除" in run.message and run.report_date == dt.date(2026, 11, 24)


# --- the API --------------------------------------------------------------------------------------

def test_schedules_are_created_changed_with_if_match_run_now_and_deleted(client, session, make_user, bearer, weekly):
    author, leader = bearer(make_user("writer", "author")), bearer(make_user("boss", "leader"))
    bad = client.post("/api/v1/report-schedules", json={
        "template_code": "no_such", "cadence": "hourly", "at": "25:00", "emails": ["not-an-address"],
        "recipients": {"roles": ["leader"]}}, headers=author)
    assert bad.status_code == 422 and {"cadence", "at", "emails"} <= set(bad.json["errors"]["json"])
    unknown = client.post("/api/v1/report-schedules", json={
        "template_code": "no_such", "recipients": {"users": [999], "roles": ["nobody"]}}, headers=author)
    assert unknown.status_code == 422
    assert {"template_code", "recipients.users", "recipients.roles"} == set(unknown.json["errors"])
    assert client.post("/api/v1/report-schedules", json={"template_code": "city_weekly"},
                       headers=leader).status_code == 403

    res = client.post("/api/v1/report-schedules", json={
        "template_code": "city_weekly", "cadence": "weekly", "at": "07:30", "recipients": {"roles": ["leader"]},
        "emails": ["boss@example.org"]}, headers=author)
    assert res.status_code == 201, res.json
    made, etag = res.json, res.headers["ETag"]
    assert (made["template_name"], made["enabled"], made["last_run_id"], made["recipients"]) == (
        "城市运行周报", True, None, {"users": [], "roles": ["leader"]})
    next_run = dt.datetime.fromisoformat(made["next_run_at"])
    assert next_run.utcoffset() == dt.timedelta(0) and next_run.astimezone(SHANGHAI).weekday() == 0
    assert next_run.astimezone(SHANGHAI).time() == dt.time(7, 30)

    url = f"/api/v1/report-schedules/{made['id']}"
    listed = client.get("/api/v1/report-schedules?code=city_weekly", headers=leader)
    assert listed.status_code == 200 and [s["id"] for s in listed.json["items"]] == [made["id"]]
    assert client.patch(url, json={"enabled": False}, headers=author).status_code == 428
    changed = client.patch(url, json={"enabled": False, "at": "06:00"}, headers={**author, "If-Match": etag})
    assert changed.status_code == 200 and changed.json["next_run_at"] is None and changed.json["at"] == "06:00"
    assert client.patch(url, json={"area": "江北区"}, headers={**author, "If-Match": etag}).status_code == 412

    queued = client.post(f"{url}/run-now", headers=author)
    assert queued.status_code == 202
    assert (queued.json["trigger"], queued.json["schedule_id"]) == ("schedule", made["id"])
    latest = cadence.latest("weekly", "06:00", SHANGHAI, dt.datetime.now(UTC))
    assert queued.json["report_date"] == cadence.period("weekly", latest, SHANGHAI)[0].isoformat()
    done = poll(client, f"/api/v1/reports/{queued.json['id']}", author, finished)[-1]
    again = client.get(url, headers=author)
    assert again.json["last_run_id"] == queued.json["id"]  # the schedule links to the run it just made
    assert done["state"] in ("succeeded", "failed") and done["delivery"]["inbox"]  # the leader heard of it
    assert client.post(f"{url}/run-now", headers=leader).status_code == 403

    etag = client.get(url, headers=author).headers["ETag"]
    assert client.delete(url, headers={**author, "If-Match": etag}).status_code == 204
    assert client.get(url, headers=author).status_code == 404
    kept = client.get(f"/api/v1/reports/{done['id']}", headers=author).json
    assert kept["schedule_id"] is None and kept["trigger"] == "schedule"


def test_the_schedule_service_functions(app, session, system, make_user, weekly):
    from tongguan.errors import PreconditionFailed

    made = schedules.report_schedule_create(session, system, {"template_code": "city_weekly", "emails": []})
    assert schedules.report_schedule_get(session, system, made.id).template_name == "城市运行周报"
    assert [s.id for s in schedules.report_schedule_list(session, system, enabled=True).items] == [made.id]
    assert schedules.report_schedule_list(session, system, enabled=False).items == []
    with pytest.raises(PreconditionFailed):
        schedules.report_schedule_update(session, system, made.id, {"at": "08:00"}, if_version=made.version + 1)
    schedules.report_schedule_update(session, system, made.id, {"at": "08:00"}, if_version=made.version)
    run = schedules.report_schedule_run_now(session, system, made.id, tz=SHANGHAI,
                                          now=local(SHANGHAI, 2026, 11, 25, 7, 59))
    assert (run.report_date, run.trigger, run.state) == (dt.date(2026, 11, 23), "schedule", "pending")
    schedules.report_schedule_delete(session, system, made.id)
    session.commit()
    assert run.schedule_id is None
    assert session.scalar(select(func.count()).select_from(ReportSchedule)) == 0
