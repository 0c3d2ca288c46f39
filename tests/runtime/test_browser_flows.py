"""The flow designer (流程设计器) in a real browser: an author creates a flow, drags its nodes from the
palette, connects them handle to handle, sets a gateway's condition, sees the check mark the
gateway that lacks a default edge, fixes it, saves, publishes, and steps an urgent sample event
through the published flow down the urgent branch.

Screenshots land in test-artifacts/flows-*.png."""
import re

import pytest
from playwright.sync_api import expect

from runtime.flows.models import Flow, FlowVersion
from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


def canvas_point(page, fx, fy):
    box = page.locator(".tg-flow-canvas").bounding_box()
    return {"x": box["width"] * fx, "y": box["height"] * fy}


def drop(page, kind, fx, fy):
    """Drag a node type from the palette onto the canvas at a fraction of its size."""
    page.locator(f".tg-flow-palette-item[data-type={kind}]").drag_to(
        page.locator(".tg-flow-canvas"), target_position=canvas_point(page, fx, fy))


def node(page, node_id):
    return page.locator(f".vue-flow__node[data-id='{node_id}']")


def centre(locator):
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def drag_node(page, node_id, fx, fy):
    x, y = centre(node(page, node_id))
    box = page.locator(".tg-flow-canvas").bounding_box()
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy, steps=12)
    page.mouse.up()


def connect(page, source, target):
    """Drag from the source node's bottom handle to the target node's top handle."""
    sx, sy = centre(node(page, source).locator(".vue-flow__handle.source"))
    tx, ty = centre(node(page, target).locator(".vue-flow__handle.target"))
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move((sx + tx) / 2, (sy + ty) / 2, steps=8)
    page.mouse.move(tx, ty, steps=8)
    page.mouse.up()


def choose(page, select, option):
    """Pick an option of an Element Plus select (its dropdown lives at the end of <body>)."""
    select.click()
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def panel(page):
    return page.locator(".tg-flow-side")


def fill_task(page, name, assign_kind, assign_value=None):
    side = panel(page)
    side.locator(".tg-flow-name input").fill(name)
    choose(page, side.locator(".tg-flow-assign-kind"), assign_kind)
    if assign_value:
        choose(page, side.locator(".tg-flow-assign-value"), assign_value)


