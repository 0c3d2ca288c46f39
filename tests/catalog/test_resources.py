"""Directories and resources through the service layer, on both databases."""
import pytest

from catalog.resources import service as catalog
from catalog.resources.models import RESOURCE_CLASSES, Directory, Resource
from catalog.resources.search import resource_search
from catalog.resources.stats import directory_stats
from tongguan.errors import Forbidden, Invalid, NotFound


def test_there_is_one_root_per_resource_class(session, roots):
    assert set(roots) == set(RESOURCE_CLASSES)
    catalog.ensure_roots(session)
    assert session.query(Directory).filter(Directory.parent_id.is_(None)).count() == len(RESOURCE_CLASSES)


def test_directories_nest_to_any_depth_and_keep_their_path(session, actors, tree):
    d = tree["flood"]
    for i in range(6):
        d = catalog.directory_create(session, actors["manager"], {"parent_id": d.id, "name": f"第{i}层"})
    session.commit()
    assert d.depth == 8
    assert d.ancestor_ids[:3] == tree["flood"].ancestor_ids


def test_sibling_names_are_unique(session, actors, tree):
    with pytest.raises(Invalid) as err:
        catalog.directory_create(session, actors["manager"], {"parent_id": tree["ops"].id, "name": "防汛"})
    assert "name" in err.value.errors


def test_rename_and_root_rules(session, actors, tree, roots):
    m = actors["manager"]
    catalog.directory_update(session, m, tree["flood"].id, {"name": "防汛防台"})
    assert tree["flood"].name == "防汛防台"
    with pytest.raises(Invalid):
        catalog.directory_update(session, m, roots["data"].id, {"name": "别的"})
    with pytest.raises(Invalid):
        catalog.directory_delete(session, m, roots["data"].id)


def test_move_updates_the_whole_subtree_and_refuses_cycles(session, actors, tree, add_resource):
    m = actors["manager"]
    sub = catalog.directory_create(session, m, {"parent_id": tree["flood"].id, "name": "积水"})
    session.commit()
    catalog.directory_move(session, m, tree["flood"].id, tree["traffic"].id)
    session.commit()
    assert sub.path == f"{tree['traffic'].path}{tree['flood'].id}/{sub.id}/"
    with pytest.raises(Invalid) as err:
        catalog.directory_move(session, m, tree["traffic"].id, sub.id)
    assert "parent_id" in err.value.errors
    with pytest.raises(Invalid):  # into itself
        catalog.directory_move(session, m, tree["flood"].id, tree["flood"].id)
    with pytest.raises(Invalid) as err:  # another class
        catalog.directory_move(session, m, tree["flood"].id, tree["cams"].id)
    assert "parent_id" in err.value.errors


def test_reorder_within_a_parent(session, actors, tree):
    m = actors["manager"]
    third = catalog.directory_create(session, m, {"parent_id": tree["ops"].id, "name": "环境"})
    catalog.directory_move(session, m, third.id, tree["ops"].id, position=0)
    session.commit()
    names = [d["name"] for d in catalog.directory_tree(session, m, "data") if d["parent_id"] == tree["ops"].id]
    assert names == ["环境", "防汛", "交通"]


def test_deleting_a_directory_with_contents_needs_recursive_and_can_be_restored(session, actors, tree, add_resource):
    m = actors["manager"]
    r = add_resource(tree["flood"], "FX-001", "积水点监测数据")
    with pytest.raises(Invalid) as err:
        catalog.directory_delete(session, m, tree["ops"].id)
    assert "recursive" in err.value.errors
    batch = catalog.directory_delete(session, m, tree["ops"].id, recursive=True)
    session.commit()
    assert r.deleted_at is not None and tree["flood"].deleted_at is not None
    assert resource_search(session, m, q="积水点").total == 0
    bin_ = catalog.recycle_list(session, m)
    assert bin_[0]["batch"] == batch and bin_[0]["directories"] == 3 and bin_[0]["resources"] == 1
    assert bin_[0]["title"] == "城市运行"
    assert catalog.recycle_restore(session, m, batch) == {"directories": 3, "resources": 1}
    session.commit()
    assert resource_search(session, m, q="积水点").total == 1


