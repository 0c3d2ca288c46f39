"""The matter catalog's service: hierarchy, responsibility over time and areas, domain mappings."""
import datetime as dt

import pytest
from sqlalchemy import func, select

from catalog.matters import service
from catalog.matters.models import DomainItem, Matter, MatterChange, ResponsibilityRule
from tongguan.errors import Forbidden, Invalid, NotFound
from tongguan.permissions import Actor

D = dt.date
START = D(2025, 1, 1)


@pytest.fixture
def cat(session, system, org):
    """市容管理 > 市容环境 > 暴露垃圾 (city-wide: 市水务局 as a stand-in bureau, 2 working days),
    and 占道经营 (district-wide: 江东区 handles it, 滨湖街道 its own)."""
    top = service.matter_create(session, system, {"code": "01", "name": "市容管理", "tier": "category",
                                                   "effective_from": START})
    sub = service.matter_create(session, system, {"code": "0101", "name": "市容环境", "tier": "subcategory",
                                                   "parent_id": top.id, "effective_from": START})
    rubbish = service.matter_create(session, system, {
        "code": "010101", "name": "暴露垃圾", "tier": "item", "parent_id": sub.id, "effective_from": START,
        "rules": [{"area_department_id": None, "department_id": org["water"].id, "time_limit": 2,
                   "time_unit": "working_days", "legal_basis": "《城市市容和环境卫生管理条例》第二十七条"}]})
    stalls = service.matter_create(session, system, {
        "code": "010102", "name": "占道经营", "tier": "item", "level": "district", "parent_id": sub.id,
        "effective_from": START,
        "rules": [{"area_department_id": org["district"].id, "department_id": org["district"].id, "time_limit": 2,
                   "time_unit": "working_days"},
                  {"area_department_id": org["street"].id, "department_id": org["street"].id, "time_limit": 8,
                   "time_unit": "hours"}]})
    session.commit()
    return {"top": top, "sub": sub, "rubbish": rubbish, "stalls": stalls}


def test_a_subcategory_must_sit_under_a_category_and_an_item_under_a_subcategory(session, system, cat):
    with pytest.raises(Invalid) as err:
        service.matter_create(session, system, {"code": "x1", "name": "错位细类", "tier": "item", "parent_id": cat["top"].id})
    assert "parent_id" in err.value.errors
    with pytest.raises(Invalid) as err:
        service.matter_create(session, system, {"code": "x2", "name": "无上级小类", "tier": "subcategory"})
    assert "parent_id" in err.value.errors
    with pytest.raises(Invalid) as err:
        service.matter_create(session, system, {"code": "x3", "name": "大类", "tier": "category", "parent_id": cat["sub"].id})
    assert "parent_id" in err.value.errors
    with pytest.raises(Invalid) as err:
        service.matter_create(session, system, {"code": "010101", "name": "重复", "tier": "category"})
    assert "code" in err.value.errors


def test_rules_belong_to_items_and_a_district_matter_has_no_city_wide_rule(session, system, org, cat):
    rule = {"area_department_id": None, "department_id": org["water"].id, "time_limit": 1, "time_unit": "hours"}
    with pytest.raises(Invalid) as err:
        service.matter_create(session, system, {"code": "02", "name": "交通", "tier": "category", "rules": [rule]})
    assert "rules" in err.value.errors
    with pytest.raises(Invalid) as err:
        service.matter_create(session, system, {"code": "010103", "name": "流动摊贩", "tier": "item", "level": "district",
                                                "parent_id": cat["sub"].id, "rules": [rule]})
    assert "rules.0.area_department_id" in err.value.errors
    # an area must be a district or a street
    with pytest.raises(Invalid) as err:
        service.matter_create(session, system, {"code": "010104", "name": "x", "tier": "item", "parent_id": cat["sub"].id,
                                                "rules": [{**rule, "area_department_id": org["water"].id}]})
    assert "rules.0.area_department_id" in err.value.errors


def test_matter_tree_and_list_show_the_hierarchy(session, system, cat):
    tree = service.matter_tree(session, system)
    assert [n["name"] for n in tree] == ["市容管理"]
    assert [n["name"] for n in tree[0]["children"][0]["children"]] == ["暴露垃圾", "占道经营"]
    page = service.matter_list(session, system, q="垃圾")
    assert [m.code for m in page.items] == ["010101"]
    assert service.matter_list(session, system, tier="item").total == 2
    assert service.matter_list(session, system, parent_id=0).total == 1
    assert service.matter_get(session, system, cat["rubbish"].id).name == "暴露垃圾"


