"""The leaders' reports page, the report viewer and the schedules page in a real browser: a leader
reads the newest daily report from its card (the PDF in the browser's viewer, the HTML with its
Chinese title), steps to the day before and finds a report in the archive by date; an author
schedules a report, runs it now, watches its progress and finds it in the archive.

Screenshots land in test-artifacts/reports-*.png."""
import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from report_engine import service as reports
from tests.browser_support import log_in, shot
from tests.builder.conftest import NOW, city_data  # noqa: F401 (the fixture is used by name)

pytestmark = pytest.mark.browser

TITLE = "临江市城市运行日报"
DAY = NOW.date()  # the fixture's day: its events end here
BEFORE = DAY - dt.timedelta(days=1)
BODY = """<h2>一、总体情况</h2>
<p>当日共受理事件 {{ events_total|number }} 件，办结 {{ closed_total|number }} 件。</p>
{{ table(by_district, columns={'district': '区', 'events': '事件数'}, title='各区事件') }}"""
VARIABLES = [
    {"name": "events_total", "title": "事件数", "source": "indicator", "code": "events"},
    {"name": "closed_total", "title": "办结数", "source": "indicator", "code": "closed"},
    {"name": "by_district", "title": "各区事件", "source": "indicator", "code": "events", "by": "district",
     "window": "7d"},
]


@pytest.fixture
def daily(app, session, system, city_data):  # noqa: F811
    """The published daily template `city_daily` and its reports of DAY and the day before; and a special
    report that failed (its template reaches for Python internals)."""
    reports.report_template_create(session, system, {
        "code": "city_daily", "name": "城市运行日报", "type": "daily", "cover": {"title": TITLE, "subtitle": ""},
        "organisation": "临江市城市运行管理中心", "body": BODY, "variables": VARIABLES, "state": "published"})
    reports.report_template_create(session, system, {
        "code": "flood_special", "name": "防汛专报", "type": "special", "body": "{{ ''.__class__.__mro__ }}",
        "state": "published"})
    session.commit()
    failed = reports.report_render(session, system, "flood_special", {"date": DAY - dt.timedelta(days=5)},
                                   storage_path=app.config["STORAGE_PATH"])
    session.commit()
    assert failed.state == "failed"
    runs = {"failed": failed.id}
    for day in (BEFORE, DAY):
        run = reports.report_render(session, system, "city_daily", {"date": day},
                                    storage_path=app.config["STORAGE_PATH"])
        session.commit()
        assert run.state == "succeeded", run.message
        runs[day] = run.id
    return runs


def choose(page, select, option):
    """Pick an option of an Element Plus select (its dropdown lives at the end of <body>)."""
    select.locator(".el-select__wrapper").click()
    page.locator(".el-select__popper:visible .el-select-dropdown__item", has_text=option).first.click()