def test_restore_needs_the_parent_back_first_and_purge_is_final(session, actors, tree, add_resource):
    m = actors["manager"]
    inner = catalog.directory_delete(session, m, tree["flood"].id)
    outer = catalog.directory_delete(session, m, tree["ops"].id, recursive=True)
    session.commit()
    with pytest.raises(Invalid):
        catalog.recycle_restore(session, m, inner)
    catalog.recycle_purge(session, m, inner)
    catalog.recycle_purge(session, m, outer)
    session.commit()
    assert session.get(Directory, tree["flood"].id) is None
    with pytest.raises(NotFound):
        catalog.recycle_restore(session, m, outer)


def test_only_managers_purge_and_others_restore_only_their_own(session, actors, tree, add_resource, org):
    r = add_resource(tree["flood"], "FX-002", "泵站运行数据", owner="water")
    batch = catalog.resource_delete(session, actors["water"], r.id)  # owner department may delete its own
    session.commit()
    with pytest.raises(Forbidden):
        catalog.recycle_purge(session, actors["water"], batch)
    with pytest.raises(Forbidden):
        catalog.recycle_restore(session, actors["district"], batch)
    assert catalog.recycle_list(session, actors["district"]) == []
    catalog.recycle_restore(session, actors["water"], batch)
    session.commit()
    assert r.deleted_at is None


def test_class_metadata_is_validated_with_the_field_at_fault(session, actors, tree, roots, org):
    m = actors["manager"]
    with pytest.raises(Invalid) as err:
        catalog.resource_create(session, m, {"directory_id": tree["flood"].id, "code": "X1", "name": "x",
                                             "owner_department_id": org["water"].id,
                                             "meta": {"fields": [{"name": "rain mm", "type": "string"}]}})
    assert "meta.fields.0.name" in err.value.errors
    svc_dir = catalog.directory_create(session, m, {"parent_id": roots["platform_service"].id, "name": "接口"})
    with pytest.raises(Invalid) as err:
        catalog.resource_create(session, m, {"directory_id": svc_dir.id, "code": "S1", "name": "s",
                                             "owner_department_id": org["water"].id, "meta": {}})
    assert "meta" in err.value.errors  # a platform service needs its endpoint
    r = catalog.resource_create(session, m, {"directory_id": tree["cams"].id, "code": "V1", "name": "滨湖路口摄像头",
                                             "owner_department_id": org["street"].id,
                                             "meta": {"stream_url": "rtsp://10.0.0.8/live/1", "longitude": 120.1}})
    assert r.resource_class == "video"


def test_codes_are_unique_and_resources_move_only_within_their_class(session, actors, tree, add_resource):
    r = add_resource(tree["flood"], "FX-003", "河道水位")
    with pytest.raises(Invalid) as err:
        add_resource(tree["traffic"], "FX-003", "别的")
    assert "code" in err.value.errors
    session.rollback()
    with pytest.raises(Invalid) as err:
        catalog.resource_update(session, actors["manager"], r.id, {"directory_id": tree["cams"].id})
    assert "directory_id" in err.value.errors
    catalog.resource_update(session, actors["manager"], r.id, {"directory_id": tree["traffic"].id})
    session.commit()
    assert r.directory_id == tree["traffic"].id


def test_history_keeps_every_change(session, actors, tree, add_resource):
    r = add_resource(tree["flood"], "FX-004", "雨量站数据")
    catalog.resource_update(session, actors["manager"], r.id, {"name": "雨量站实时数据", "status": "published"})
    session.commit()
    history = catalog.resource_history(session, actors["manager"], r.id)
    assert [h["operation"] for h in history] == ["update", "insert"]
    assert history[0]["changes"]["name"] == ["雨量站数据", "雨量站实时数据"]
    assert history[0]["actor"] == "manager" and history[0]["action"] == "resource_update"


# --- permissions ------------------------------------------------------------------


