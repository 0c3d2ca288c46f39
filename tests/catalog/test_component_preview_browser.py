"""The chart preview (预览) in the component library's detail drawer: vega-embed, bundled and served
by the platform, draws the preview endpoint's spec. Screenshots: test-artifacts/components-preview-*.png."""
import pytest
from playwright.sync_api import expect

from catalog.registry import init_app
from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


def open_component(page, base, code, search):
    page.goto(f"{base}/catalog/components")
    page.locator(".tg-component-card").first.wait_for()
    page.get_by_placeholder("搜索组件名称、编码或说明").fill(search)
    page.locator(f'.tg-component-card[data-code="{code}"]').click()
    drawer = page.locator(".tg-component-drawer")
    drawer.locator(".tg-versions .el-table__row").first.wait_for()
    return drawer


def test_a_reader_sees_the_bar_chart_preview_in_light_and_dark(app, page, live_server, make_user, request):
    init_app(app)
    make_user("zhao", "handler", department="water")
    outside = []  # every request must stay on the platform: no CDN on a closed network
    page.on("request", lambda r: None if r.url.startswith((live_server, "data:", "blob:")) else outside.append(r.url))
    log_in(page, live_server, "zhao")
    drawer = open_component(page, live_server, "chart.bar", "柱状图")

    preview = drawer.locator(".tg-preview")
    expect(preview.locator("h4")).to_have_text("预览")
    svg = preview.locator(".tg-vega svg.marks")
    svg.wait_for()
    labels = svg.locator("text")
    for district in ("临江区", "东湖区", "西山区"):
        expect(labels.filter(has_text=district).first).to_be_attached()
    expect(labels.filter(has_text="受理量").first).to_be_attached()  # the legend of the two measures
    assert preview.locator(".vega-actions").count() == 0  # no "open in editor" links
    assert int(svg.get_attribute("width")) > 500  # the chart fills the drawer's width
    axis_label = labels.filter(has_text="临江区").first
    light_fill = axis_label.get_attribute("fill")
    preview.scroll_into_view_if_needed()
    page.wait_for_timeout(400)  # the drawer's opening animation
    shot(page, request, "components-preview-light")

    preview.get_by_text("深色（大屏）").click()
    expect(preview.locator(".tg-preview-stage")).to_have_class("tg-preview-stage is-dark")
    expect(labels.filter(has_text="临江区").first).not_to_have_attribute("fill", light_fill or "")
    assert labels.filter(has_text="临江区").first.get_attribute("fill") == "#9fb3c8"  # the dark theme's muted text
    preview.scroll_into_view_if_needed()
    shot(page, request, "components-preview-dark")
    assert outside == []


def test_a_line_chart_previews_24_hours_and_a_table_has_no_preview(app, page, live_server, make_user, request):
    init_app(app)
    make_user("zhao", "handler", department="water")
    log_in(page, live_server, "zhao")
    drawer = open_component(page, live_server, "chart.line", "折线图")
    svg = drawer.locator(".tg-preview .tg-vega svg.marks")
    svg.wait_for()
    expect(svg.locator("text").filter(has_text="00时").first).to_be_attached()
    expect(svg.locator("text").filter(has_text="今日").first).to_be_attached()
    drawer.locator(".tg-preview").scroll_into_view_if_needed()
    page.wait_for_timeout(400)
    shot(page, request, "components-preview-line")

    page.keyboard.press("Escape")
    drawer = open_component(page, live_server, "table.basic", "表格")
    expect(drawer.locator(".tg-lifecycle")).to_be_visible()
    page.wait_for_timeout(500)  # the preview request answers 404: the section stays away
    expect(drawer.locator(".tg-preview")).to_have_count(0)
