"""The catalog's directory, resource and recycle-bin pages (Vue + Element Plus) in a real browser.

Screenshots land in test-artifacts/catalog-*.png."""
import re

import pytest
from playwright.sync_api import expect

from catalog.resources import service as catalog
from catalog.resources.models import Directory, Resource
from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(session, tree, add_resource, org, system):
    """Resources in 防汛 / 交通 / 监控, one with a data field list and a masked tag value."""
    from catalog.tags import service as tags

    fx1 = add_resource(tree["flood"], "FX-020", "城区积水点监测", status="published",
                       meta={"fields": [{"name": "station_code", "type": "string", "title": "站点编码"},
                                        {"name": "depth_cm", "type": "number", "title": "积水深度"}],
                             "source_system": "城市内涝监测平台", "format": "table"})
    fx2 = add_resource(tree["flood"], "FX-021", "下穿立交积水深度", status="published", sharing="unconditional")
    jt1 = add_resource(tree["traffic"], "JT-020", "路口拥堵指数", description="积水导致的拥堵另计", owner="district")
    jt2 = add_resource(tree["traffic"], "JT-021", "公交到站", meta={"source_system": "智慧公交平台"})
    cam = add_resource(tree["cams"], "V-001", "滨湖路口摄像头", owner="street",
                       meta={"stream_url": "rtsp://10.0.0.8/live/1", "longitude": 120.1})
    tag = tags.tag_create(session, system, {"code": "duty_phone", "name": "值班电话", "subject_code": "resource",
                                             "value_type": "text", "masking": "phone",
                                             "owner_department_id": org["water"].id})
    tags.tag_publish(session, system, tag.id)
    tags.set_value(session, system, tag.id, "resource", str(fx1.id), "13812341234")
    session.commit()
    return {"fx1": fx1, "fx2": fx2, "jt1": jt1, "jt2": jt2, "cam": cam}


def open_directories(page, base, query=""):
    page.goto(f"{base}/catalog/{query}")
    page.locator(".tg-dir-tree .el-tree-node").first.wait_for()


def tree_node(page, name):
    return page.locator(".tg-dir-tree .el-tree-node__content").filter(
        has=page.locator(".tg-node-name", has_text=re.compile(f"^{name}$"))).first


def table_rows(page):
    return page.locator(".tg-res-table .el-table__body-wrapper .el-table__row")


def wait_table(page):
    page.wait_for_function("() => !document.querySelector('.tg-res-table .el-loading-mask')"
                           " || getComputedStyle(document.querySelector('.tg-res-table .el-loading-mask')).display === 'none'")


def drag(page, source, target, *, where=0.5):
    """A real mouse drag (el-tree listens to HTML5 drag events, which Chromium derives from these)."""
    source.hover()
    page.mouse.down()
    box = target.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] * where
    start = source.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2 + 4, steps=3)
    page.mouse.move(x, y, steps=12)
    page.wait_for_timeout(100)
    page.mouse.move(x, y + 1, steps=2)
    page.mouse.up()


def parent_of(session, directory_id):
    session.rollback()
    session.expire_all()
    return session.get(Directory, directory_id).parent_id


def test_a_manager_moves_a_directory_by_drag_and_drop(page, live_server, people, tree, seeded, session, request):
    log_in(page, live_server, "manager")
    open_directories(page, live_server)
    tree_node(page, "交通").wait_for()
    expect(tree_node(page, "城市运行").locator(".tg-node-count")).to_have_text("4")
    shot(page, request, "catalog-directories")

    writes = []
    page.on("request", lambda r: writes.append(r.url) if r.method in ("PATCH", "POST", "DELETE") else None)

    # Another resource class: the tree refuses the drop, nothing reaches the API.
    drag(page, tree_node(page, "交通"), tree_node(page, "监控"))
    page.wait_for_timeout(300)
    assert writes == []
    assert parent_of(session, tree["traffic"].id) == tree["ops"].id

    # Into 防汛: a move under another directory of the same class.
    drag(page, tree_node(page, "交通"), tree_node(page, "防汛"))
    page.locator(".el-message", has_text="移动到").wait_for()
    assert [u for u in writes if u.endswith("/move")] == [f"{live_server}/api/v1/directories/{tree['traffic'].id}/move"]
    assert parent_of(session, tree["traffic"].id) == tree["flood"].id
    got = page.request.get(f"{live_server}/api/v1/directories/{tree['traffic'].id}").json()
    assert got["parent_id"] == tree["flood"].id
    # The reloaded tree shows it there, with the counts following it.
    flood = page.locator(".el-tree-node").filter(
        has=page.locator(":scope > .el-tree-node__content .tg-node-name", has_text=re.compile("^防汛$")))
    flood.locator(".el-tree-node__children .tg-node-name", has_text="交通").wait_for()
    expect(tree_node(page, "防汛").locator(".tg-node-count")).to_have_text("4")


