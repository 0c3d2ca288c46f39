"""The demo organisation of the fictional city of 临江市: departments, one user per role.

Idempotent: running it again changes nothing that is already there."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .accounts import service as accounts
from .accounts.models import Department, User
from .permissions import Actor

DEMO_PASSWORD = "tongguan2026"

# (code, name, level, kind, children)
ORG = (
    "lj", "临江市城市运行管理中心", "city", "ops_center", [
        ("lj-water", "临江市水务局", "city", "bureau", []),
        ("lj-cityadmin", "临江市城市管理行政执法局", "city", "bureau", []),
        ("lj-emergency", "临江市应急管理局", "city", "bureau", []),
        ("lj-transport", "临江市交通运输局", "city", "bureau", []),
        ("lj-ecology", "临江市生态环境局", "city", "bureau", []),
        ("lj-housing", "临江市住房和城乡建设局", "city", "bureau", []),
        ("jd", "江东区城运中心", "district", "ops_center", [
            ("jd-bh", "滨湖街道", "street", "office", [("jd-bh-01", "滨湖第一网格", "grid", "grid", []),
                                                    ("jd-bh-02", "滨湖第二网格", "grid", "grid", [])]),
            ("jd-wy", "望月街道", "street", "office", [("jd-wy-01", "望月第一网格", "grid", "grid", []),
                                                    ("jd-wy-02", "望月第二网格", "grid", "grid", [])]),
        ]),
        ("jx", "江西区城运中心", "district", "ops_center", [
            ("jx-gl", "古楼街道", "street", "office", [("jx-gl-01", "古楼第一网格", "grid", "grid", []),
                                                    ("jx-gl-02", "古楼第二网格", "grid", "grid", [])]),
            ("jx-qs", "青石街道", "street", "office", [("jx-qs-01", "青石第一网格", "grid", "grid", [])]),
        ]),
        ("lg", "临港区城运中心", "district", "ops_center", [
            ("lg-hk", "海口镇", "street", "office", [("lg-hk-01", "海口第一网格", "grid", "grid", [])]),
            ("lg-ym", "渔门街道", "street", "office", [("lg-ym-01", "渔门第一网格", "grid", "grid", [])]),
        ]),
        ("gx", "高新区城运中心", "district", "ops_center", [
            ("gx-kc", "科创街道", "street", "office", [("gx-kc-01", "科创第一网格", "grid", "grid", []),
                                                    ("gx-kc-02", "科创第二网格", "grid", "grid", [])]),
        ]),
    ],
)

# username, display name, department code, roles
USERS = [
    ("admin", "系统管理员", "lj", ["admin"]),
    ("catalog", "目录管理员 王敏", "lj", ["catalog_manager"]),
    ("data", "数据运营 李强", "lj", ["data_operator"]),
    ("author", "场景运营 陈静", "lj", ["author"]),
    ("handler", "水务局 赵刚", "lj-water", ["handler"]),
    ("dispatch", "城运中心 调度员 孙伟", "lj", ["dispatcher"]),
    ("street", "滨湖街道 周敏", "jd-bh", ["handler"]),
    ("leader", "城运中心 刘主任", "lj", ["leader"]),
]


def seed(session: Session) -> dict:
    """Create what is missing; return counts of what was added."""
    actor = Actor.system("demo-seed")
    added = seed_org(session, actor)
    _seed_catalog(session, actor, added)
    return added


def seed_org(session: Session, actor: Actor) -> dict:
    """The demo organisation and its users only (the scenario templates' tests stand on it)."""
    accounts.ensure_roles(session)
    existing = {d.code: d for d in session.scalars(select(Department))}
    added = {"departments": 0, "users": 0}

    def walk(node, parent_id, order):
        code, name, level, kind, children = node
        dept = existing.get(code)
        if dept is None:
            dept = accounts.department_create(
                session, actor, {"code": code, "name": name, "level": level, "kind": kind,
                                 "parent_id": parent_id, "sort_order": order}
            )
            existing[code] = dept
            added["departments"] += 1
        for i, child in enumerate(children):
            walk(child, dept.id, i)

    walk(ORG, None, 0)
    users = {u.username for u in session.scalars(select(User))}
    for username, display, dept_code, roles in USERS:
        if username in users:
            continue
        accounts.user_create(
            session, actor, {"username": username, "display_name": display, "department_id": existing[dept_code].id,
                             "roles": roles, "password": DEMO_PASSWORD}
        )
        added["users"] += 1
    session.flush()
    return added


def _seed_catalog(session: Session, actor: Actor, added: dict) -> None:
    from catalog.matters import service as matters
    from catalog.resources import demo as resources
    from catalog.tags import service as tags

    added["resources"] = resources.seed_demo(session, actor)["resources"]
    matters.seed_demo(session, actor)
    tags.seed_demo(session, actor)
    from runtime import demo as data

    data.seed_demo(session, actor)
    from builder import demo as builder

    added["apps"] = builder.seed_demo(session, actor)["apps"]
    from report_engine import demo as reports

    added["reports"] = reports.seed_demo(session, actor)["reports"]
