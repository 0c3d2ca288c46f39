"""The data-source and data-service pages (Vue + Element Plus) in a real browser.

Screenshots land in test-artifacts/data-*.png."""
import json
import pathlib
import re
import sqlite3

import pytest
from playwright.sync_api import expect

from runtime.services import service as services
from runtime.services.models import DataService
from runtime.sources import service as sources
from runtime.sources.models import DataSource
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
def operator(make_user):
    return make_user("data_op", "data_operator", department="water")


def field(scope, label):
    return scope.locator(".el-form-item").filter(has=scope.page.get_by_text(label, exact=True)).first


def choose(page, select, popper, text):
    select.locator(".el-select__wrapper").click()
    page.locator(f".{popper}:visible .el-select-dropdown__item", has_text=text).first.click()


def test_an_operator_uploads_a_file_and_publishes_a_table_service(page, live_server, operator, session, tmp_path,
                                                                 request):
    bad = tmp_path / "积水点.csv"
    bad.write_text("点位,深度\n滨湖路,12.5\n望月路,很深\n", encoding="utf-8")
    good = tmp_path / "积水点-修正.csv"
    good.write_text("点位,深度\n滨湖路,12.5\n望月路,3\n", encoding="utf-8")

    log_in(page, live_server, "data_op")
    page.locator("nav.tg-nav a", has_text="数据与指标").click()
    page.wait_for_url(f"{live_server}/data/")
    page.locator(".tg-sources-table .el-empty", has_text="还没有登记数据源").wait_for()
    page.get_by_role("button", name="登记数据源").first.click()
    dialog = page.locator(".tg-source-dialog")
    dialog.wait_for()
    dialog.locator(".tg-kind-pick").get_by_text("上传文件").click()
    field(dialog, "名称").locator("input").fill("积水点台账")
    field(dialog, "编码").locator("input").fill("Points")  # not a valid code: said before sending
    dialog.get_by_role("button", name="登记并上传文件").click()
    expect(field(dialog, "编码").locator(".el-form-item__error")).to_contain_text("小写字母开头")
    field(dialog, "编码").locator("input").fill("points")
    dialog.get_by_role("button", name="添加列").click()
    dialog.locator("[data-row='0'] input").first.fill("点位")
    dialog.get_by_role("button", name="添加列").click()
    dialog.locator("[data-row='1'] input").first.fill("深度")
    choose(page, dialog.locator("[data-row='1'] .tg-column-type"), "el-select__popper", "数值")
    dialog.get_by_role("button", name="登记并上传文件").click()
    page.locator(".el-message", has_text="已登记，请上传文件").wait_for()
    expect(dialog.locator(".el-dialog__title")).to_have_text("上传文件：积水点台账")

    # A value that is not a number: the whole file is refused, row by row.
    dialog.locator("input[type=file]").set_input_files(str(bad))
    dialog.get_by_role("button", name="上传并导入").click()
    dialog.locator(".tg-upload-failure", has_text="未导入任何数据").wait_for()
    rows = dialog.locator(".tg-upload-rows .el-table__body .el-table__row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("3")
    expect(rows.first).to_contain_text("深度")
    expect(rows.first).to_contain_text("“很深”不是数值")
    shot(page, request, "data-upload-rejected")
    session.rollback()
    assert session.query(DataSource).filter_by(code="points").one().row_count is None

    dialog.locator("input[type=file]").set_input_files(str(good))
    dialog.get_by_role("button", name="上传并导入").click()
    page.locator(".el-message", has_text="已导入 2 行").wait_for()
    drawer = page.locator(".tg-tables-drawer")
    preview = drawer.locator(".tg-preview-table .el-table__body .el-table__row")
    expect(preview).to_have_count(2)
    expect(preview.first).to_contain_text("滨湖路")
    expect(preview.nth(1)).to_contain_text("望月路")
    shot(page, request, "data-source-preview")
    drawer.locator(".el-drawer__close-btn").click()
    drawer.wait_for(state="hidden")
    page.locator(".el-message").last.wait_for(state="hidden")
    row = page.locator(".tg-sources-table .el-table__row", has_text="积水点台账")
    expect(row.locator(".tg-src-status")).to_have_text("正常")
    expect(row.locator(".tg-src-rows")).to_have_text("2")
    shot(page, request, "data-sources")

    # A table service on it, built on the builder page.
    page.locator(".tg-tabs a", has_text="数据服务").click()
    page.locator(".tg-services-table .el-empty", has_text="还没有数据服务").wait_for()
    page.get_by_role("link", name="新建数据服务").first.click()
    page.wait_for_url(f"{live_server}/data/services/0")
    builder = page.locator(".tg-definition")
    field(builder, "名称").locator("input").fill("积水点")
    field(builder, "编码").locator("input").fill("ponding_points")
    builder.locator(".tg-f-kind").get_by_text("数据表查询").click()
    choose(page, builder.locator(".tg-f-source"), "tg-source-popper", "积水点台账")
    columns = builder.locator(".tg-f-columns")
    columns.locator("[data-column=深度]").wait_for()
    expect(columns.locator(".el-checkbox.is-checked")).to_have_count(2)  # all, to begin with
    columns.locator("[data-column=深度]").click()
    page.get_by_role("button", name="保存为草稿").click()
    page.locator(".el-message", has_text="已创建为草稿").wait_for()
    page.wait_for_url(re.compile(r"/data/services/[1-9]\d*$"))
    result = page.locator(".tg-result-table")
    expect(result.locator(".el-table__body .el-table__row")).to_have_count(2)
    expect(result.locator(".el-table__header")).to_have_text("点位")
    expect(page.locator(".tg-service-state")).to_have_text("草稿")
    page.wait_for_timeout(300)
    shot(page, request, "data-service-table")

    page.get_by_role("button", name="上线").click()
    page.locator(".el-message", has_text="已上线").wait_for()
    expect(page.locator(".tg-service-state")).to_have_text("上线")
    call = page.locator(".tg-call-url")
    expect(call).to_have_text("GET /api/v1/data-services/ponding_points")
    answer = page.request.get(f"{live_server}/api/v1/data-services/ponding_points")
    assert answer.ok, answer.text()
    assert answer.json()["rows"] == [{"点位": "滨湖路"}, {"点位": "望月路"}]
    page.get_by_role("button", name="调用接口").click()
    expect(page.locator(".tg-result-meta")).to_contain_text("接口返回：2 行")

    page.locator(".tg-tabs a", has_text="数据服务").click()
    listed = page.locator(".tg-services-table .el-table__row", has_text="积水点")
    expect(listed.locator(".tg-service-state")).to_have_text("上线")
    expect(listed.locator(".tg-svc-url")).to_have_text("GET /api/v1/data-services/ponding_points")
    shot(page, request, "data-services")
    session.rollback()
    svc = session.query(DataService).filter_by(code="ponding_points").one()
    assert svc.state == "online" and svc.definition["columns"] == ["点位"]

    # The same pages in English.
    page.locator("button[data-locale=en]").click()
    page.wait_for_load_state()
    page.locator(".tg-data-services h1", has_text="Data services").wait_for()
    expect(listed.locator(".tg-service-state")).to_have_text("Online")
    shot(page, request, "data-services-en")
    page.locator(".tg-tabs a", has_text="Data sources").click()
    expect(page.locator(".tg-sources-table .el-table__row").first).to_contain_text("OK")
    page.get_by_role("button", name="Register data source").first.wait_for()


def test_a_sql_source_and_a_parameterised_service(page, live_server, operator, make_user, app, session, system,
                                                  tmp_path, request):
    path = tmp_path / "rain.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE rain (station TEXT, district TEXT, mm REAL)")
        conn.executemany("INSERT INTO rain VALUES (?, ?, ?)", [("江东站", "江东区", 12.5), ("滨湖站", "江东区", 30.0),
                                                                ("古楼站", "江西区", 3.0)])
    (tmp_path / "archive.db").mkdir()  # a directory: opening it fails
    app.config["DATA_SOURCE_SQLITE_DIRS"] = [str(tmp_path)]
    sources.source_create(session, system, {"code": "scratch", "name": "临时数据", "kind": "file"}, sources.Policy())
    session.commit()

    log_in(page, live_server, "data_op")
    page.goto(f"{live_server}/data/")
    scratch = page.locator(".tg-sources-table .el-table__row", has_text="临时数据")
    expect(scratch.locator(".tg-src-status")).to_have_text("未测试")
    scratch.get_by_role("button", name="删除").click()
    box = page.locator(".el-message-box:visible")
    expect(box).to_contain_text("确定删除数据源“临时数据”吗？")
    box.get_by_role("button", name="删除", exact=True).click()
    page.locator(".el-message", has_text="数据源“临时数据”已删除").wait_for()
    scratch.wait_for(state="detached")
    session.rollback()
    assert session.query(DataSource).filter_by(code="scratch").count() == 0
    page.get_by_role("button", name="登记数据源").first.click()
    dialog = page.locator(".tg-source-dialog")
    dialog.wait_for()
    field(dialog, "名称").locator("input").fill("雨量库")
    field(dialog, "编码").locator("input").fill("rain")
    url = field(dialog, "数据库地址")
    url.locator("input").fill(f"sqlite:///{tmp_path / 'archive.db'}")
    dialog.get_by_role("button", name="测试并登记").click()
    expect(url.locator(".el-form-item__error")).to_contain_text("连接测试失败：")
    page.wait_for_timeout(400)
    shot(page, request, "data-source-sql-error")
    url.locator("input").fill("sqlite:////etc/hosts")
    dialog.get_by_role("button", name="测试并登记").click()
    expect(url.locator(".el-form-item__error")).to_contain_text("不在允许的目录中")
    url.locator("input").fill(f"sqlite:///{path}")
    dialog.get_by_role("button", name="测试并登记").click()
    page.locator(".el-message", has_text="连接正常").wait_for()
    dialog.wait_for(state="hidden")
    row = page.locator(".tg-sources-table .el-table__row", has_text="雨量库")
    expect(row.locator(".tg-src-status")).to_have_text("正常")
    row.get_by_role("button", name="重新测试").click()
    page.locator(".el-message", has_text="连接正常").first.wait_for()
    row.get_by_role("button", name="查看表").click()
    drawer = page.locator(".tg-tables-drawer")
    expect(drawer.locator(".tg-preview-table .el-table__body .el-table__row")).to_have_count(3)
    drawer.locator(".el-drawer__close-btn").click()

    page.goto(f"{live_server}/data/services/0")
    builder = page.locator(".tg-definition")
    field(builder, "名称").locator("input").fill("强降雨站点")
    field(builder, "编码").locator("input").fill("heavy_rain")
    choose(page, builder.locator(".tg-f-source"), "tg-source-popper", "雨量库")
    builder.locator(".tg-f-sql textarea").fill(
        "SELECT station, district, mm FROM rain WHERE mm >= :min_mm ORDER BY mm DESC")
    page.get_by_role("button", name="保存为草稿").click()  # the parameter is not declared yet
    expect(builder.locator(".tg-params-error")).to_contain_text("查询中的参数未声明：min_mm")
    builder.get_by_role("button", name="从查询中识别").click()
    param = builder.locator("[data-param='0']")
    expect(param.locator("input").first).to_have_value("min_mm")
    choose(page, param.locator("td").nth(1), "el-select__popper", "数值")
    param.locator("td").nth(2).locator("input").fill("10")
    page.get_by_role("button", name="保存为草稿").click()
    page.locator(".el-message", has_text="已创建为草稿").wait_for()
    rows = page.locator(".tg-result-table .el-table__body .el-table__row")
    expect(rows).to_have_count(2)  # the default, 10
    expect(rows.first).to_contain_text("滨湖站")

    value = page.locator(".tg-values [data-value=min_mm]")
    value.locator("input").fill("20")
    page.get_by_role("button", name="刷新预览").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("30")
    value.locator("input").fill("1")
    page.get_by_role("button", name="刷新预览").click()
    expect(rows).to_have_count(3)
    value.locator("input").fill("很多")
    page.get_by_role("button", name="刷新预览").click()
    expect(value.locator(".el-form-item__error")).to_have_text("“很多”不是数值")
    value.locator("input").fill("20")
    page.get_by_role("button", name="刷新预览").click()
    expect(rows).to_have_count(1)
    page.wait_for_timeout(400)
    shot(page, request, "data-service-sql")

    # A change archives the version before it.
    builder.locator(".tg-f-sql textarea").fill(
        "SELECT station, mm FROM rain WHERE mm >= :min_mm ORDER BY mm")
    expect(builder.locator(".tg-dirty")).to_be_visible()
    page.get_by_role("button", name="保存", exact=True).click()
    page.locator(".el-message", has_text="已保存").wait_for()
    expect(page.locator(".tg-svc-revision")).to_have_text("第 2 版")
    expect(page.locator(".tg-result-table .el-table__header")).to_contain_text("station")
    expect(page.locator(".tg-result-table .el-table__header")).not_to_contain_text("district")
    page.get_by_role("tab", name="版本").click()
    old = page.locator(".tg-revision-list [data-revision='1']")
    old.locator(".el-collapse-item__header").click()
    expect(old.locator(".tg-sql-block")).to_contain_text("ORDER BY mm DESC")
    page.wait_for_timeout(400)
    shot(page, request, "data-service-revisions")

    page.get_by_role("tab", name="设计").click()
    page.get_by_role("button", name="上线").click()
    page.locator(".el-message", has_text="已上线").wait_for()
    expect(page.locator(".tg-call-url")).to_have_text("GET /api/v1/data-services/heavy_rain?min_mm=20")
    called = page.request.get(f"{live_server}/api/v1/data-services/heavy_rain?min_mm=20").json()
    assert called["rows"] == [{"station": "滨湖站", "mm": 30.0}] and called["revision"] == 2

    # Exported as JSON and imported again under another code, as a draft.
    page.goto(f"{live_server}/data/services")
    row = page.locator(".tg-services-table .el-table__row", has_text="heavy_rain")
    with page.expect_download() as download:
        row.get_by_role("button", name="导出").click()
    doc = json.loads(pathlib.Path(download.value.path()).read_text(encoding="utf-8"))
    assert doc["schema"] == "tongguan/data-service@1" and doc["source"] == "rain" and doc["params"][0]["default"] == 10
    copy = tmp_path / "copy.json"
    copy.write_text(json.dumps({**doc, "code": "heavy_rain_copy", "name": "强降雨站点（副本）"}), encoding="utf-8")
    page.locator(".tg-data-services input[type=file]").set_input_files(str(copy))
    page.locator(".el-message", has_text="已导入数据服务“强降雨站点（副本）”").wait_for()
    copied = page.locator(".tg-services-table .el-table__row", has_text="heavy_rain_copy")
    expect(copied.locator(".tg-service-state")).to_have_text("草稿")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({**doc, "source": "nowhere"}), encoding="utf-8")
    page.locator(".tg-data-services input[type=file]").set_input_files(str(bad))
    expect(page.locator(".tg-import-error")).to_contain_text("数据源 nowhere 不存在，请先登记")

    # Someone without data.manage sees the pages, not the write actions.
    make_user("viewer", "handler", department="water")
    page.context.clear_cookies()
    log_in(page, live_server, "viewer")
    page.goto(f"{live_server}/data/")
    page.locator(".tg-sources-table .el-table__row", has_text="雨量库").wait_for()
    for name in ("登记数据源", "重新测试", "删除"):
        assert page.get_by_role("button", name=name).count() == 0
    page.goto(f"{live_server}/data/services")
    page.locator(".tg-services-table .el-table__row", has_text="强降雨站点").first.wait_for()
    assert page.get_by_role("link", name="新建数据服务").count() == 0
    assert page.get_by_role("button", name="导入").count() == 0


def test_the_page_shells_and_their_redirects(client, login, operator):
    assert client.get("/data/").status_code == 302  # login first
    login("data_op")
    assert client.get("/data").headers["Location"].endswith("/data/")
    home = client.get("/").get_data(as_text=True)
    assert 'href="/data/"' in home
    page = client.get("/data/").get_data(as_text=True)
    assert 'id="app"' in page and "data-sources" in page and 'href="/data/services"' in page
    builder = client.get("/data/services/7").get_data(as_text=True)
    assert 'data-service-id="7"' in builder and "data-service" in builder
    assert 'data-service-id="0"' in client.get("/data/services/0").get_data(as_text=True)
