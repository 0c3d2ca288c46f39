"""The flood template as a scenario author uses it, in a real browser: try it on its sample data,
clone it, lower a warning threshold, publish the big screen, run the rainstorm drill, and see the
alert at its new level, the event the flood flow sends to the water bureau, and the big screen
showing the new rain and the alert. Screenshots: test-artifacts/flood-*.png."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


def test_an_author_tries_clones_tunes_publishes_and_drills_the_flood_template(page, live_server, make_user, city,
                                                                            request):
    make_user("zhang", "author", "data_operator", "dispatcher")  # the operations center's scenario author
    log_in(page, live_server, "zhang")
    page.set_viewport_size({"width": 1600, "height": 1000})

    # 试用: the big screen on the template's own sample data, nothing created
    page.goto(f"{live_server}/templates")
    page.locator(".tg-tpl-card[data-code=flood] .tg-tpl-try").click()
    page.wait_for_url(f"{live_server}/templates/flood/try")
    expect(page.locator(".tg-try-title")).to_contain_text("防台防汛")
    expect(page.locator(".tg-cv[data-card=banner]")).to_contain_text("临江市汛情一张图", timeout=60000)
    rain_24h = page.locator(".tg-cv[data-card=m2] .tg-metric-value")
    expect(rain_24h).not_to_have_attribute("data-value", "", timeout=30000)
    expect(page.locator(".tg-cv[data-card=rain] svg").first).to_be_visible()
    expect(page.locator(".tg-cv[data-state=error]")).to_have_count(0)
    page.wait_for_timeout(500)
    shot(page, request, "flood-try")

    # 使用此模板: cloned as jd_flood on 1,000 sample rows
    page.locator(".tg-try-use").click()
    dialog = page.locator(".tg-tpl-use-dialog")
    dialog.locator("input[name=code]").fill("jd_flood")
    dialog.locator("input[name=name]").fill("江东防汛")
    dialog.locator(".tg-tpl-use-size").click()
    page.locator(".el-select__popper:visible .el-select-dropdown__item", has_text="1,000 行").click()
    dialog.locator(".tg-tpl-use-submit").click()
    page.wait_for_url(re.compile(r"/templates/uses/\d+$"), timeout=60000)
    use_page = page.url
    expect(page.locator(".tg-use-group[data-group=alert_rules] li")).to_have_count(2, timeout=60000)  # cloned by a job

    # lower the orange warning of 短时强降雨预警 from 50 to 40 mm an hour
    page.goto(f"{live_server}/data/alerts")
    page.locator(".tg-alerts-table .el-table__row", has_text="jd_flood_rain_alert").get_by_text("短时强降雨预警").click()
    page.locator(".tg-alert-detail").get_by_role("button", name="编辑").click()
    rule = page.locator(".tg-alert-dialog")
    orange = rule.locator("[data-row='2'] .tg-level-condition input")
    expect(orange).to_have_value("value >= 50")
    orange.fill("value >= 40")
    rule.get_by_role("button", name="保存").click()
    page.locator(".el-message", has_text="已保存预警规则").wait_for()

    # publish the big screen from the designer
    page.goto(use_page)
    page.locator(".tg-use-designer").click()
    page.locator(".tg-designer-publish").click()
    page.locator(".tg-designer-publish-confirm").click()
    expect(page.locator(".el-message", has_text="已发布第 1 版")).to_be_visible()

    # the published screen before the drill: no alert yet
    screen = page.context.new_page()
    screen.set_viewport_size({"width": 1600, "height": 900})
    screen.goto(f"{live_server}/run/jd_flood")
    alerts = screen.locator(".tg-cv[data-card=alerts]")
    expect(screen.locator(".tg-cv[data-card=m1] .tg-metric-value")).not_to_have_attribute("data-value", "", timeout=30000)
    before = float(screen.locator(".tg-cv[data-card=m1] .tg-metric-value").get_attribute("data-value"))
    expect(alerts.locator(".tg-list-item")).to_have_count(0)

    # 演练: an hour of downpour over 江东区
    page.goto(use_page)
    page.locator(".tg-use-drill[data-drill=rainstorm] .tg-use-drill-run").click()
    result = page.locator(".tg-use-result[data-drill=rainstorm]")
    rain_alert = result.locator(".tg-use-alerts .el-table__row", has_text="短时强降雨预警")
    expect(rain_alert).to_contain_text("橙", timeout=30000)  # about 44 mm: orange only since the change
    expect(rain_alert).to_contain_text("江东区")
    event_row = result.locator(".tg-use-events .el-table__row", has_text="短时强降雨预警")
    expect(event_row).to_contain_text("临江市水务局")
    page.wait_for_timeout(300)
    shot(page, request, "flood-drill")

    # the event: dispatched to the water bureau by the flood flow, at 排涝处置
    event_row.locator("a.tg-use-event").click()
    page.wait_for_url(re.compile(r"/events/\d+$"))
    expect(page.locator("body")).to_contain_text("临江市水务局", timeout=30000)
    expect(page.locator("body")).to_contain_text("排涝处置")
    page.wait_for_timeout(300)
    shot(page, request, "flood-event")

    # the big screen shows the alert and the new hour of rain (its answers are shared for 10 s)
    for _ in range(12):
        screen.reload()
        screen.locator(".tg-cv[data-card=alerts]").wait_for()
        screen.wait_for_timeout(1500)
        if alerts.locator(".tg-list-item").count():
            break
        screen.wait_for_timeout(2000)
    rain_item = alerts.locator(".tg-list-item", has_text="短时强降雨预警")
    expect(rain_item).to_contain_text("江东区")
    expect(rain_item.locator(".tg-list-level[data-level=orange]")).to_be_visible()
    after = float(screen.locator(".tg-cv[data-card=m1] .tg-metric-value").get_attribute("data-value"))
    assert after > before + 5  # the city-wide hour of rain went up with 江东区's downpour
    screen.wait_for_timeout(500)
    shot(screen, request, "flood-screen")
