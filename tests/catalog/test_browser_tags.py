"""The tag workbench in a real browser: apply for a grant, get it approved, see the clear value.

Screenshots land in test-artifacts/tags-*.png."""
import pytest
from sqlalchemy import select

from catalog.tags import service
from catalog.tags.models import TagGrant
from tests.browser_support import log_in, shot
from tongguan.permissions import Actor

pytestmark = pytest.mark.browser

PHONE = "13812341234"


def open_tag(page, base, code, name):
    page.goto(f"{base}/catalog/tags")
    page.locator(".tg-tag-row", has_text=code).first.click()
    page.locator(".tg-tag-detail h2", has_text=name).wait_for()


def test_a_user_applies_an_approver_grants_in_the_ui_and_the_value_turns_clear(page, live_server, session, make_user,
                                                                              request):
    owner = Actor.for_user(make_user("wang", "catalog_manager", department="city"))
    make_user("zhao", "handler", department="water")
    service.seed_demo(session, owner)
    tag = service.tag_list(session, owner, q="complainant.phone").items[0]
    session.commit()

    log_in(page, live_server, "zhao")
    open_tag(page, live_server, "complainant.phone", "手机号")
    values = page.locator(".tg-values-table")
    values.get_by_text("138****1234").wait_for()
    assert values.get_by_text("已脱敏").count() >= 1
    assert PHONE not in page.content()
    shot(page, request, "tags-masked")

    page.locator(".tg-masked-notice .tg-apply-btn").click()
    dialog = page.locator(".tg-apply-dialog")
    dialog.get_by_role("button", name="提交申请").click()
    dialog.get_by_text("请填写申请理由").wait_for()  # nothing sent without a reason
    dialog.locator("textarea").fill("排水报修需要回访诉求人")
    dialog.get_by_role("button", name="提交申请").click()
    page.get_by_text("本部门的申请正在审批中。").wait_for()
    shot(page, request, "tags-applied")

    # The approver decides in the UI.
    page.context.clear_cookies()
    log_in(page, live_server, "wang")
    open_tag(page, live_server, "complainant.phone", "手机号")
    page.locator(".tg-values-table").get_by_text(PHONE).wait_for()  # the owner's department sees it clear
    page.get_by_role("tab", name="授权").click()
    row = page.locator(".tg-grants-table .el-table__row", has_text="排水报修需要回访诉求人")
    row.get_by_role("button", name="批准").click()
    page.locator(".tg-decide-dialog").get_by_role("button", name="确定").click()
    row.get_by_text("已授权").wait_for()
    shot(page, request, "tags-granted")
    session.expire_all()
    assert session.scalar(select(TagGrant.state).where(TagGrant.tag_id == tag.id, TagGrant.reason.like("排水报修%"))) == "granted"

    # The applicant now sees the clear value.
    page.context.clear_cookies()
    log_in(page, live_server, "zhao")
    open_tag(page, live_server, "complainant.phone", "手机号")
    page.locator(".tg-values-table").get_by_text(PHONE).wait_for()
    assert page.locator(".tg-values-table").get_by_text("已脱敏").count() == 0
    shot(page, request, "tags-clear")


def test_the_favourites_page_lists_my_favourite_tags(page, live_server, session, make_user, request):
    owner = Actor.for_user(make_user("wang", "catalog_manager", department="city"))
    reader = Actor.for_user(make_user("zhao", "handler", department="water"))
    service.seed_demo(session, owner)
    plate = service.tag_list(session, owner, q="vehicle.plate").items[0]
    service.tag_favourite(session, reader, plate.id)
    session.commit()
    log_in(page, live_server, "zhao")
    page.goto(f"{live_server}/catalog/favourites")
    page.locator(".tg-fav-table").get_by_text("车牌号").wait_for()
    shot(page, request, "tags-favourites")
    page.get_by_role("button", name="取消收藏").click()
    page.get_by_text("还没有收藏的标签").wait_for()
