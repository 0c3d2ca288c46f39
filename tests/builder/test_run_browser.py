"""The runtime viewer /run/<app>/<page> in a real browser: a published big screen draws its bars,
its metric and its banner, shows a failing card's error in place, filters the page when a bar is
clicked, and scales its 1920x1080 canvas to the window.

Screenshots land in test-artifacts/run-screen-*.png."""
import pytest
from playwright.sync_api import expect

from tests.browser_support import log_in, shot
from tests.builder.conftest import NOW, bar, screen

pytestmark = pytest.mark.browser

DAY = NOW.date().isoformat()  # the page's date parameter pins the windows to the fixture's day


def big_screen():
    banner = {"id": "b1", "type": "text.banner@1", "x": 0, "y": 0, "w": 1920, "h": 110,
              "props": {"text": "临江城市运行", "subtitle": "事件态势"}}
    chart = {**bar("c1"), "x": 40, "y": 150, "w": 1100, "h": 520}
    metric = {"id": "m1", "type": "metric.card@1", "x": 1180, "y": 150, "w": 700, "h": 240,
              "props": {"title": "事件总数", "higher_is_better": False}, "binding": {"indicator": "events"}}
    # The data service is not granted to the app: this card fails, the others must not.
    table = {"id": "t1", "type": "table.basic@1", "x": 1180, "y": 430, "w": 700, "h": 240,
             "props": {"title": "事件明细"}, "binding": {"service": "city_events", "limit": 5}}
    note = {"id": "n1", "type": "text.markdown@1", "x": 40, "y": 710, "w": 1840, "h": 330,
            "props": {"content": "## 口径\n- 近 **30 天** 受理的事件\n- 点击柱子按区域筛选 <script>x</script>"}}
    return screen(banner, chart, metric, table, note,
                  params=[{"name": "day", "title": "日期", "type": "date", "default": DAY}])


def test_a_big_screen_draws_its_cards_and_a_click_on_a_bar_filters_the_page(
        page, live_server, make_user, city_data, publish, request):
    publish("ops_screen", big_screen())
    make_user("leader1", "leader")
    log_in(page, live_server, "leader1")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server}/run/ops_screen/main")

    chart = page.locator(".tg-cv[data-card='c1']")
    bars = chart.locator("svg .mark-rect path")
    expect(bars).to_have_count(3)
    for district in ("江东区", "江西区", "江北区"):
        expect(chart.locator("svg text", has_text=district).first).to_be_attached()
    metric = page.locator(".tg-cv[data-card='m1']")
    expect(metric.locator(".tg-metric-value")).to_have_attribute("data-value", "6")
    expect(metric).to_contain_text("事件总数")
    expect(page.locator(".tg-cv[data-card='b1']")).to_contain_text("临江城市运行")
    failing = page.locator(".tg-cv[data-card='t1']")
    expect(failing.locator(".tg-cv-error")).to_contain_text("未获授权调用数据服务 city_events")
    note = page.locator(".tg-cv[data-card='n1'] .tg-markdown")
    expect(note.locator("strong")).to_have_text("30 天")
    expect(note).to_contain_text("<script>x</script>")  # shown as text, never run
    expect(page.locator(".tg-topbar")).to_be_hidden()  # a big screen has no platform chrome

    # 1920x1080 in a 1920x1080 window: scale 1, no letterbox.
    canvas = page.locator(".tg-run-canvas")
    assert canvas.evaluate("e => e.getBoundingClientRect().width") == pytest.approx(1920, abs=1)
    page.wait_for_timeout(300)
    shot(page, request, "run-screen-1920")

    # Linkage: a click on 江东区's bar filters the metric; the chart keeps its three bars.
    chart.locator("svg .mark-rect path[aria-label*='江东区']").click()
    chip = page.locator(".tg-run-chip")
    expect(chip).to_have_text("区域：江东区 ×")
    expect(metric.locator(".tg-metric-value")).to_have_attribute("data-value", "3")
    expect(bars).to_have_count(3)
    expect(failing.locator(".tg-cv-error")).to_be_visible()
    # The page's bar unfolds at the top edge (back link, parameters) and pushes the chip down.
    page.mouse.move(960, 3)
    bar_box = page.locator(".tg-run-bar").bounding_box()
    expect(page.locator(".tg-run-param[data-param='day'] input")).to_have_value(DAY)
    assert bar_box["height"] > 30 and chip.bounding_box()["y"] >= bar_box["y"] + bar_box["height"] - 1
    page.mouse.move(960, 600)

    # A smaller window: the same canvas scaled down, letterboxed in the middle.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_function("Math.abs(document.querySelector('.tg-run-canvas').getBoundingClientRect().width"
                           " - 1920 * 768 / 1080) < 2")
    box = canvas.bounding_box()
    assert box["height"] == pytest.approx(768, abs=2) and box["x"] == pytest.approx((1366 - box["width"]) / 2, abs=2)
    page.wait_for_timeout(300)
    shot(page, request, "run-screen-1366")

    chip.click()
    expect(chip).to_have_count(0)
    expect(metric.locator(".tg-metric-value")).to_have_attribute("data-value", "6")


