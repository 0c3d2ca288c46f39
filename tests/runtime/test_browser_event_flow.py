"""A flow event on the event page in a real browser: each open step offers exactly the moves its
node permits (受理 may only send, 处置 may send, return, transfer and copy, 审核 may jump back), the
default lifecycle's moves are not offered, and the steps card and the timeline follow each move
to the end. Timers fire through the service, as the deadlines job would.

Screenshots land in test-artifacts/event-flow-*.png."""
import datetime as dt

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from runtime.events import service as events
from runtime.events import steps
from runtime.events.models import Event, EventStep
from runtime.flows import service as flows
from tests.browser_support import log_in
from tests.browser_support import shot as full_shot
from tongguan.db import utcnow
from tests.runtime.test_flow_runtime import hotline

pytestmark = pytest.mark.browser


def flow_event(session, catalog, people, **changes):
    """The hotline flow (with `changes` to its nodes) published and bound to 暴露垃圾 (010101), and a
    normal event of it at 受理."""
    author = people["dispatcher"]
    f = flows.flow_create(session, author, {"code": "hotline", "name": "热线工单", "draft": hotline(catalog, **changes)})
    flows.flow_publish(session, author, f.id)
    flows.flow_bind_matter(session, author, f.id, "010101")
    event, _ = events.event_report(session, author, {"channel": "hotline", "title": "路边暴露垃圾",
                                                     "matter_code": "010101", "address": "滨湖路 12 号"})
    session.commit()
    return event


def shot(page, request, name):
    page.evaluate("window.scrollTo(0, 0)")  # a scrolled page draws its sticky header mid-picture
    full_shot(page, request, name)


def switch_user(page, base, username):
    page.context.clear_cookies()
    log_in(page, base, username)


def open_step(page, node):
    return page.locator(f".tg-event-steps .tg-step.is-open[data-node={node}]")


def moves(step):
    expect(step).to_be_visible()
    return step.locator("button[data-move]").evaluate_all("bs => bs.map(b => b.dataset.move)")


def top_actions(page):
    return sorted(page.locator(".tg-event-actions button").evaluate_all("bs => bs.map(b => b.dataset.action)"))


def dialog(page, action):
    found = page.locator(f".tg-event-action-dialog[data-action={action}]")
    found.wait_for()
    return found


def fire_timer(session):
    """The wait is over (moved into the past, so that the timeline stays in order) and the deadlines
    job runs."""
    session.expire_all()
    timer = session.scalar(select(EventStep).where(EventStep.kind == "timer", EventStep.left_at.is_(None)))
    now = utcnow()
    timer.due_at = now - dt.timedelta(minutes=1)
    assert steps.tick(session, now)["timers"] == 1
    session.commit()


