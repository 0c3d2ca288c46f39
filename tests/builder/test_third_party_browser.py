"""A third-party iframe component on a published big screen, in a real browser: the vendor's page
(tests/builder/test_component_packages.py's tiny renderer) draws the rows it is posted, and its
attempt to read parent.document fails, because the iframe is sandboxed without allow-same-origin.
A third-party Vega-Lite donut on the same page draws its filled template.

Screenshot: test-artifacts/run-third-party-*.png."""
import pytest
from playwright.sync_api import expect

from tests.browser_support import log_in, shot
from tests.builder.conftest import NOW, screen
from tests.builder.test_component_packages import card, descriptor, files_of, iframe_descriptor, pack, release

pytestmark = pytest.mark.browser

DAY = NOW.date().isoformat()


def test_an_iframe_component_draws_the_rows_posted_to_it_and_cannot_reach_the_page(
        page, live_server, app, session, make_user, city_data, publish, request):
    from builder import component_packages
    from tongguan.permissions import Actor

    manager = Actor.for_user(make_user("cm", "catalog_manager"))
    for doc in (iframe_descriptor(), descriptor()):
        component_packages.component_package_upload(session, manager, pack(files_of(doc)),
                                                    storage_path=app.config["STORAGE_PATH"])
        session.commit()
        release(session, manager, doc["code"])
    frame_card = {**card("vendor.frame@1", "f1", title="各区事件（第三方）"), "x": 40, "y": 40, "w": 900, "h": 500}
    donut_card = {**card("vendor.donut@1", "d1", title="占比"), "x": 980, "y": 40, "w": 900, "h": 500}
    publish("tp_screen", screen(frame_card, donut_card,
                                params=[{"name": "day", "title": "日期", "type": "date", "default": DAY}]))
    make_user("leader1", "leader")
    log_in(page, live_server, "leader1")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server}/run/tp_screen/main")

    iframe = page.locator(".tg-cv[data-card='f1'] iframe")
    expect(iframe).to_have_attribute("sandbox", "allow-scripts")
    body = page.frame_locator(".tg-cv[data-card='f1'] iframe").locator("body")
    expect(body).to_have_attribute("data-drawn", "3")  # the three districts, posted by the page
    expect(body.locator("#rows li")).to_have_count(3)
    expect(body.locator("#rows")).to_contain_text("江东区 3 各区事件（第三方）")  # rows and props
    expect(body.locator("#probe")).to_have_text("parent blocked")  # parent.document is out of its reach
    # the donut: a Vega-Lite arc per district
    expect(page.locator(".tg-cv[data-card='d1'] svg .mark-arc path")).to_have_count(3)
    page.wait_for_timeout(300)
    shot(page, request, "run-third-party")


def test_a_catalog_manager_uploads_a_package_and_sees_every_reason_of_a_refusal(
        page, live_server, make_user, request, tmp_path):
    from tests.builder.test_component_packages import PROPS_SCHEMA  # noqa: F401

    make_user("cm", "catalog_manager")
    bad = tmp_path / "bad.zip"
    bad.write_bytes(pack(files_of(descriptor(category="spaceship", renderer={"kind": "vega-lite", "template": {
        "data": {"url": "https://example.com/x.json"}, "mark": "bar"}}))))
    good = tmp_path / "good.zip"
    good.write_bytes(pack(files_of(iframe_descriptor())))
    log_in(page, live_server, "cm")
    page.goto(f"{live_server}/catalog/components")
    upload = page.locator("input[type=file][accept='.zip']")
    upload.set_input_files(str(bad))
    dialog = page.locator(".el-dialog", has_text="组件包未通过检查")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".tg-package-reasons li")).to_have_count(2)
    expect(dialog).to_contain_text("未知的组件分类")
    expect(dialog).to_contain_text("renderer.template.data")
    page.wait_for_timeout(300)
    shot(page, request, "component-package-refused")
    dialog.get_by_role("button", name="知道了").click()
    upload.set_input_files(str(good))
    expect(page.locator(".el-message--success")).to_contain_text("vendor.frame")
    expect(page.locator(".tg-component-library")).to_contain_text("列表框（第三方）")
    page.wait_for_timeout(300)
    shot(page, request, "component-package-uploaded")
