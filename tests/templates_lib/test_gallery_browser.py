"""The scenario-template gallery in a real browser: an author saves a page of an app as a template
from the designer, finds the flood template by its domain and reads its detail, adds the saved page
to an app (it opens in the designer), then deletes the saved template; clones the flood scenario on
1,000 sample rows after a refused code (in the background: the clone's page follows it until it is
done), reads what the clone made, runs a drill and finds the clone under 我的场景; follows a clone
that fails and deletes its record.

Screenshots land in test-artifacts/templates-*.png."""
import json
import re

import pytest
from playwright.sync_api import expect

from builder import pages as app_pages, service as apps
from templates_lib.models import TemplateUse
from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


def choose(page, select, option):
    """Pick an option of an Element Plus select (its dropdown lives at the end of <body>)."""
    select.locator(".el-select__wrapper").click()
    page.locator(".el-select__popper:visible .el-select-dropdown__item", has_text=option).first.click()


@pytest.fixture
def board(session, system):
    """The app `board` (值班看板) with one page."""
    app = apps.app_create(session, system, {"code": "board", "name": "值班看板", "kind": "page"})
    session.flush()
    app_pages.app_page_create(session, system, app.id, {"code": "main", "name": "看板", "document": {
        "layout": "grid", "theme": "light", "params": [], "cards": [
            {"id": "t", "type": "text.title@1", "x": 0, "y": 0, "w": 24, "h": 2, "props": {"text": "值班看板"}}]}})
    session.commit()
    return app


def test_an_author_saves_a_page_as_a_template_and_adds_it_to_an_app(page, live_server, make_user, city, board,
                                                                    request):
    make_user("zhang", "author")
    log_in(page, live_server, "zhang")

    # 保存为模板 in the designer: a page of text cards is a page template
    page.goto(f"{live_server}/builder/apps/{board.id}")
    expect(page.locator(".tg-designer[data-ready=true]")).to_be_attached()
    page.locator(".tg-designer-save-template").click()
    dialog = page.locator(".tg-save-template-dialog")
    expect(dialog.locator(".tg-save-template-kind .is-active")).to_have_text("页面")
    expect(dialog.locator("input[name=name]")).to_have_value("看板")
    dialog.locator("input[name=code]").fill("duty_board")
    dialog.locator("input[name=name]").fill("值班看板页")
    dialog.locator("input[name=summary]").fill("值班室的一页看板")
    choose(page, dialog.locator(".tg-save-template-domains"), "城市管理")
    dialog.locator(".tg-save-template-lead").click()  # a multiple select stays open until the focus leaves
    dialog.locator(".tg-save-template-submit").click()
    expect(page.locator(".el-message--success")).to_contain_text("已保存到场景模板库")

    # the gallery: filtered by domain, the flood scenario and not the page saved for 城市管理
    page.goto(f"{live_server}/templates")
    flood = page.locator(".tg-tpl-card[data-code=flood]")
    saved = page.locator(".tg-tpl-card[data-code=duty_board]")
    expect(saved).to_contain_text("zhang 保存于")
    expect(saved.locator(".tg-tpl-try")).to_have_attribute("href", "/templates/duty_board/try")  # on the city's data
    saved.locator(".tg-tpl-try").click()
    page.wait_for_url(f"{live_server}/templates/duty_board/try")
    expect(page.locator(".tg-try-title")).to_contain_text("值班看板页")
    expect(page.locator(".tg-cv[data-card=t]")).to_contain_text("值班看板")
    page.goto(f"{live_server}/templates")
    choose(page, page.locator(".tg-templates-domain"), "城市安全")
    expect(saved).to_have_count(0)
    expect(flood).to_contain_text("防台防汛")
    expect(flood.locator(".tg-tpl-domain")).to_have_text(["城市安全"])
    expect(flood.locator(".tg-tpl-contents")).to_contain_text("2 预警规则")
    expect(flood.locator(".tg-tpl-try")).to_have_attribute("href", "/templates/flood/try")
    page.wait_for_timeout(300)
    shot(page, request, "templates-gallery")

    # 详情: the sources a clone may bind, the alert levels, the drills
    flood.locator(".tg-tpl-detail").click()
    drawer = page.locator(".tg-tpl-drawer")
    expect(drawer.locator(".tg-tpl-detail-sources")).to_contain_text("rainfall")
    drawer.locator(".el-collapse-item", has_text="rainfall").locator(".el-collapse-item__header").click()
    expect(drawer.locator(".tg-tpl-columns").first).to_contain_text("observed_at")
    expect(drawer.locator(".tg-tpl-detail-rules .tg-tpl-level").first).to_be_visible()
    expect(drawer.locator(".tg-tpl-detail-drills")).to_contain_text("江东区暴雨演练")
    page.wait_for_timeout(300)
    shot(page, request, "templates-detail")
    drawer.locator(".el-drawer__close-btn").click()
    expect(drawer).to_be_hidden()

    # 使用 the saved page: added to an app, opened in its designer
    page.locator(".tg-templates-domain .el-select__wrapper").hover()
    page.locator(".tg-templates-domain .el-select__clear").click()
    choose(page, page.locator(".tg-templates-kind"), "页面")
    expect(flood).to_have_count(0)
    saved.locator(".tg-tpl-use").click()
    dialog = page.locator(".tg-tpl-use-dialog")
    choose(page, dialog.locator(".tg-tpl-use-app"), "值班看板（board）")
    dialog.locator("input[name=code]").fill("copy")
    dialog.locator("input[name=name]").fill("看板副本")
    dialog.locator(".tg-tpl-use-submit").click()
    page.wait_for_url(re.compile(rf"/builder/apps/{board.id}#page=\d+$"))
    expect(page.locator(".tg-designer-pages .el-tabs__item.is-active")).to_have_text("看板副本")

    # the saver deletes it, after confirming
    page.goto(f"{live_server}/templates")
    saved.locator(".tg-tpl-delete").click()
    page.locator(".el-message-box .el-button--danger").click()
    expect(saved).to_have_count(0)
    expect(flood).to_be_visible()


