"""The tag services called directly, as the resource search, reports and the CLI do."""
import datetime as dt
import json

import pytest
from sqlalchemy import event, select

from catalog.tags import service
from catalog.tags.models import Tag, TagGrant, TagValue
from tongguan.audit.models import AuditEntry
from tongguan.db import utcnow
from tongguan.errors import Conflict, Forbidden, Invalid, NotFound
from tongguan.permissions import Actor

PHONE = "13812341234"


@pytest.fixture
def people(make_user):
    """owner: catalog manager of the city centre (owns the tags); reader: a water-bureau handler;
    approver: a catalog manager; admin: an administrator of the water bureau (no grant either)."""
    return {
        "owner": Actor.for_user(make_user("wang", "catalog_manager", department="city")),
        "reader": Actor.for_user(make_user("zhao", "handler", department="water")),
        "operator": Actor.for_user(make_user("li", "data_operator", department="district")),
        "admin": Actor.for_user(make_user("root", "admin", department="water")),
    }


@pytest.fixture
def subject(session, system):
    service.tag_subject_create(session, system, {"code": "complainant", "name": "诉求人"})
    session.commit()
    return "complainant"


def make_tag(session, actor, code="phone", publish=True, **extra):
    data = {"code": code, "name": extra.pop("name", "手机号"), "subject_code": "complainant", "value_type": "text",
            "masking": "phone", **extra}
    tag = service.tag_create(session, actor, data)
    if publish:
        service.tag_publish(session, actor, tag.id)
    session.commit()
    return tag


@pytest.fixture
def phone(session, people, subject):
    tag = make_tag(session, people["owner"])
    service.set_value(session, people["owner"], tag.id, "complainant", "P1", PHONE)
    session.commit()
    return tag


def test_subjects_include_the_builtin_resource_and_types_group_by_topic(session, people, subject):
    owner = people["owner"]
    subjects = {s.code: s for s in service.tag_subject_list(session, owner)}
    assert subjects["resource"].name == "数字资源" and subjects["resource"].builtin
    assert "complainant" in subjects
    service.tag_subject_update(session, owner, "complainant", {"name": "诉求人（12345）"})
    with pytest.raises(Invalid):
        service.tag_subject_create(session, owner, {"code": "resource", "name": "x"})
    t = service.tag_type_create(session, owner, {"code": "basic", "name": "基本信息", "topic": "民生诉求"})
    service.tag_type_update(session, owner, t.id, {"name": "基础信息"})
    with pytest.raises(Invalid):
        service.tag_type_create(session, owner, {"code": "basic", "name": "重复"})
    assert [x.name for x in service.tag_type_list(session, owner, topic="民生诉求")] == ["基础信息"]
    with pytest.raises(Forbidden):
        service.tag_type_create(session, people["reader"], {"code": "x", "name": "x"})


def test_a_definition_is_validated_as_a_whole(session, people, subject):
    owner = people["owner"]
    with pytest.raises(Invalid) as err:
        service.tag_create(session, owner, {"code": "grade", "name": "等级", "subject_code": "nobody",
                                            "value_type": "enum", "allowed": {"options": []},
                                            "masking": "custom", "masking_params": {"keep_first": 99}})
    assert {"subject_code", "allowed", "masking_params"} <= set(err.value.errors)
    with pytest.raises(Invalid) as err:
        service.tag_create(session, owner, {"code": "n", "name": "n", "subject_code": "complainant",
                                            "value_type": "number", "allowed": {"min": 5, "max": 1}})
    assert "allowed" in err.value.errors
    make_tag(session, owner, publish=False)
    with pytest.raises(Invalid) as err:
        make_tag(session, owner, publish=False)
    assert "code" in err.value.errors