def test_a_refused_move_shows_the_servers_reason_and_reloads(page, live_server, people, tree, seeded, session):
    # A sibling named like the dragged directory exists under the target: the server refuses.
    catalog.directory_create(session, Actor_for(people["manager"]), {"parent_id": tree["flood"].id, "name": "交通"})
    session.commit()
    log_in(page, live_server, "manager")
    open_directories(page, live_server)
    ops = page.locator(".el-tree-node").filter(
        has=page.locator(":scope > .el-tree-node__content .tg-node-name", has_text=re.compile("^城市运行$")))
    ops_traffic = ops.locator(":scope > .el-tree-node__children > .el-tree-node > .el-tree-node__content").filter(
        has_text="交通")
    drag(page, ops_traffic, tree_node(page, "防汛"))
    page.locator(".el-message--error", has_text="同一目录下已有名为“交通”的子目录").wait_for()
    assert parent_of(session, tree["traffic"].id) == tree["ops"].id
    ops.locator(":scope > .el-tree-node__children .tg-node-name", has_text="交通").wait_for()


def Actor_for(user):
    from tongguan.permissions import Actor

    return Actor.for_user(user)


def test_searching_in_chinese_shows_the_matches_and_their_facets(page, live_server, people, tree, seeded, request):
    log_in(page, live_server, "manager")
    open_directories(page, live_server)
    expect(table_rows(page)).to_have_count(5)

    page.get_by_placeholder("搜索资源编码、名称、描述或元数据，支持中文").fill("积水")
    page.get_by_role("button", name="搜索").click()
    expect(table_rows(page)).to_have_count(3)
    texts = " ".join(table_rows(page).all_inner_texts())
    for code in ("FX-020", "FX-021", "JT-020"):
        assert code in texts
    for code in ("JT-021", "V-001"):
        assert code not in texts

    status = page.locator(".tg-facet[data-facet=status]")
    expect(status.locator(".tg-facet-value[data-value=published]")).to_contain_text("已发布2")
    expect(status.locator(".tg-facet-value[data-value=draft]")).to_contain_text("编目中1")
    klass = page.locator(".tg-facet[data-facet=resource_class]")
    expect(klass.locator(".tg-facet-value")).to_have_count(1)
    expect(klass.locator(".tg-facet-value[data-value=data]")).to_contain_text("3")
    expect(page.locator(".tg-facet[data-facet=department]")).not_to_contain_text("滨湖街道")
    # The masked tag value is shown as returned, with its badge.
    row = table_rows(page).filter(has_text="FX-020")
    expect(row.locator(".tg-cell-tag")).to_contain_text("138****1234")
    expect(row.locator(".tg-masked")).to_have_text("已脱敏")
    shot(page, request, "catalog-search")

    # A facet value filters; the chip clears it again.
    status.locator(".tg-facet-value[data-value=published]").click()
    expect(table_rows(page)).to_have_count(2)
    expect(page.locator(".tg-chips")).to_contain_text("状态：已发布")
    page.get_by_role("button", name="清除筛选").click()
    expect(table_rows(page)).to_have_count(5)

    # Limited to a directory: only what lies below it.
    tree_node(page, "交通").click()
    page.get_by_placeholder("搜索资源编码、名称、描述或元数据，支持中文").fill("积水")
    page.keyboard.press("Enter")
    expect(table_rows(page)).to_have_count(1)
    expect(table_rows(page).first).to_contain_text("路口拥堵指数")
    assert "directory=" in page.url


