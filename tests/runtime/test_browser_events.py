"""The event pages (我的待办 / 指挥中心 and the event page) in a real browser: a department takes and
submits an event, the operations center returns and approves it, dispatches from the manual queue,
and a page acting on a stale event is told so and changes nothing.

Screenshots land in test-artifacts/events-*.png."""
import re

import pytest
from playwright.sync_api import expect

from runtime.events import service as events
from runtime.events.models import Event
from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


def report(session, actor, **extra):
    data = {"title": "路边垃圾堆积", "channel": "grid", "matter_code": "010101", "address": "滨湖路 12 号",
            "reporter_name": "王小明", "reporter_phone": "13812345678", "longitude": 120.123456,
            "latitude": 30.654321, **extra}
    event, _ = events.event_report(session, actor, data)
    session.commit()
    return event


def switch_user(page, base, username):
    page.context.clear_cookies()
    log_in(page, base, username)


def row_of(page, number):
    return page.locator(".tg-events-table .el-table__row", has_text=number)


def act(page, action, comment=None):
    """Click an action's button; fill and send its dialog when it has one."""
    page.locator(f".tg-event-actions button[data-action={action}]").click()
    if comment is not None:
        dialog = page.locator(f".tg-event-action-dialog[data-action={action}]")
        dialog.wait_for()
        dialog.locator(".tg-event-comment textarea").fill(comment)
        dialog.locator(".tg-event-action-submit").click()
        dialog.wait_for(state="hidden")


def status(page):
    return page.locator(".tg-event-header .tg-event-status")


def test_a_department_takes_and_submits_and_the_ops_center_returns_and_approves(page, live_server, session, catalog,
                                                                                people, request):
    event = report(session, people["reporter"])
    report(session, people["reporter"], matter_code="", title="不明情况")  # waits in the manual queue

    log_in(page, live_server, "water_h")
    page.locator("nav.tg-nav a", has_text="事件").click()
    page.wait_for_url(f"{live_server}/events/")
    expect(page.locator(".tg-page-header h1")).to_have_text("我的待办")
    row = row_of(page, event.number)
    expect(row).to_contain_text("路边垃圾堆积")
    expect(row).to_contain_text("暴露垃圾")
    expect(row).to_contain_text("网格巡查")
    expect(row.locator(".tg-event-status")).to_have_text("已分拨")
    expect(row).to_contain_text("市水务局")
    expect(row.locator(".tg-event-left")).to_contain_text("剩余")
    expect(page.locator(".tg-events-table .el-table__row")).to_have_count(1)  # the queued one is not theirs
    expect(page.locator("[data-count=queue]")).to_have_count(0)
    shot(page, request, "events-todo")

    row.locator("a.tg-event-number").click()
    page.wait_for_url(f"{live_server}/events/{event.id}")
    expect(status(page)).to_have_text("已分拨")
    expect(page.locator(".tg-event-reporter")).not_to_have_text("王小明")  # masked for a department
    expect(page.locator(".tg-event-phone")).not_to_contain_text("12345678")
    expect(page.locator(".tg-event-details")).to_contain_text("120.123456, 30.654321")
    expect(page.locator(".tg-event-dispatches")).to_contain_text("按权责清单")
    buttons = page.locator(".tg-event-actions button")
    expect(buttons.first).to_be_visible()
    shown = sorted(buttons.evaluate_all("bs => bs.map(b => b.dataset.action)"))
    assert shown == sorted(["refuse", "take", "transfer", "return", "cc", "comment"])  # no 作废, no 审核通过
    expect(page.locator(".tg-event-actions button[data-action=cancel]")).to_have_count(0)

    act(page, "take")
    expect(status(page)).to_have_text("处置中")
    act(page, "submit", "已清运完毕")
    expect(status(page)).to_have_text("待审核")
    expect(page.locator(".tg-event-actions button[data-action=cc]")).to_be_visible()
    expect(page.locator(".tg-event-actions button[data-action=approve]")).to_have_count(0)  # the ops center's
    expect(page.locator(".tg-event-timeline [data-action=submit]")).to_contain_text("已清运完毕")
    shot(page, request, "events-submitted")

    switch_user(page, live_server, "dispatcher")
    page.goto(f"{live_server}/events/")
    expect(page.locator(".tg-page-header h1")).to_have_text("指挥中心")
    expect(page.locator("[data-count=queue] b")).to_have_text("1")
    expect(page.locator("[data-count=overdue] b")).to_have_text("0")
    row = row_of(page, event.number)  # under review: the ops center's to-do
    expect(row.locator(".tg-event-status")).to_have_text("待审核")
    shot(page, request, "events-ops-center")
    row.locator("a.tg-event-number").click()
    page.wait_for_url(f"{live_server}/events/{event.id}")
    expect(page.locator(".tg-event-reporter")).to_have_text("王小明")
    expect(page.locator(".tg-event-actions button[data-action=cancel]")).to_be_visible()

    # A reason is required to return.
    page.locator(".tg-event-actions button[data-action=return]").click()
    dialog = page.locator(".tg-event-action-dialog[data-action=return]")
    dialog.locator(".tg-event-action-submit").click()
    expect(dialog.locator(".el-form-item__error")).to_have_text("请填写理由")
    dialog.locator(".tg-event-comment textarea").fill("照片不清楚")
    dialog.locator(".tg-event-action-submit").click()
    dialog.wait_for(state="hidden")
    expect(status(page)).to_have_text("处置中")
    expect(page.locator(".tg-event-timeline [data-action=return]")).to_contain_text("照片不清楚")

    session.expire_all()  # the page changed it
    events.event_act(session, people["water"], event.id, "submit", {"comment": "补充照片"})
    session.commit()
    page.reload()
    expect(status(page)).to_have_text("待审核")
    act(page, "approve", "处置到位")
    expect(status(page)).to_have_text("已办结")
    expect(page.locator(".tg-event-timeline [data-action=approve]")).to_contain_text("审核通过")
    shot(page, request, "events-closed")

    session.expire_all()
    assert session.get(Event, event.id).status == "closed"
    actions = [a.action for a in events.event_timeline(session, people["dispatcher"], event.id)]
    assert actions == ["report", "accept", "dispatch", "take", "submit", "return", "submit", "approve"]


