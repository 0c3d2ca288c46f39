"""The working calendar: deadlines count working days (weekends and holidays off, adjusted
working weekends on) or plain hours, on the city's clock. Pure functions; the service loads
the holiday list from the `work_calendar_day` table."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[dt.date] = field(default_factory=frozenset)
    workdays: frozenset[dt.date] = field(default_factory=frozenset)  # weekend days worked (调休)
    tz: dt.tzinfo = CITY_TZ

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def deadline(self, start: dt.datetime, limit: int, unit: str) -> dt.datetime:
        """When a time limit that starts at `start` (aware, UTC) runs out.

        `hours` count the clock round; `working_days` end at the same time of day on the
        `limit`-th working day after the start day (a start on a day off counts from the next
        working day's beginning)."""
        if unit == "hours":
            return start + dt.timedelta(hours=limit)
        if unit != "working_days":
            raise ValueError(f"unknown time unit {unit!r}")
        local = start.astimezone(self.tz)
        day, clock = local.date(), local.timetz().replace(tzinfo=None)
        if not self.is_working_day(day):  # the clock starts when the next working day begins
            clock = dt.time(0, 0)
            for _ in range(366):
                day += dt.timedelta(days=1)
                if self.is_working_day(day):
                    break
        remaining = limit
        while remaining > 0:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return dt.datetime.combine(day, clock, tzinfo=self.tz).astimezone(dt.timezone.utc)