def test_directory_statistics_show_the_servers_charts(page, live_server, people, tree, seeded, request):
    log_in(page, live_server, "manager")
    open_directories(page, live_server, f"?directory={tree['ops'].id}")
    page.locator(".tg-dir-title", has_text="城市运行").wait_for()
    page.get_by_role("tab", name="统计").click()
    expect(page.locator("[data-kpi=total]")).to_have_text("4")
    expect(page.locator("[data-kpi=published]")).to_have_text("2")
    charts = page.locator(".tg-charts img")
    expect(charts).to_have_count(5)
    for i in range(5):
        charts.nth(i).scroll_into_view_if_needed()
    page.wait_for_function("() => [...document.querySelectorAll('.tg-charts img')].every((i) => i.complete && i.naturalWidth > 0)")
    page.evaluate("window.scrollTo(0, 0)")  # a full-page shot with the sticky header on top
    shot(page, request, "catalog-stats")


def test_the_resource_page_shows_history_after_an_edit(page, live_server, people, tree, seeded, session, request):
    fx1 = seeded["fx1"]
    log_in(page, live_server, "manager")
    page.goto(f"{live_server}/catalog/resources/{fx1.id}")
    page.locator("h1.tg-name", has_text="城区积水点监测").wait_for()
    expect(page.locator(".tg-tag-list")).to_contain_text("138****1234")
    expect(page.locator(".tg-tag-list .tg-masked")).to_have_text("已脱敏")
    expect(page.locator(".tg-meta-fields")).to_contain_text("station_code")
    shot(page, request, "catalog-resource")

    page.get_by_role("button", name="编辑").click()
    dialog = page.locator(".tg-resource-dialog")
    dialog.wait_for()
    name = dialog.locator(".el-form-item").filter(has=page.get_by_text("名称", exact=True)).first.locator("input")
    expect(name).to_have_value("城区积水点监测")
    name.fill("城区积水点实时监测")
    # A bad field name is refused by the server and shown beside its row.
    dialog.locator("[data-row='1'] input").first.fill("depth cm")
    dialog.get_by_role("button", name="保存").click()
    dialog.locator("[data-row='1'] .el-form-item__error").wait_for()
    shot(page, request, "catalog-resource-edit")
    dialog.locator("[data-row='1'] input").first.fill("depth_cm")
    dialog.get_by_role("button", name="保存").click()
    page.locator(".el-message", has_text="已保存").wait_for()
    dialog.wait_for(state="hidden")
    page.locator("h1.tg-name", has_text="城区积水点实时监测").wait_for()

    page.get_by_role("tab", name="变更历史").click()
    entry = page.locator(".tg-entry[data-operation=update]").first
    entry.wait_for()
    expect(entry).to_contain_text("manager")
    change = entry.locator("tr[data-field=name]")
    expect(change.locator(".tg-diff-old")).to_have_text("城区积水点监测")
    expect(change.locator(".tg-diff-new")).to_have_text("城区积水点实时监测")
    expect(page.locator(".tg-entry[data-operation=insert]")).to_have_count(1)
    shot(page, request, "catalog-resource-history")

    session.rollback()
    session.expire_all()
    assert session.get(Resource, fx1.id).name == "城区积水点实时监测"


def confirm(page, button):
    box = page.locator(".el-message-box:visible").filter(has=page.get_by_role("button", name=button, exact=True)).last
    box.wait_for()
    handle = box.element_handle()
    text = handle.inner_text()
    box.get_by_role("button", name=button, exact=True).click()
    handle.wait_for_element_state("hidden")
    return text


def deleted(session, model, id_):
    session.rollback()
    session.expire_all()
    obj = session.get(model, id_)
    return None if obj is None else obj.deleted_at is not None


