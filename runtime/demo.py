"""Demo data of the data layer: a rainfall file source, a service over it, indicators and an alert.
Idempotent: skipped when the source exists."""
from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.permissions import Actor

STATIONS = [("江东区", "滨湖站"), ("江东区", "望月站"), ("江西区", "古楼站"), ("江西区", "青石站"), ("临港区", "海口站"),
            ("临港区", "渔门站"), ("高新区", "科创站")]


def seed_demo(session: Session, actor: Actor) -> dict:
    from runtime.alerts import service as alerts
    from runtime.indicators import service as indicators
    from runtime.services import service as services
    from runtime.sources import service as sources
    from runtime.sources.models import DataSource

    from runtime.events import demo as events
    from runtime.flows import demo as flows
    from runtime.open311 import demo as open311

    added = events.seed_demo(session, actor)
    added["open311_services"] = open311.seed_demo(session, actor)
    added.update(flows.seed_demo(session, actor))
    if session.scalar(select(DataSource.id).where(DataSource.code == "rainfall")) is not None:
        return {"sources": 0, **added}
    rng = random.Random(2026)
    now = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    lines = ["district,station,mm,observed_at"]
    for hours in range(72, 0, -1):
        at = (now - dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
        for district, station in STATIONS:
            lines.append(f"{district},{station},{max(0.0, round(rng.gauss(8, 12), 1))},{at}")
    src = sources.source_create(session, actor, {
        "code": "rainfall", "name": "雨量站小时雨量", "kind": "file",
        "description": "水务局雨量站逐小时雨量（演示数据）",
        "columns": [{"name": "district", "type": "string"}, {"name": "station", "type": "string"},
                    {"name": "mm", "type": "number"}, {"name": "observed_at", "type": "datetime"}]},
        sources.Policy())
    session.flush()
    sources.source_upload(session, actor, src.id, "\n".join(lines).encode(), "rainfall.csv")
    svc = services.service_create(session, actor, {"code": "rainfall_hourly", "name": "逐小时雨量", "source_id": src.id,
                                                   "kind": "table", "definition": {"table": src.file_table}})
    services.service_set_state(session, actor, svc.id, "online")
    common = {"service_id": svc.id, "time_field": "observed_at", "dimensions": ["district", "station"], "unit": "mm"}
    total = indicators.indicator_create(session, actor, {"code": "rain_24h", "name": "24 小时累计雨量",
                                                         "formula": "sum(mm)", "default_window": "24h",
                                                         "definition_text": "各雨量站过去 24 小时雨量之和",
                                                         **common})
    peak = indicators.indicator_create(session, actor, {"code": "rain_peak_hour", "name": "最大小时雨量",
                                                        "formula": "max(mm)", "default_window": "24h", **common})
    for ind in (total, peak):
        indicators.indicator_set_state(session, actor, ind.id, "published")
    alerts.rule_create(session, actor, {
        "code": "heavy_rain_24h", "name": "24 小时强降雨", "indicator_id": total.id, "by": "district",
        "interval_s": 300, "pending_s": 600,
        "levels": [{"level": "blue", "condition": "value >= 50"}, {"level": "yellow", "condition": "value >= 100"},
                   {"level": "orange", "condition": "value >= 250"}, {"level": "red", "condition": "value >= 400"}],
        "clear_condition": "value < 30", "report_matter": _matter_code(session, "道路积水")})
    return {"sources": 1, **added}


def _matter_code(session: Session, name: str) -> str:
    from catalog.matters.models import Matter

    return session.scalar(select(Matter.code).where(Matter.name == name, Matter.tier == "item")) or ""
