"""Catalog fixtures: people with different reach, and a small directory tree."""
import pytest

from catalog.resources import service as catalog
from catalog.resources.models import Directory


@pytest.fixture
def roots(session):
    return {d.resource_class: d for d in session.query(Directory).filter(Directory.parent_id.is_(None))}


@pytest.fixture
def people(make_user):
    return {
        "manager": make_user("manager", "catalog_manager"),
        "water": make_user("water_op", "data_operator", department="water"),  # 市水务局
        "street": make_user("street_h", "handler", department="street"),  # 滨湖街道
        "district": make_user("district_a", "author", department="district"),  # 江东区
    }


@pytest.fixture
def actors(people):
    from tongguan.permissions import Actor

    return {k: Actor.for_user(u) for k, u in people.items()}


@pytest.fixture
def tree(session, actors, roots, org):
    """data root > 城市运行 > 防汛 ; data root > 城市运行 > 交通 ; video root > 监控"""
    m = actors["manager"]
    ops = catalog.directory_create(session, m, {"parent_id": roots["data"].id, "name": "城市运行"})
    flood = catalog.directory_create(session, m, {"parent_id": ops.id, "name": "防汛"})
    traffic = catalog.directory_create(session, m, {"parent_id": ops.id, "name": "交通"})
    cams = catalog.directory_create(session, m, {"parent_id": roots["video"].id, "name": "监控"})
    session.commit()
    return {"ops": ops, "flood": flood, "traffic": traffic, "cams": cams}


@pytest.fixture
def add_resource(session, actors, org):
    def add(directory, code, name, *, owner="water", **extra):
        r = catalog.resource_create(session, actors["manager"], {
            "directory_id": directory.id, "code": code, "name": name, "owner_department_id": org[owner].id, **extra})
        session.commit()
        return r

    return add