def test_deleting_a_full_directory_asks_twice_can_be_undone_and_purged(page, live_server, people, tree, seeded,
                                                                       session, request):
    log_in(page, live_server, "manager")
    open_directories(page, live_server, f"?directory={tree['ops'].id}")
    page.locator(".tg-dir-title", has_text="城市运行").wait_for()

    page.get_by_role("button", name="更多").click()
    page.locator(".tg-dir-more-menu:visible").get_by_text("删除目录").click()
    assert "城市运行" in confirm(page, "删除")
    text = confirm(page, "全部移入回收站")  # not empty: asked again, with what is inside
    assert "2 个子目录" in text and "4 个资源" in text
    undo = page.locator(".tg-undo-message .tg-undo")
    undo.wait_for()
    assert deleted(session, Directory, tree["ops"].id) and deleted(session, Resource, seeded["fx1"].id)
    tree_node(page, "城市运行").wait_for(state="detached")
    expect(page.locator(".tg-dir-title")).to_contain_text("数据资源")  # the parent is selected now

    undo.click()
    page.locator(".el-message", has_text="已撤销删除").wait_for()
    tree_node(page, "城市运行").wait_for()
    assert not deleted(session, Directory, tree["ops"].id) and not deleted(session, Resource, seeded["fx1"].id)

    # An empty directory goes at once (one confirmation); the recycle bin purges it for good.
    tree_node(page, "监控").hover()
    page.locator(".el-message", has_text="已撤销删除").wait_for(state="hidden")
    catalog.directory_create(session, Actor_for(people["manager"]), {"parent_id": tree["cams"].id, "name": "空目录"})
    session.commit()
    page.reload()
    tree_node(page, "空目录").hover()
    tree_node(page, "空目录").locator(".tg-node-more button").click()
    page.locator(".tg-node-menu:visible").get_by_text("删除").click()
    confirm(page, "删除")
    page.locator(".tg-undo-message").wait_for()
    tree_node(page, "空目录").wait_for(state="detached")

    page.goto(f"{live_server}/catalog/recycle-bin")
    row = page.locator(".tg-recycle-table .el-table__row", has_text="空目录")
    row.wait_for()
    expect(row).to_contain_text("1 个目录")
    expect(row).to_contain_text("我")
    shot(page, request, "catalog-recycle-bin")
    row.get_by_role("button", name="彻底删除").click()
    assert "无法撤销" in confirm(page, "彻底删除")
    page.locator(".el-message", has_text="已彻底删除").wait_for()
    row.wait_for(state="detached")
    session.rollback()
    assert session.query(Directory).filter_by(name="空目录").count() == 0


def test_an_import_with_bad_rows_lists_them_and_imports_nothing(page, live_server, people, tree, seeded, session,
                                                                tmp_path, request):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "资源"
    ws.append(["目录", "编码", "名称", "状态"])
    ws.append(["", "FX-100", "泵站水位", "已发布"])
    ws.append(["新目录", "FX-101", "闸门开度", "不存在的状态"])
    ws.append(["", "FX-020", "", "已发布"])
    path = tmp_path / "导入.xlsx"
    wb.save(path)

    log_in(page, live_server, "manager")
    open_directories(page, live_server, f"?directory={tree['flood'].id}")
    page.locator(".tg-dir-title", has_text="防汛").wait_for()
    page.get_by_role("button", name="导入").click()
    dialog = page.locator(".tg-import-dialog")
    dialog.wait_for()
    dialog.locator("input[type=file]").set_input_files(str(path))
    dialog.get_by_role("button", name="开始导入").click()
    dialog.locator(".tg-import-failure", has_text="未导入任何数据").wait_for()
    rows = dialog.locator(".tg-import-rows .el-table__body .el-table__row")
    expect(rows.first).to_be_visible()
    texts = rows.all_inner_texts()
    assert any(t.startswith("3") and "不存在的状态" in t for t in texts), texts
    page.wait_for_timeout(300)
    shot(page, request, "catalog-import-errors")
    session.rollback()
    assert session.query(Resource).filter(Resource.code.in_(["FX-100", "FX-101"])).count() == 0


