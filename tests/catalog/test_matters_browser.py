"""The matter catalog page in a real browser. Screenshots land in test-artifacts/matters-*.png."""
import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from catalog.matters import service
from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(session, system, org):
    service.seed_demo(session, system)
    session.commit()


def open_matters(page, base):
    page.goto(f"{base}/catalog/matters")
    page.locator(".tg-matter-tree .el-tree-node").first.wait_for()


def test_a_handler_finds_a_matter_by_a_chinese_search_and_sees_its_responsibility(page, live_server, make_user, seeded, request):
    make_user("zhao", "handler", department="water")
    log_in(page, live_server, "zhao")
    open_matters(page, live_server)
    page.get_by_placeholder("搜索事项名称或编码").fill("道路积水")
    node = page.locator(".el-tree-node__content", has=page.locator(".tg-node-name", has_text="道路积水")).first
    node.wait_for()
    expect(page.locator(".tg-node-name", has_text="暴露垃圾")).to_be_hidden()
    node.click()
    rules = page.locator(".tg-rules")
    expect(rules).to_contain_text("临江市水务局")
    expect(rules).to_contain_text("4 小时")
    expect(rules).to_contain_text("全市")
    expect(page.locator(".tg-detail-path")).to_contain_text("防汛防台 / 积水内涝 / 道路积水")
    expect(page.locator(".tg-history")).to_contain_text("新增事项")
    # a handler reads; the adjustments are not offered
    expect(page.get_by_role("button", name="调整权责")).to_have_count(0)
    shot(page, request, "matters-handler")


def test_a_manager_changes_a_time_limit_and_sees_it_in_the_history(page, live_server, make_user, seeded, request):
    make_user("wang", "catalog_manager")
    log_in(page, live_server, "wang")
    open_matters(page, live_server)
    page.get_by_placeholder("搜索事项名称或编码").fill("建筑施工噪声")
    page.locator(".tg-node-name", has_text="建筑施工噪声").first.click()
    expect(page.locator(".tg-rules")).to_contain_text("临江市住房和城乡建设局")
    page.get_by_role("button", name="调整权责").click()
    dialog = page.locator(".tg-change-dialog")
    dialog.wait_for()
    dialog.locator(".el-input-number input").fill("2")
    dialog.get_by_placeholder("如：机构改革、职能划转").fill("夜间施工投诉增多")
    shot(page, request, "matters-change")
    dialog.get_by_role("button", name="保存调整").click()
    page.locator(".el-message", has_text="权责已调整").wait_for()
    expect(page.locator(".tg-rules")).to_contain_text("2 个工作日")
    expect(page.locator(".tg-history")).to_contain_text("夜间施工投诉增多")
    # retiring asks first; cancelling changes nothing
    page.locator(".tg-detail-actions").get_by_role("button", name="废止").click()
    page.locator(".tg-retire-dialog").get_by_role("button", name="废止").click()
    box = page.locator(".el-message-box")
    expect(box).to_contain_text("废止“建筑施工噪声”")
    box.get_by_role("button", name="取消").click()
    box.wait_for(state="hidden")
    page.locator(".tg-retire-dialog").get_by_role("button", name="取消").click()
    page.locator(".tg-retire-dialog").wait_for(state="hidden")
    expect(page.locator(".tg-detail-title")).to_contain_text("现行")
    shot(page, request, "matters-manager")


def test_a_rejected_import_shows_the_bad_rows_in_a_table(page, live_server, make_user, seeded, request, tmp_path):
    make_user("wang", "catalog_manager")
    book = Workbook()
    ws = book.active
    ws.title = "标准事项"
    ws.append(["编码", "名称", "层级", "上级编码", "责任部门编码", "办理时限", "时限单位"])
    ws.append(["50", "新大类", "大类"])
    ws.append(["5001", "新小类", "小类", "50"])
    ws.append(["500101", "新细类", "细类", "5001", "lj-water", 3, "分钟"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    log_in(page, live_server, "wang")
    open_matters(page, live_server)
    page.locator(".tg-matter-toolbar").get_by_role("button", name="导入").click()
    dialog = page.locator(".tg-import-dialog")
    dialog.wait_for()
    dialog.locator("input[type=file]").set_input_files(str(path))
    dialog.get_by_role("button", name="开始导入").click()
    table = dialog.locator(".tg-import-rows")
    expect(table).to_contain_text("时限单位")
    expect(table.locator(".el-table__row")).to_have_count(1)
    expect(table.locator(".el-table__row")).to_contain_text("4")
    expect(dialog).to_contain_text("未写入任何内容")
    shot(page, request, "matters-import-rejected")


def test_the_domain_tab_filters_unmapped_items_and_maps_one(page, live_server, make_user, seeded, request):
    make_user("wang", "catalog_manager")
    log_in(page, live_server, "wang")
    open_matters(page, live_server)
    page.get_by_role("tab", name="领域目录与映射").click()
    table = page.locator(".tg-domain-items")
    expect(table).to_contain_text("无证设摊")
    page.locator(".tg-domain-select").click()
    page.locator(".el-select-dropdown__item", has_text="12345 热线诉求分类").click()
    expect(table).to_contain_text("噪音扰民-工地施工")
    page.locator(".tg-domains .el-switch").click()
    expect(table.locator(".el-table__row")).to_have_count(2)
    row = table.locator(".el-table__row", has_text="政策咨询")
    row.get_by_role("button", name="映射").click()
    dialog = page.locator(".tg-map-dialog")
    dialog.wait_for()
    dialog.locator(".el-select__wrapper").click()
    page.keyboard.type("邻里纠纷")
    page.locator(".tg-map-popper .el-select-dropdown__item", has_text="邻里纠纷").first.click()
    dialog.get_by_role("button", name="保存映射").click()
    page.locator(".el-message", has_text="映射已保存").wait_for()
    dialog.wait_for(state="hidden")
    expect(table.locator(".el-table__row")).to_have_count(1)
    shot(page, request, "matters-domains")
