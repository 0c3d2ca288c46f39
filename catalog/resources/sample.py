"""A seeded generator of a realistic catalog, for benchmarks and the demo: directories per
resource class, resources with Chinese names, and tag values on them.

Rows go in through Core in batches (no ORM, no audit): this is sample data, not history.
"""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from catalog.tags.models import Tag, TagValue
from tongguan.accounts.models import Department
from tongguan.db import utcnow

from .models import Directory, Resource
from .rollup import refresh

DISTRICTS = ["江东区", "江西区", "滨湖新区", "临江开发区", "北塘区", "南浦区", "高新区", "西山区"]
TOPICS = ["积水点", "泵站", "河道水位", "雨量站", "渣土车", "建筑噪声", "违章停车", "窨井盖", "路灯", "垃圾清运",
          "共享单车", "燃气管网", "消防栓", "电梯", "桥梁", "隧道", "公交线路", "地铁客流", "空气质量", "工地扬尘",
          "占道经营", "户外广告", "绿化养护", "市政道路", "排水管网", "防汛物资", "避灾点", "危化品企业",
          "12345热线", "网格巡查"]
NOUNS = ["监测数据", "实时数据", "台账", "分布图", "统计报表", "服务接口", "视频点位", "巡查记录", "预警信息",
         "档案", "处置记录", "运行日志"]
GROUPS = ["城市运行", "城市管理", "生态环境", "交通运输", "应急管理", "公共服务", "社会治理", "经济运行"]
STATUS_W = [("published", 6), ("draft", 2), ("offline", 1), ("retired", 1)]
SHARING_W = [("unconditional", 3), ("conditional", 5), ("none", 2)]
CYCLES = ["realtime", "daily", "weekly", "monthly", "quarterly", "yearly", "irregular"]
BATCH = 5000


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _directories(session: Session, rng: random.Random, root: Directory, groups: int, per_group: int) -> list[Directory]:
    """root > group > district-topic leaves; returns the leaves."""
    leaves = []
    for g in range(groups):
        group = Directory(resource_class=root.resource_class, parent_id=root.id, name=GROUPS[g % len(GROUPS)]
                          + ("" if g < len(GROUPS) else str(g)), path=root.path, sort_order=g)
        session.add(group)
        session.flush()
        group.path = f"{root.path}{group.id}/"
        for i in range(per_group):
            leaf = Directory(resource_class=root.resource_class, parent_id=group.id, sort_order=i, path=group.path,
                             name=f"{DISTRICTS[i % len(DISTRICTS)]}{TOPICS[(i // len(DISTRICTS)) % len(TOPICS)]}{i}")
            session.add(leaf)
            session.flush()
            leaf.path = f"{group.path}{leaf.id}/"
            leaves.append(leaf)
    session.flush()
    return leaves


def generate(session: Session, *, resources: int, tag_values: int, seed: int = 2026, groups: int = 8,
             per_group: int = 60, tags: int = 40) -> dict:
    """Fill the catalog: `resources` data resources spread over `groups` x `per_group` leaf
    directories under the data root (the first group holds half of them), `tags` published
    resource tags, and `tag_values` values spread over the resources. Returns what it made."""
    rng = random.Random(seed)
    root = session.scalar(select(Directory).where(Directory.parent_id.is_(None), Directory.resource_class == "data"))
    dept_ids = list(session.scalars(select(Department.id)))
    if root is None or not dept_ids:
        raise RuntimeError("run ensure_roots and create departments first")
    from catalog.tags.service import _ensure_builtin_subjects

    _ensure_builtin_subjects(session)  # the "resource" subject the tags hang on
    leaves = _directories(session, rng, root, groups, per_group)
    first_group = leaves[:per_group]
    tag_rows = []
    for t in range(tags):
        tag_rows.append(Tag(code=f"bench_tag_{t}", name=f"{TOPICS[t % len(TOPICS)]}标签{t}", subject_code="resource",
                            value_type="enum", allowed={"options": ["高", "中", "低"]}, masking="none",
                            masking_params={}, state="published", revision=1, owner_department_id=dept_ids[0]))
    session.add_all(tag_rows)
    session.flush()
    tag_ids = [t.id for t in tag_rows]
    session.commit()

    now = utcnow()
    first_id = (session.scalar(select(Resource.id).order_by(Resource.id.desc()).limit(1)) or 0) + 1
    rows = []
    for n in range(resources):
        leaf = rng.choice(first_group) if n % 2 == 0 else rng.choice(leaves)
        district, topic, noun = rng.choice(DISTRICTS), rng.choice(TOPICS), rng.choice(NOUNS)
        name = f"{district}{topic}{noun}"
        code = f"R{seed}-{n:07d}"
        desc = f"{district}{topic}相关的{noun}，由{rng.choice(GROUPS)}条线维护。"
        created = now - dt.timedelta(days=rng.randint(0, 720), seconds=rng.randint(0, 86_400))
        rows.append({
            "id": first_id + n, "code": code, "name": name, "description": desc, "resource_class": "data",
            "directory_id": leaf.id, "owner_department_id": rng.choice(dept_ids),
            "status": _pick(rng, STATUS_W), "sharing": _pick(rng, SHARING_W), "update_cycle": rng.choice(CYCLES),
            "contact_name": "", "contact_phone": "", "meta": {"source_system": f"{topic}系统"},
            "search_text": f"{code} {name} {desc} {topic}系统", "use_count": int(rng.paretovariate(1.5)) - 1,
            "view_count": rng.randint(0, 500), "version": 1, "created_at": created, "updated_at": created,
        })
        if len(rows) == BATCH:
            session.execute(insert(Resource), rows)
            rows = []
    if rows:
        session.execute(insert(Resource), rows)
    refresh(session.connection(), None)  # Core inserts bypass the flush listener
    session.commit()

    per_resource = max(1, tag_values // max(resources, 1))
    values, made = [], 0
    for n in range(resources):
        for t in rng.sample(tag_ids, min(per_resource, len(tag_ids))):
            values.append({"tag_id": t, "subject_code": "resource", "subject_key": str(first_id + n),
                           "value": rng.choice(["高", "中", "低"]), "value_num": None, "updated_at": now})
            made += 1
            if len(values) == BATCH:
                session.execute(insert(TagValue), values)
                values = []
            if made >= tag_values:
                break
        if made >= tag_values:
            break
    if values:
        session.execute(insert(TagValue), values)
    session.commit()
    big = session.get(Directory, first_group[0].parent_id)
    return {"resources": resources, "tag_values": made, "directories": len(leaves) + groups, "tags": tag_ids,
            "big_directory_id": big.id, "root_id": root.id}
