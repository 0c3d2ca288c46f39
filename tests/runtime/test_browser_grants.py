"""A data service's 授权 tab (departments and apps allowed to call it) in a real browser.

Screenshots land in test-artifacts/data-grants-*.png."""
import pytest
from playwright.sync_api import expect

from builder import service as builder
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
    """A table service on an uploaded file, owned by the water bureau."""
    src = sources.source_create(session, system, {"code": "rain", "name": "雨量", "kind": "file"}, sources.Policy())
    session.flush()
    sources.source_upload(session, system, src.id, "district,mm\n江东区,60\n江西区,15\n".encode(), "rain.csv")
    session.commit()
    svc = services.service_create(session, system, {
        "code": "rain_rows", "name": "雨量", "source_id": src.id, "kind": "table",
        "definition": {"table": src.file_table}, "owner_department_id": org["water"].id})
    session.commit()
    return svc


@pytest.fixture
def apps(session, system):
    screen = builder.app_create(session, system, {"code": "flood_screen", "name": "防汛大屏", "kind": "screen"})
    draft = builder.app_create(session, system, {"code": "rain_card", "name": "雨量卡片", "kind": "card"})
    session.flush()
    builder.app_update(session, system, screen.id, {"state": "published"})
    session.commit()
    return {"published": screen, "draft": draft}


def test_an_operator_grants_a_street_and_an_app_then_revokes_the_street(page, live_server, make_user, org, rain,
                                                                         apps, session, system, request):
    make_user("data_op", "data_operator", department="water")
    log_in(page, live_server, "data_op")
    page.goto(f"{live_server}/data/services/{rain.id}")
    page.locator(".tg-builder-tabs .el-tabs__item", has_text="授权").click()
    grants = page.locator(".tg-service-grants")
    expect(grants.locator(".tg-grants-rules")).to_contain_text("授权给应用后，已发布应用的页面可为其访问者调用")
    depts = grants.locator(".tg-grants-depts")
    app_card = grants.locator(".tg-grants-apps")
    expect(depts).to_contain_text("还没有授权给任何部门")
    expect(depts.locator(".tg-grants-owner")).to_contain_text("市水务局")
    expect(app_card).to_contain_text("还没有授权给任何应用")

    # A street, picked in the department tree.
    depts.locator(".tg-grant-pick .el-select__wrapper").click()
    street = page.locator(".tg-grant-dept-popper:visible .el-tree-node__content", has_text="滨湖街道")
    street.wait_for()
    page.wait_for_timeout(300)
    shot(page, request, "data-grants-pick-department")
    street.click()
    depts.get_by_role("button", name="授权").click()
    page.locator(".el-message", has_text="已授权给部门“滨湖街道”").wait_for()
    item = depts.locator(".tg-grant-item", has_text="滨湖街道")
    expect(item.locator(".tg-grant-level")).to_have_text("街镇")
    expect(item).to_contain_text("临江市城运中心 / 江东区")

    # The published app; the draft one is offered too, but not picked.
    app_card.locator(".tg-grant-pick .el-select__wrapper").click()
    options = page.locator(".tg-grant-app-popper:visible .el-select-dropdown__item")
    expect(options).to_have_count(2)
    options.filter(has_text="防汛大屏").click()
    app_card.get_by_role("button", name="授权").click()
    page.locator(".el-message", has_text="已授权给应用“防汛大屏”").wait_for()
    listed = app_card.locator(".tg-grant-item", has_text="防汛大屏")
    expect(listed).to_contain_text("flood_screen")
    expect(listed.locator(".tg-grant-kind")).to_have_text("大屏")
    expect(listed.locator(".tg-grant-state")).to_have_text("已发布")
    expect(listed.locator(".tg-grant-warning")).to_have_count(0)
    session.rollback()
    assert services.service_grants(session, system, rain.id) == {"departments": [org["street"].id],
                                                                 "apps": [apps["published"].id]}
    page.locator(".el-message").last.wait_for(state="hidden")
    shot(page, request, "data-grants-granted")

    # Revoking asks first: cancelling keeps the grant, confirming removes it.
    item.get_by_role("button", name="撤销").click()
    box = page.locator(".el-message-box:visible")
    expect(box).to_contain_text("撤销部门“滨湖街道”调用此服务的授权？")
    page.wait_for_timeout(400)
    shot(page, request, "data-grants-confirm")
    box.get_by_role("button", name="取消").click()
    box.wait_for(state="hidden")
    expect(item).to_be_visible()
    item.get_by_role("button", name="撤销").click()
    box = page.locator(".el-message-box:visible")
    box.get_by_role("button", name="撤销", exact=True).click()
    page.locator(".el-message", has_text="已撤销部门“滨湖街道”的授权").wait_for()
    item.wait_for(state="detached")
    expect(depts).to_contain_text("还没有授权给任何部门")
    expect(app_card.locator(".tg-grant-item")).to_have_count(1)
    session.rollback()
    assert services.service_grants(session, system, rain.id) == {"departments": [], "apps": [apps["published"].id]}


def test_a_handler_sees_the_grants_read_only(page, live_server, make_user, org, rain, apps, session, system, request):
    services.service_grant(session, system, rain.id, org["street"].id)
    services.service_grant_app(session, system, rain.id, apps["draft"].id)
    session.commit()
    make_user("zhao", "handler", department="street")
    log_in(page, live_server, "zhao")
    page.goto(f"{live_server}/data/services/{rain.id}")
    page.locator(".tg-builder-tabs .el-tabs__item", has_text="授权").click()
    grants = page.locator(".tg-service-grants")
    depts = grants.locator(".tg-grants-depts")
    app_card = grants.locator(".tg-grants-apps")
    expect(depts.locator(".tg-grant-item")).to_have_count(1)
    expect(depts.locator(".tg-grant-item")).to_contain_text("滨湖街道")
    draft = app_card.locator(".tg-grant-item", has_text="雨量卡片")
    expect(draft.locator(".tg-grant-state")).to_have_text("草稿")
    expect(draft.locator(".tg-grant-warning")).to_have_text("应用未发布，授权暂不生效")
    expect(grants.locator(".tg-grant-revoke")).to_have_count(0)
    expect(grants.locator(".tg-grant-add")).to_have_count(0)
    expect(grants.get_by_role("button", name="授权")).to_have_count(0)
    page.wait_for_timeout(400)
    shot(page, request, "data-grants-read-only")