def test_an_author_clones_the_flood_scenario_and_runs_a_drill(page, live_server, make_user, city, request):
    make_user("zhang", "author")
    log_in(page, live_server, "zhang")
    page.goto(f"{live_server}/templates")
    page.locator(".tg-tpl-card[data-code=flood] .tg-tpl-use").click()
    dialog = page.locator(".tg-tpl-use-dialog")
    expect(dialog.locator("input[name=name]")).to_have_value("防台防汛")
    expect(dialog.locator(".tg-tpl-use-source")).to_have_count(6)  # the platform's own alerts are not bound

    # a code the client refuses, then one the server takes; 1,000 rows to be quick
    dialog.locator("input[name=code]").fill("My-Flood")
    dialog.locator("input[name=name]").click()
    expect(dialog.locator(".el-form-item__error")).to_contain_text("编码须以小写字母开头")
    dialog.locator("input[name=code]").fill("my_flood")
    choose(page, dialog.locator(".tg-tpl-use-size"), "1,000 行")
    rainfall = dialog.locator(".tg-tpl-use-source[data-source=rainfall]")
    rainfall.locator(".el-radio-button", has_text="我的数据源").click()
    expect(rainfall.locator(".tg-tpl-use-column", has_text="observed_at")).to_be_visible()
    rainfall.locator(".el-radio-button", has_text="示例数据").click()
    shot(page, request, "templates-use-dialog")
    dialog.locator(".tg-tpl-use-submit").click()
    # queued (202): the clone's page at once, following the background job until it is done
    page.wait_for_url(re.compile(r"/templates/uses/\d+$"), timeout=15000)
    expect(page.locator(".tg-use-progress, .tg-use-name").first).to_be_visible()
    expect(page.locator(".tg-use-group[data-group=indicators] li")).to_have_count(10, timeout=90000)
    expect(page.locator(".tg-use-progress")).to_have_count(0)
    expect(page.locator(".tg-use-failed")).to_have_count(0)

    # what the clone made, each linked to where it is managed
    expect(page.locator(".tg-use-name")).to_have_text("防台防汛")
    expect(page.locator(".tg-use-group[data-group=alert_rules] li")).to_have_count(2)
    expect(page.locator(".tg-use-group[data-group=alert_rules] a").first).to_have_attribute("href", "/data/alerts")
    service = page.locator(".tg-use-group[data-group=services] a").first
    expect(service).to_have_attribute("href", re.compile(r"^/data/services/\d+$"))
    expect(page.locator(".tg-use-designer")).to_have_attribute("href", re.compile(r"^/builder/apps/\d+$"))
    expect(page.locator(".tg-use-run")).to_have_count(0)  # not published yet: a hint instead
    expect(page.locator(".tg-use-publish-hint")).to_contain_text("发布后才能打开大屏")

    # 演练: alerts raised at once, events reported
    page.locator(".tg-use-drill[data-drill=rainstorm] .tg-use-drill-run").click()
    result = page.locator(".tg-use-result[data-drill=rainstorm]")
    expect(result.locator(".tg-use-alerts .el-table__row").first).to_be_visible(timeout=30000)
    expect(result.locator(".tg-use-events a.tg-use-event").first).to_have_attribute("href", re.compile(r"^/events/\d+$"))
    page.evaluate("window.scrollTo(0, 0)")  # the platform's bar is sticky: a full-page shot from the top
    page.wait_for_timeout(300)
    shot(page, request, "templates-use-page")

    # 我的场景
    page.goto(f"{live_server}/templates?tab=uses")
    row = page.locator(".tg-uses-table .el-table__row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("my_flood")
    expect(row.locator(".tg-use-state")).to_have_text("已完成")
    row.locator(".tg-use-link").click()
    page.wait_for_url(re.compile(r"/templates/uses/\d+$"))


def test_a_clone_that_fails_is_followed_and_its_record_deleted(page, live_server, make_user, session, request):
    """The page follows a clone while it runs (the first answers are made to say so), shows why it
    failed and deletes the record, which frees its code."""
    author = make_user("zhang", "author")
    failed = TemplateUse(template_code="flood", template_version="1.0.0", kind="scenario", code="jd_flood",
                         name="江东防汛", seed=1, size=1_000_000, state="failed", stage="失败", progress=55,
                         message="数据源 rainfall 缺少列 observed_at", bindings={}, objects={}, created_by=author.id)
    session.add(failed)
    session.commit()
    use_id = failed.id
    log_in(page, live_server, "zhang")

    # 我的场景: the failed clone, tagged
    page.goto(f"{live_server}/templates?tab=uses")
    row = page.locator(".tg-uses-table .el-table__row", has_text="jd_flood")
    expect(row.locator(".tg-use-state")).to_have_text("失败")

    # the clone's page while it runs: two answers say "running", then the real (failed) one comes
    running = [0]

    def still_running(route):
        if route.request.method != "GET" or running[0] >= 2:
            return route.fallback()
        running[0] += 1
        answer = route.fetch()
        body = answer.json()
        body.update(state="running", stage="载入示例数据", progress=25, message="")
        route.fulfill(response=answer, body=json.dumps(body))

    page.route(f"**/api/v1/template-uses/{use_id}", still_running)
    page.goto(f"{live_server}/templates/uses/{use_id}")
    progress = page.locator(".tg-use-progress")
    expect(progress).to_have_attribute("data-state", "running")
    expect(progress).to_contain_text("正在创建场景 江东防汛（jd_flood）")
    expect(progress).to_contain_text("载入示例数据")
    expect(progress).to_contain_text("25%")
    shot(page, request, "templates-use-progress")

    # polled every second: it fails with its reason
    failure = page.locator(".tg-use-failed")
    expect(failure).to_contain_text("数据源 rainfall 缺少列 observed_at", timeout=10000)
    expect(progress).to_have_count(0)
    assert running[0] == 2
    expect(failure.locator(".tg-use-failed-back")).to_have_attribute("href", "/templates")
    shot(page, request, "templates-use-failed")

    # deleted after confirming: back to the gallery, the code free again
    failure.locator(".tg-use-failed-delete").click()
    page.locator(".el-message-box .el-button--danger").click()
    page.wait_for_url(f"{live_server}/templates")
    session.expire_all()
    assert session.get(TemplateUse, use_id) is None