def test_nobody_sees_a_resource_without_a_grant_and_grants_are_inherited(session, actors, tree, add_resource, org):
    add_resource(tree["flood"], "FX-010", "积水点实时监测", owner="water")
    street = actors["street"]
    assert resource_search(session, street, q="积水点").total == 0
    assert [d["name"] for d in catalog.directory_tree(session, street, "data")] == ["数据资源"]
    catalog.catalog_grant_create(session, actors["manager"], {"directory_id": tree["ops"].id,
                                                              "department_id": org["street"].id, "level": "view"})
    session.commit()
    hits = resource_search(session, street, q="积水点")
    assert hits.total == 1  # granted on 城市运行, seen in 防汛 below it
    names = {d["name"]: d for d in catalog.directory_tree(session, street, "data")}
    assert names["防汛"]["level"] == "view" and names["防汛"]["resource_count"] == 1
    with pytest.raises(Forbidden):
        catalog.resource_update(session, street, hits.items[0].id, {"name": "改名"})


def test_role_and_resource_grants_and_owner_department(session, actors, tree, add_resource, org):
    r1 = add_resource(tree["flood"], "FX-011", "泵站监测", owner="water")
    r2 = add_resource(tree["traffic"], "JT-001", "路口流量监测", owner="district")
    m = actors["manager"]
    assert {r.code for r in resource_search(session, actors["water"], q="监测").items} == {"FX-011"}  # owner
    catalog.catalog_grant_create(session, m, {"resource_id": r2.id, "department_id": org["street"].id, "level": "use"})
    catalog.catalog_grant_create(session, m, {"directory_id": tree["flood"].id, "role_code": "author", "level": "edit"})
    session.commit()
    assert {r.code for r in resource_search(session, actors["street"], q="监测").items} == {"JT-001"}
    catalog.resource_record_use(session, actors["street"], r2.id)
    assert {r.code for r in resource_search(session, actors["district"], q="监测").items} == {"FX-011", "JT-001"}
    catalog.resource_update(session, actors["district"], r1.id, {"description": "作者角色可编辑"})
    with pytest.raises(NotFound):  # what one may not view does not exist, as far as one can tell
        catalog.resource_get(session, actors["street"], r1.id)
    grants = catalog.catalog_grant_list(session, m, resource_id=r1.id)
    assert [(g["role_code"], g["level"], g["inherited_from"]) for g in grants] == [("author", "edit", "防汛")]


def test_grants_need_manage_and_are_validated(session, actors, tree, org):
    with pytest.raises(Forbidden):
        catalog.catalog_grant_create(session, actors["water"], {"directory_id": tree["ops"].id,
                                                                "department_id": org["water"].id, "level": "manage"})
    with pytest.raises(Invalid) as err:
        catalog.catalog_grant_create(session, actors["manager"], {"directory_id": tree["ops"].id, "level": "view"})
    assert "department_id" in err.value.errors
    g = catalog.catalog_grant_create(session, actors["manager"], {"directory_id": tree["ops"].id,
                                                                  "department_id": org["water"].id, "level": "manage"})
    session.commit()
    # a department manager of a subtree may delegate within it
    catalog.catalog_grant_create(session, actors["water"], {"directory_id": tree["flood"].id,
                                                            "department_id": org["street"].id, "level": "view"})
    catalog.catalog_grant_delete(session, actors["manager"], g.id)
    session.commit()
    with pytest.raises(Forbidden):
        catalog.directory_create(session, actors["water"], {"parent_id": tree["flood"].id, "name": "新目录"})


# --- search and statistics ------------------------------------------------------------


def test_chinese_substring_search_facets_and_sorting(session, actors, tree, add_resource):
    add_resource(tree["flood"], "FX-020", "城区积水点监测", status="published")
    hot = add_resource(tree["flood"], "FX-021", "下穿立交积水深度", status="published", sharing="unconditional")
    add_resource(tree["traffic"], "JT-020", "路口拥堵指数", description="积水导致的拥堵另计")
    add_resource(tree["traffic"], "JT-021", "公交到站", meta={"source_system": "智慧公交平台"})
    m = actors["manager"]
    assert {r.code for r in resource_search(session, m, q="积水").items} == {"FX-020", "FX-021", "JT-020"}  # 2 chars
    assert {r.code for r in resource_search(session, m, q="积水深度").items} == {"FX-021"}
    assert {r.code for r in resource_search(session, m, q="智慧公交").items} == {"JT-021"}  # metadata
    assert {r.code for r in resource_search(session, m, q="jt-02").items} == {"JT-020", "JT-021"}  # code, any case
    assert resource_search(session, m, q="积水 拥堵").total == 1
    result = resource_search(session, m, q="积水", status="published", directory_id=tree["flood"].id)
    assert result.total == 2
    assert result.facets["status"] == [{"value": "published", "label": "已发布", "count": 2}]
    assert {f["value"]: f["count"] for f in result.facets["sharing"]} == {"unconditional": 1, "conditional": 1}
    session.execute(Resource.__table__.update().where(Resource.id == hot.id).values(use_count=9))
    assert resource_search(session, m, q="积水", sort="use").items[0].code == "FX-021"
    assert resource_search(session, m, q="积水点监测").items[0].code == "FX-020"  # relevance
    assert resource_search(session, m, q="100%_").total == 0  # LIKE wildcards are literal