def test_a_flow_event_moves_step_by_step_with_only_the_moves_each_node_permits(page, live_server, session, catalog,
                                                                              people, request):
    event = flow_event(session, catalog, people)
    url = f"{live_server}/events/{event.id}"
    status = page.locator(".tg-event-header .tg-event-status")
    node = page.locator(".tg-event-header .tg-event-node")

    # 受理 (the dispatchers' role) may only send: no 退回, and none of the default lifecycle's moves.
    log_in(page, live_server, "dispatcher")
    page.goto(url)
    expect(node).to_have_text("当前环节：受理")
    expect(open_step(page, "accept")).to_contain_text("角色：指挥调度")
    assert moves(open_step(page, "accept")) == ["send"]
    expect(page.locator(".tg-event-steps button[data-move=return]")).to_have_count(0)
    assert top_actions(page) == ["cancel", "comment", "extend", "supervise", "suspend"]
    shot(page, request, "event-flow-accept")
    open_step(page, "accept").locator("button[data-move=send]").click()
    box = page.locator(".tg-send-box")
    expect(box).to_contain_text("完成环节“受理”并发送到下一环节？")
    box.locator(".el-button--primary").click()
    expect(open_step(page, "handle")).to_contain_text("市水务局")
    expect(page.locator(".tg-event-steps .tg-step[data-node=accept]")).to_contain_text("已发送")
    expect(node).to_have_text("当前环节：处置")
    expect(status).to_have_text("处置中")

    # The water department sees it in its list at 处置, with send, return, transfer and copy.
    switch_user(page, live_server, "water_h")
    page.goto(f"{live_server}/events/")
    row = page.locator(".tg-events-table .el-table__row", has_text=event.number)
    expect(row.locator(".tg-event-node")).to_have_text("处置")
    shot(page, request, "event-flow-list")
    row.locator("a.tg-event-number").click()
    page.wait_for_url(url)
    assert moves(open_step(page, "handle")) == ["send", "return", "transfer", "cc"]
    assert top_actions(page) == ["comment"]  # the ops center's own actions are not a department's
    shot(page, request, "event-flow-handle")

    # A return needs a reason; it sends the event back to 受理, out of the department's sight.
    open_step(page, "handle").locator("button[data-move=return]").click()
    box = dialog(page, "return")
    box.locator(".tg-event-action-submit").click()
    expect(box.locator(".el-form-item__error")).to_have_text("请填写理由")
    box.locator(".tg-event-comment textarea").fill("事项选错了，请重新受理")
    box.locator(".tg-event-action-submit").click()
    box.wait_for(state="hidden")
    expect(page.locator(".tg-event-gone")).to_contain_text("已退回")
    shot(page, request, "event-flow-returned-gone")

    switch_user(page, live_server, "dispatcher")
    page.goto(url)
    rows = page.locator(".tg-event-steps .tg-step")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("处置")
    expect(rows.nth(1)).to_contain_text("已退回")
    expect(rows.nth(2)).to_have_class("tg-step is-open")
    expect(rows.nth(2)).to_contain_text("受理")
    expect(page.locator(".tg-event-timeline [data-action=return]")).to_contain_text("事项选错了，请重新受理")
    expect(page.locator(".tg-event-details")).to_contain_text("退回 1 次")
    shot(page, request, "event-flow-returned")
    open_step(page, "accept").locator("button[data-move=send]").click()
    page.locator(".tg-send-box .el-button--primary").click()
    expect(open_step(page, "handle")).to_be_visible()

    # The department copies the street in, then sends: the event waits on the 回访等待 timer.
    switch_user(page, live_server, "water_h")
    page.goto(url)
    open_step(page, "handle").locator("button[data-move=cc]").click()
    box = dialog(page, "cc")
    box.locator(".tg-event-dept").click()
    page.locator(".tg-event-dept-popper:visible").get_by_text("滨湖街道", exact=True).click()
    box.locator(".tg-event-comment textarea").fill("请街道知悉")
    box.locator(".el-dialog__title").click()  # close the department list
    box.locator(".tg-event-action-submit").click()
    box.wait_for(state="hidden")
    expect(page.locator(".tg-event-timeline [data-action=cc]")).to_contain_text("请街道知悉")
    open_step(page, "handle").locator("button[data-move=send]").click()
    page.locator(".tg-send-box .el-button--primary").click()
    timer = open_step(page, "wait")
    expect(timer).to_contain_text("定时等待")
    expect(timer).to_contain_text("等待至")
    expect(timer.locator("button")).to_have_count(0)
    expect(page.locator(".tg-steps-none")).to_be_visible()
    shot(page, request, "event-flow-timer")

    # The wait is over: 审核 may send, return or jump back to 处置, but not transfer or copy.
    fire_timer(session)
    switch_user(page, live_server, "dispatcher")
    page.goto(url)
    assert moves(open_step(page, "review")) == ["send", "return", "jump"]
    expect(page.locator(".tg-event-timeline [data-action=timer]")).to_contain_text("回访等待")
    open_step(page, "review").locator("button[data-move=jump]").click()
    box = dialog(page, "jump")
    box.locator(".tg-event-action-submit").click()
    expect(box.locator(".el-form-item__error")).to_have_text("请选择要跳转到的环节")
    box.locator(".tg-event-target").click()
    page.locator(".tg-event-target-popper:visible").get_by_text("处置", exact=True).click()
    box.locator(".tg-event-comment textarea").fill("回访不满意")
    shot(page, request, "event-flow-jump-dialog")
    box.locator(".tg-event-action-submit").click()
    box.wait_for(state="hidden")
    expect(open_step(page, "handle")).to_contain_text("市水务局")
    expect(page.locator(".tg-event-steps .tg-step[data-node=review]")).to_contain_text("已跳转")
    expect(page.locator(".tg-event-timeline [data-action=jump]")).to_contain_text("回访不满意")

    # On to the end: the ops center may act on any step.
    open_step(page, "handle").locator("button[data-move=send]").click()
    page.locator(".tg-send-box .el-button--primary").click()
    expect(open_step(page, "wait")).to_be_visible()
    fire_timer(session)
    page.reload()
    open_step(page, "review").locator("button[data-move=send]").click()
    page.locator(".tg-send-box .el-button--primary").click()
    expect(status).to_have_text("已办结")
    expect(page.locator(".tg-event-steps .tg-step.is-open")).to_have_count(0)
    expect(node).to_have_count(0)
    assert top_actions(page) == ["comment", "reopen"]
    shot(page, request, "event-flow-closed")

    session.expire_all()
    done = session.get(Event, event.id)
    assert (done.status, done.returns, done.node_names) == ("closed", 1, "")
    trail = [a.action for a in events.event_timeline(session, people["dispatcher"], event.id)]
    assert {"flow", "step", "send", "return", "cc", "timer", "jump"} <= set(trail) and trail[-1] == "send"
    for move in ("accept", "take", "submit", "approve"):
        assert move not in trail[2:]  # the default lifecycle made no move after intake's 自动受理


