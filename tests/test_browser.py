"""The UI in a real browser: headless Chromium (Debian's), driven by Playwright.

Screenshots land in test-artifacts/ for a person to look at."""
import pytest

from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


def test_a_user_logs_in_switches_to_english_and_sees_the_navigation(page, live_server, make_user, request):
    make_user("chen", "author")
    page.goto(f"{live_server}/login")
    assert page.locator("h2").inner_text() == "登录"
    shot(page, request, "login-zh")
    log_in(page, live_server, "chen")
    nav = page.locator("nav.tg-nav")
    assert nav.locator("a").all_inner_texts() == ["目录", "场景构建", "场景模板", "事件", "流程", "数据与指标", "报告", "系统管理"]
    shot(page, request, "home-zh")

    page.click("button[data-locale=en]")
    page.wait_for_load_state()
    assert nav.locator("a").all_inner_texts() == ["Catalog", "Builder", "Scenario templates", "Events", "Flows", "Data & indicators", "Reports", "Admin"]
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, request, "home-en")

    page.click("button[data-locale=zh_CN]")
    page.wait_for_load_state()
    assert nav.locator("a").first.inner_text() == "目录"


def test_a_wrong_password_shows_a_chinese_message(page, live_server, make_user):
    make_user("chen", "author")
    page.goto(f"{live_server}/login")
    page.fill("input[name=username]", "chen")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit].tg-btn-primary")
    assert "用户名或密码错误" in page.locator(".tg-alert").inner_text()


def test_the_navigation_folds_into_a_menu_on_a_phone(browser, live_server, make_user, request):
    make_user("chen", "author")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    log_in(phone, live_server, "chen")
    assert not phone.locator("nav.tg-nav").is_visible()
    phone.click("label.tg-burger")
    assert phone.locator("nav.tg-nav a", has_text="目录").is_visible()
    shot(phone, request, "phone-menu")
    context.close()


def test_an_admin_reads_the_audit_log_in_the_vue_page(page, live_server, make_user, request):
    make_user("boss", "admin")
    log_in(page, live_server, "boss")
    page.goto(f"{live_server}/admin/audit")
    table = page.locator(".el-table")
    table.wait_for()
    page.locator(".el-table__row", has_text="user_create").first.wait_for()
    assert page.locator(".el-table__row").count() >= 2
    shot(page, request, "audit")


def test_a_user_creates_and_revokes_a_token_with_confirmation(page, live_server, make_user, request):
    make_user("chen", "author")
    log_in(page, live_server, "chen")
    page.goto(f"{live_server}/account/tokens")
    page.get_by_role("button", name="新建令牌").click()
    dialog = page.locator(".el-dialog").filter(has=page.locator("input"))
    dialog.locator("input").first.fill("巡检脚本")
    dialog.get_by_role("button", name="创建").click()
    secret = page.locator(".tg-secret-input input")
    secret.wait_for()
    assert secret.input_value().startswith("tg_")
    shot(page, request, "token-created")
    page.get_by_role("button", name="我已保存").click()
    row = page.locator(".el-table__row", has_text="巡检脚本")
    row.get_by_role("button", name="吊销").click()
    box = page.locator(".el-message-box")
    box.wait_for()
    assert "不可撤销" in box.inner_text()
    box.get_by_role("button", name="吊销").click()
    page.locator(".el-message", has_text="令牌已吊销").wait_for()
    row.get_by_role("button", name="吊销").wait_for(state="detached")
