"""The report designer (报告设计器) in a real browser: an author creates a weekly template from the
template list, declares a variable bound to an indicator and a breakdown by district, writes them
into the body from the palette, sees the numbers in the live preview before anything is saved,
saves, is shown a syntax error at its line, fixes it, publishes and generates the PDF; then copies
and deletes templates in the list.

Screenshots land in test-artifacts/report-designer-*.png."""
import re

import pytest
from playwright.sync_api import expect

from report_engine import service as reports
from report_engine.models import ReportTemplate
from tests.browser_support import log_in, shot

from .conftest import expected

pytestmark = pytest.mark.browser
DATE = "2026-11-25"  # the fixture's day (tests/builder/conftest.py NOW)


def choose(page, select, option):
    """Pick an option of an Element Plus select (its dropdown lives at the end of <body>)."""
    select.locator(".el-select__wrapper").click()
    page.locator(".el-select__popper:visible .el-select-dropdown__item", has_text=option).first.click()


def add_variable(page, indicator, *, name=None, by=None, snap=None):
    page.locator(".tg-rd-var-add").click()
    dialog = page.locator(".tg-rd-variable-dialog")
    choose(page, dialog.locator(".tg-rd-var-code"), indicator)
    if by:
        choose(page, dialog.locator(".tg-rd-var-by"), by)
    if name:
        dialog.locator("input[name=var-name]").fill(name)
    if snap:
        snap()
    dialog.locator(".tg-rd-var-save").click()
    expect(dialog).to_be_hidden()


def settled(page):
    """Nothing left to save: the last save has landed."""
    expect(page.locator(".tg-rd[data-dirty]")).to_have_count(0, timeout=10000)
    expect(page.locator(".tg-rd[data-saving]")).to_have_count(0)


def body_of(session, code):
    session.expire_all()
    return session.query(ReportTemplate).filter_by(code=code).one()