def test_permissions_are_granted_in_a_dialog_and_inherited_read_only(page, live_server, people, tree, seeded, org,
                                                                     session, request):
    log_in(page, live_server, "manager")
    open_directories(page, live_server, f"?directory={tree['ops'].id}")
    page.locator(".tg-dir-title", has_text="城市运行").wait_for()
    page.get_by_role("button", name="更多").click()
    page.locator(".tg-dir-more-menu:visible").get_by_text("权限设置").click()
    dialog = page.locator(".tg-grants-dialog")
    dialog.wait_for()
    dialog.locator(".tg-grant-principal .el-select__wrapper").click()
    page.locator(".tg-grant-dept-popper:visible .el-select-dropdown__item", has_text="滨湖街道").first.click()
    dialog.locator(".tg-grant-level .el-select__wrapper").click()
    page.locator(".tg-grant-level-popper:visible .el-select-dropdown__item", has_text="使用").click()
    dialog.get_by_role("button", name="授权", exact=True).click()
    page.locator(".el-message", has_text="已授权").wait_for()
    own = dialog.locator(".tg-grants-own .el-table__row", has_text="滨湖街道")
    expect(own).to_contain_text("使用")
    shot(page, request, "catalog-grants")
    dialog.get_by_role("button", name="关闭", exact=True).click()
    dialog.wait_for(state="hidden")

    # Below it, the grant shows as inherited, without a withdraw button.
    tree_node(page, "防汛").hover()
    tree_node(page, "防汛").locator(".tg-node-more button").click()
    page.locator(".tg-node-menu:visible").get_by_text("权限设置").click()
    dialog.wait_for()
    inherited = dialog.locator(".tg-grants-inherited .el-table__row", has_text="滨湖街道")
    expect(inherited).to_contain_text("继承自“城市运行”")
    expect(inherited.get_by_role("button")).to_have_count(0)

    # The street handler now sees 城市运行's resources, and can use but not edit them.
    page.context.clear_cookies()
    log_in(page, live_server, "street_h")
    open_directories(page, live_server)
    tree_node(page, "防汛").wait_for()
    expect(table_rows(page)).to_have_count(5)  # 4 granted + its own camera
    assert page.get_by_role("button", name="新建资源").count() == 0  # handlers have no catalog.write
    assert page.locator(".tg-dir-tree .el-tree-node[draggable=true]").count() == 0
    page.goto(f"{live_server}/catalog/resources/{seeded['fx2'].id}")
    page.locator("h1.tg-name", has_text="下穿立交积水深度").wait_for()
    expect(page.locator(".tg-kpis")).to_contain_text("使用")
    for name in ("编辑", "删除"):
        assert page.get_by_role("button", name=name).count() == 0
    assert page.get_by_role("tab", name="权限").count() == 0


def test_the_pages_speak_english_too(page, live_server, people, tree, seeded, request):
    log_in(page, live_server, "manager")
    page.locator("button[data-locale=en]").click()
    page.wait_for_load_state()
    open_directories(page, live_server)
    page.get_by_role("button", name="New resource").wait_for()
    tree_node(page, "Data resources").wait_for()
    expect(page.locator(".tg-facet[data-facet=status]")).to_contain_text("Released")
    shot(page, request, "catalog-directories-en")
    page.goto(f"{live_server}/catalog/resources/{seeded['fx1'].id}")
    page.get_by_role("tab", name="History").wait_for()
    expect(page.locator(".tg-tag-list .tg-masked")).to_have_text("Masked")
    shot(page, request, "catalog-resource-en")


def test_a_new_data_resource_with_its_field_list(page, live_server, people, tree, seeded, session, request):
    log_in(page, live_server, "manager")
    open_directories(page, live_server, f"?directory={tree['flood'].id}")
    page.locator(".tg-dir-title", has_text="防汛").wait_for()
    page.get_by_role("button", name="新建资源").click()
    dialog = page.locator(".tg-resource-dialog")
    dialog.wait_for()
    expect(dialog.locator(".tg-class-hint")).to_contain_text("数据资源")  # the selected directory's class
    dialog.get_by_role("button", name="创建").click()
    dialog.get_by_text("请输入资源编码").wait_for()  # checked before anything is sent

    def field(label):
        return dialog.locator(".el-form-item").filter(has=page.get_by_text(label, exact=True)).first

    field("编码").locator("input").fill("FX-020")  # taken: the server says so beside the field
    field("名称").locator("input").fill("泵站运行工况")
    dialog.get_by_role("button", name="创建").click()
    expect(field("编码").locator(".el-form-item__error")).to_have_text("编码 FX-020 已被使用")
    field("编码").locator("input").fill("FX-030")
    field("来源系统").locator("input").fill("排水泵站监控系统")
    dialog.get_by_role("button", name="添加字段").click()
    dialog.locator("[data-row='0'] input").first.fill("pump_id")
    dialog.locator("[data-row='0'] input").nth(2).fill("泵站编号")
    dialog.get_by_role("button", name="添加字段").click()
    dialog.locator("[data-row='1'] input").first.fill("1flow")  # not a valid name
    dialog.get_by_role("button", name="创建").click()
    expect(dialog.locator("[data-row='1'] .el-form-item__error")).to_contain_text("字段名以字母或下划线开头")
    page.wait_for_timeout(400)  # the error's fade-in
    shot(page, request, "catalog-resource-create")
    dialog.locator("[data-row='1'] input").first.fill("flow")
    dialog.get_by_role("button", name="创建").click()
    page.locator(".el-message", has_text="资源“泵站运行工况”已创建").wait_for()
    dialog.wait_for(state="hidden")
    table_rows(page).filter(has_text="FX-030").wait_for()

    session.rollback()
    r = session.query(Resource).filter_by(code="FX-030").one()
    assert r.directory_id == tree["flood"].id and r.owner_department_id == people["manager"].department_id
    assert r.meta == {"source_system": "排水泵站监控系统",
                      "fields": [{"name": "pump_id", "type": "string", "title": "泵站编号"},
                                 {"name": "flow", "type": "string"}]}