def test_a_leader_reads_the_latest_daily_report_and_finds_an_older_one_by_date(page, live_server, make_user, daily,
                                                                                request):
    make_user("leader1", "leader")
    log_in(page, live_server, "leader1")
    page.goto(f"{live_server}/reports")
    card = page.locator(".tg-latest-card[data-type=daily]")
    expect(card).to_contain_text(TITLE)
    expect(card).to_contain_text(DAY.isoformat())
    expect(card.locator(".tg-latest-meta")).to_contain_text(re.compile(r"\d+ 页"))
    expect(card.get_by_role("link", name="下载 PDF")).to_have_attribute("href", f"/api/v1/reports/{daily[DAY]}/pdf")
    expect(page.locator(".tg-latest-card[data-type=weekly]")).to_contain_text("暂无周报")
    # a reader may not manage templates or schedules: no links to them
    expect(page.locator(".tg-link-templates")).to_have_count(0)
    expect(page.locator(".tg-link-schedules")).to_have_count(0)
    rows = page.locator(".tg-archive-table .el-table__row")
    expect(rows).to_have_count(3)
    failed = rows.filter(has_text="防汛专报")
    expect(failed.locator(".tg-run-state")).to_have_text("失败")
    expect(failed.locator(".tg-run-message")).to_contain_text("__class__")
    expect(page.locator(".tg-latest-card[data-type=special]")).to_contain_text("暂无专报")
    expect(page.locator(".tg-archive-table .el-loading-mask")).to_be_hidden()
    shot(page, request, "reports-home")

    # 阅读: the viewer, its PDF in the browser's own viewer
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/reports/{daily[DAY]}/pdf")) as pdf:
        card.get_by_role("link", name="阅读").click()
    page.wait_for_url(f"{live_server}/reports/runs/{daily[DAY]}")
    assert pdf.value.status == 200 and pdf.value.headers["content-type"] == "application/pdf"
    expect(page.locator(".tg-report-title")).to_have_text(TITLE)
    meta = page.locator(".tg-report-meta")
    expect(meta).to_contain_text("city_daily")
    expect(meta).to_contain_text("第 1 版")
    expect(meta.locator(".tg-digest")).to_have_text(re.compile(r"^[0-9a-f]{12}$"))
    expect(page.locator(".tg-report-pdf")).to_have_attribute("src", f"/api/v1/reports/{daily[DAY]}/pdf")
    expect(page.locator(".tg-next")).to_have_class(re.compile("is-disabled"))
    page.wait_for_timeout(800)
    shot(page, request, "reports-view-pdf")

    # the HTML in a sandboxed frame
    page.get_by_role("tab", name="HTML").click()
    html = page.locator(".tg-report-html")
    expect(html).to_have_attribute("sandbox", "")
    expect(page.frame_locator(".tg-report-html").locator("body")).to_contain_text(TITLE)
    expect(page.frame_locator(".tg-report-html").locator("body")).to_contain_text("当日共受理事件")
    shot(page, request, "reports-view-html")

    # the day before, through 上一期
    expect(page.locator(".tg-prev")).to_contain_text(BEFORE.isoformat())
    page.locator(".tg-prev").click()
    page.wait_for_url(f"{live_server}/reports/runs/{daily[BEFORE]}")
    expect(page.locator(".tg-next")).to_contain_text(DAY.isoformat())
    expect(page.locator(".tg-prev")).to_have_class(re.compile("is-disabled"))

    # the archive searched by date
    page.goto(f"{live_server}/reports")
    expect(rows).to_have_count(3)
    start, end = page.locator(".tg-range input").nth(0), page.locator(".tg-range input").nth(1)
    start.fill(BEFORE.isoformat())
    end.fill(BEFORE.isoformat())
    end.press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(BEFORE.isoformat())
    expect(rows.first).to_contain_text("已生成")
    page.locator(".tg-q input").fill("专报")
    expect(page.locator(".tg-archive-table")).to_contain_text("没有符合条件的报告")
    expect(page.locator(".tg-archive-table .el-loading-mask")).to_be_hidden()
    shot(page, request, "reports-archive")

    # 生成报告: a published template and a date; the progress, then the report opens
    page.locator(".tg-generate").click()
    dialog = page.locator(".tg-generate-dialog")
    choose(page, dialog.locator(".tg-template-select"), "城市运行日报")
    date = dialog.locator(".tg-date input")
    date.fill((BEFORE - dt.timedelta(days=1)).isoformat())
    date.press("Enter")
    dialog.locator(".tg-generate-submit").click()
    expect(dialog.locator(".tg-report-progress")).to_be_visible()
    shot(page, request, "reports-generate")
    page.wait_for_url(re.compile(r".*/reports/runs/\d+$"), timeout=60000)
    expect(page.locator(".tg-report-title")).to_have_text(TITLE)
    expect(page.locator(".tg-report-meta")).to_contain_text((BEFORE - dt.timedelta(days=1)).isoformat())
    expect(page.locator(".tg-next")).to_contain_text(BEFORE.isoformat())


def test_a_report_still_in_the_queue_shows_its_progress_and_then_itself(page, live_server, make_user, daily, app,
                                                                         session, system, request):
    from tongguan.jobs import submit

    queued = reports.report_run_queue(session, system, "city_daily", {"date": DAY - dt.timedelta(days=3)})
    session.commit()
    make_user("leader1", "leader")
    log_in(page, live_server, "leader1")
    page.goto(f"{live_server}/reports/runs/{queued.id}")
    progress = page.locator(".tg-report-pending .tg-report-progress")
    expect(progress).to_have_attribute("data-state", "pending")
    expect(progress).to_contain_text("排队中")
    expect(page.locator(".tg-download")).to_have_count(0)
    expect(page.locator(".tg-report-body > .el-loading-mask")).to_have_count(0)
    shot(page, request, "reports-view-pending")

    submit(app, "reports.render", f"run:{queued.id}", {"run_id": queued.id})  # the worker takes it up
    expect(page.locator(".tg-report-pdf")).to_be_visible(timeout=60000)
    expect(page.locator(".tg-run-state")).to_have_text("已生成")
    expect(page.locator(".tg-download")).to_be_visible()
    expect(page.locator(".tg-prev")).to_have_class(re.compile("is-disabled"))  # the failed special is another template
    expect(page.locator(".tg-next")).to_contain_text(BEFORE.isoformat())

    # a failed report says why, and may be generated again
    page.goto(f"{live_server}/reports/runs/{daily['failed']}")
    failed = page.locator(".tg-report-pending .tg-report-progress[data-state=failed]")
    expect(failed).to_contain_text("报告生成失败")
    expect(failed).to_contain_text("__class__")
    expect(page.locator(".tg-regenerate")).to_be_visible()
    expect(page.locator(".tg-report-body > .el-loading-mask")).to_have_count(0)
    shot(page, request, "reports-view-failed")


