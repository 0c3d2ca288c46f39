"""The 指标 and 预警 pages (Vue + Element Plus) in a real browser.

Screenshots land in test-artifacts/data-indicators-*.png and data-alerts-*.png."""
import pytest
from playwright.sync_api import expect

from runtime.indicators import service as indicators
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


def field(scope, label):
    return scope.locator(".el-form-item").filter(has=scope.page.get_by_text(label, exact=True)).first


def choose(page, select, text):
    select.locator(".el-select__wrapper").click()
    page.locator(".el-select__popper:visible .el-select-dropdown__item", has_text=text).first.click()


def test_an_operator_reads_values_by_district_and_creates_an_alert_rule(page, live_server, make_user, rain,
                                                                       request):
    make_user("data_op", "data_operator", department="water")
    log_in(page, live_server, "data_op")
    page.goto(f"{live_server}/data/indicators")
    row = page.locator(".tg-indicators-table .el-table__row", has_text="max_rain")
    expect(row).to_contain_text("最大雨量")
    expect(row).to_contain_text("基础")
    expect(row).to_contain_text("草稿")
    row.get_by_text("最大雨量").click()
    drawer = page.locator(".tg-indicator-detail")
    expect(drawer).to_contain_text("各区县雨量站最近一次上报的最大降雨量")
    values = drawer.locator(".tg-values-table .el-table__body .el-table__row")
    expect(values).to_have_count(2)
    expect(values.filter(has_text="江东区")).to_contain_text("60")
    expect(values.filter(has_text="江西区")).to_contain_text("15")
    assert drawer.locator(".tg-bar").first.evaluate("e => e.style.width") == "100%"
    expect(drawer).to_contain_text("尚未被其他指标引用")
    expect(drawer.locator(".tg-window-select")).to_contain_text("全部时间")  # no time field: no window
    page.wait_for_timeout(400)
    shot(page, request, "data-indicators")

    # A bad formula in the 新建指标 dialog: the server's message, caret and all, in a <pre>.
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    page.get_by_role("button", name="新建指标").first.click()
    dialog = page.locator(".tg-indicator-dialog")
    field(dialog, "名称").locator("input").fill("错误公式")
    field(dialog, "编码").locator("input").fill("bad_one")
    choose(page, field(dialog, "数据服务"), "rain_rows")
    field(dialog, "公式").locator("textarea").fill("max(wher mm)")
    dialog.get_by_role("button", name="保存为草稿").click()
    expect(dialog.locator("pre.tg-formula-error")).to_contain_text("^")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()

    page.goto(f"{live_server}/data/alerts")
    page.locator(".tg-alerts-table .el-empty", has_text="还没有预警规则").wait_for()
    page.get_by_role("button", name="新建预警规则").first.click()
    dialog = page.locator(".tg-alert-dialog")
    field(dialog, "名称").locator("input").fill("强降雨")
    field(dialog, "编码").locator("input").fill("heavy_rain")
    choose(page, field(dialog, "指标"), "最大雨量")
    choose(page, field(dialog, "分组维度"), "district")
    dialog.locator("[data-row='0'] .tg-level-condition input").fill("value >= 50")
    dialog.get_by_role("button", name="添加级别").click()
    dialog.locator("[data-row='1'] .tg-level-condition input").fill("value >=")  # not a condition
    field(dialog, "解除条件").locator("input").fill("value < 30")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog.locator("[data-row='1'] pre.tg-cond-error")).to_be_visible()
    dialog.locator("[data-row='1'] .tg-level-condition input").fill("value >= 100")
    dialog.get_by_role("button", name="保存").click()
    page.locator(".el-message", has_text="已新建预警规则“强降雨”").wait_for()

    rule = page.locator(".tg-alerts-table .el-table__row", has_text="heavy_rain")
    expect(rule).to_contain_text("最大雨量")
    expect(rule.locator(".tg-alert-level[data-level='red']")).to_have_text("红")
    expect(rule.locator(".tg-alert-level[data-level='yellow']")).to_have_text("黄")
    expect(rule).to_contain_text("value < 30")
    expect(rule).to_contain_text("5 分钟")
    detail = page.locator(".tg-alert-detail")
    expect(detail).to_contain_text("尚未评估")
    page.wait_for_timeout(300)
    shot(page, request, "data-alerts")