def test_an_author_designs_previews_fixes_publishes_and_prints_a_weekly_report(page, live_server, make_user, city_data,
                                                                               session, system, request):
    make_user("writer", "author")
    log_in(page, live_server, "writer")
    page.goto(f"{live_server}/reports/templates")
    expect(page.locator(".tg-rt-reports")).to_have_attribute("href", "/reports")
    expect(page.locator(".tg-rt-schedules")).to_have_attribute("href", "/reports/schedules")
    page.locator(".tg-rt-new").click()
    dialog = page.locator(".tg-rt-dialog")
    dialog.locator("input[name=code]").fill("city_week")
    dialog.locator("input[name=name]").fill("城市运行周报")
    dialog.locator(".tg-rt-form-type").get_by_text("周报", exact=True).click()
    expect(dialog.locator(".tg-rt-form-type .is-active")).to_have_text("周报")
    shot(page, request, "report-designer-create")
    dialog.locator(".tg-rt-submit").click()
    page.wait_for_url(re.compile(r".*/reports/templates/\d+$"))
    expect(page.locator(".tg-rd[data-ready=true]")).to_be_visible()
    expect(page.locator(".tg-rd-type")).to_have_text("周报")
    expect(page.locator(".tg-rd-state")).to_have_text("草稿")
    # the starter body is highlighted as HTML with Jinja
    expect(page.locator(".tg-rd-code .cm-content")).to_contain_text("一、总体情况")
    assert page.locator(".tg-rd-code .cm-line span[class]").count() > 3

    date = page.locator(".tg-rd-date input")
    date.fill(DATE)
    date.press("Enter")
    frame = page.frame_locator(".tg-rd-frame")
    expect(frame.locator("main")).to_contain_text("2026年11月19日至2026年11月25日")

    # two variables from the indicator list: the week's count, and the count by district
    add_variable(page, "事件数", name="events_total")
    add_variable(page, "事件数", by="district", snap=lambda: shot(page, request, "report-designer-variable"))
    vars_ = page.locator(".tg-rd-var")
    expect(vars_).to_have_count(2)
    expect(vars_.nth(1)).to_have_attribute("data-name", "events_by_district")

    # write a sentence around the variable, then a table of the breakdown, from the palette
    editor = page.locator(".tg-rd-code .cm-content")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("<p>本周共受理事件 ")
    page.locator(".tg-rd-var[data-name=events_total] .tg-rd-var-insert").click()
    page.keyboard.insert_text("。</p>\n")
    page.locator(".tg-rd-var[data-name=events_by_district]").get_by_role("button", name="表").click()
    page.locator(".tg-rd-snippet[data-snippet=chart-bar]").click()
    expect(editor).to_contain_text("{{ events_total|number }} 件")
    expect(editor).to_contain_text("table(events_by_district")

    total = expected()
    assert total == 6
    expect(frame.locator("main")).to_contain_text(f"本周共受理事件 {total} 件", timeout=15000)
    expect(frame.locator("table.report-table")).to_contain_text("江东区")
    expect(page.locator(".tg-rd-counts")).to_have_text("图表 1 · 表格 1")
    # the preview shows the edits as they are: nothing is saved until the author saves
    expect(page.locator(".tg-rd-preview-note")).to_contain_text("未保存的修改")
    assert "events_total" not in body_of(session, "city_week").body
    page.keyboard.press("Control+s")
    settled(page)
    expect(page.locator(".tg-rd-status")).to_contain_text("已保存")
    saved = body_of(session, "city_week")
    assert "{{ events_total|number }} 件" in saved.body and saved.type == "weekly"
    assert [v["name"] for v in saved.variables] == ["events_total", "events_by_district"]
    assert saved.variables[1] == {"name": "events_by_district", "title": "事件数", "source": "indicator",
                                  "code": "events", "by": "district", "sort": "value_desc", "params": {},
                                  "where": {}}
    page.wait_for_timeout(300)
    shot(page, request, "report-designer-preview")

    # a bad edit: the preview is refused with the line, which the editor marks; nothing is saved
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("<p>{{ events_total|number( }}</p>")
    error = page.locator(".tg-rd-error")
    expect(error).to_contain_text("模板语法错误", timeout=10000)
    line = int(re.search(r"第 (\d+) 行", error.inner_text()).group(1))
    marked = page.locator(".tg-rd-code .cm-tg-error-line")
    expect(marked).to_have_attribute("data-error-line", str(line))
    expect(marked).to_contain_text("number(")
    assert page.locator(".tg-rd-code .cm-line").nth(line - 1).inner_text().startswith("<p>{{ events_total|number(")
    expect(page.locator(".tg-rd-status")).to_contain_text("未保存")
    shot(page, request, "report-designer-error")
    assert "number( }}" not in body_of(session, "city_week").body

    # fix it: the line becomes a closing sentence; saved, the mark and the message go
    page.keyboard.press("Shift+Home")
    page.keyboard.insert_text("<p>以上为本周情况。</p>")
    expect(error).to_have_count(0, timeout=10000)
    expect(marked).to_have_count(0)
    expect(frame.locator("main")).to_contain_text("以上为本周情况。", timeout=15000)
    page.keyboard.press("Control+s")
    settled(page)
    assert "以上为本周情况。" in body_of(session, "city_week").body

    # the settings drawer: a footer
    page.locator(".tg-rd-settings-open").click()
    page.locator(".tg-rd-settings input[name=footer-text]").fill("内部资料　注意保存")
    shot(page, request, "report-designer-settings")
    page.locator(".tg-rd-settings .el-drawer__close-btn").click()
    page.locator(".tg-rd-save").click()
    settled(page)
    assert body_of(session, "city_week").footer_text == "内部资料　注意保存"

    # someone else saves meanwhile: the next save is refused (412) and the designer offers to reload
    template = body_of(session, "city_week")
    reports.report_template_update(session, system, template.id, {"name": "城市运行周报（审定）"})
    session.commit()
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("<p>草稿句子</p>")
    page.keyboard.press("Control+s")
    conflict = page.locator(".tg-rd-conflict")
    expect(conflict).to_be_visible(timeout=10000)
    conflict.locator(".tg-rd-conflict-reload").click()
    expect(page.locator(".tg-rd-title h1")).to_contain_text("城市运行周报（审定）")
    expect(editor).not_to_contain_text("草稿句子")
    settled(page)

    page.locator(".tg-rd-publish").click()
    expect(page.locator(".tg-rd-state")).to_have_text("已发布")
    assert body_of(session, "city_week").state == "published"

    # 生成 PDF: queued, followed with a progress bar, then the PDF
    page.locator(".tg-rd-pdf").click()
    pdf_dialog = page.locator(".tg-rd-pdf-dialog")
    expect(pdf_dialog.locator(".tg-report-progress")).to_be_visible()
    link = pdf_dialog.locator(".tg-rd-pdf-open")
    expect(link).to_be_visible(timeout=60000)
    expect(pdf_dialog.locator(".tg-report-progress")).to_have_attribute("data-state", "succeeded")
    shot(page, request, "report-designer-pdf")
    pdf = page.request.get(f"{live_server}{link.get_attribute('href')}")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    pdf_dialog.locator(".el-dialog__headerbtn").click()

    # a published template (schedules use it) changes only when saved; the preview shows the edit first
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("<p>发布后补充的一句。</p>")
    expect(frame.locator("main")).to_contain_text("发布后补充的一句。", timeout=15000)
    assert "发布后补充" not in body_of(session, "city_week").body
    page.keyboard.press("Control+s")
    expect(page.locator(".el-message", has_text="已保存")).to_be_visible()
    settled(page)
    assert "发布后补充的一句。" in body_of(session, "city_week").body

    page.locator(".tg-rd-unpublish").click()
    page.locator(".el-message-box .el-button--danger").click()
    expect(page.locator(".tg-rd-state")).to_have_text("草稿")
    assert body_of(session, "city_week").state == "draft"


