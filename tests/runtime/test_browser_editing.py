"""Editing indicators and alert rules on the 指标 and 预警 pages in a real browser: the dialogs in edit
mode (If-Match from the read when the dialog opened), a stale edit refused without overwriting,
and a change that breaks dependants saved only after the operator confirms it.

Screenshots land in test-artifacts/data-edit-*.png."""
import datetime as dt
import json

import pytest
from playwright.sync_api import expect

from catalog.matters import service as matters
from runtime.alerts import service as alerts
from runtime.alerts.models import AlertRule
from runtime.indicators import service as indicators
from runtime.indicators.models import Indicator
from runtime.services import service as services
from runtime.sources import service as sources
from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fresh_engines():
    """Pooled source engines are keyed by (source id, version): ids repeat across test databases."""
    for engine in services._engines.values():
        engine.dispose()
    services._engines.clear()
    yield


@pytest.fixture
def rain(session, system, org):
    """A file source of rainfall per district and an indicator max(mm) by district (as test_alerts.py)."""
    src = sources.source_create(session, system, {"code": "rain", "name": "雨量", "kind": "file"}, sources.Policy())
    session.flush()
    sources.source_upload(session, system, src.id, "district,mm\n江东区,60\n江西区,15\n".encode(), "rain.csv")
    session.commit()
    svc = services.service_create(session, system, {"code": "rain_rows", "name": "雨量", "source_id": src.id,
                                                    "kind": "table", "definition": {"table": src.file_table}})
    ind = indicators.indicator_create(session, system, {
        "code": "max_rain", "name": "最大雨量", "service_id": svc.id, "formula": "max(mm)",
        "dimensions": ["district"], "unit": "mm", "default_window": "",
        "definition_text": "各区县雨量站最近一次上报的最大降雨量"})
    session.commit()
    return ind


@pytest.fixture
def flood_matter(session, system):
    """A 细类 of the matter catalog that an alert may report: 防汛 > 积水 > 道路积水 (040101)."""
    start = dt.date(2025, 1, 1)
    top = matters.matter_create(session, system, {"code": "04", "name": "防汛", "tier": "category",
                                                  "effective_from": start})
    sub = matters.matter_create(session, system, {"code": "0401", "name": "积水", "tier": "subcategory",
                                                  "parent_id": top.id, "effective_from": start})
    item = matters.matter_create(session, system, {"code": "040101", "name": "道路积水", "tier": "item",
                                                   "parent_id": sub.id, "effective_from": start})
    session.commit()
    return item


@pytest.fixture
def rule(session, system, rain):
    made = alerts.rule_create(session, system, {
        "code": "heavy_rain", "name": "强降雨", "indicator_id": rain.id, "by": "district", "interval_s": 300,
        "levels": [{"level": "yellow", "condition": "value >= 50"}], "clear_condition": "value < 30",
        "pending_s": 300})
    session.commit()
    return made


def field(scope, label):
    return scope.locator(".el-form-item").filter(has=scope.page.get_by_text(label, exact=True)).first


def choose(page, select, text):
    select.locator(".el-select__wrapper").click()
    page.locator(".el-select__popper:visible .el-select-dropdown__item", has_text=text).first.click()


def fresh(session, model, id_):
    session.expire_all()
    return session.get(model, id_)


def open_indicator_editor(page, live_server):
    page.set_viewport_size({"width": 1366, "height": 1200})  # the whole dialog on the screenshots
    page.goto(f"{live_server}/data/indicators")
    page.locator(".tg-indicators-table .el-table__row", has_text="max_rain").get_by_text("最大雨量").click()
    drawer = page.locator(".tg-indicator-detail")
    expect(drawer).to_contain_text("各区县雨量站最近一次上报的最大降雨量")
    drawer.get_by_role("button", name="编辑").click()
    dialog = page.locator(".tg-indicator-dialog")
    expect(dialog).to_contain_text("编辑指标")
    expect(field(dialog, "单位").locator("input")).to_have_value("mm")  # filled from the GET with the ETag
    return drawer, dialog


