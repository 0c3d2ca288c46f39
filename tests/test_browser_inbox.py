"""The inbox bell in the top bar and the subscriptions tab of a data service, in a real browser.

Screenshots land in test-artifacts/inbox-*.png."""
import pytest
from playwright.sync_api import expect

from runtime.services import service, subscriptions
from runtime.services.models import DataServiceDelivery, DataServiceSubscription
from runtime.sources import service as sources
from tests.browser_support import log_in, shot
from tongguan.inbox import service as inbox
from tongguan.permissions import Actor

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fresh_engines():
    """Pooled source engines are keyed by (source id, version): ids repeat across test databases."""
    for engine in service._engines.values():
        engine.dispose()
    service._engines.clear()
    yield


@pytest.fixture
def rain(session, system):
    src = sources.source_create(session, system, {"code": "rain", "name": "雨量", "kind": "file"}, sources.Policy())
    session.flush()
    sources.source_upload(session, system, src.id, "district,mm\n江东区,10\n".encode(), "rain.csv")
    session.commit()
    svc = service.service_create(session, system, {"code": "rain_rows", "name": "雨量", "source_id": src.id,
                                                   "kind": "table", "definition": {"table": src.file_table}})
    service.service_set_state(session, system, svc.id, "online")
    session.commit()
    return svc


def url_field(page):
    return page.locator(".tg-sub-url-item")


def test_a_subscriber_hears_of_a_change_through_the_bell_and_adds_a_webhook(page, live_server, app, session, make_user,
                                                                           rain, request):
    reader = make_user("reader", "handler")
    page.goto(f"{live_server}/login")
    expect(page.locator("input[name=username]")).to_be_visible()
    expect(page.locator("#tg-inbox-bell, .tg-inbox-bell")).to_have_count(0)  # not before signing in

    log_in(page, live_server, "reader")
    page.goto(f"{live_server}/data/services/{rain.id}")
    bell = page.locator(".tg-inbox-bell")
    expect(bell).to_be_visible()
    expect(bell).to_have_attribute("data-unread", "0")
    expect(page.locator(".tg-inbox-badge")).to_have_count(0)
    bell.click()
    popper = page.locator(".tg-inbox-popper")
    expect(popper.locator(".el-empty")).to_contain_text("暂无消息")
    expect(popper.locator(".tg-inbox-all")).to_be_disabled()
    bell.click()
    expect(popper).to_be_hidden()

    # An in-app subscription from the 订阅 tab.
    page.locator("#tab-subscriptions").click()
    tab = page.locator(".tg-subscriptions")
    expect(tab.locator(".tg-subs-table .el-table__empty-text")).to_have_text("还没有订阅")
    tab.locator(".tg-sub-add").click()
    page.locator(".el-message", has_text="已订阅").wait_for()
    rows = tab.locator(".tg-subs-table tr.tg-sub-inapp, .tg-subs-table tr.tg-sub-webhook")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".tg-sub-channel")).to_have_text("站内消息")
    expect(rows.first.locator(".tg-sub-watch")).to_have_text(["定义变更", "数据变更"])
    session.expire_all()
    assert session.query(DataServiceSubscription).filter_by(user_id=reader.id, channel="inapp").count() == 1

    # The service changes elsewhere; the bell hears of it when the window regains focus.
    service.service_update(session, Actor.system("t"), rain.id, {"name": "各站雨量"})
    session.commit()
    page.wait_for_timeout(1100)  # focus right after a refresh is not worth a request
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(page.locator(".tg-inbox-badge")).to_have_text("1")

    # On any signed-in page, server-rendered ones too.
    page.goto(f"{live_server}/")
    expect(page.locator(".tg-inbox-badge")).to_have_text("1")
    bell.click()
    item = popper.locator(".tg-inbox-item")
    expect(item).to_have_count(1)
    expect(item.first).to_contain_text("各站雨量")
    expect(item.first).to_contain_text("定义已变更")
    expect(item.first.locator(".tg-inbox-time")).to_have_text("刚刚")
    expect(popper.locator(".tg-inbox-item.unread")).to_have_count(1)
    shot(page, request, "inbox-bell-open")
    item.first.click()
    page.wait_for_url(f"{live_server}/data/services/{rain.id}")
    expect(page.locator(".tg-inbox-bell")).to_have_attribute("data-unread", "0")
    expect(page.locator(".tg-inbox-badge")).to_have_count(0)
    session.expire_all()
    assert inbox.inbox_unread(session, Actor.for_user(reader)) == 0
    bell.click()
    expect(popper.locator(".tg-inbox-item.unread")).to_have_count(0)
    expect(popper.locator(".tg-inbox-item")).to_have_count(1)
    bell.click()
    expect(popper).to_be_hidden()

    # A webhook to an internal address: refused under the field until the host is allowed.
    page.locator("#tab-subscriptions").click()
    tab.locator(".tg-sub-channel-pick").get_by_text("Webhook").click()
    url_field(page).locator("input").fill("http://127.0.0.1:9/hook")
    tab.locator(".tg-sub-add").click()
    expect(url_field(page).locator(".el-form-item__error")).to_contain_text("内部地址")
    shot(page, request, "inbox-webhook-refused")

    app.config["HTTP_SOURCE_ALLOWED_HOSTS"] = ["127.0.0.1"]
    tab.locator(".tg-sub-add").click()
    dialog = page.locator(".tg-sub-secret-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("请妥善保存，仅显示一次")
    expect(dialog).to_contain_text("X-Tongguan-Signature")
    secret = dialog.locator(".tg-secret-input input").input_value()
    assert len(secret) >= 32
    shot(page, request, "inbox-webhook-secret")
    dialog.get_by_role("button", name="我已保存").click()
    expect(dialog).to_be_hidden()
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator(".tg-sub-url")).to_have_text("http://127.0.0.1:9/hook")
    session.expire_all()
    hook = session.query(DataServiceSubscription).filter_by(channel="webhook").one()
    assert hook.secret and secret not in hook.secret  # kept encrypted

    # A change queues a call; nothing listens on port 9, so it is retried.
    service.service_update(session, Actor.system("t"), rain.id, {"name": "雨量（各站）"})
    session.commit()
    assert subscriptions.send_pending(session) == (0, 1)
    session.commit()
    assert session.query(DataServiceDelivery).one().attempts == 1
    rows.nth(1).locator(".el-table__expand-icon").click()
    deliveries = tab.locator(".tg-deliveries-table .el-table__row")
    expect(deliveries).to_have_count(1)
    expect(deliveries.first.locator(".tg-delivery-status")).to_have_text("重试中")
    expect(deliveries.first).to_contain_text("定义变更")
    expect(deliveries.first.locator(".tg-delivery-error")).not_to_be_empty()
    shot(page, request, "inbox-subscriptions")

    # Unsubscribing asks first.
    rows.first.locator(".tg-sub-delete").click()
    box = page.locator(".el-message-box")
    expect(box).to_contain_text("不再收到")
    box.get_by_role("button", name="取消订阅").click()
    page.locator(".el-message", has_text="已取消订阅").wait_for()
    expect(rows).to_have_count(1)
    session.expire_all()
    assert session.query(DataServiceSubscription).filter_by(channel="inapp").count() == 0
