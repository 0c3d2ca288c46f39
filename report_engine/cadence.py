"""The time arithmetic of report schedules, pure: no database, no clock of its own.

A schedule occurs at `at` (HH:MM, in the city's time zone) every day (daily), on Mondays (weekly)
or on the 1st of the month (monthly). Each occurrence reports on the period just closed: a daily
one on the day before, a weekly one on the week (Monday to Sunday) ending the Sunday before, a
monthly one on the whole month before. Occurrences are named by their UTC instant, so every
machine, whatever its own zone, names one occurrence the same way.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

AT = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
UTC = dt.timezone.utc
_HORIZON = 62  # days: every cadence occurs at least once in any 62 consecutive days


def parse_at(at: str) -> dt.time:
    match = AT.match(at or "")
    if not match:
        raise ValueError(f"not a time of day (HH:MM): {at!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


def occurs_on(cadence: str, day: dt.date) -> bool:
    if cadence == "daily":
        return True
    if cadence == "weekly":
        return day.weekday() == 0
    if cadence == "monthly":
        return day.day == 1
    raise ValueError(f"unknown cadence {cadence!r}")


def _at(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, at, tz).astimezone(UTC)


def latest(cadence: str, at: str, tz: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The most recent occurrence at or before `now` (aware), in UTC."""
    time, today = parse_at(at), now.astimezone(tz).date()
    for back in range(_HORIZON):
        day = today - dt.timedelta(days=back)
        if occurs_on(cadence, day) and _at(day, time, tz) <= now:
            return _at(day, time, tz)
    raise AssertionError("unreachable: every cadence occurs within the horizon")


def upcoming(cadence: str, at: str, tz: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The first occurrence after `now` (aware), in UTC."""
    time, today = parse_at(at), now.astimezone(tz).date()
    for ahead in range(_HORIZON):
        day = today + dt.timedelta(days=ahead)
        if occurs_on(cadence, day) and _at(day, time, tz) > now:
            return _at(day, time, tz)
    raise AssertionError("unreachable: every cadence occurs within the horizon")


def period(cadence: str, occurrence: dt.datetime, tz: ZoneInfo) -> tuple[dt.date, dt.date, dt.date]:
    """(report date, period start, period end) of the report an occurrence generates: the period
    closed before the occurrence's local day."""
    day = occurrence.astimezone(tz).date()
    if cadence == "daily":
        end = day - dt.timedelta(days=1)
        return end, end, end
    if cadence == "weekly":
        end = day - dt.timedelta(days=day.weekday() + 1)  # the Sunday before (a week back from a Sunday)
        return end, end - dt.timedelta(days=6), end
    if cadence == "monthly":
        end = day.replace(day=1) - dt.timedelta(days=1)
        return end, end.replace(day=1), end
    raise ValueError(f"unknown cadence {cadence!r}")


def occurrence_key(occurrence: dt.datetime) -> str:
    """An occurrence's name, e.g. "2026-11-24T23:00:00+00:00" (07:00 on the 25th in Shanghai)."""
    return occurrence.astimezone(UTC).isoformat()


def tick(schedule_id: int, occurrence: dt.datetime) -> str:
    """The job tick of one schedule's occurrence: job_run runs it once however many schedulers see it."""
    return f"schedule:{schedule_id}:{occurrence_key(occurrence)}"
