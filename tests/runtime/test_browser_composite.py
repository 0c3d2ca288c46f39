"""The data-service builder's table queries (filter, grouping, aggregates), composite services,
where used and the confirmation a breaking change needs, in a real browser.

Screenshots land in test-artifacts/data-composite-*.png."""
import re

import pytest
from playwright.sync_api import expect

from runtime.indicators import service as indicators
from runtime.services import service as services
from runtime.services.models import DataService
from runtime.sources import service as sources
from tests.browser_support import log_in, shot
from tongguan.permissions import Actor

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fresh_engines():
    """Pooled source engines are keyed by (source id, version): ids repeat across test databases."""
    for engine in services._engines.values():
        engine.dispose()
    services._engines.clear()
    yield


@pytest.fixture
def operator(make_user):
    return make_user("data_op", "data_operator", department="water")


def field(scope, label):
    return scope.locator(".el-form-item").filter(has=scope.page.get_by_text(label, exact=True)).first


def choose(page, select, popper, text):
    select.locator(".el-select__wrapper").first.click()
    page.locator(f".{popper}:visible .el-select-dropdown__item", has_text=text).first.click()


def upload(session, system, code, name, body):
    src = sources.source_create(session, system, {"code": code, "name": name, "kind": "file"}, sources.Policy())
    session.flush()
    sources.source_upload(session, system, src.id, body.encode(), f"{code}.csv")
    session.commit()
    return src


@pytest.fixture
def data(session, system, operator):
    actor = Actor.for_user(operator)
    population = upload(session, system, "population", "人口台账",
                        "district,population\n江东区,500000\n江西区,300000\n滨湖区,100000\n")
    rainfall = upload(session, system, "rainfall", "雨量记录",
                      "station,district,mm\n江东站,江东区,12.5\n滨湖站,江东区,30\n古楼站,江西区,3\n新城站,江西区,18\n")
    services.service_create(session, actor, {"code": "population_rows", "name": "各区人口", "kind": "table",
                                             "source_id": population.id,
                                             "definition": {"table": population.file_table}})
    services.service_create(session, actor, {"code": "rain_rows", "name": "雨量明细", "kind": "table",
                                             "source_id": rainfall.id, "definition": {"table": rainfall.file_table}})
    session.commit()
    return actor, population, rainfall


