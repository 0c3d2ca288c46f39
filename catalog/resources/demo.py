"""Demo directories and resources of 临江市 (idempotent: keyed by resource code)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.accounts.models import Department
from tongguan.permissions import Actor

from . import service
from .models import Directory, Resource

# class -> [(directory path, [(code, name, owner dept code, status, sharing, cycle, meta, description)])]
CATALOG = {
    "data": [
        ("城市运行/防汛防台", [
            ("SW-001", "积水点实时监测数据", "lj-water", "published", "conditional", "realtime",
             {"fields": [{"name": "point_id", "type": "string", "title": "积水点编号"},
                         {"name": "depth_cm", "type": "number", "title": "积水深度(厘米)"},
                         {"name": "observed_at", "type": "datetime", "title": "观测时间"}],
              "source_system": "水务物联感知平台", "format": "stream"},
             "全市 312 个易涝点的积水深度，每 5 分钟一次。"),
            ("SW-002", "泵站运行状态", "lj-water", "published", "conditional", "realtime",
             {"fields": [{"name": "station", "type": "string"}, {"name": "running_pumps", "type": "integer"}],
              "source_system": "排水泵站监控系统"}, "排水泵站开机台数与抽排流量。"),
            ("SW-003", "河道水位监测数据", "lj-water", "published", "unconditional", "realtime",
             {"fields": [{"name": "gauge", "type": "string"}, {"name": "level_m", "type": "number"}]},
             "主要河道 48 个水位站。"),
            ("YJ-001", "防汛物资储备台账", "lj-emergency", "published", "conditional", "monthly",
             {"source_system": "应急物资管理系统", "format": "table"}, "沙袋、水泵、救生衣等物资分布。"),
        ]),
        ("城市运行/市容环境", [
            ("CG-001", "渣土车GPS轨迹", "lj-cityadmin", "published", "conditional", "realtime",
             {"fields": [{"name": "plate", "type": "string"}, {"name": "lng", "type": "number"},
                         {"name": "lat", "type": "number"}], "source_system": "渣土运输监管平台"},
             "核准渣土运输车辆的实时位置。"),
            ("HB-001", "建筑施工噪声监测", "lj-ecology", "published", "conditional", "realtime",
             {"fields": [{"name": "site", "type": "string"}, {"name": "leq_db", "type": "number"}]},
             "在建工地噪声自动监测点。"),
            ("HB-002", "空气质量小时数据", "lj-ecology", "published", "unconditional", "realtime", {},
             "国控、省控站点 AQI 与六项污染物。"),
        ]),
        ("民生服务/12345热线", [
            ("RX-001", "12345热线工单", "lj", "published", "conditional", "realtime",
             {"fields": [{"name": "ticket_no", "type": "string"}, {"name": "category", "type": "string"},
                         {"name": "caller_phone", "type": "string"}], "source_system": "12345 热线系统"},
             "市民诉求工单，诉求人信息按标签授权脱敏。"),
            ("RX-002", "诉求人画像", "lj", "draft", "none", "daily", {}, "由诉求人标签汇总的画像数据。"),
        ]),
        ("交通出行", [
            ("JT-001", "路口交通流量", "lj-transport", "published", "unconditional", "realtime", {}, "信控路口流量。"),
            ("JT-002", "公交到站预测", "lj-transport", "offline", "unconditional", "realtime", {}, "已由新接口替代。"),
        ]),
    ],
    "platform_service": [
        ("共性能力", [
            ("PT-001", "统一地址解析服务", "lj", "published", "conditional", "irregular",
             {"endpoint": "https://api.lj.gov.local/geo/v1/parse", "method": "POST", "protocol": "REST", "auth": "token"},
             "把口语地址解析为标准地址与坐标。"),
            ("PT-002", "短信通知服务", "lj", "published", "conditional", "irregular",
             {"endpoint": "https://api.lj.gov.local/sms/v2/send", "method": "POST", "protocol": "REST",
              "auth": "signature", "rate_limit_per_min": 600}, "向处置人员发送派单短信。"),
        ]),
    ],
    "application": [
        ("城运应用", [
            ("YY-001", "城运驾驶舱", "lj", "published", "conditional", "irregular",
             {"url": "https://ops.lj.gov.local/cockpit", "platform": "bigscreen"}, "城运中心大屏。"),
            ("YY-002", "网格员移动端", "lj", "published", "conditional", "irregular",
             {"url": "https://ops.lj.gov.local/grid", "platform": "mobile"}, "网格巡查与事件上报。"),
        ]),
    ],
    "video": [
        ("江东区/滨湖街道", [
            ("SP-001", "滨湖路下穿立交摄像头", "jd-bh", "published", "conditional", "realtime",
             {"stream_url": "rtsp://10.20.1.15/live/1", "camera_code": "JD-BH-0015", "location": "滨湖路下穿立交",
              "longitude": 120.152, "latitude": 30.281}, "易涝点视频监控。"),
            ("SP-002", "望月路口摄像头", "jd-wy", "published", "conditional", "realtime",
             {"stream_url": "rtsp://10.20.2.8/live/1", "camera_code": "JD-WY-0008", "location": "望月路与江滨路口"},
             "路口视频。"),
        ]),
    ],
    "document": [
        ("应急预案", [
            ("WD-001", "临江市防汛防台应急预案", "lj-emergency", "published", "unconditional", "yearly",
             {"doc_number": "临政办〔2026〕12号", "issued_by": "临江市人民政府办公室", "issued_on": "2026-04-01"},
             "防汛防台四级响应的启动条件与处置流程。"),
        ]),
    ],
}


def seed_demo(session: Session, actor: Actor) -> dict:
    service.ensure_roots(session)
    depts = dict(session.execute(select(Department.code, Department.id)).all())
    roots = {d.resource_class: d for d in session.scalars(select(Directory).where(Directory.parent_id.is_(None)))}
    have = set(session.scalars(select(Resource.code)))
    added = 0
    for cls, groups in CATALOG.items():
        for path, items in groups:
            parent = roots[cls]
            for name in path.split("/"):
                child = session.scalar(select(Directory).where(Directory.parent_id == parent.id, Directory.name == name,
                                                               Directory.deleted_at.is_(None)))
                parent = child or service.directory_create(session, actor, {"parent_id": parent.id, "name": name})
            for code, name, dept, status, sharing, cycle, meta, desc in items:
                if code in have or dept not in depts:
                    continue
                service.resource_create(session, actor, {
                    "directory_id": parent.id, "code": code, "name": name, "owner_department_id": depts[dept],
                    "status": status, "sharing": sharing, "update_cycle": cycle, "meta": meta, "description": desc,
                    "contact_name": "数据专员"})
                added += 1
    if added and "lj-water" in depts:
        # Everyone in the water bureau may view the whole data catalog; handlers use the videos.
        service.catalog_grant_create(session, actor, {"directory_id": roots["data"].id,
                                                      "department_id": depts["lj-water"], "level": "view"})
        service.catalog_grant_create(session, actor, {"directory_id": roots["video"].id, "role_code": "handler",
                                                      "level": "use"})
        for root in roots.values():  # scenario authors use the catalog; leaders read it
            service.catalog_grant_create(session, actor, {"directory_id": root.id, "role_code": "author",
                                                          "level": "use"})
            service.catalog_grant_create(session, actor, {"directory_id": root.id, "role_code": "leader",
                                                          "level": "view"})
    return {"resources": added}