def test_the_city_wide_rule_answers_for_any_area(session, system, org, cat):
    for area in (None, org["district"].id, org["street"].id):
        got = service.responsibility_on(session, system, "010101", area, D(2025, 6, 1))
        assert got["department_id"] == org["water"].id and got["department_name"] == "市水务局"
        assert got["time_limit"] == 2 and got["time_unit"] == "working_days"
        assert got["legal_basis"].startswith("《城市市容")
        assert got["effective_from"] == START and got["effective_to"] is None
        assert got["matter"] == "010101" and got["name"] == "暴露垃圾"


def test_a_street_without_its_own_rule_falls_back_to_its_district_then_the_city(session, system, org, cat):
    street = service.responsibility_on(session, system, "010102", org["street"].id, D(2025, 6, 1))
    assert street["department_id"] == org["street"].id and street["time_unit"] == "hours"
    # another street of the same district has no rule: the district's applies
    from tongguan.accounts import service as accounts

    other = accounts.department_create(session, system, {"code": "jd-wy", "name": "望月街道", "level": "street",
                                                          "parent_id": org["district"].id})
    grid = accounts.department_create(session, system, {"code": "jd-wy-01", "name": "望月第一网格", "level": "grid",
                                                         "parent_id": other.id})
    session.commit()
    for area in (other.id, grid.id, org["district"].id):
        got = service.responsibility_on(session, system, "010102", area, D(2025, 6, 1))
        assert got["department_id"] == org["district"].id and got["area_department_id"] == org["district"].id
    # a district-wide matter has no city-wide rule
    with pytest.raises(NotFound):
        service.responsibility_on(session, system, "010102", None, D(2025, 6, 1))
    # and the city-wide matter answers through the whole chain
    got = service.responsibility_on(session, system, "010101", grid.id, D(2025, 6, 1))
    assert got["area_department_id"] is None


def test_a_change_with_an_effective_date_keeps_the_old_answer_before_it(session, system, org, cat):
    m = cat["rubbish"]
    service.matter_change(session, system, m.id, {"effective_from": D(2026, 3, 1), "area_department_id": None,
                                                   "department_id": org["city"].id, "time_limit": 24,
                                                   "time_unit": "hours", "note": "机构改革"}, m.version)
    session.commit()
    before = service.responsibility_on(session, system, "010101", None, D(2026, 2, 28))
    after = service.responsibility_on(session, system, "010101", org["street"].id, D(2026, 3, 1))
    assert before["department_id"] == org["water"].id and before["effective_to"] == D(2026, 3, 1)
    assert before["time_limit"] == 2
    assert after["department_id"] == org["city"].id and after["time_limit"] == 24 and after["time_unit"] == "hours"
    assert after["effective_from"] == D(2026, 3, 1)
    assert after["legal_basis"] == before["legal_basis"]  # not given: kept
    history = service.matter_rules(session, system, m.id, history=True)
    assert [(r.effective_from, r.effective_to) for r in history] == [(START, D(2026, 3, 1)), (D(2026, 3, 1), None)]
    assert [r.department_id for r in service.matter_rules(session, system, m.id, on=D(2026, 1, 1))] == [org["water"].id]
    changes = service.matter_changes(session, system, m.id)
    assert changes[0].kind == "change" and changes[0].note == "机构改革"
    assert changes[0].details["before"]["time_limit"] == 2 and changes[0].details["after"]["time_limit"] == 24


def test_a_change_only_of_the_time_limit_in_one_area_and_then_back_to_inheriting(session, system, org, cat):
    m = cat["stalls"]
    service.matter_change(session, system, m.id, {"effective_from": D(2025, 7, 1), "area_department_id": org["district"].id,
                                                   "time_limit": 3})
    assert service.responsibility_on(session, system, "010102", org["district"].id, D(2025, 7, 1))["time_limit"] == 3
    assert service.responsibility_on(session, system, "010102", org["district"].id, D(2025, 6, 30))["time_limit"] == 2
    service.matter_change(session, system, m.id, {"effective_from": D(2025, 9, 1), "area_department_id": org["street"].id,
                                                   "inherit": True})
    assert service.responsibility_on(session, system, "010102", org["street"].id, D(2025, 8, 31))["time_unit"] == "hours"
    got = service.responsibility_on(session, system, "010102", org["street"].id, D(2025, 9, 1))
    assert got["department_id"] == org["district"].id and got["time_limit"] == 3


