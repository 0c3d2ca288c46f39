"""The app designer (应用设计器) in a real browser: an operator creates a big screen in the app list,
drags a bar chart onto it, titles it, binds it to an indicator by district and sees the preview,
saves (the revision shows in the history), undoes and redoes, and publishes; two editors save the
same page and the second one's 「合并」 keeps both changes.

Screenshots land in test-artifacts/designer-*.png."""
import re

import pytest
from playwright.sync_api import expect

from builder import pages, service as apps
from builder.models import App, AppPage
from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


def ready(page):
    expect(page.locator(".tg-designer[data-ready=true]")).to_be_visible()


def cards(page):
    return page.locator(".tg-designer-stage .tg-designer-card")


def choose(page, select, option):
    """Pick an option of an Element Plus select (its dropdown lives at the end of <body>)."""
    select.locator(".el-select__wrapper").click()
    page.locator(".el-select__popper:visible .el-select-dropdown__item", has_text=option).first.click()


def test_an_operator_designs_binds_saves_and_publishes_a_big_screen(page, live_server, make_user, city_data,
                                                                    session, request):
    make_user("operator", "author")
    log_in(page, live_server, "operator")
    page.goto(f"{live_server}/builder")
    page.locator(".tg-app-new").click()
    dialog = page.locator(".tg-app-create")
    dialog.get_by_text("大屏", exact=True).click()
    dialog.locator("input[name=code]").fill("flood_screen")
    dialog.locator("input[name=name]").fill("防汛大屏")
    shot(page, request, "designer-create")
    dialog.locator(".tg-app-create-submit").click()
    page.wait_for_url(re.compile(r".*/builder/apps/\d+"))
    ready(page)
    expect(page.locator(".tg-designer-palette-group[data-category=chart]")).to_contain_text("柱状图")

    # the palette's search narrows the list; drag a bar chart onto the canvas
    page.locator(".tg-designer-palette-q input").fill("柱状")
    expect(page.locator(".tg-designer-palette-item")).to_have_count(1)
    stage = page.locator(".tg-designer-stage")
    box = stage.bounding_box()
    page.locator(".tg-designer-palette-item[data-type='chart.bar@1']").drag_to(
        page.locator(".tg-designer-canvas"), target_position={"x": box["width"] * 0.3 + 16, "y": box["height"] * 0.3 + 16})
    expect(cards(page)).to_have_count(1)
    side = page.locator(".tg-designer-side")
    side.locator(".tg-designer-title input").fill("各区事件数")
    expect(cards(page).first).to_contain_text("各区事件数")

    # bind it: indicator 事件数 by district; the preview draws it through CardView
    side.get_by_role("tab", name="数据").click()
    side.locator(".tg-binding-kind").get_by_text("指标").click()
    choose(page, side.locator(".tg-binding-indicator"), "事件数")
    page.keyboard.press("Escape")
    choose(page, side.locator(".tg-binding-by"), "district")
    expect(cards(page).first.locator(".tg-vega-canvas canvas, .tg-vega-canvas svg").first).to_be_visible(timeout=15000)
    page.wait_for_timeout(500)
    shot(page, request, "designer-bound")
    preview_bars = cards(page).first.locator("svg .mark-rect path")
    expect(preview_bars).to_have_count(3)
    previewed = sorted(preview_bars.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))"))
    assert any("江东区" in label and "3" in label for label in previewed)

    page.keyboard.press("Control+s")
    expect(page.locator(".el-message", has_text="已保存为第 2 版")).to_be_visible()
    expect(page.locator(".tg-designer[data-dirty]")).to_have_count(0)
    page.locator(".tg-designer-history-open").click()
    history = page.locator(".tg-designer-history")
    expect(history.locator(".tg-history-item")).to_have_count(2)
    history.locator(".tg-history-item[data-number='2'] .tg-history-diff").click()
    expect(history.locator(".tg-history-diffbox")).to_contain_text("各区事件数")
    shot(page, request, "designer-history")
    history.locator(".el-drawer__close-btn").click()

    # Delete removes without asking; undo brings it back, redo removes it again, undo once more
    cards(page).first.click()
    page.keyboard.press("Delete")
    expect(cards(page)).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(cards(page)).to_have_count(1)
    page.keyboard.press("Control+Shift+z")
    expect(cards(page)).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(cards(page)).to_have_count(1)
    expect(page.locator(".tg-designer[data-dirty]")).to_have_count(0)

    page.locator(".tg-designer-publish").click()
    page.locator(".tg-designer-publish-confirm").click()
    expect(page.locator(".el-message", has_text="已发布第 1 版")).to_be_visible()
    expect(page.locator(".tg-designer-published")).to_be_visible()
    page.goto(f"{live_server}/builder")
    row = page.locator(".tg-apps-table .el-table__row", has_text="flood_screen")
    expect(row).to_contain_text("已发布")
    expect(row.locator(".tg-app-run")).to_have_attribute("href", "/run/flood_screen")
    shot(page, request, "designer-app-list")
    app = session.query(App).filter_by(code="flood_screen").one()
    assert app.state == "published"
    document = session.query(AppPage).filter_by(app_id=app.id).one().document
    assert document["layout"] == "free" and document["theme"] == "dark"
    [card] = document["cards"]
    assert card["type"] == "chart.bar@1" and card["title"] == "各区事件数"
    assert card["binding"] == {"indicator": "events", "by": "district"}

    # the published big screen shows the same bars as the preview did
    page.goto(f"{live_server}/run/flood_screen")
    run_bars = page.locator(f".tg-cv[data-card='{card['id']}'] svg .mark-rect path")
    expect(run_bars).to_have_count(3, timeout=15000)
    assert sorted(run_bars.evaluate_all("els => els.map(e => e.getAttribute('aria-label'))")) == previewed
    page.wait_for_timeout(300)
    shot(page, request, "designer-run")


