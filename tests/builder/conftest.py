"""Data the builder's pages bind to: a small event table in a SQLite file, a data service over it
(online) and indicators by district and street (published), as an operator registers them."""
import datetime as dt
import sqlite3

import pytest

from builder import pages, service as apps
from runtime.indicators import service as indicators
from runtime.services import service as services
from runtime.sources import service as sources

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)
EVENTS = [  # district, street, status, reported (days ago)
    ("江东区", "滨湖街道", "办结", 1), ("江东区", "滨湖街道", "办结", 2), ("江东区", "望月街道", "处置中", 3),
    ("江西区", "古楼街道", "办结", 5), ("江西区", "古楼街道", "办结", 40), ("江西区", "青石街道", "退回", 6),
    ("江北区", "临港街道", "处置中", 0),
]


@pytest.fixture
def city_data(tmp_path, session, system, org):
    """{"service": the online data service `city_events`, "indicators": {code: Indicator}}:
    `events` (count), `closed` (count of 办结) and `close_rate` (derived: closed / events),
    all by district and street over `reported_at`, 30 days by default."""
    path = tmp_path / "city_events.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE events (district TEXT, street TEXT, status TEXT, reported_at TIMESTAMP)")
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?)", [
            (d, s, st, (NOW - dt.timedelta(days=ago, hours=1)).replace(tzinfo=None).isoformat(" "))
            for d, s, st, ago in EVENTS])
    src = sources.source_create(session, system, {"code": "city_db", "name": "城市事件库", "kind": "sql",
                                                  "url": f"sqlite:///{path}"},
                                sources.Policy(sqlite_dirs=[str(tmp_path)]))
    session.flush()
    svc = services.service_create(session, system, {
        "code": "city_events", "name": "城市事件", "source_id": src.id, "kind": "sql",
        "definition": {"sql": "SELECT district, street, status, reported_at FROM events"},
        "output": [{"name": "district", "type": "string"}, {"name": "street", "type": "string"},
                   {"name": "status", "type": "string"}, {"name": "reported_at", "type": "datetime"}]})
    session.flush()
    services.service_set_state(session, system, svc.id, "online")
    made = {}
    for code, name, formula in (("events", "事件数", "count()"), ("closed", "办结数", "count(where status = '办结')")):
        made[code] = indicators.indicator_create(session, system, {
            "code": code, "name": name, "unit": "件", "service_id": svc.id, "formula": formula,
            "time_field": "reported_at", "dimensions": ["district", "street"], "default_window": "30d",
            "grain": "day", "update_cycle": "daily"})
    made["close_rate"] = indicators.indicator_create(session, system, {
        "code": "close_rate", "name": "办结率", "kind": "derived", "formula": "closed / events",
        "default_window": "30d", "grain": "day", "update_cycle": "daily"})
    for ind in made.values():
        indicators.indicator_set_state(session, system, ind.id, "published")
    session.commit()
    return {"service": svc, "indicators": made}


def bar(card_id="c1", **binding):
    return {"id": card_id, "type": "chart.bar@1", "x": 0, "y": 0, "w": 600, "h": 400,
            "props": {"title": "各区事件"}, "binding": {"indicator": "events", "by": "district", **binding}}


def screen(*cards, params=None):
    return {"layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark",
            "params": params or [], "cards": list(cards)}


@pytest.fixture
def publish(session, system):
    """publish(code, document) -> the published app (one page `main`)."""

    def make(code, document, kind="screen"):
        app = apps.app_create(session, system, {"code": code, "name": f"应用 {code}", "kind": kind})
        pages.app_page_create(session, system, app.id, {"code": "main", "name": "首页", "document": document})
        pages.app_release_create(session, system, app.id)
        session.commit()
        return app

    return make