def test_the_ops_center_routes_a_step_by_hand(page, live_server, session, catalog, people, request):
    event = flow_event(session, catalog, people, handle={"routing": "manual"})
    events.event_act(session, people["dispatcher"], event.id, "send", {})
    session.commit()

    log_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/events/{event.id}")
    step = open_step(page, "handle")
    expect(step).to_contain_text("待人工分拨")
    expect(page.locator(".tg-event-header .tg-event-status")).to_have_text("已受理")
    assert moves(step) == ["dispatch", "send", "return", "transfer", "cc"]
    step.locator("button[data-move=dispatch]").click()
    box = dialog(page, "dispatch")
    expect(box.locator(".el-input-number")).to_have_count(0)  # the node has its own time limit
    box.locator(".tg-event-action-submit").click()
    expect(box.locator(".el-form-item__error")).to_have_text("请选择处置部门")
    box.locator(".tg-event-dept").click()
    page.locator(".tg-event-dept-popper:visible").get_by_text("滨湖街道", exact=True).click()
    shot(page, request, "event-flow-dispatch-dialog")
    box.locator(".tg-event-action-submit").click()
    box.wait_for(state="hidden")
    expect(step).to_contain_text("滨湖街道")
    assert moves(step) == ["send", "return", "transfer", "cc"]  # routed: no more 分拨
    expect(page.locator(".tg-event-header .tg-event-status")).to_have_text("处置中")
    expect(page.locator(".tg-event-dispatches")).to_contain_text("人工分拨")
    shot(page, request, "event-flow-dispatched")

    switch_user(page, live_server, "street_h")  # the street now has it, without 分拨
    page.goto(f"{live_server}/events/{event.id}")
    assert moves(open_step(page, "handle")) == ["send", "return", "transfer", "cc"]
    session.expire_all()
    assert session.get(Event, event.id).department_id == catalog["street"].id