def office_page():
    card = lambda cid, kind, x, y, w, h, props=None, binding=None: {  # noqa: E731
        "id": cid, "type": kind, "x": x, "y": y, "w": w, "h": h, "props": props or {},
        **({"binding": binding} if binding else {})}
    return {"layout": "grid", "theme": "light", "cards": [
        card("t0", "text.title@1", 0, 0, 24, 2, {"text": "事件概览", "font_size": 24, "align": "left"}),
        card("map", "map.areas@1", 0, 2, 12, 10, {"title": "各区事件分布", "unit": "件"},
             {"indicator": "events", "by": "district"}),
        card("rank", "list.ranking@1", 12, 2, 12, 10, {"title": "街道排行"}, {"indicator": "events", "by": "street"}),
        card("tbl", "table.basic@1", 0, 12, 24, 7, {"title": "事件明细", "page_size": 5, "columns": [
            {"field": "district", "label": "区"}, {"field": "street", "label": "街道"},
            {"field": "status", "label": "状态"}]}, {"service": "city_events"}),
    ], "params": [{"name": "day", "title": "日期", "type": "date", "default": DAY},
                  {"name": "district", "title": "区域", "type": "area"}]}


def test_an_office_page_filters_by_map_area_and_parameter_and_stacks_on_a_phone(
        page, live_server, make_user, session, system, city_data, request):
    from builder import pages, service as apps
    from runtime.services import service as services

    app = apps.app_create(session, system, {"code": "ops_page", "name": "事件看板", "kind": "page"})
    pages.app_page_create(session, system, app.id, {"code": "main", "name": "概览", "document": office_page()})
    pages.app_page_create(session, system, app.id, {"code": "more", "name": "说明", "document": {
        "layout": "grid", "theme": "light", "cards": [
            {"id": "x", "type": "text.title@1", "x": 0, "y": 0, "w": 24, "h": 2, "props": {"text": "说明页"}}]}})
    pages.app_release_create(session, system, app.id)
    services.service_grant_app(session, system, city_data["service"].id, app.id)
    session.commit()
    make_user("leader1", "leader")
    log_in(page, live_server, "leader1")
    page.goto(f"{live_server}/run/ops_page/main")

    expect(page.locator(".tg-run-tabs a")).to_have_text(["概览", "说明"])
    expect(page.locator(".tg-topbar")).to_be_visible()
    area = page.locator(".tg-cv[data-card='map'] path[data-name='江东区']")
    expect(area).to_have_attribute("data-fill", "#1f6feb")  # the highest value: color_high
    rank = page.locator(".tg-cv[data-card='rank']")
    expect(rank.locator("svg text", has_text="古楼街道").first).to_be_attached()
    table = page.locator(".tg-cv[data-card='tbl']")
    expect(table.locator("tbody tr")).to_have_count(5)
    expect(table.locator(".tg-table-pager")).to_contain_text("1 / 2")
    grid_cells = [page.locator(f".tg-run-cell:has(.tg-cv[data-card='{c}'])").bounding_box() for c in ("map", "rank")]
    assert grid_cells[0]["width"] == pytest.approx(grid_cells[1]["width"], abs=2)
    assert grid_cells[1]["x"] > grid_cells[0]["x"] + grid_cells[0]["width"] - 2  # side by side
    assert grid_cells[0]["height"] == pytest.approx(10 * 40, abs=1)

    # A click on a district of the map filters the ranking and the table.
    area.click()
    expect(page.locator(".tg-run-chip")).to_have_text("区域：江东区 ×")
    expect(rank.locator("svg text", has_text="古楼街道")).to_have_count(0)
    expect(rank.locator("svg text", has_text="滨湖街道").first).to_be_attached()
    expect(table.locator("tbody tr")).to_have_count(3)
    page.locator(".tg-run-chip").click()
    expect(table.locator("tbody tr")).to_have_count(5)

    # The area parameter drives every binding at once.
    page.locator(".tg-run-param[data-param='district'] .el-select__wrapper").click()
    page.locator(".el-select__popper:visible .el-select-dropdown__item", has_text="江西区").click()
    expect(rank.locator("svg text", has_text="滨湖街道")).to_have_count(0)
    expect(rank.locator("svg text", has_text="古楼街道").first).to_be_attached()
    expect(table.locator("tbody tr")).to_have_count(3)
    assert "district=" in page.url
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    shot(page, request, "run-page-office")

    # A phone: one column, in reading order.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator(".tg-run-stack")).to_be_visible()
    boxes = [page.locator(f".tg-run-stack .tg-run-cell:has(.tg-cv[data-card='{c}'])").bounding_box()
             for c in ("t0", "map", "rank", "tbl")]
    assert all(b["width"] == pytest.approx(boxes[0]["width"], abs=1) for b in boxes)
    assert [b["y"] for b in boxes] == sorted(b["y"] for b in boxes)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    shot(page, request, "run-page-phone")
