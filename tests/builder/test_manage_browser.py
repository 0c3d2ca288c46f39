"""The app-management page /builder/apps/<id>/manage and /builder/environments in a real browser:
an administrator exports a release, imports it back as a new version (the 409 dialog), registers
a second live instance as an environment, checks it, deploys release 1 there, and opens an API
service with a token whose secret is shown once.

The second instance is a Flask app of its own on a SQLite file, served on 127.0.0.1 and trusting
this platform's signing key (see `instance` in test_transfer and `serve` in test_environments).
Screenshots land in test-artifacts/manage-*.png."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from builder import pages
from builder.models import AppPage
from runtime.services import service as services
from tests.browser_support import log_in, shot
from tests.builder.conftest import screen
from tests.builder.test_environments import active, serve  # noqa: F401 (fixture)
from tests.builder.test_transfer import instance, keyring, sqlite_template, title  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def settled_shot(page, request, name):
    page.wait_for_timeout(400)  # dialogs and drawers fade in
    shot(page, request, name)


def test_an_admin_exports_imports_deploys_a_release_and_opens_an_api_service(
        page, live_server, session, system, make_user, city_data, publish, instance, serve, request):
    # release 1 and a different release 2: importing release 1's package then makes release 3
    app = publish("ops_board", screen(title(text="城运值班")))
    main = session.scalar(select(AppPage).where(AppPage.app_id == app.id))
    pages.app_page_save(session, system, app.id, main.id, screen(title(text="城运值班（第二版）")))
    pages.app_release_create(session, system, app.id, note="第二版")
    services.service_grant_app(session, system, city_data["service"].id, app.id)  # offerable as an API
    session.commit()
    target = instance("test_env")
    target_url = serve(target.app)
    make_user("admin1", "admin")
    log_in(page, live_server, "admin1")

    page.goto(f"{live_server}/builder/apps/{app.id}/manage")
    releases = page.locator("[data-test=releases] .el-table__body tr")
    expect(releases).to_have_count(2)
    expect(releases.first).to_contain_text("当前")

    # export release 1: a download named after the app and the release
    with page.expect_download() as got:
        releases.nth(1).locator("[data-test=export]").click()
    download = got.value
    assert download.suggested_filename == "ops_board-1.zip"

    # import it back: the code is taken, so the dialog offers the two ways; as a new version
    page.set_input_files("[data-test=import-file]", download.path())
    conflict = page.locator(".el-dialog[data-test=conflict]")
    expect(conflict).to_contain_text("重命名导入")
    expect(conflict).to_contain_text("ops_board")
    settled_shot(page, request, "manage-import-conflict")
    conflict.locator("[data-test=new-version]").click()
    expect(releases).to_have_count(3)
    expect(releases.first).to_contain_text("第 3 版")
    expect(page.locator(".el-alert--success")).to_contain_text("第 3 版")
    settled_shot(page, request, "manage-releases")

    # register the second instance as an environment and check it
    page.goto(f"{live_server}/builder/environments")
    page.click("[data-test=env-create]")
    dialog = page.locator(".el-dialog[data-test=env-dialog]")
    dialog.locator("input[data-test=env-code]").fill("test")
    dialog.locator("input[data-test=env-name]").fill("测试环境")
    dialog.locator("input[data-test=env-url]").fill(target_url)
    dialog.locator("input[data-test=env-token]").fill(target.token)
    dialog.locator("[data-test=env-save]").click()
    row = page.locator("[data-test=environments] .el-table__body tr", has_text="测试环境")
    expect(row).to_contain_text("已设置")
    assert target.token not in page.content()  # write-only
    row.locator("[data-test=env-check]").click()
    check = page.locator(".el-dialog[data-test=env-check-result]")
    expect(check).to_contain_text("连接正常，可以部署")
    expect(check).to_contain_text("deployer")
    settled_shot(page, request, "manage-environment-check")
    check.get_by_role("button", name="知道了").click()

    # deploy release 1 there: its own result, then 成功 in the history
    page.goto(f"{live_server}/builder/apps/{app.id}/manage#deploy")
    page.locator("[data-test=deploy-release]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="第 1 版").click()
    page.locator("[data-test=deploy-targets] .el-checkbox", has_text="测试环境").click()
    page.click("[data-test=deploy]")
    expect(page.locator("[data-test=deploy-progress] li.is-succeeded")).to_contain_text("测试环境")
    history = page.locator("[data-test=deploy-history] .el-table__body tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("成功")
    expect(history.first).to_contain_text("第 1 版")
    assert active(target, "ops_board") == (1, 1)
    settled_shot(page, request, "manage-deploy")

    # an API service over the granted data service, online, with a token shown once
    page.locator(".el-tabs__item", has_text="API 服务").click()
    page.click("[data-test=api-create]")
    editor = page.locator(".el-dialog[data-test=api-dialog]")
    editor.locator("input[data-test=api-code]").fill("events_open")
    editor.locator("input[data-test=api-name]").fill("事件开放接口")
    editor.locator("[data-test=api-state] label", has_text="上线").click()
    editor.locator("[data-test=add-service]").click()
    editor.locator("[data-test=item-code]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="city_events").click()
    settled_shot(page, request, "manage-api-edit")
    editor.locator("[data-test=api-save]").click()
    api_row = page.locator("[data-test=api-services] .el-table__body tr", has_text="events_open")
    expect(api_row).to_contain_text("上线")
    expect(api_row).to_contain_text("/api/open/v1/ops_board/events_open")
    api_row.get_by_role("button", name="令牌与地址").click()
    drawer = page.locator(".el-drawer[data-test=api-tokens]")
    expect(drawer.locator("[data-test=api-addresses]")).to_contain_text("/services/city_events")
    drawer.locator("input[data-test=token-name]").fill("区平台对接")
    drawer.locator("[data-test=token-create]").click()
    secret = page.locator(".el-dialog[data-test=token-secret] input")
    expect(secret).to_have_value(re.compile(r"^tgo_"))
    settled_shot(page, request, "manage-api-token")
    token = secret.input_value()
    page.get_by_role("button", name="我已保存").click()
    expect(drawer.locator("[data-test=token-list] .el-table__body tr")).to_have_count(1)
    assert token not in page.content()  # shown once
    drawer.locator(".el-drawer__close-btn").click()
    expect(drawer).to_be_hidden()
    settled_shot(page, request, "manage-api-list")

    # the token calls the endpoint the page shows
    answer = page.request.get(f"{live_server}/api/open/v1/ops_board/events_open/services/city_events",
                              headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200, answer.text()
