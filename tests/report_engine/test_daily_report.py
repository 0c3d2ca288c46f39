"""The demo's daily operations report (城市运行日报) rendered over the seeded demo data, on SQLite and
PostgreSQL: the Chinese title in the PDF text, eight pages or more, six charts and three tables, and
the day's count of events equal to one counted straight from the event table."""
import datetime as dt
import re
import shutil
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from report_engine import demo, schedules, service as reports
from runtime.events.models import Event
from tongguan.demo import seed

from .test_reports import flat, pdf_text

CITY = ZoneInfo("Asia/Shanghai")


def test_the_demo_daily_report_renders_eight_pages_whose_numbers_match_the_event_table(app, session, system,
                                                                                        tmp_path):
    seed(session)
    session.commit()
    assert reports.report_template_list(session, system, q=demo.CODE).items[0].state == "published"
    scheduled = schedules.report_schedule_list(session, system, code=demo.CODE).items
    assert [(s.cadence, s.at, s.recipients["roles"]) for s in scheduled] == [("daily", "07:00", ["leader"])]
    # the demo's events end a day before the seed ran: yesterday, in the city, is a full day of them
    day = (dt.datetime.now(CITY) - dt.timedelta(days=1)).date()
    start = dt.datetime.combine(day, dt.time(), CITY).astimezone(dt.timezone.utc)
    counted = session.scalar(sa.select(sa.func.count()).select_from(Event).where(
        Event.reported_at >= start, Event.reported_at < start + dt.timedelta(days=1),
        Event.merged_into_id.is_(None)))  # the indicator's definition: merged duplicates do not count
    assert counted > 0

    run = reports.report_render(session, system, demo.CODE, {"date": day}, storage_path=app.config["STORAGE_PATH"])
    session.commit()
    assert run.state == "succeeded", run.message
    assert run.pages >= 8
    charts, tables = run.html.count("<svg"), run.html.count('<table class="report-table"')
    assert charts >= 6 and tables >= 3, (charts, tables)

    _, path = reports.report_run_pdf(session, system, run.id, storage_path=app.config["STORAGE_PATH"])
    shutil.copyfile(path, tmp_path / "daily_ops.pdf")  # kept with the test's files, to look at
    text = flat(pdf_text(path))
    assert "临江市城市运行日报" in text and "目录" in text and "雨情与预警" in text
    assert f"全市共受理城市运行事件{counted}件" in text
    assert re.search(r"第8页/共\d+页", text)
