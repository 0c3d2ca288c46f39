"""The component library page (组件库) in a real browser. Screenshots land in test-artifacts/components-*.png."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from catalog.registry import init_app
from catalog.registry.models import Component, ComponentVersion
from tests.browser_support import log_in, shot
from tests.catalog.test_registry_service import PDF

pytestmark = pytest.mark.browser


def open_library(page, base):
    page.goto(f"{base}/catalog/components")
    page.locator(".tg-component-card").first.wait_for()


def card(page, code):
    return page.locator(f'.tg-component-card[data-code="{code}"]')


def field(scope, label):
    return scope.locator(".el-form-item").filter(has=scope.page.get_by_text(label, exact=True))


def state_in_db(session, code, version="1.0.0"):
    session.rollback()
    session.expire_all()
    return session.scalar(select(ComponentVersion.state).join(ComponentVersion.component)
                          .where(Component.code == code, ComponentVersion.semver == version))


def test_a_manager_searches_in_chinese_opens_a_component_and_retires_a_version(
        app, page, live_server, make_user, session, request):
    init_app(app)
    make_user("qian", "catalog_manager")
    log_in(page, live_server, "qian")
    open_library(page, live_server)
    expect(page.locator(".tg-component-card")).to_have_count(20)
    expect(page.locator('.tg-group[data-category="chart"] .tg-component-card')).to_have_count(5)
    expect(card(page, "metric.card")).to_contain_text("指标卡")
    expect(card(page, "metric.card")).to_contain_text("内置")
    expect(card(page, "metric.card")).to_contain_text("已发布")
    shot(page, request, "components-library")

    page.get_by_placeholder("搜索组件名称、编码或说明").fill("柱状图")
    expect(page.locator(".tg-component-card")).to_have_count(1)
    card(page, "chart.bar").click()
    drawer = page.locator(".tg-component-drawer")
    drawer.locator(".el-drawer__title", has_text="柱状图").wait_for()
    expect(drawer.locator(".tg-versions .el-table__row")).to_have_count(1)
    expect(drawer.locator(".tg-versions")).to_contain_text("1.0.0")
    expect(drawer.locator(".el-step")).to_have_count(7)
    expect(drawer.locator(".el-step.is-horizontal").nth(4)).to_contain_text("发布")
    page.wait_for_timeout(400)  # the drawer's opening animation
    shot(page, request, "components-detail")

    drawer.get_by_role("button", name="推进到“维护”").click()
    page.locator(".el-message", has_text="已变更为“维护”").wait_for()
    assert state_in_db(session, "chart.bar") == "maintenance"

    # Retiring asks first; cancelling changes nothing.
    drawer.get_by_role("button", name="下线此版本").click()
    box = page.locator(".el-message-box")
    box.wait_for()
    assert "已使用它的页面不受影响" in box.inner_text()
    box.get_by_role("button", name="取消").click()
    box.wait_for(state="hidden")
    assert state_in_db(session, "chart.bar") == "maintenance"
    drawer.get_by_role("button", name="下线此版本").click()
    box.wait_for()
    box.get_by_role("button", name="确认下线").click()
    page.locator(".el-message", has_text="已变更为“下线”").wait_for()
    box.wait_for(state="hidden")
    drawer.get_by_text("该版本已下线").wait_for()
    assert state_in_db(session, "chart.bar") == "retired"
    assert drawer.get_by_role("button", name="下线此版本").count() == 0
    shot(page, request, "components-retired")


def test_a_manager_registers_a_component_and_uploads_its_manual(app, page, live_server, make_user, session, request):
    init_app(app)
    make_user("qian", "catalog_manager")
    log_in(page, live_server, "qian")
    open_library(page, live_server)

    page.get_by_role("button", name="登记组件").click()
    dialog = page.locator(".tg-component-dialog")
    dialog.wait_for()
    field(dialog, "组件编码").locator("input").fill("Acme Radar")
    dialog.get_by_role("button", name="登记").click()
    dialog.get_by_text("须为小写点分编码").wait_for()
    field(dialog, "组件编码").locator("input").fill("acme.radar")
    field(dialog, "组件名称").locator("input").fill("雷达图")
    field(dialog, "供应商").locator("input").fill("临江智慧城市科技有限公司")
    field(dialog, "说明").locator("textarea").fill("多维度指标对比，如各街道治理能力画像。")
    dialog.locator(".el-dialog__title").click()
    expect(dialog.locator(".el-form-item__error")).to_have_count(0)  # fixed fields are valid again
    shot(page, request, "components-register")
    dialog.get_by_role("button", name="登记").click()
    page.locator(".el-message", has_text="已登记").wait_for()
    dialog.wait_for(state="hidden")

    drawer = page.locator(".tg-component-drawer")
    drawer.locator(".el-drawer__title", has_text="雷达图").wait_for()
    expect(drawer).to_contain_text("第三方")
    expect(drawer.locator(".tg-versions")).to_contain_text("需求分析")
    with page.expect_file_chooser() as chooser:
        drawer.get_by_role("button", name="上传组件手册").click()
    chooser.value.set_files(files=[{"name": "雷达图组件手册.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator(".el-message", has_text="已上传").wait_for()
    expect(drawer.locator(".tg-versions")).to_contain_text("雷达图组件手册.pdf")

    # A picture posing as a PDF is refused with the reason.
    with page.expect_file_chooser() as chooser:
        drawer.get_by_role("button", name="上传接口文档").click()
    chooser.value.set_files(files=[{"name": "接口文档.pdf", "mimeType": "application/pdf",
                                    "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64}])
    page.locator(".el-message--error", has_text="不是允许的").wait_for()
    shot(page, request, "components-upload")

    session.rollback()
    version = session.scalar(select(ComponentVersion).join(ComponentVersion.component)
                             .where(Component.code == "acme.radar"))
    assert version.manual.filename == "雷达图组件手册.pdf" and version.api_doc is None
    assert card(page, "acme.radar").is_visible()
    expect(card(page, "acme.radar")).to_contain_text("第三方")


def test_a_handler_browses_the_library_without_manager_buttons(app, page, live_server, make_user, request):
    init_app(app)
    make_user("zhao", "handler")
    log_in(page, live_server, "zhao")
    open_library(page, live_server)
    assert page.get_by_role("button", name="登记组件").count() == 0
    page.locator('.tg-chip[data-category="map"]').click()
    expect(page.locator(".tg-component-card")).to_have_count(2)
    card(page, "map.points").click()
    drawer = page.locator(".tg-component-drawer")
    drawer.locator(".el-drawer__title", has_text="点位地图").wait_for()
    expect(drawer.locator(".tg-versions")).to_contain_text("1.0.0")
    for name in ("推进到“维护”", "上传组件手册", "添加版本", "编辑"):
        assert drawer.get_by_role("button", name=name).count() == 0