def test_a_change_that_changes_nothing_or_misses_fields_is_refused(session, system, org, cat):
    m = cat["rubbish"]
    with pytest.raises(Invalid) as err:
        service.matter_change(session, system, m.id, {"effective_from": D(2026, 1, 1), "time_limit": 2})
    assert "department_id" in err.value.errors
    with pytest.raises(Invalid) as err:  # an area with no rule of its own needs every field
        service.matter_change(session, system, m.id, {"effective_from": D(2026, 1, 1),
                                                       "area_department_id": org["street"].id, "time_limit": 1})
    assert {"department_id", "time_unit"} <= set(err.value.errors)
    with pytest.raises(Invalid) as err:
        service.matter_change(session, system, m.id, {"effective_from": D(2024, 1, 1), "time_limit": 5})
    assert "effective_from" in err.value.errors
    with pytest.raises(Invalid) as err:
        service.matter_change(session, system, cat["sub"].id, {"effective_from": D(2026, 1, 1), "time_limit": 5})
    assert "tier" in err.value.errors


def test_retiring_a_matter_ends_its_answers_from_that_day(session, system, org, cat):
    m = cat["rubbish"]
    service.matter_retire(session, system, m.id, {"effective_from": D(2026, 1, 1), "note": "法律依据失效"}, m.version)
    session.commit()
    assert service.responsibility_on(session, system, "010101", None, D(2025, 12, 31))["effective_to"] == D(2026, 1, 1)
    with pytest.raises(NotFound):
        service.responsibility_on(session, system, "010101", None, D(2026, 1, 1))
    with pytest.raises(NotFound):  # not yet in force
        service.responsibility_on(session, system, "010101", None, D(2024, 12, 31))
    with pytest.raises(NotFound):
        service.responsibility_on(session, system, "nope", None, D(2025, 12, 31))
    with pytest.raises(Invalid):  # twice
        service.matter_retire(session, system, m.id, {"effective_from": D(2026, 2, 1)})
    assert service.status_of(m, D(2026, 1, 1)) == "retired"
    assert service.status_of(m, D(2025, 6, 1)) == "retiring"
    assert [c.kind for c in service.matter_changes(session, system, m.id)] == ["retire", "add"]


def test_retiring_a_category_retires_everything_under_it(session, system, cat):
    service.matter_retire(session, system, cat["top"].id, {"effective_from": D(2025, 6, 1)})
    session.commit()
    session.expire_all()
    assert {m.effective_to for m in session.scalars(select(Matter))} == {D(2025, 6, 1)}
    assert session.scalar(select(func.count()).select_from(ResponsibilityRule)
                          .where(ResponsibilityRule.effective_to.is_(None))) == 0
    assert service.matter_tree(session, system) == [] or service.status_of(cat["top"]) == "retired"


def test_splitting_a_matter_retires_it_and_the_parts_take_over_from_that_day(session, system, org, cat):
    m = cat["rubbish"]
    result = service.matter_split(session, system, m.id, {"effective_from": D(2026, 1, 1), "note": "按来源细分", "parts": [
        {"code": "01010101", "name": "生活垃圾暴露"},
        {"code": "01010102", "name": "建筑垃圾暴露", "rules": [
            {"area_department_id": None, "department_id": org["city"].id, "time_limit": 1, "time_unit": "working_days"}]},
    ]}, m.version)
    session.commit()
    assert result["matter"].effective_to == D(2026, 1, 1)
    assert [p.code for p in result["parts"]] == ["01010101", "01010102"]
    assert all(p.parent_id == cat["sub"].id and p.tier == "item" and p.split_from_id == m.id for p in result["parts"])
    assert service.responsibility_on(session, system, "010101", None, D(2025, 12, 31))["department_id"] == org["water"].id
    with pytest.raises(NotFound):
        service.responsibility_on(session, system, "010101", None, D(2026, 1, 1))
    with pytest.raises(NotFound):
        service.responsibility_on(session, system, "01010101", None, D(2025, 12, 31))
    copied = service.responsibility_on(session, system, "01010101", None, D(2026, 1, 1))
    assert copied["department_id"] == org["water"].id and copied["time_limit"] == 2
    own = service.responsibility_on(session, system, "01010102", org["street"].id, D(2026, 1, 1))
    assert own["department_id"] == org["city"].id and own["time_limit"] == 1
    assert service.matter_changes(session, system, m.id)[0].details["into"][0]["code"] == "01010101"