def test_the_template_list_filters_copies_and_deletes_with_if_match(page, live_server, make_user, session, system,
                                                                     request):
    for code, name, kind in (("ops_daily", "城市运行日报", "daily"), ("flood_special", "防汛专报", "special")):
        reports.report_template_create(session, system, {"code": code, "name": name, "type": kind,
                                                         "body": "<h2>一、概况</h2><p>{{ report.date|date }}</p>"})
    session.commit()
    make_user("writer", "author")
    log_in(page, live_server, "writer")
    page.goto(f"{live_server}/reports/templates")
    rows = page.locator(".tg-rt-table .el-table__row")
    expect(rows).to_have_count(2)
    page.locator(".tg-rt-q input").fill("防汛")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("专报")
    page.locator(".tg-rt-q input").fill("")
    expect(rows).to_have_count(2)

    rows.filter(has_text="ops_daily").locator(".tg-rt-copy").click()
    dialog = page.locator(".tg-rt-dialog")
    expect(dialog.locator("input[name=code]")).to_have_value("ops_daily_copy")
    dialog.locator(".tg-rt-submit").click()
    expect(rows).to_have_count(3)
    copy = rows.filter(has_text="ops_daily_copy")
    expect(copy).to_contain_text("城市运行日报（副本）")
    expect(copy).to_contain_text("草稿")
    shot(page, request, "report-templates-list")
    made = body_of(session, "ops_daily_copy")
    assert made.body == "<h2>一、概况</h2><p>{{ report.date|date }}</p>" and made.type == "daily"

    # someone changes the copy after the list was read: the delete is refused and the list reloads
    reports.report_template_update(session, system, made.id, {"name": "日报副本"})
    session.commit()
    copy.locator(".tg-rt-delete").click()
    page.locator(".el-message-box .el-button--danger").click()
    expect(page.locator(".el-message", has_text="未删除")).to_be_visible()
    expect(rows.filter(has_text="日报副本")).to_have_count(1)
    rows.filter(has_text="日报副本").locator(".tg-rt-delete").click()
    page.locator(".el-message-box .el-button--danger").click()
    expect(rows).to_have_count(2)
    session.expire_all()
    assert session.query(ReportTemplate).filter_by(code="ops_daily_copy").count() == 0