def test_an_author_schedules_a_report_runs_it_now_and_finds_it_in_the_archive(page, live_server, make_user, daily,
                                                                              request):
    make_user("leader1", "leader")
    make_user("writer", "author")
    log_in(page, live_server, "writer")
    page.goto(f"{live_server}/reports")
    expect(page.locator(".tg-link-templates")).to_have_attribute("href", "/reports/templates")
    page.locator(".tg-link-schedules").click()
    page.wait_for_url(f"{live_server}/reports/schedules")
    expect(page.locator(".tg-schedules-table")).to_contain_text("还没有报告计划")

    page.locator(".tg-new-schedule").click()
    dialog = page.locator(".tg-schedule-dialog")
    expect(dialog.locator(".tg-template-select")).to_contain_text("城市运行日报")
    dialog.locator(".tg-cadence-choice").get_by_text("每日", exact=True).click()
    choose(page, dialog.locator(".tg-at"), "06:30")
    choose(page, dialog.locator(".tg-users"), "leader1")
    dialog.locator(".el-dialog__title").click()  # a multiple select stays open after a pick
    choose(page, dialog.locator(".tg-roles"), "领导")
    dialog.locator(".el-dialog__title").click()
    emails = dialog.locator(".tg-emails input")
    emails.fill("not-an-address")
    emails.press("Enter")
    dialog.locator(".tg-save-schedule").click()
    expect(dialog).to_contain_text("邮箱格式不正确")
    dialog.locator(".tg-emails .el-tag__close").click()
    emails.fill("leader@linjiang.gov.cn")
    emails.press("Enter")
    shot(page, request, "reports-schedule-dialog")
    dialog.locator(".tg-save-schedule").click()
    expect(dialog).to_be_hidden()

    row = page.locator(".tg-schedules-table .el-table__row").first
    expect(row).to_contain_text("城市运行日报")
    expect(row).to_contain_text("每日 06:30")
    expect(row).to_contain_text("leader1")
    expect(row).to_contain_text("角色：领导")
    expect(row).to_contain_text("leader@linjiang.gov.cn")
    expect(row).to_contain_text("尚未运行")
    expect(row.locator(".tg-enabled")).to_have_class(re.compile("is-checked"))

    # 立即运行: the progress bar, then the report
    row.locator(".tg-run-now").click()
    running = page.locator(".tg-run-dialog")
    expect(running.locator(".tg-report-progress")).to_be_visible()
    expect(running.locator(".tg-report-progress[data-state=succeeded]")).to_be_visible(timeout=60000)
    expect(running.locator(".tg-report-progress")).to_contain_text("100%")
    shot(page, request, "reports-run-now")
    expect(running.locator(".tg-open-run")).to_be_visible()
    running.get_by_role("button", name="关闭", exact=True).click()
    expect(row).to_contain_text("查看报告")

    # switched off: no next run
    row.locator(".tg-enabled").click()
    expect(row.locator(".tg-enabled")).not_to_have_class(re.compile("is-checked"))
    expect(row).to_contain_text("已停用")
    page.wait_for_timeout(600)  # the switch's slide
    shot(page, request, "reports-schedules")

    page.goto(f"{live_server}/reports")
    scheduled = page.locator(".tg-archive-table .el-table__row", has=page.locator(".tg-trigger"))
    expect(scheduled).to_have_count(1)
    expect(scheduled).to_contain_text(TITLE)
    expect(scheduled).to_contain_text("已生成")
    expect(page.locator(".tg-archive-table .el-table__row")).to_have_count(4)
    expect(page.locator(".tg-archive-table .el-loading-mask")).to_be_hidden()
    shot(page, request, "reports-archive-scheduled")

    # deleted, after confirming
    page.goto(f"{live_server}/reports/schedules")
    page.locator(".tg-schedules-table .tg-delete").first.click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    expect(page.locator(".tg-schedules-table")).to_contain_text("还没有报告计划")