def test_the_second_editors_stale_save_merges_and_keeps_both_changes(page, browser, live_server, make_user, session,
                                                                     system, request):
    make_user("alice", "author")
    make_user("bob", "author")
    app = apps.app_create(session, system, {"code": "ops_page", "name": "运行概览", "kind": "page"})
    found = pages.app_page_create(session, system, app.id, {"code": "main", "name": "首页", "document": {
        "layout": "grid", "theme": "light", "params": [],
        "cards": [{"id": "c1", "type": "chart.bar@1", "x": 0, "y": 0, "w": 12, "h": 6, "title": "概览"}]}})
    session.commit()

    other = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN")
    bob = other.new_page()
    errors = []
    bob.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        for tab, who in ((page, "alice"), (bob, "bob")):
            log_in(tab, live_server, who)
            tab.goto(f"{live_server}/builder/apps/{app.id}")
            ready(tab)

        # alice retitles the card and saves first
        cards(page).first.click()
        page.locator(".tg-designer-side .tg-designer-title input").fill("甲改的标题")
        page.keyboard.press("Control+s")
        expect(page.locator(".el-message", has_text="已保存")).to_be_visible()

        # bob, still on the version he opened, adds a metric card and saves: 412, then 合并
        bob.locator(".tg-designer-palette-item[data-type='metric.card@1']").click()
        expect(cards(bob)).to_have_count(2)
        bob.locator(".tg-designer-side .tg-designer-title input").fill("乙加的指标卡")
        bob.keyboard.press("Control+s")
        conflict = bob.locator(".tg-designer-conflict")
        expect(conflict).to_contain_text("alice 已于")
        bob.wait_for_timeout(400)  # the dialog fades in
        shot(bob, request, "designer-conflict")
        conflict.locator(".tg-designer-conflict-merge").click()
        expect(bob.locator(".el-message", has_text="已合并对方的修改并保存")).to_be_visible()
        expect(cards(bob).first).to_contain_text("甲改的标题")
        expect(cards(bob)).to_have_count(2)
        shot(bob, request, "designer-merged")
        assert errors == [], f"JavaScript errors: {errors}"
    finally:
        other.close()

    session.expire_all()
    document = session.get(AppPage, found.id).document
    by_id = {c["id"]: c for c in document["cards"]}
    assert by_id["c1"]["title"] == "甲改的标题"
    assert [c["title"] for c in document["cards"] if c["type"] == "metric.card@1"] == ["乙加的指标卡"]