def test_an_operator_edits_an_indicators_unit_and_definition(page, live_server, make_user, rain, session, request):
    make_user("data_op", "data_operator", department="water")
    log_in(page, live_server, "data_op")
    drawer, dialog = open_indicator_editor(page, live_server)
    expect(field(dialog, "编码").locator("input")).to_be_disabled()
    expect(field(dialog, "编码").locator("input")).to_have_value("max_rain")
    expect(dialog.locator(".tg-kind-pick input[value='base']")).to_be_disabled()
    expect(field(dialog, "公式").locator("textarea")).to_have_value("max(mm)")
    expect(field(dialog, "时间窗口")).to_contain_text("全部时间")  # '' is a value of its own
    expect(field(dialog, "统计粒度")).to_contain_text("日")
    expect(field(dialog, "更新周期")).to_contain_text("每日")

    field(dialog, "单位").locator("input").fill("毫米")
    field(dialog, "口径").locator("textarea").fill("各区县雨量站 24 小时内的最大降雨量（毫米）")
    choose(page, field(dialog, "统计粒度"), "小时")
    page.wait_for_timeout(300)
    shot(page, request, "data-edit-indicator")
    dialog.get_by_role("button", name="保存").click()
    page.locator(".el-message", has_text="已保存指标“最大雨量”").wait_for()
    expect(dialog).to_be_hidden()
    expect(drawer).to_contain_text("各区县雨量站 24 小时内的最大降雨量（毫米）")  # the detail reloaded
    expect(drawer.locator(".tg-values-table")).to_contain_text("值（毫米）")

    got = page.request.get(f"{live_server}/api/v1/indicators/{rain.id}").json()
    assert got["unit"] == "毫米"
    assert got["definition_text"] == "各区县雨量站 24 小时内的最大降雨量（毫米）"
    assert got["grain"] == "hour"
    assert got["formula"] == "max(mm)" and got["default_window"] == ""  # untouched fields are not sent
    page.wait_for_timeout(300)
    shot(page, request, "data-edit-indicator-saved")


def test_a_stale_indicator_edit_is_refused_and_overwrites_nothing(page, live_server, make_user, rain, session,
                                                                  system, request):
    make_user("data_op", "data_operator", department="water")
    log_in(page, live_server, "data_op")
    _, dialog = open_indicator_editor(page, live_server)
    # Someone else saves while the dialog is open.
    indicators.indicator_update(session, system, rain.id, {"unit": "厘米"})
    session.commit()
    field(dialog, "单位").locator("input").fill("米")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog.locator(".tg-stale")).to_contain_text("已被他人修改")
    page.locator(".el-message--error", has_text="该记录已被他人修改").wait_for()
    expect(dialog).to_be_visible()  # the operator's edit stays on screen
    page.wait_for_timeout(300)
    shot(page, request, "data-edit-stale")
    assert fresh(session, Indicator, rain.id).unit == "厘米"

    dialog.get_by_role("button", name="载入最新内容").click()
    expect(field(dialog, "单位").locator("input")).to_have_value("厘米")
    expect(dialog.locator(".tg-stale")).to_be_hidden()
    field(dialog, "单位").locator("input").fill("米")
    dialog.get_by_role("button", name="保存").click()
    page.locator(".el-message", has_text="已保存指标“最大雨量”").wait_for()
    assert fresh(session, Indicator, rain.id).unit == "米"


def test_a_change_that_breaks_dependants_is_saved_only_once_confirmed(page, live_server, make_user, rain, session,
                                                                     request):
    """The server's answer (409 with `dependants`) is stood in for here; the resent PATCH must carry
    confirm_breaking and the same If-Match."""
    make_user("data_op", "data_operator", department="water")
    log_in(page, live_server, "data_op")
    sent = []

    def patch(route):
        if route.request.method != "PATCH":
            return route.continue_()
        body = route.request.post_data_json
        sent.append({"body": body, "if_match": route.request.headers.get("if-match")})
        if not body.get("confirm_breaking"):
            return route.fulfill(status=409, content_type="application/problem+json", body=json.dumps({
                "type": "about:blank", "title": "Conflict", "status": 409,
                "detail": "这项修改会影响 1 个使用方：强降雨（heavy_rain）",
                "dependants": [{"kind": "alert_rule", "id": 1, "code": "heavy_rain", "name": "强降雨",
                                "state": "", "problem": "分组维度 district 不再是指标的维度"}]}))
        body = {k: v for k, v in body.items() if k != "confirm_breaking"}  # whether or not the server knows it yet
        return route.continue_(post_data=json.dumps(body))

    page.route(f"**/api/v1/indicators/{rain.id}", patch)
    _, dialog = open_indicator_editor(page, live_server)
    field(dialog, "单位").locator("input").fill("毫米")

    dialog.get_by_role("button", name="保存").click()
    box = page.locator(".tg-breaking-confirm")
    expect(box).to_contain_text("强降雨（heavy_rain）：分组维度 district 不再是指标的维度")
    expect(box).to_contain_text("预警规则")
    page.wait_for_timeout(300)
    shot(page, request, "data-edit-breaking")
    box.get_by_role("button", name="取消").click()
    expect(box).to_be_hidden()
    expect(dialog).to_be_visible()
    assert len(sent) == 1 and fresh(session, Indicator, rain.id).unit == "mm"

    dialog.get_by_role("button", name="保存").click()
    box.get_by_role("button", name="仍然保存").click()
    page.locator(".el-message", has_text="已保存指标“最大雨量”").wait_for()
    assert len(sent) == 3
    assert sent[2]["body"] == {"unit": "毫米", "confirm_breaking": True}
    assert sent[2]["if_match"] == sent[1]["if_match"] == sent[0]["if_match"]
    assert fresh(session, Indicator, rain.id).unit == "毫米"