def test_a_grouped_table_service_and_a_composite_built_in_the_browser(page, live_server, data, session, request):
    actor, population, rainfall = data
    log_in(page, live_server, "data_op")

    # A table service: a filter, then grouped with count() and max(mm).
    page.goto(f"{live_server}/data/services/0")
    builder = page.locator(".tg-definition")
    field(builder, "名称").locator("input").fill("各区强降雨")
    field(builder, "编码").locator("input").fill("rain_by_district")
    builder.locator(".tg-f-kind").get_by_text("数据表查询").click()
    choose(page, builder.locator(".tg-f-source"), "tg-source-popper", "雨量记录")
    builder.locator(".tg-f-columns [data-column=mm]").wait_for()
    filt = builder.locator(".tg-f-filter textarea")
    filt.fill("rainfall >= 10")  # no such column: the caret points at it
    page.get_by_role("button", name="保存为草稿").click()
    error = builder.locator(".tg-f-filter .tg-dsl-error")
    expect(error).to_contain_text("rainfall")
    expect(error).to_contain_text("^")
    page.wait_for_timeout(300)
    shot(page, request, "data-composite-filter-error")
    session.rollback()
    assert session.query(DataService).filter_by(code="rain_by_district").count() == 0

    filt.fill("mm >= 10")
    builder.locator(".tg-f-mode").get_by_text("分组汇总").click()
    choose(page, builder.locator(".tg-f-group-by"), "tg-group-by-popper", "district")
    page.keyboard.press("Escape")
    first = builder.locator("[data-aggregate='0'] input")
    expect(first.nth(0)).to_have_value("count")
    expect(first.nth(1)).to_have_value("count()")
    first.nth(0).fill("stations")
    builder.get_by_role("button", name="添加聚合").click()
    second = builder.locator("[data-aggregate='1'] input")
    second.nth(0).fill("max_mm")
    second.nth(1).fill("max(mm)")
    page.get_by_role("button", name="保存为草稿").click()
    page.locator(".el-message", has_text="已创建为草稿").wait_for()
    page.wait_for_url(re.compile(r"/data/services/[1-9]\d*$"))
    rows = page.locator(".tg-result-table .el-table__body .el-table__row")
    expect(rows).to_have_count(2)
    expect(page.locator(".tg-result-table .el-table__header")).to_contain_text("stations")
    expect(rows.first).to_contain_text("江东区")
    expect(rows.first).to_contain_text("30")
    page.wait_for_timeout(300)
    shot(page, request, "data-composite-grouped")
    session.rollback()
    grouped = session.query(DataService).filter_by(code="rain_by_district").one()
    assert grouped.definition == {"table": rainfall.file_table, "filter": "mm >= 10", "group_by": ["district"],
                                  "aggregates": [{"name": "stations", "expr": "count()"},
                                                 {"name": "max_mm", "expr": "max(mm)"}]}

    # A composite: population joined with the grouped rainfall by district, and a derived column.
    page.goto(f"{live_server}/data/services/0")
    field(builder, "名称").locator("input").fill("人均强降雨站点")
    field(builder, "编码").locator("input").fill("rain_per_capita")
    builder.locator(".tg-f-kind").get_by_text("组合服务").click()
    expect(builder.locator(".tg-f-source")).to_have_count(0)
    builder.get_by_role("button", name="添加数据服务").click()
    choose(page, builder.locator("[data-part='0']"), "tg-part-popper", "各区人口")
    expect(page.locator(".tg-part-popper:visible")).to_have_count(0)
    builder.get_by_role("button", name="添加数据服务").click()
    # composites are not offered as parts; the grouped one and the plain ones are
    builder.locator("[data-part='1'] .el-select__wrapper").click()
    options = page.locator(".tg-part-popper:visible .el-select-dropdown__item")
    expect(options).to_have_count(3)
    options.filter(has_text="各区强降雨").click()
    expect(builder.locator("[data-part='1'] .tg-part-columns")).to_have_text("district, stations, max_mm")
    on = builder.locator(".tg-f-on")
    expect(on.locator(".el-select__selected-item").first).to_contain_text("district")  # the one common column
    choose(page, builder.locator(".tg-f-how"), "tg-how-popper", "左关联")
    builder.get_by_role("button", name="添加派生列").click()
    derived = builder.locator("[data-derived='0'] input")
    derived.nth(0).fill("stations_per_100k")
    derived.nth(1).fill("round(stations * 100000 / populaton, 2)")  # a typo first
    page.get_by_role("button", name="保存为草稿").click()
    expect(builder.locator("[data-derived='0'] .tg-dsl-error")).to_contain_text("populaton")
    derived.nth(1).fill("round(stations * 100000 / population, 2)")
    page.get_by_role("button", name="保存为草稿").click()
    page.locator(".el-message", has_text="已创建为草稿").wait_for()
    page.wait_for_url(re.compile(r"/data/services/[1-9]\d*$"))
    expect(rows).to_have_count(3)
    header = page.locator(".tg-result-table .el-table__header")
    expect(header).to_contain_text("stations_per_100k")
    expect(rows.first).to_contain_text("江东区")
    expect(rows.first).to_contain_text("0.4")
    expect(rows.nth(2)).to_contain_text("滨湖区")
    expect(builder.locator(".tg-composite-output")).to_contain_text("stations_per_100k")
    expect(page.locator(".tg-svc-title + p")).not_to_contain_text("人口台账")
    page.wait_for_timeout(300)
    shot(page, request, "data-composite-built")
    session.rollback()
    comp = services.service_get(session, actor,
                                session.query(DataService.id).filter_by(code="rain_per_capita").scalar())
    assert comp.kind == "composite" and comp.source_id is None
    assert comp.definition == {
        "parts": [{"service": "population_rows"}, {"service": "rain_by_district"}], "combine": "join",
        "join": {"how": "left", "on": ["district"]},
        "derived": [{"name": "stations_per_100k", "expr": "round(stations * 100000 / population, 2)"}]}
    assert [f["name"] for f in comp.output] == ["district", "population", "stations", "max_mm", "stations_per_100k"]
    assert services.service_preview(session, actor, comp.id, {})["rows"][0] == {
        "district": "江东区", "population": 500000, "stations": 2, "max_mm": 30.0, "stations_per_100k": 0.4}

    # The list says what kind it is, and that it has no source.
    page.goto(f"{live_server}/data/services")
    listed = page.locator(".tg-services-table .el-table__row", has_text="rain_per_capita")
    expect(listed.locator(".tg-svc-kind")).to_have_text("组合服务")
    expect(listed.locator(".tg-svc-no-source")).to_be_visible()
    shot(page, request, "data-composite-list")

    # Where the grouped service is used, and a change that would break its users.
    indicators.indicator_create(session, actor, {
        "code": "wet_stations", "name": "强降雨站点数", "service_id": grouped.id, "formula": "sum(stations)",
        "dimensions": ["district"], "default_window": ""})
    session.commit()
    page.goto(f"{live_server}/data/services/{grouped.id}")
    page.get_by_role("tab", name="使用情况").click()
    used = page.locator(".tg-usages-table .el-table__body .el-table__row")
    expect(used).to_have_count(2)
    expect(used.filter(has_text="rain_per_capita")).to_contain_text("数据服务")
    expect(used.filter(has_text="wet_stations")).to_contain_text("指标")
    page.wait_for_timeout(300)
    shot(page, request, "data-composite-usages")
    page.get_by_role("tab", name="设计").click()
    builder.locator(".tg-f-mode").get_by_text("选取列").click()
    page.get_by_role("button", name="保存", exact=True).click()
    box = page.locator(".tg-svc-breaking-confirm")
    expect(box).to_contain_text("强降雨站点数（wet_stations）：")
    expect(box).to_contain_text("人均强降雨站点（rain_per_capita）：")
    page.wait_for_timeout(300)
    shot(page, request, "data-composite-breaking")
    box.get_by_role("button", name="取消").click()
    page.wait_for_timeout(300)
    session.rollback()
    session.expire_all()  # nothing was open to roll back: the cached objects would stay
    assert session.get(DataService, grouped.id).revision == 1
    page.get_by_role("button", name="保存", exact=True).click()
    box.get_by_role("button", name="仍然保存").click()
    page.locator(".el-message", has_text="已保存").wait_for()
    expect(page.locator(".tg-svc-revision")).to_have_text("第 2 版")
    session.rollback()
    session.expire_all()
    changed = session.get(DataService, grouped.id)
    assert "group_by" not in changed.definition and "stations" not in [f["name"] for f in changed.output]
    page.get_by_role("tab", name="使用情况").click()
    expect(used.filter(has_text="wet_stations").locator(".tg-usage-problem")).to_contain_text("stations")
