"""Demo Open311 services: the matters citizens most often report."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.permissions import Actor

SIZE = {"code": "size", "datatype": "singlevaluelist", "required": True, "description": "严重程度", "order": 1,
        "values": [{"key": "minor", "name": "轻微"}, {"key": "serious", "name": "较重"}, {"key": "severe", "name": "严重"}]}
OFFER = [  # (service code, matter name, group, keywords, attributes)
    ("rubbish", "暴露垃圾", "市容", "垃圾,清运", [SIZE]),
    ("waterlogging", "道路积水", "防汛", "积水,内涝", [
        {"code": "depth_cm", "datatype": "number", "required": False, "description": "积水深度（厘米）", "order": 1}]),
    ("streetlight", "路灯不亮", "市政", "路灯", []),
    ("manhole", "井盖缺失", "市政", "井盖,安全", [SIZE]),
    ("stalls", "占道经营", "市容", "摊贩,占道", []),
]


def seed_demo(session: Session, actor: Actor) -> int:
    from catalog.matters.models import Matter

    from . import service
    from .models import Open311Service

    if session.scalar(select(Open311Service.id).limit(1)) is not None:
        return 0
    codes = {m.name: m.code for m in session.scalars(select(Matter).where(Matter.tier == "item"))}
    made = 0
    for i, (code, name, group, keywords, attributes) in enumerate(OFFER):
        if name in codes:
            service.open311_service_save(session, actor, {
                "service_code": code, "matter_code": codes[name], "service_name": name, "group": group,
                "keywords": keywords, "attributes": attributes, "sort_order": i})
            made += 1
    return made
