"""The admin pages for users and departments (Vue + Element Plus) in a real browser.

Screenshots land in test-artifacts/admin-*.png."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser_support import log_in, shot
from tongguan.accounts import service
from tongguan.accounts.models import User

pytestmark = pytest.mark.browser


STALE = "该记录已被他人修改，请刷新后重试"


def field(scope, label):
    """The el-form-item whose label is exactly `label`."""
    return scope.locator(".el-form-item").filter(has=scope.page.get_by_text(label, exact=True))


def pick(page, popper_class, text):
    """Click the visible option `text` in a teleported Element Plus dropdown."""
    items = page.locator(f".{popper_class}:visible").locator(".el-select-dropdown__item, .el-tree-node__content")
    items.filter(has_text=text).first.click()


def users_row(page, text):
    return page.locator(".el-table__body-wrapper .el-table__row", has_text=text)


def user_in_db(session, username):
    session.rollback()
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def open_users(page, base):
    page.goto(f"{base}/admin/users")
    page.locator(".el-table__body-wrapper .el-table__row").first.wait_for()


def open_departments(page, base):
    page.goto(f"{base}/admin/departments")
    page.locator(".el-tree-node").first.wait_for()


def tree_node(page, name):
    return page.locator(".el-tree-node__content").filter(has=page.locator(".tg-node-name", has_text=name)).first


def test_an_admin_creates_a_user_through_the_dialog(page, live_server, make_user, org, session, request):
    make_user("boss", "admin")
    log_in(page, live_server, "boss")
    open_users(page, live_server)
    shot(page, request, "admin-users")

    page.get_by_role("button", name="新建用户").click()
    dialog = page.locator(".tg-user-dialog")
    dialog.wait_for()
    # Client-side validation first: nothing filled in, nothing sent.
    dialog.get_by_role("button", name="创建").click()
    dialog.get_by_text("请输入用户名").wait_for()
    field(dialog, "用户名").locator("input").fill("zhao.liu")
    field(dialog, "姓名").locator("input").fill("赵六")
    field(dialog, "密码").locator("input").fill("short")
    field(dialog, "邮箱").locator("input").fill("zhao@example.cn")
    dialog.get_by_role("button", name="创建").click()
    dialog.get_by_text("密码至少 8 位").wait_for()
    field(dialog, "密码").locator("input").fill("a-long-password")

    field(dialog, "所属部门").locator(".el-select__wrapper").click()
    pick(page, "tg-dept-popper", "江东区")
    field(dialog, "角色").locator(".el-select__wrapper").click()
    pick(page, "tg-role-popper", "处置人员")
    pick(page, "tg-role-popper", "领导")
    dialog.locator(".el-dialog__title").click()  # close the dropdown
    page.locator(".el-popper.tg-role-popper").wait_for(state="hidden")
    shot(page, request, "admin-user-create")
    dialog.get_by_role("button", name="创建").click()
    page.locator(".el-message", has_text="已创建").wait_for()
    dialog.wait_for(state="hidden")

    row = users_row(page, "zhao.liu")
    row.wait_for()
    for text in ("赵六", "江东区", "处置人员", "领导", "已启用"):
        expect(row).to_contain_text(text)

    created = user_in_db(session, "zhao.liu")
    assert created.display_name == "赵六" and created.department_id == org["district"].id
    assert {r.code for r in created.roles} == {"handler", "leader"}
    api = page.request.get(f"{live_server}/api/v1/users/{created.id}").json()
    assert api["email"] == "zhao@example.cn" and sorted(api["roles"]) == ["handler", "leader"]


def test_a_stale_user_editor_gets_412_and_writes_nothing(page, live_server, make_user, session, system, request):
    make_user("boss", "admin")
    li = make_user("li", "handler")
    log_in(page, live_server, "boss")
    open_users(page, live_server)

    users_row(page, "li").filter(has_text="处置人员").get_by_role("button", name="编辑").click()
    dialog = page.locator(".tg-user-dialog")
    dialog.wait_for()
    page.wait_for_function("() => !document.querySelector('.tg-user-form .el-loading-mask')")
    field(dialog, "角色").locator(".el-select__wrapper").click()
    pick(page, "tg-role-popper", "领导")
    dialog.locator(".el-dialog__title").click()
    field(dialog, "姓名").locator("input").fill("李四（陈旧的修改）")

    # Meanwhile, in "another tab", somebody else saves first.
    service.user_update(session, system, li.id, {"display_name": "李四", "phone": "13800000000"})
    session.commit()

    dialog.get_by_role("button", name="保存").click()
    page.locator(".el-message", has_text=STALE).wait_for()
    expect(dialog.locator(".tg-stale")).to_be_visible()
    shot(page, request, "admin-user-stale")

    stored = user_in_db(session, "li")
    assert {r.code for r in stored.roles} == {"handler"}
    assert stored.display_name == "李四" and stored.phone == "13800000000"

    # The editor was reloaded with the other tab's data; redo the change and save for real.
    expect(field(dialog, "姓名").locator("input")).to_have_value("李四")
    expect(field(dialog, "电话").locator("input")).to_have_value("13800000000")
    expect(field(dialog, "角色")).not_to_contain_text("领导")
    field(dialog, "角色").locator(".el-select__wrapper").click()
    pick(page, "tg-role-popper", "领导")
    dialog.locator(".el-dialog__title").click()
    dialog.get_by_role("button", name="保存").click()
    page.locator(".el-message", has_text="已保存").wait_for()
    dialog.wait_for(state="hidden")
    users_row(page, "li").filter(has_text="领导").wait_for()
    stored = user_in_db(session, "li")
    assert {r.code for r in stored.roles} == {"handler", "leader"}
    assert stored.display_name == "李四" and stored.phone == "13800000000"


def test_an_admin_deactivates_a_user_after_confirming(page, live_server, make_user, session):
    make_user("boss", "admin")
    make_user("li", "handler")
    log_in(page, live_server, "boss")
    open_users(page, live_server)
    row = users_row(page, "处置人员")
    row.get_by_role("button", name="停用").click()
    box = page.locator(".el-message-box")
    box.wait_for()
    box.get_by_role("button", name="取消").click()
    box.wait_for(state="hidden")
    assert user_in_db(session, "li").is_active is True

    row.get_by_role("button", name="停用").click()
    box.wait_for()
    assert "无法登录" in box.inner_text()
    box.get_by_role("button", name="停用").click()
    page.locator(".el-message", has_text="用户已停用").wait_for()
    row.get_by_role("button", name="启用").wait_for()
    assert user_in_db(session, "li").is_active is False

    row.get_by_role("button", name="启用").click()  # no confirmation needed to re-enable
    page.locator(".el-message", has_text="用户已启用").wait_for()
    row.get_by_role("button", name="停用").wait_for()
    assert user_in_db(session, "li").is_active is True


def _second_district(session, system, org):
    jx = service.department_create(session, system, {"code": "jx", "name": "江西区", "level": "district",
                                                     "kind": "ops_center", "parent_id": org["city"].id})
    session.commit()
    return jx


def test_an_admin_moves_a_department_with_the_move_select(page, live_server, make_user, org, session, system, request):
    jx = _second_district(session, system, org)
    make_user("boss", "admin")
    log_in(page, live_server, "boss")
    open_departments(page, live_server)

    tree_node(page, "滨湖街道").click()
    panel = page.locator(".tg-org-panel")
    panel.locator("h2", has_text="滨湖街道").wait_for()
    expect(panel.locator(".tg-path")).to_contain_text("江东区")
    shot(page, request, "admin-departments")

    panel.locator(".tg-move-select .el-select__wrapper").click()
    options = page.locator(".tg-move-popper:visible .el-select-dropdown__item")
    options.filter(has_text="江西区").wait_for()
    labels = options.all_inner_texts()
    assert any("江西区" in label for label in labels)
    assert not any(label.strip().endswith("滨湖街道") for label in labels)  # not under itself
    pick(page, "tg-move-popper", "临江市城运中心 / 江西区")
    panel.get_by_role("button", name="移动", exact=True).click()
    page.locator(".el-message", has_text="移动到").wait_for()
    page.wait_for_function("() => document.querySelector('.tg-org-panel .tg-path')?.textContent.includes('江西区')")

    street = org["street"].id
    got = page.request.get(f"{live_server}/api/v1/departments/{street}").json()
    assert got["parent_id"] == jx.id
    # The tree shows it under the new district.
    jx_node = page.locator(".el-tree-node").filter(has=page.locator(":scope > .el-tree-node__content .tg-node-name",
                                                                      has_text="江西区"))
    jx_node.locator(".el-tree-node__children .tg-node-name", has_text="滨湖街道").wait_for()


def test_an_admin_moves_a_department_by_drag_and_drop(page, live_server, make_user, org, session, system):
    jx = _second_district(session, system, org)
    make_user("boss", "admin")
    log_in(page, live_server, "boss")
    open_departments(page, live_server)
    tree_node(page, "滨湖街道").wait_for()

    # A district dropped on a street is refused in the browser: nothing reaches the API.
    writes = []
    page.on("request", lambda r: writes.append(r.url) if r.method in ("PATCH", "POST", "DELETE") else None)
    tree_node(page, "江西区").drag_to(tree_node(page, "滨湖街道"))
    page.wait_for_timeout(300)
    assert writes == []
    assert page.request.get(f"{live_server}/api/v1/departments/{jx.id}").json()["parent_id"] == org["city"].id

    tree_node(page, "滨湖街道").drag_to(tree_node(page, "江西区"))
    page.locator(".el-message", has_text="移动到").wait_for()
    assert len(writes) == 1
    got = page.request.get(f"{live_server}/api/v1/departments/{org['street'].id}").json()
    assert got["parent_id"] == jx.id


def test_an_admin_adds_a_child_and_deletes_only_an_empty_leaf(page, live_server, make_user, org, session, system):
    make_user("boss", "admin")
    make_user("grid-user", "handler", department="street")
    log_in(page, live_server, "boss")
    open_departments(page, live_server)
    tree_node(page, "滨湖街道").click()
    panel = page.locator(".tg-org-panel")
    panel.locator("h2", has_text="滨湖街道").wait_for()

    panel.get_by_role("button", name="新增下级").click()
    dialog = page.locator(".tg-dept-dialog")
    dialog.wait_for()
    expect(field(dialog, "层级").locator(".el-select__wrapper")).to_have_text("网格")  # the next level
    field(dialog, "名称").locator("input").fill("滨湖第一网格")
    field(dialog, "编码").locator("input").fill("jd-bh-01")
    dialog.get_by_role("button", name="创建").click()
    page.locator(".el-message", has_text="已创建").wait_for()
    panel.locator("h2", has_text="滨湖第一网格").wait_for()

    # The street has a child now: its delete button is disabled. The new grid is an empty leaf.
    tree_node(page, "滨湖街道").click()
    panel.locator("h2", has_text="滨湖街道").wait_for()
    assert panel.get_by_role("button", name="删除").is_disabled()

    # A leaf with users: the API's reason is shown.
    tree_node(page, "市水务局").click()
    panel.locator("h2", has_text="市水务局").wait_for()
    service.user_create(session, system, {"username": "w1", "display_name": "w1", "password": "x" * 8,
                                          "department_id": org["water"].id, "roles": []})
    session.commit()
    panel.get_by_role("button", name="删除").click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    page.locator(".el-message", has_text="部门下还有用户").wait_for()

    tree_node(page, "滨湖第一网格").click()
    panel.locator("h2", has_text="滨湖第一网格").wait_for()
    panel.get_by_role("button", name="删除").click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    page.locator(".el-message", has_text="已删除").wait_for()
    tree_node(page, "滨湖第一网格").wait_for(state="detached")


def test_a_handler_sees_the_admin_pages_without_write_buttons(page, live_server, make_user, request):
    make_user("boss", "admin")
    make_user("wang", "handler")
    log_in(page, live_server, "wang")
    open_users(page, live_server)
    users_row(page, "boss").wait_for()
    assert page.get_by_role("button", name="新建用户").count() == 0
    assert page.get_by_role("button", name="编辑").count() == 0
    assert page.get_by_role("button", name="停用").count() == 0
    shot(page, request, "admin-users-handler")

    open_departments(page, live_server)
    tree_node(page, "江东区").click()
    page.locator(".tg-org-panel h2", has_text="江东区").wait_for()
    for name in ("新增顶级部门", "新增下级", "删除", "保存", "移动"):
        assert page.get_by_role("button", name=name).count() == 0
    assert page.locator(".tg-move").count() == 0
    assert page.locator(".el-tree-node[draggable=true]").count() == 0


def test_the_admin_pages_work_on_a_phone(browser, live_server, make_user, request):
    make_user("boss", "admin")
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="zh-CN")
    phone = context.new_page()
    errors = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(phone, live_server, "boss")
    open_users(phone, live_server)
    assert phone.get_by_role("button", name="新建用户").is_visible()
    shot(phone, request, "admin-users-phone")
    phone.get_by_role("button", name="新建用户").click()
    phone.locator(".tg-user-dialog").wait_for()
    phone.wait_for_timeout(500)  # the opening animation
    shot(phone, request, "admin-user-create-phone")

    open_departments(phone, live_server)
    tree_node(phone, "滨湖街道").click()
    panel = phone.locator(".tg-org-panel")
    panel.locator("h2", has_text="滨湖街道").wait_for()
    tree_box, panel_box = phone.evaluate("""() => ['.tg-org-tree', '.tg-org-panel'].map((s) => {
        const r = document.querySelector(s).getBoundingClientRect()
        return {x: r.x, y: r.y, width: r.width, height: r.height}
    })""")
    assert panel_box["y"] >= tree_box["y"] + tree_box["height"]  # stacked, not side by side
    assert panel_box["x"] + panel_box["width"] <= 390
    phone.wait_for_timeout(600)  # let the scroll to the panel settle
    phone.evaluate("window.scrollTo(0, 0)")  # a full-page shot with the sticky header on top
    shot(phone, request, "admin-departments-phone")
    context.close()
    assert errors == []
