"""The accounts services called directly, as the CLI, jobs and later packages do."""
import pytest

from tongguan.accounts import service
from tongguan.audit.service import audit_list
from tongguan.errors import Forbidden, Invalid, NotFound, PreconditionFailed, Unauthorized
from tongguan.permissions import ANONYMOUS, Actor


@pytest.fixture
def handler(make_user):
    return Actor.for_user(make_user("zhao", "handler", department="water"))


def test_an_anonymous_actor_is_refused_by_every_service(session):
    for call in (lambda: service.department_list(session, ANONYMOUS), lambda: service.me_get(session, ANONYMOUS),
                 lambda: audit_list(session, ANONYMOUS)):
        with pytest.raises(Unauthorized):
            call()


def test_a_handler_may_read_but_not_change_the_organisation(session, handler, org):
    assert service.department_get(session, handler, org["water"].id).code == "water"
    assert service.user_get(session, handler, handler.id).username == "zhao"
    assert {r["code"] for r in service.role_list(session, handler)} >= {"handler"}
    with pytest.raises(Forbidden):
        service.department_create(session, handler, {"code": "x", "name": "x", "level": "city"})
    with pytest.raises(Forbidden):
        service.department_update(session, handler, org["water"].id, {"name": "x"})
    with pytest.raises(Forbidden):
        service.department_delete(session, handler, org["street"].id)
    with pytest.raises(Forbidden):
        service.user_create(session, handler, {"username": "x", "display_name": "x", "password": "12345678"})
    with pytest.raises(Forbidden):
        service.user_update(session, handler, handler.id, {"roles": ["admin"]})
    with pytest.raises(Forbidden):
        audit_list(session, handler)


def test_department_list_filters_by_parent_level_and_text(session, system, org):
    roots = service.department_list(session, system, parent_id=0)
    assert [d.code for d in roots.items] == ["city"]
    children = service.department_list(session, system, parent_id=org["city"].id)
    assert {d.code for d in children.items} == {"water", "jd"}
    assert [d.code for d in service.department_list(session, system, level="street").items] == ["jd-bh"]
    assert [d.code for d in service.department_list(session, system, q="水务").items] == ["water"]


def test_a_department_cannot_rank_above_its_parent(session, system, org):
    with pytest.raises(Invalid) as err:
        service.department_create(session, system, {"code": "c2", "name": "x", "level": "city", "parent_id": org["street"].id})
    assert "level" in err.value.errors


def test_an_unknown_department_is_not_found(session, system, org):
    with pytest.raises(NotFound):
        service.department_get(session, system, 9999)


def test_a_stale_version_is_refused_by_the_service_itself(session, system, org):
    with pytest.raises(PreconditionFailed):
        service.department_update(session, system, org["street"].id, {"name": "x"}, if_version=99)


def test_me_get_and_user_set_locale_act_on_the_actor_only(session, handler):
    service.user_set_locale(session, handler, "en")
    session.commit()
    assert service.me_get(session, handler).locale == "en"
    with pytest.raises(Invalid):
        service.user_set_locale(session, handler, "fr")


def test_an_admin_cannot_remove_their_own_admin_role(session, admin):
    me = Actor.for_user(admin)
    with pytest.raises(Invalid):
        service.user_update(session, me, admin.id, {"roles": ["leader"]})


def test_user_list_finds_by_name_and_department(session, system, make_user, org):
    make_user("wang", "catalog_manager", department="street")
    assert [u.username for u in service.user_list(session, system, department_id=org["street"].id).items] == ["wang"]
    assert [u.username for u in service.user_list(session, system, q="wan").items] == ["wang"]


def test_token_list_and_token_revoke_are_scoped_to_the_owner(session, system, make_user):
    a, b = Actor.for_user(make_user("a", "author")), Actor.for_user(make_user("b", "author"))
    token, _ = service.token_create(session, a, {"name": "mine"})
    session.commit()
    assert [t.name for t in service.token_list(session, a).items] == ["mine"]
    assert service.token_list(session, b).items == []
    with pytest.raises(NotFound):
        service.token_revoke(session, b, token.id)
    assert service.token_revoke(session, a, token.id).revoked_at is not None
    assert service.token_list(session, a).items == []
    assert len(service.token_list(session, a, include_revoked=True).items) == 1