def test_draw_check_publish_and_debug_a_flow_with_a_gateway(page, live_server, make_user, session, request):
    make_user("designer", "author")
    log_in(page, live_server, "designer")

    page.goto(f"{live_server}/flows/")
    expect(page.locator(".tg-page-header h1")).to_have_text("流程")
    page.locator(".tg-flow-new").click()
    dialog = page.locator(".tg-flow-create")
    dialog.locator("input[name=code]").fill("road_flooding")
    dialog.locator("input[name=name]").fill("道路积水处置")
    shot(page, request, "flows-create")
    dialog.locator(".tg-flow-create-submit").click()
    page.wait_for_url(re.compile(r".*/flows/\d+$"))
    expect(page.locator(".tg-flow-title h1")).to_contain_text("道路积水处置")
    expect(node(page, "start")).to_be_visible()
    expect(node(page, "end")).to_be_visible()

    # lay out: start at the top, end at the bottom, the rest dragged in from the palette between
    drag_node(page, "start", 0.5, 0.07)
    drag_node(page, "end", 0.5, 0.92)
    drop(page, "task", 0.5, 0.24)
    expect(node(page, "t1")).to_be_visible()
    fill_task(page, "受理", "角色", "指挥调度")
    expect(node(page, "t1")).to_contain_text("受理")
    expect(node(page, "t1")).to_contain_text("角色：指挥调度")

    drop(page, "exclusive", 0.5, 0.42)
    panel(page).locator(".tg-flow-name input").fill("是否紧急")
    drop(page, "task", 0.25, 0.66)
    fill_task(page, "紧急处置", "角色", "处置人员")
    drop(page, "task", 0.75, 0.66)
    fill_task(page, "常规处置", "按权责清单")

    connect(page, "start", "t1")
    connect(page, "t1", "g1")
    connect(page, "g1", "t2")
    # a new edge out of a gateway opens at once, asking for its condition
    expect(panel(page).locator(".tg-flow-edge-panel")).to_be_visible()
    panel(page).locator(".tg-flow-condition textarea").fill("priority in ['urgent','critical']")
    connect(page, "g1", "t3")
    connect(page, "t2", "end")
    # the side panel can connect too, without dragging
    node(page, "t3").click()
    choose(page, panel(page).locator(".tg-flow-connect"), "结束")
    expect(page.locator(".vue-flow__edge")).to_have_count(6)
    shot(page, request, "flows-drawn")

    # the gateway has no default edge yet: the check says so and marks it
    page.locator(".tg-flow-check").click()
    problems = panel(page).locator(".tg-flow-problems li")
    expect(problems.first).to_be_visible()
    expect(panel(page).locator(".tg-flow-problems")).to_contain_text("默认连线")
    expect(node(page, "g1").locator(".tg-flow-node")).to_have_class(re.compile(r"\bproblem\b"))
    expect(node(page, "t2").locator(".tg-flow-node")).not_to_have_class(re.compile(r"\bproblem\b"))
    shot(page, request, "flows-check-fault")

    # clicking the problem selects the gateway; from its outgoing edges, make 常规处置 the default
    problems.filter(has_text="默认连线").first.click()
    expect(panel(page).locator(".tg-flow-node-panel[data-node=g1]")).to_be_visible()
    panel(page).locator(".tg-flow-out li", has_text="常规处置").click()
    panel(page).locator(".tg-flow-default").click()
    expect(page.locator(".vue-flow__edge-text", has_text="默认")).to_be_visible()
    page.locator(".tg-flow-check").click()
    expect(panel(page).locator(".el-result")).to_contain_text("检查通过")
    expect(page.locator(".tg-flow-node.problem")).to_have_count(0)

    page.locator(".tg-flow-save").click()
    expect(page.locator(".tg-flow-title p")).to_contain_text("已保存")
    expect(page.locator(".tg-flow-save")).to_be_disabled()

    page.locator(".tg-flow-publish").click()
    publish = page.locator(".tg-flow-publish-dialog")
    publish.locator(".tg-flow-publish-note textarea").fill("首次发布")
    shot(page, request, "flows-publish")
    publish.locator(".tg-flow-publish-confirm").click()
    expect(page.locator(".tg-flow-published")).to_have_text("已发布 v1")

    session.expire_all()
    flow = session.query(Flow).filter_by(code="road_flooding").one()
    version = session.query(FlowVersion).filter_by(flow_id=flow.id).one()
    assert version.note == "首次发布"
    doc = version.document
    assert {n["id"]: n["type"] for n in doc["nodes"]} == {
        "start": "start", "end": "end", "t1": "task", "g1": "exclusive", "t2": "task", "t3": "task"}
    t1 = next(n for n in doc["nodes"] if n["id"] == "t1")
    assert t1["assign"] == {"kind": "role", "value": "dispatcher"} and t1["name"] == "受理"
    assert all(isinstance(n["position"]["x"], int) for n in doc["nodes"])
    gateway_edges = {e["to"]: e for e in doc["edges"] if e["from"] == "g1"}
    assert gateway_edges["t2"]["condition"] == "priority in ['urgent','critical']"
    assert gateway_edges["t3"].get("default") is True

    # 试运行: an urgent sample event, step by step, down the urgent branch to the end
    panel(page).locator(".el-tabs__item", has_text="试运行").click()
    choose(page, panel(page).locator(".tg-flow-debug-priority"), "紧急")
    panel(page).locator(".tg-flow-debug-start").click()
    step = panel(page).locator(".tg-flow-step[data-node=t1]")
    expect(step).to_contain_text("受理")
    expect(node(page, "t1").locator(".tg-flow-node")).to_have_class(re.compile(r"\bopen\b"))
    step.locator("button[data-move=send]").click()
    step = panel(page).locator(".tg-flow-step[data-node=t2]")
    expect(step).to_contain_text("紧急处置")
    expect(node(page, "t2").locator(".tg-flow-node")).to_have_class(re.compile(r"\bopen\b"))
    shot(page, request, "flows-debug-step")
    step.locator(".el-input-number input").fill("30")
    step.locator("button[data-move=send]").click()
    expect(panel(page).locator(".tg-flow-debug-status")).to_contain_text("已到达结束")
    path = panel(page).locator(".tg-flow-debug-path")
    expect(path).to_contain_text("紧急处置")
    expect(path).not_to_contain_text("常规处置")
    expect(node(page, "t2").locator(".tg-flow-node")).to_have_class(re.compile(r"\bpassed\b"))
    expect(node(page, "t3").locator(".tg-flow-node")).not_to_have_class(re.compile(r"\bpassed\b"))
    expect(panel(page).locator(".tg-flow-debug-history")).to_contain_text("紧急处置")
    shot(page, request, "flows-debug-end")

    # 模拟: a thousand random events; both branches are taken
    panel(page).locator(".el-tabs__item", has_text="模拟").click()
    panel(page).locator(".tg-flow-sim-run").click()
    paths = panel(page).locator(".tg-flow-sim-paths")
    expect(paths.locator(".el-table__row").first).to_be_visible()
    expect(paths).to_contain_text("受理 → 紧急处置")
    expect(paths).to_contain_text("受理 → 常规处置")
    expect(panel(page).locator(".tg-flow-sim-nodes")).to_contain_text("常规处置")
    expect(node(page, "t3").locator(".tg-flow-heat")).to_be_visible()
    shot(page, request, "flows-simulate")

    page.locator(".tg-flow-back").click()
    page.wait_for_url(f"{live_server}/flows/")
    row = page.locator(".tg-flows-table .el-table__row", has_text="road_flooding")
    expect(row).to_contain_text("道路积水处置")
    expect(row).to_contain_text("已发布 v1")
    shot(page, request, "flows-list")


def test_delete_asks_and_undo_brings_it_back(page, live_server, make_user, request):
    make_user("designer", "dispatcher")
    log_in(page, live_server, "designer")
    page.goto(f"{live_server}/flows/")
    page.locator(".tg-flow-new").click()
    dialog = page.locator(".tg-flow-create")
    dialog.locator("input[name=code]").fill("return_visit")
    dialog.locator("input[name=name]").fill("回访")
    dialog.locator(".tg-flow-create-submit").click()
    page.wait_for_url(re.compile(r".*/flows/\d+$"))

    page.locator(".tg-flow-palette-item[data-type=timer]").click()  # click-to-add
    expect(node(page, "w1")).to_contain_text("等待")
    expect(panel(page).locator(".tg-flow-node-panel[data-node=w1]")).to_be_visible()
    page.locator(".vue-flow__pane").click(position={"x": 20, "y": 20})
    node(page, "w1").click()
    page.keyboard.press("Delete")
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    expect(node(page, "w1")).to_have_count(0)
    page.locator(".tg-flow-undo").click()
    expect(node(page, "w1")).to_be_visible()
    expect(page.locator(".tg-flow-title p")).to_contain_text("有未保存的修改")