def test_the_ops_center_dispatches_from_the_manual_queue_and_supervises_in_a_batch(page, live_server, session,
                                                                                   catalog, people, request):
    queued = report(session, people["reporter"], matter_code="", title="不明情况")
    other = report(session, people["reporter"], matter_code="", title="路灯不亮", address="望月路 3 号")
    log_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/events/")
    expect(page.locator("[data-count=queue] b")).to_have_text("2")
    page.locator("[data-count=queue]").click()
    expect(page.locator(".tg-events-queue")).to_have_class(re.compile("is-checked"))
    expect(page.locator(".tg-events-table .el-table__row")).to_have_count(2)
    row = row_of(page, queued.number)
    expect(row).to_contain_text("待分拨")
    row.locator("a.tg-event-number").click()
    page.wait_for_url(f"{live_server}/events/{queued.id}")
    expect(page.locator(".tg-event-timeline [data-action=queue]")).to_contain_text("进入人工分拨队列")

    page.locator(".tg-event-actions button[data-action=dispatch]").click()
    dialog = page.locator(".tg-event-action-dialog[data-action=dispatch]")
    dialog.locator(".tg-event-action-submit").click()
    expect(dialog.locator(".el-form-item__error")).to_have_text("请选择处置部门")
    dialog.locator(".tg-event-dept").click()
    page.locator(".tg-event-dept-popper:visible").get_by_text("市水务局", exact=True).click()
    dialog.locator(".el-input-number input").fill("3")
    dialog.locator(".tg-event-comment textarea").fill("路灯归口不明，先交水务局")
    shot(page, request, "events-dispatch-dialog")
    dialog.locator(".tg-event-action-submit").click()
    dialog.wait_for(state="hidden")
    expect(status(page)).to_have_text("已分拨")
    expect(page.locator(".tg-event-dept-name")).to_have_text("市水务局")
    expect(page.locator(".tg-event-header .tg-event-left")).to_contain_text("剩余")
    expect(page.locator(".tg-event-dispatches")).to_contain_text("路灯归口不明，先交水务局")
    session.expire_all()
    moved = session.get(Event, queued.id)
    assert moved.status == "dispatched" and moved.department_id == catalog["water"].id
    assert moved.dispatch_mode == "manual" and moved.time_limit == 3 and moved.deadline_at is not None

    # Batch supervision of both (one is no longer in the queue, which does not matter for 督办).
    page.goto(f"{live_server}/events/")
    page.locator(".tg-events-tabs").get_by_text("全部").click()
    for event in (queued, other):
        row_of(page, event.number).locator(".el-checkbox").click()
    page.get_by_role("button", name="批量督办").click()
    dialog = page.locator(".tg-event-action-dialog[data-action=supervise]")
    expect(dialog.locator(".el-dialog__title")).to_have_text("批量督办（2 个事件）")
    dialog.locator(".tg-event-comment textarea").fill("请加快处置")
    dialog.locator(".tg-event-action-submit").click()
    summary = page.locator(".tg-events-summary")
    expect(summary).to_contain_text("成功 2 个，失败 0 个。")
    shot(page, request, "events-batch")
    session.expire_all()
    assert session.get(Event, queued.id).supervised and session.get(Event, other.id).supervised