def test_a_split_needs_two_new_codes_and_an_item(session, system, cat):
    m = cat["rubbish"]
    with pytest.raises(Invalid) as err:
        service.matter_split(session, system, m.id, {"effective_from": D(2026, 1, 1), "parts": [
            {"code": "010102", "name": "重复编码"}, {"code": "n2", "name": "b"}]})
    assert "parts.0.code" in err.value.errors
    with pytest.raises(Invalid) as err:
        service.matter_split(session, system, m.id, {"effective_from": D(2026, 1, 1), "parts": [{"code": "n1", "name": "a"}]})
    assert "parts" in err.value.errors
    with pytest.raises(Invalid) as err:
        service.matter_split(session, system, cat["sub"].id, {"effective_from": D(2026, 1, 1), "parts": [
            {"code": "n1", "name": "a"}, {"code": "n2", "name": "b"}]})
    assert "tier" in err.value.errors


def test_matter_update_changes_the_name_and_logs_it(session, system, cat):
    m = service.matter_update(session, system, cat["rubbish"].id, {"name": "暴露垃圾（含垃圾桶周边）"})
    assert m.name == "暴露垃圾（含垃圾桶周边）"
    assert service.matter_changes(session, system, m.id)[0].kind == "update"
    with pytest.raises(Invalid) as err:  # it has a city-wide rule
        service.matter_update(session, system, m.id, {"level": "district"})
    assert "level" in err.value.errors


# --- domain catalogs ----------------------------------------------------------------------------


@pytest.fixture
def hotline(session, system, org, cat):
    catalog = service.domain_catalog_create(session, system, {"code": "hotline", "name": "12345 热线分类",
                                                               "owner_department_id": org["city"].id})
    session.flush()
    a = service.domain_item_create(session, system, catalog.id, {"code": "RX-1", "name": "垃圾没人收",
                                                                  "matter_id": cat["rubbish"].id})
    b = service.domain_item_create(session, system, catalog.id, {"code": "RX-2", "name": "小贩占道"})
    c = service.domain_item_create(session, system, catalog.id, {"code": "RX-3", "name": "政策咨询"})
    session.commit()
    return {"catalog": catalog, "a": a, "b": b, "c": c}


def test_many_domain_items_map_to_one_matter_and_the_unmapped_are_listed(session, system, cat, hotline):
    cid = hotline["catalog"].id
    service.mapping_set(session, system, cid, hotline["b"].id, matter_code="010101")
    session.commit()
    assert {i.code for i in service.domain_item_list(session, system, cid, matter_id=cat["rubbish"].id).items} == {"RX-1", "RX-2"}
    assert [i.code for i in service.domain_unmapped(session, system, cid)] == ["RX-3"]
    service.mapping_set(session, system, cid, hotline["b"].id, matter_id=cat["stalls"].id)
    service.mapping_clear(session, system, cid, hotline["a"].id)
    session.commit()
    assert [i.code for i in service.domain_item_list(session, system, cid, unmapped_only=True).items] == ["RX-1", "RX-3"]


def test_a_mapping_to_a_retired_matter_or_a_non_item_is_refused(session, system, cat, hotline):
    cid = hotline["catalog"].id
    service.matter_retire(session, system, cat["stalls"].id, {"effective_from": D(2025, 6, 1)})
    with pytest.raises(Invalid) as err:
        service.mapping_set(session, system, cid, hotline["b"].id, matter_id=cat["stalls"].id)
    assert "已于 2025-06-01 废止" in err.value.errors["matter_id"][0]
    with pytest.raises(Invalid) as err:
        service.mapping_set(session, system, cid, hotline["b"].id, matter_code="0101")
    assert "matter_code" in err.value.errors
    with pytest.raises(Invalid):
        service.mapping_set(session, system, cid, hotline["b"].id, matter_code="missing")
    with pytest.raises(Invalid):
        service.domain_item_create(session, system, cid, {"code": "RX-9", "name": "x", "matter_id": cat["stalls"].id})