def test_a_tag_goes_draft_published_deprecated_and_versions_keep_history(session, people, subject):
    owner = people["owner"]
    tag = make_tag(session, owner, publish=False, rule_text="count(calls) > 3")
    assert tag.state == "draft" and tag.owner_department_id == owner.department_id
    with pytest.raises(Conflict):  # drafts cannot get values
        service.set_value(session, owner, tag.id, "complainant", "P1", PHONE)
    service.tag_update(session, owner, tag.id, {"description": "联系电话"})
    tag = service.tag_publish(session, owner, tag.id)
    assert tag.state == "published" and tag.revision == 1
    with pytest.raises(Conflict):
        service.tag_update(session, owner, tag.id, {"name": "电话"})
    with pytest.raises(Conflict):
        service.tag_delete(session, owner, tag.id)
    with pytest.raises(Invalid):  # nothing changes
        service.tag_new_version(session, owner, tag.id, {"name": "手机号"})
    tag = service.tag_new_version(session, owner, tag.id, {"name": "联系手机", "note": "改名"})
    assert tag.revision == 2 and tag.name == "联系手机"
    revisions = service.tag_revision_list(session, owner, tag.id)
    assert [(r.revision, r.definition["name"]) for r in revisions] == [(2, "联系手机"), (1, "手机号")]
    assert revisions[1].definition["rule_text"] == "count(calls) > 3"  # stored, never evaluated
    tag = service.tag_deprecate(session, owner, tag.id)
    assert tag.state == "deprecated"
    row, warnings = service.set_value(session, owner, tag.id, "complainant", "P1", PHONE)
    assert row.value == PHONE and warnings and "停用" in warnings[0]
    draft = make_tag(session, owner, code="draft", publish=False)
    service.tag_delete(session, owner, draft.id)
    session.commit()
    with pytest.raises(NotFound):
        service.tag_get(session, owner, draft.id)


def test_a_new_version_cannot_break_existing_values(session, people, subject):
    owner = people["owner"]
    grade = make_tag(session, owner, code="grade", name="等级", value_type="enum", masking="none",
                     allowed={"options": ["A", "B", "C"]})
    service.set_value(session, owner, grade.id, "complainant", "P1", "C")
    with pytest.raises(Invalid) as err:
        service.tag_new_version(session, owner, grade.id, {"allowed": {"options": ["A", "B"]}})
    assert "allowed" in err.value.errors
    with pytest.raises(Invalid):
        service.tag_new_version(session, owner, grade.id, {"value_type": "text", "allowed": {}})
    assert service.tag_new_version(session, owner, grade.id, {"allowed": {"options": ["A", "B", "C", "D"]}}).revision == 2


def test_values_are_checked_against_the_value_type_and_allowed_values(session, people, subject):
    owner = people["owner"]
    age = make_tag(session, owner, code="calls", name="来电次数", value_type="number", masking="none",
                   allowed={"min": 0, "max": 100})
    flag = make_tag(session, owner, code="repeat", name="重复投诉", value_type="boolean", masking="none")
    day = make_tag(session, owner, code="since", name="首次来电", value_type="date", masking="none")
    assert service.set_value(session, owner, age.id, "complainant", "P1", "42")[0].value_num == 42
    assert service.set_value(session, owner, flag.id, "complainant", "P1", "是")[0].value == "true"
    assert service.set_value(session, owner, day.id, "complainant", "P1", "2026-01-31")[0].value_num == \
        dt.date(2026, 1, 31).toordinal()
    for tag, bad in ((age, "101"), (age, "many"), (flag, "maybe"), (day, "31/01/2026")):
        with pytest.raises(Invalid) as err:
            service.set_value(session, owner, tag.id, "complainant", "P1", bad)
        assert "value" in err.value.errors
    with pytest.raises(Invalid) as err:
        service.set_value(session, owner, age.id, "enterprise", "P1", 1)
    assert "subject" in err.value.errors
    with pytest.raises(Forbidden):
        service.set_value(session, people["reader"], age.id, "complainant", "P1", 1)
    service.clear_value(session, owner, age.id, "complainant", "P1")
    with pytest.raises(NotFound):
        service.clear_value(session, owner, age.id, "complainant", "P1")