def test_two_cards_saved_as_a_composite_are_dropped_back_with_their_bindings_as_one_undo_step(
        page, live_server, make_user, session, system, request):
    make_user("operator", "author")
    app = apps.app_create(session, system, {"code": "ops_screen", "name": "城运大屏", "kind": "screen"})
    found = pages.app_page_create(session, system, app.id, {"code": "main", "name": "首页", "document": {
        "layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark", "params": [], "cards": [
            {"id": "c1", "type": "chart.bar@1", "x": 100, "y": 100, "w": 600, "h": 400, "title": "各区事件",
             "binding": {"indicator": "events", "by": "district"}},
            {"id": "c2", "type": "metric.number@1", "x": 760, "y": 140, "w": 300, "h": 160, "title": "今日事件",
             "binding": {"indicator": "events", "window": "24h"}}]}})
    session.commit()
    log_in(page, live_server, "operator")
    page.goto(f"{live_server}/builder/apps/{app.id}")
    ready(page)

    # select both cards and save them as a composite
    cards(page).nth(0).click()
    cards(page).nth(1).click(modifiers=["Shift"])
    side = page.locator(".tg-designer-side")
    expect(side).to_contain_text("已选 2 个卡片")
    side.locator(".tg-designer-save-composite").click()
    dialog = page.locator(".tg-designer-composite-dialog")
    dialog.locator("input[name=name]").fill("区事件组合")
    dialog.locator("input[name=code]").fill("district_events")
    page.wait_for_timeout(300)  # the dialog fades in
    shot(page, request, "designer-composite-save")
    dialog.locator(".tg-designer-composite-submit").click()
    expect(page.locator(".el-message", has_text="已保存组合组件")).to_be_visible()

    # the palette lists it under 组合组件, and its search finds it
    item = page.locator(".tg-designer-palette-composite[data-composite=district_events]")
    expect(page.locator(".tg-designer-palette-group[data-category=composite]")).to_contain_text("区事件组合")
    page.locator(".tg-designer-palette-q input").fill("区事件")
    expect(item).to_be_visible()
    expect(page.locator(".tg-designer-palette-item[data-type]")).to_have_count(0)

    # drag it onto the canvas: both cards arrive around the drop point, as they were to each other
    page.keyboard.press("Escape")
    canvas = page.locator(".tg-designer-canvas").bounding_box()
    stage = page.locator(".tg-designer-stage").bounding_box()
    scale = stage["width"] / 1920
    at = (1200, 600)  # page pixels; the group (960×400) is centred there: top-left (720, 400)
    item.drag_to(page.locator(".tg-designer-canvas"), target_position={
        "x": stage["x"] - canvas["x"] + at[0] * scale, "y": stage["y"] - canvas["y"] + at[1] * scale})
    expect(cards(page)).to_have_count(4)
    page.wait_for_timeout(400)
    shot(page, request, "designer-composite-dropped")

    page.keyboard.press("Control+s")
    expect(page.locator(".el-message", has_text="已保存为第 2 版")).to_be_visible()
    session.expire_all()
    document = session.get(AppPage, found.id).document
    added = [c for c in document["cards"] if c["id"] not in ("c1", "c2")]
    bar = next(c for c in added if c["type"] == "chart.bar@1")
    number = next(c for c in added if c["type"] == "metric.number@1")
    assert abs(bar["x"] - 720) <= 2 and abs(bar["y"] - 400) <= 2, bar
    assert (number["x"] - bar["x"], number["y"] - bar["y"]) == (660, 40)
    assert bar["binding"] == {"indicator": "events", "by": "district"} and bar["title"] == "各区事件"
    assert number["binding"] == {"indicator": "events", "window": "24h"}

    # one undo takes both away
    page.locator(".tg-designer-stage").click(position={"x": 5, "y": stage["height"] - 5})
    page.keyboard.press("Control+z")
    expect(cards(page)).to_have_count(2)
    page.keyboard.press("Control+Shift+z")
    expect(cards(page)).to_have_count(4)