def test_items_mapped_to_a_matter_retired_later_show_as_needing_a_mapping(session, system, cat, hotline):
    service.matter_retire(session, system, cat["rubbish"].id, {"effective_from": D(2025, 6, 1)})
    session.commit()
    unmapped = service.domain_unmapped(session, system, hotline["catalog"].id)
    assert [i.code for i in unmapped] == ["RX-1", "RX-2", "RX-3"]
    assert service.mapping_state(unmapped[0]) == "stale"


def test_domain_catalog_and_item_edits(session, system, hotline):
    cid = hotline["catalog"].id
    assert service.domain_catalog_list(session, system, q="热线").total == 1
    service.domain_catalog_update(session, system, cid, {"name": "12345 市民热线分类"})
    assert service.domain_catalog_get(session, system, cid).name == "12345 市民热线分类"
    service.domain_item_update(session, system, cid, hotline["c"].id, {"category": "其他"})
    assert service.domain_item_get(session, system, cid, hotline["c"].id).category == "其他"
    with pytest.raises(Invalid):
        service.domain_item_update(session, system, cid, hotline["c"].id, {"code": "RX-1"})
    service.domain_item_delete(session, system, cid, hotline["c"].id)
    session.commit()
    assert service.domain_item_list(session, system, cid).total == 2
    service.domain_catalog_delete(session, system, cid)
    session.commit()
    assert session.scalar(select(func.count()).select_from(DomainItem)) == 0


def test_a_handler_can_read_but_not_change(session, org, cat, make_user):
    handler = Actor.for_user(make_user("zhao", "handler", department="water"))
    assert service.responsibility_on(session, handler, "010101", None, D(2025, 6, 1))["time_limit"] == 2
    with pytest.raises(Forbidden):
        service.matter_change(session, handler, cat["rubbish"].id, {"effective_from": D(2026, 1, 1), "time_limit": 9})
    with pytest.raises(Forbidden):
        service.matter_retire(session, handler, cat["rubbish"].id, {"effective_from": D(2026, 1, 1)})
    with pytest.raises(Forbidden):
        service.seed_demo(session, handler)


def test_the_demo_seed_builds_a_realistic_catalog_and_is_idempotent(session, system, org):
    added = service.seed_demo(session, system)
    session.commit()
    assert added["matters"] >= 110 and added["rules"] > 100
    tiers = dict(session.execute(select(Matter.tier, func.count()).group_by(Matter.tier)).all())
    assert tiers["category"] >= 10 and tiers["item"] >= 100
    names = set(session.scalars(select(Matter.name)))
    assert {"建筑施工噪声", "社会生活噪声（商业经营）", "交通运输噪声", "工业噪声", "道路积水", "井盖缺失"} <= names
    assert session.scalar(select(func.count()).select_from(MatterChange)) >= 100
    # every item answers somewhere: city-wide ones for the city, district-wide ones in 江东区
    rubbish = service.responsibility_on(session, system, "010101", org["street"].id, D(2025, 6, 1))
    assert rubbish["department_name"] == "临江市城市管理行政执法局"
    stalls = service.responsibility_on(session, system, "010106", org["street"].id, D(2025, 6, 1))
    assert stalls["department_name"] == "滨湖街道"  # the street handles it itself
    assert service.responsibility_on(session, system, "010106", org["district"].id, D(2025, 6, 1))[
        "department_name"] == "江东区城市管理行政执法局"
    assert service.seed_demo(session, system) == {k: 0 for k in added}


def test_xlsx_export_and_import_through_the_service(session, system, org, cat, hotline):
    content = service.matters_export(session, system)
    assert service.matters_import(session, system, content) == {"created": 0, "updated": 0, "rules_changed": 0, "retired": 0}
    items = service.domain_items_export(session, system, hotline["catalog"].id)
    assert service.domain_items_import(session, system, hotline["catalog"].id, items)["created"] == 0
