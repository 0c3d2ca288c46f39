"""Fixtures shared by the event core's tests: a small matter catalog and the people who act."""
import datetime as dt

import pytest

from catalog.matters import service as matters
from tongguan.permissions import Actor

START = dt.date(2026, 1, 1)


@pytest.fixture
def catalog(session, system, org):
    """城市管理 > 市容 > 暴露垃圾 (city-wide: 市水务局 stands in, 2 working days) and 道路积水
    (江东区 handles it in its area, 4 hours)."""
    top = matters.matter_create(session, system, {"code": "01", "name": "城市管理", "tier": "category",
                                                  "effective_from": START})
    sub = matters.matter_create(session, system, {"code": "0101", "name": "市容", "tier": "subcategory",
                                                  "parent_id": top.id, "effective_from": START})
    matters.matter_create(session, system, {
        "code": "010101", "name": "暴露垃圾", "tier": "item", "parent_id": sub.id, "effective_from": START,
        "rules": [{"area_department_id": None, "department_id": org["water"].id, "time_limit": 2,
                   "time_unit": "working_days"}]})
    matters.matter_create(session, system, {
        "code": "010102", "name": "道路积水", "tier": "item", "level": "district", "parent_id": sub.id,
        "effective_from": START,
        "rules": [{"area_department_id": org["district"].id, "department_id": org["district"].id, "time_limit": 4,
                   "time_unit": "hours"}]})
    session.commit()
    return org


@pytest.fixture
def people(make_user):
    return {"dispatcher": Actor.for_user(make_user("dispatcher", "dispatcher")),
            "water": Actor.for_user(make_user("water_h", "handler", department="water")),
            "street": Actor.for_user(make_user("street_h", "handler", department="street")),
            "reporter": Actor.for_user(make_user("grid_member", "author", department="street"))}