def test_resource_tags_name_existing_resources_by_id(session, people):
    owner = people["owner"]
    tag = service.tag_create(session, owner, {"code": "quality", "name": "数据质量等级", "subject_code": "resource",
                                              "value_type": "enum", "allowed": {"options": ["优", "良"]}})
    service.tag_publish(session, owner, tag.id)
    with pytest.raises(Invalid) as err:
        service.set_value(session, owner, tag.id, "resource", "999999", "优")
    assert "key" in err.value.errors


def test_nobody_without_a_grant_sees_a_clear_value_not_even_an_admin(session, people, phone):
    for who in ("reader", "operator", "admin"):
        actor = people[who]
        shown = service.visible_values(session, actor, "complainant", ["P1", "P2"])
        assert shown["P2"] == []
        assert shown["P1"] == [{"tag_id": phone.id, "code": "phone", "name": "手机号", "value": "138****1234",
                                "masked": True, "state": "published"}]
        assert service.subject_values(session, actor, "complainant", "P1")[0]["value"] == "138****1234"
        assert service.tag_values_list(session, actor, phone.id).items[0]["value"] == "138****1234"
        export = service.tag_values_export(session, actor, phone.id)
        assert export.masked and [r["value"] for r in export.rows] == ["138****1234"]
        assert not service.tag_get(session, actor, phone.id).clear
        with pytest.raises(Forbidden):  # no finding a masked value out by searching for it
            service.tag_values_list(session, actor, phone.id, q="1234")
    owner = people["owner"]
    assert service.visible_values(session, owner, "complainant", ["P1"])["P1"][0]["value"] == PHONE
    assert service.tag_values_list(session, owner, phone.id, q="8123").total == 1


def test_visible_values_takes_two_queries_for_a_page_of_keys(app, session, people, phone):
    owner = people["owner"]
    for i in range(50):
        service.set_value(session, owner, phone.id, "complainant", f"K{i}", f"1390000{i:04d}")
    session.commit()
    statements = []
    engine = app.extensions["tongguan.engine"]
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        shown = service.visible_values(session, people["reader"], "complainant", [f"K{i}" for i in range(50)])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) <= 2
    assert len(shown) == 50 and all(v[0]["masked"] for v in shown.values())


def test_a_grant_unmasks_until_it_expires_or_is_revoked(session, people, phone):
    reader, owner = people["reader"], people["owner"]
    with pytest.raises(Invalid):
        service.grant_apply(session, owner, phone.id, {"reason": "本部门"})  # owners need no grant
    grant = service.grant_apply(session, reader, phone.id, {"reason": "回访诉求人"})
    session.commit()
    with pytest.raises(Conflict):
        service.grant_apply(session, reader, phone.id, {"reason": "再次申请"})
    with pytest.raises(Forbidden):
        service.grant_decide(session, reader, grant.id, {"approve": True})
    with pytest.raises(Invalid):  # refusing needs a reason
        service.grant_decide(session, owner, grant.id, {"approve": False, "note": ""})
    grant = service.grant_decide(session, owner, grant.id, {"approve": True, "note": "同意",
                                                            "expires_at": utcnow() + dt.timedelta(days=30)})
    session.commit()
    assert grant.status == "granted"
    assert service.visible_values(session, reader, "complainant", ["P1"])["P1"][0]["value"] == PHONE
    with pytest.raises(Conflict):
        service.grant_apply(session, reader, phone.id, {"reason": "已有授权"})
    # expired: no longer unmasks, and the list says so
    session.execute(TagGrant.__table__.update().values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    session.commit()
    session.expire_all()
    assert service.visible_values(session, reader, "complainant", ["P1"])["P1"][0]["masked"]
    assert [g.status for g in service.grant_list(session, reader, tag_id=phone.id).items] == ["expired"]
    assert service.grant_list(session, reader, status="expired").total == 1
    # apply again, grant, revoke
    again = service.grant_apply(session, reader, phone.id, {"reason": "续期"})
    service.grant_decide(session, owner, again.id, {"approve": True})
    assert not service.visible_values(session, reader, "complainant", ["P1"])["P1"][0]["masked"]
    service.grant_revoke(session, owner, again.id, "不再需要")
    session.commit()
    assert service.visible_values(session, reader, "complainant", ["P1"])["P1"][0]["masked"]
    with pytest.raises(Conflict):
        service.grant_revoke(session, owner, again.id)
    refused = service.grant_apply(session, reader, phone.id, {"reason": "第三次"})
    assert service.grant_decide(session, owner, refused.id, {"approve": False, "note": "理由不充分"}).status == "refused"
    assert service.grant_list(session, reader, mine=True).total == 3


def test_the_audit_log_never_holds_a_clear_value(session, people, phone):
    owner = people["owner"]
    service.set_value(session, owner, phone.id, "complainant", "P1", "13900001111")
    service.clear_value(session, owner, phone.id, "complainant", "P1")
    session.commit()
    entries = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "tag_value")).all()
    assert {e.operation for e in entries} == {"insert", "update", "delete"}
    dumped = json.dumps([e.changes for e in entries], ensure_ascii=False)
    assert PHONE not in dumped and "13900001111" not in dumped and "[redacted]" in dumped