def test_an_operator_edits_an_alert_rules_timing_window_and_reported_matter(page, live_server, make_user, rule,
                                                                            flood_matter, org, session, request):
    make_user("data_op", "data_operator", department="water")
    log_in(page, live_server, "data_op")
    page.set_viewport_size({"width": 1366, "height": 1300})
    page.goto(f"{live_server}/data/alerts")
    page.locator(".tg-alerts-table .el-table__row", has_text="heavy_rain").get_by_text("强降雨").click()
    drawer = page.locator(".tg-alert-detail")
    expect(drawer).to_contain_text("5 分钟")
    drawer.get_by_role("button", name="编辑").click()
    dialog = page.locator(".tg-alert-dialog")
    expect(dialog).to_contain_text("编辑预警规则")
    expect(field(dialog, "编码").locator("input")).to_be_disabled()
    expect(dialog.locator("[data-row='0'] .tg-level-condition input")).to_have_value("value >= 50")
    expect(field(dialog, "持续时间").locator(".el-input-number input")).to_have_value("5")
    expect(field(dialog, "持续时间")).to_contain_text("分钟")
    expect(field(dialog, "时间窗口")).to_contain_text("跟随指标")

    pending = field(dialog, "持续时间").locator(".el-input-number input")
    pending.fill("15")
    pending.press("Tab")
    choose(page, field(dialog, "时间窗口"), "近 7 天")
    recover = field(dialog, "恢复等待").locator(".el-input-number input")
    recover.fill("2")
    recover.press("Tab")
    choose(page, field(dialog, "无数据时"), "保持当前状态")
    choose(page, field(dialog, "通知部门"), "江东区")
    page.keyboard.press("Escape")  # close the multiple select's dropdown
    matter = field(dialog, "上报事项")
    matter.locator(".el-select__wrapper").click()
    matter.locator("input").fill("积水")
    page.locator(".el-select__popper:visible .el-select-dropdown__item", has_text="道路积水（040101）").click()
    expect(matter).to_contain_text("道路积水（040101）")
    dialog.locator(".tg-enabled").click()  # off
    page.wait_for_timeout(300)
    shot(page, request, "data-edit-alert")
    dialog.get_by_role("button", name="保存").click()
    page.locator(".el-message", has_text="已保存预警规则“强降雨”").wait_for()
    expect(dialog).to_be_hidden()

    saved = fresh(session, AlertRule, rule.id)
    assert saved.pending_s == 900
    assert saved.window == "7d"
    assert saved.recover_s == 120
    assert saved.nodata == "keep"
    assert saved.notify_departments == [org["district"].id]
    assert saved.report_matter == "040101"
    assert saved.enabled is False
    assert saved.interval_s == 300 and saved.clear_condition == "value < 30"  # untouched

    expect(drawer).to_contain_text("15 分钟")
    expect(drawer).to_contain_text("2 分钟")
    expect(drawer.locator(".tg-report-matter")).to_contain_text("道路积水（040101）")
    expect(drawer).to_contain_text("江东区")
    row = page.locator(".tg-alerts-table .el-table__row", has_text="heavy_rain")
    expect(row).to_contain_text("15 分钟")
    expect(row).to_contain_text("否")
    page.wait_for_timeout(300)
    shot(page, request, "data-edit-alert-saved")