def test_directory_statistics_are_recursive_and_respect_visibility(session, actors, tree, add_resource, org):
    add_resource(tree["flood"], "FX-030", "a", status="published", owner="water")
    add_resource(tree["flood"], "FX-031", "b", owner="water")
    add_resource(tree["traffic"], "JT-030", "c", status="published", owner="district")
    s = directory_stats(session, actors["manager"], tree["ops"].id)
    assert s["total"] == 3
    assert {x["value"]: x["count"] for x in s["by_status"]} == {"published": 2, "draft": 1}
    assert {x["label"]: x["count"] for x in s["by_owner"]} == {"市水务局": 2, "江东区": 1}
    assert len(s["by_month"]) == 12 and s["by_month"][-1]["count"] == 3
    assert directory_stats(session, actors["water"], tree["ops"].id)["total"] == 2  # only its own


def test_tag_values_on_resources_are_masked_in_search_results(session, actors, tree, add_resource, org, system):
    from catalog.resources.present import present
    from catalog.tags import service as tags

    r = add_resource(tree["flood"], "FX-040", "防汛责任人名单")
    tag = tags.tag_create(session, system, {"code": "duty_phone", "name": "值班电话", "subject_code": "resource",
                                             "value_type": "text", "masking": "phone",
                                             "owner_department_id": org["water"].id})
    tags.tag_publish(session, system, tag.id)
    tags.set_value(session, system, tag.id, "resource", str(r.id), "13812341234")
    session.commit()
    hits = resource_search(session, actors["manager"], q="责任人", tag_id=[tag.id])
    assert hits.total == 1 and hits.facets["tag"][0]["label"] == "值班电话"
    shown = present(session, actors["manager"], hits.items)[0]["tags"]
    assert shown[0]["value"] == "138****1234" and shown[0]["masked"]
    mine = resource_search(session, actors["water"], q="责任人")  # the tag's owner department sees it clear
    assert present(session, actors["water"], mine.items)[0]["tags"][0]["value"] == "13812341234"
    assert resource_search(session, actors["manager"], q="13812341234").total == 0  # not searchable either


def test_service_calls_behind_the_file_and_transfer_endpoints(session, actors, tree, roots, org, tmp_path):
    """The service functions the upload, download, export and import views call."""
    import io

    from catalog.resources import io as transfer

    m = actors["manager"]
    docs = catalog.directory_create(session, m, {"parent_id": roots["document"].id, "name": "制度"})
    r = catalog.resource_create(session, m, {"directory_id": docs.id, "code": "D-1", "name": "值班制度",
                                             "owner_department_id": org["water"].id})
    catalog.resource_upload(session, m, r.id, io.BytesIO("值班制度全文".encode()), "制度.txt", storage_path=str(tmp_path))
    session.commit()
    assert catalog.resource_download(session, m, r.id).file_id == r.file_id
    catalog.resource_record_view(session, m, r.id)
    session.commit()
    session.refresh(r)
    assert (r.use_count, r.view_count) == (1, 1)
    with pytest.raises(NotFound):  # a directory one cannot see
        catalog.directory_get(session, actors["street"], docs.id)
    data, name = transfer.export_directory(session, m, docs.id, "json")
    assert name == "制度.json"
    doc = __import__("json").loads(data.read())
    doc["resources"][0]["code"] = "D-2"
    out = transfer.import_directory(session, m, docs.id, io.BytesIO(__import__("json").dumps(doc).encode()), "x.json")
    assert out == {"created": 1, "updated": 0, "directories": 0}