def test_feedback_counts_rank_tags(session, people, subject, make_user):
    owner, reader = people["owner"], people["reader"]
    other = Actor.for_user(make_user("sun", "leader", department="street"))
    quiet = make_tag(session, owner, code="quiet", name="安静")
    loved = make_tag(session, owner, code="loved", name="热门")
    assert service.tag_like(session, reader, loved.id).likes == 1
    assert service.tag_like(session, reader, loved.id).likes == 1  # idempotent
    assert service.tag_favourite(session, reader, loved.id).favourited
    comment = service.comment_create(session, reader, loved.id, "很有用")
    service.tag_view(session, reader, quiet.id)
    session.commit()
    ranked = service.tag_list(session, reader)
    assert [t.code for t in ranked.items] == ["loved", "quiet"]
    assert ranked.items[0].score == 3 + 2 + 2 and ranked.items[1].score == 0.1
    assert [t.code for t in service.favourite_list(session, reader).items] == ["loved"]
    assert service.comment_list(session, owner, loved.id).items[0].body == "很有用"
    with pytest.raises(Forbidden):
        service.comment_delete(session, other, comment.id)
    service.comment_delete(session, reader, comment.id)
    assert not service.tag_favourite(session, reader, loved.id, on=False).favourited
    assert service.tag_like(session, reader, loved.id, on=False).likes == 0
    with pytest.raises(Invalid):
        service.comment_create(session, reader, loved.id, "  ")


def test_tag_search_filters_and_hides_drafts_from_readers(session, people, subject):
    owner, reader = people["owner"], people["reader"]
    t = service.tag_type_create(session, owner, {"code": "basic", "name": "基本信息", "topic": "民生诉求"})
    make_tag(session, owner, code="phone", type_id=t.id, description="联系电话")
    make_tag(session, owner, code="draft", name="草稿标签", publish=False)
    assert [x.code for x in service.tag_list(session, reader, q="联系").items] == ["phone"]
    assert [x.code for x in service.tag_list(session, reader, topic="民生诉求").items] == ["phone"]
    assert service.tag_list(session, reader, state="draft").total == 0
    assert service.tag_list(session, owner, state="draft").total == 1
    assert service.tag_list(session, reader, subject="resource").total == 0
    assert service.tag_list(session, reader, q="%").total == 0


def test_seed_demo_is_idempotent(session, system, org):
    first = service.seed_demo(session, system)
    session.commit()
    assert first["tags"] >= 20 and first["values"] > 0
    assert service.seed_demo(session, system) == {"subjects": 0, "types": 0, "tags": 0, "values": 0, "grants": 0}
    assert session.scalar(select(Tag).where(Tag.code == "vehicle.plate")).masking == "custom"
    assert session.scalars(select(TagValue)).first() is not None