def test_a_document_resource_takes_an_uploaded_file(page, live_server, people, roots, add_resource, session,
                                                    tmp_path, request):
    docs = catalog.directory_create(session, Actor_for(people["manager"]), {"parent_id": roots["document"].id,
                                                                             "name": "应急预案"})
    session.commit()
    doc = add_resource(docs, "DOC-001", "城市防汛应急预案", meta={"doc_number": "临防指〔2025〕3号"})
    good = tmp_path / "防汛预案.txt"
    good.write_text("临江市城市防汛应急预案\n一、总则\n", encoding="utf-8")
    bad = tmp_path / "伪装.txt"
    bad.write_bytes(b"\x00\x01\x02binary")

    log_in(page, live_server, "manager")
    page.goto(f"{live_server}/catalog/resources/{doc.id}")
    page.locator("h1.tg-name", has_text="城市防汛应急预案").wait_for()
    card = page.locator(".tg-file")
    expect(card).to_contain_text("还没有上传文件")
    card.locator("input[type=file]").set_input_files(str(bad))
    page.locator(".el-message--error", has_text="上传失败").wait_for()
    card.locator("input[type=file]").set_input_files(str(good))
    page.locator(".el-message", has_text="文件已上传").wait_for()
    expect(card).to_contain_text("防汛预案.txt")
    link = card.get_by_role("link", name="下载")
    assert link.get_attribute("href") == f"/api/v1/resources/{doc.id}/file"
    got = page.request.get(f"{live_server}{link.get_attribute('href')}")
    assert got.ok and "一、总则" in got.text()
    shot(page, request, "catalog-resource-file")


def test_a_stale_edit_gets_412_reloads_and_writes_nothing(page, live_server, people, tree, seeded, actors, session):
    fx2 = seeded["fx2"]
    log_in(page, live_server, "manager")
    page.goto(f"{live_server}/catalog/resources/{fx2.id}")
    page.locator("h1.tg-name", has_text="下穿立交积水深度").wait_for()
    page.get_by_role("button", name="编辑").click()
    dialog = page.locator(".tg-resource-dialog")
    dialog.wait_for()
    name = dialog.locator(".el-form-item").filter(has=page.get_by_text("名称", exact=True)).first.locator("input")
    name.fill("我的修改")

    # Meanwhile somebody else saves first.
    catalog.resource_update(session, actors["manager"], fx2.id, {"description": "他人的修改"})
    session.commit()

    dialog.get_by_role("button", name="保存").click()
    page.locator(".el-message", has_text="该资源已被他人修改").first.wait_for()
    dialog.locator(".tg-stale").wait_for()
    expect(name).to_have_value("下穿立交积水深度")  # the form shows the newer document
    desc = dialog.locator(".el-form-item").filter(has=page.get_by_text("描述", exact=True)).first.locator("textarea")
    expect(desc).to_have_value("他人的修改")
    session.rollback()
    session.expire_all()
    assert session.get(Resource, fx2.id).name == "下穿立交积水深度"
