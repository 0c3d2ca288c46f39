"""Demo data of the builder: a published big screen over the demo's event and rainfall indicators,
so that a new user sees a working /run page and has something to open in the designer.
Idempotent: skipped when the app exists, or when the indicators it binds are missing."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.permissions import Actor

CODE = "ops_overview"
NEEDS = ("events_reported", "on_time_closure_rate", "overdue_events", "avg_handling_hours", "rain_24h")


def _card(n: int, type_: str, x: int, y: int, w: int, h: int, title: str = "", binding: dict | None = None,
          **props) -> dict:
    card = {"id": f"c{n}", "type": type_, "x": x, "y": y, "w": w, "h": h,
            "props": ({"title": title} if title else {}) | props}
    if binding:
        card["binding"] = binding
    return card


def screen() -> dict:
    """城运总览: 1920×1080, dark; the events of the last 30 days and the rain of the last 24 hours."""
    events = {"indicator": "events_reported", "window": "30d"}
    cards = [
        _card(1, "text.banner@1", 0, 0, 1920, 100, text="临江市城市运行总览"),
        # numbers over the last 7 days, compared with the 7 days before
        _card(3, "metric.card@1", 40, 130, 420, 170, "近7日上报事件",
              {"indicator": "events_reported", "window": "7d"}, unit="件"),
        _card(4, "metric.card@1", 500, 130, 420, 170, "近7日按时办结率",
              {"indicator": "on_time_closure_rate", "window": "7d"}, unit="%", precision=1),
        _card(5, "metric.card@1", 960, 130, 420, 170, "超期未办结",
              {"indicator": "overdue_events", "window": "30d"}, unit="件", compare="none", higher_is_better=False),
        _card(6, "metric.card@1", 1420, 130, 460, 170, "近7日平均处置时长",
              {"indicator": "avg_handling_hours", "window": "7d"}, unit="小时", precision=1, higher_is_better=False),
        _card(7, "map.areas@1", 40, 330, 600, 440, "各区事件分布", {**events, "by": "district"}, unit="件"),
        _card(8, "chart.bar@1", 680, 330, 600, 440, "各街道事件数", {**events, "by": "street", "limit": 12}),
        _card(9, "list.ranking@1", 1320, 330, 560, 440, "高发事项", {**events, "by": "matter", "limit": 8}),
        _card(10, "chart.pie@1", 40, 800, 440, 260, "上报渠道", {**events, "by": "channel"}),
        _card(11, "list.ranking@1", 520, 800, 680, 260, "各部门按时办结率",
              {"indicator": "on_time_closure_rate", "window": "30d", "by": "department", "limit": 6}, unit="%"),
        _card(12, "chart.bar@1", 1240, 800, 640, 260, "各区 24 小时累计雨量",
              {"indicator": "rain_24h", "by": "district", "window": "24h"}, unit="mm"),
    ]
    return {"layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark",
            "params": [{"name": "district", "title": "区域", "type": "area"}], "cards": cards}


def seed_demo(session: Session, actor: Actor) -> dict:
    from runtime.indicators.models import Indicator

    from . import pages, service
    from .models import App

    if session.scalar(select(App.id).where(App.code == CODE)) is not None:
        return {"apps": 0}
    found = set(session.scalars(select(Indicator.code).where(Indicator.code.in_(NEEDS))))
    if found != set(NEEDS):
        return {"apps": 0}
    app = service.app_create(session, actor, {"code": CODE, "name": "城运总览大屏", "kind": "screen",
                                              "description": "近 30 日事件态势与 24 小时雨情（演示）"})
    pages.app_page_create(session, actor, app.id, {"code": "main", "name": "总览", "document": screen()})
    pages.app_release_create(session, actor, app.id, note="演示大屏")
    return {"apps": 1}