def test_a_stale_page_is_told_and_changes_nothing(page, live_server, session, catalog, people, request):
    event = report(session, people["reporter"])
    log_in(page, live_server, "water_h")
    page.goto(f"{live_server}/events/{event.id}")
    expect(status(page)).to_have_text("已分拨")

    # The ops center supervises it meanwhile: the page's version is stale.
    session.expire_all()
    events.event_act(session, people["dispatcher"], event.id, "supervise", {"comment": "抓紧"})
    session.commit()
    page.locator(".tg-event-actions button[data-action=take]").click()
    page.locator(".el-message--error", has_text="该记录已被他人修改，请刷新后重试").wait_for()
    expect(page.locator(".tg-event-supervised")).to_be_visible()  # reloaded: the newer event shows
    expect(status(page)).to_have_text("已分拨")
    shot(page, request, "events-stale")
    session.expire_all()
    fresh = session.get(Event, event.id)
    assert fresh.status == "dispatched" and fresh.assignee_id is None
    assert [a.action for a in events.event_timeline(session, people["dispatcher"], event.id)][-1] == "supervise"


def test_the_ops_center_decides_a_refusal_and_merges_a_duplicate(page, live_server, session, catalog, people,
                                                                  request):
    event = report(session, people["reporter"])
    again = report(session, people["reporter"], channel="hotline", title="滨湖路垃圾没人清")  # same place and matter
    events.event_act(session, people["water"], event.id, "refuse", {"comment": "不属于本局职责"})
    session.commit()

    log_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/events/{event.id}")
    expect(status(page)).to_have_text("已受理")
    refusal = page.locator(".tg-event-refusal")
    expect(refusal).to_contain_text("不属于本局职责")
    expect(refusal).to_contain_text("待认定")
    refusal.get_by_role("button", name="认定有责").click()
    box = page.locator(".tg-judge-box")
    box.locator("input").fill("确属分拨错误")
    box.get_by_role("button", name="确定").click()
    expect(refusal.locator(".el-tag")).to_have_text("有责")
    expect(refusal.get_by_role("button", name="认定有责")).to_have_count(0)
    expect(page.locator(".tg-event-timeline [data-action=refusal_upheld]")).to_contain_text("确属分拨错误")

    duplicates = page.locator(".tg-event-duplicates")
    expect(duplicates).to_contain_text(again.number)
    shot(page, request, "events-refusal-duplicates")
    duplicates.locator(".tg-merge-here").click()
    page.locator(".tg-merge-box").get_by_role("button", name="合并").click()
    page.locator(".el-message", has_text=f"已合并到 {event.number}").wait_for()
    expect(page.locator(".tg-event-duplicates")).to_have_count(0)
    expect(page.locator(".tg-event-timeline [data-action=merge]", has_text="合并了重复上报")).to_contain_text(again.number)
    expect(page.locator(".tg-event-timeline [data-action=merge]", has_text="合并的上报")).to_contain_text(event.number)
    shot(page, request, "events-merged")
    session.expire_all()
    assert session.get(Event, again.id).merged_into_id == event.id
    assert session.get(Event, event.id).refusals_upheld == 1
