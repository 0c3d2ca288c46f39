"""Preset app templates (预置模板): a new app can start from one of these instead of a blank page.

Presets are data: each is a kind, names and the pages it starts with (page documents as in
`builder.documents`). Their cards are left unbound: the operator binds them to the city's own
indicators and data services in the designer. Scenario templates (flood control, muck trucks...)
are another thing and come from `templates_lib`.
"""
from __future__ import annotations

import copy

from sqlalchemy.orm import Session

from tongguan.permissions import Actor, action


def _card(card_id: str, ref: str, x: int, y: int, w: int, h: int, **props) -> dict:
    card = {"id": card_id, "type": ref, "x": x, "y": y, "w": w, "h": h}
    if props:
        card["props"] = props
    return card


_SCREEN = {"layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark", "params": [],
           "background": {"color": "#061634"}, "cards": [
    _card("banner", "text.banner@1", 0, 0, 1920, 100, text="城市运行管理中心", subtitle="城运总览",
          style="tech", show_time=True),
    _card("n1", "metric.number@1", 40, 130, 430, 160, title="今日事件", unit="件"),
    _card("n2", "metric.number@1", 510, 130, 430, 160, title="处置中", unit="件"),
    _card("n3", "metric.number@1", 980, 130, 430, 160, title="按时办结率", unit="%", precision=1),
    _card("n4", "metric.number@1", 1450, 130, 430, 160, title="预警", unit="条"),
    _card("bar", "chart.bar@1", 40, 330, 900, 340, title="各区事件数"),
    _card("line", "chart.line@1", 980, 330, 900, 340, title="近 7 日事件趋势"),
    _card("pie", "chart.pie@1", 40, 710, 900, 330, title="事件来源构成"),
    _card("rank", "list.ranking@1", 980, 710, 900, 330, title="街道事件排行"),
]}

_WORKBENCH = {"layout": "grid", "theme": "light", "params": [], "cards": [
    _card("title", "text.title@1", 0, 0, 24, 2, text="部门工作台", level=1, font_size=28, align="left",
          color="#1f2d3d"),
    _card("n1", "metric.card@1", 0, 2, 8, 4, title="待办事件", unit="件"),
    _card("n2", "metric.card@1", 8, 2, 8, 4, title="本月办结", unit="件"),
    _card("n3", "metric.card@1", 16, 2, 8, 4, title="按时办结率", unit="%", precision=1),
    _card("table", "table.basic@1", 0, 6, 14, 10, title="待办事件清单"),
    _card("bar", "chart.bar@1", 14, 6, 10, 5, title="各街道事件数"),
    _card("line", "chart.line@1", 14, 11, 10, 5, title="近 30 日办结趋势"),
]}

_MOBILE = {"layout": "grid", "theme": "light", "params": [], "cards": [
    _card("title", "text.title@1", 0, 0, 24, 2, text="今日简报", level=2, font_size=24, color="#1f2d3d"),
    _card("n1", "metric.number@1", 0, 2, 12, 4, title="今日事件", unit="件"),
    _card("n2", "metric.number@1", 12, 2, 12, 4, title="已办结", unit="件"),
    _card("line", "chart.line@1", 0, 6, 24, 6, title="近 7 日事件趋势"),
    _card("rank", "list.ranking@1", 0, 12, 24, 7, title="街道事件排行"),
]}

# code -> the preset. The order is the order the app list offers them in.
PRESETS: dict[str, dict] = {
    "city_overview_screen": {
        "name": "城运总览大屏", "name_en": "City operations overview (big screen)", "kind": "screen",
        "description": "深色 1920×1080 大屏：顶部横幅、四个数值卡，柱状图、折线图、饼图和排行榜。",
        "pages": [{"code": "main", "name": "总览", "document": _SCREEN}],
    },
    "department_workbench": {
        "name": "部门工作台", "name_en": "Department workbench", "kind": "page",
        "description": "浅色栅格页面：标题、三个指标卡、待办表格和两张图表。",
        "pages": [{"code": "main", "name": "工作台", "document": _WORKBENCH}],
    },
    "mobile_brief": {
        "name": "移动端简报", "name_en": "Mobile brief", "kind": "mobile",
        "description": "手机上查看的单列简报：标题、两个数值、趋势图和排行榜。",
        "pages": [{"code": "main", "name": "简报", "document": _MOBILE}],
    },
}


def preset_pages(code: str) -> list[dict]:
    """The pages (code, name, document) a new app of this preset starts with: fresh copies."""
    return copy.deepcopy(PRESETS[code]["pages"])


@action("app.read")
def app_preset_list(session: Session, actor: Actor) -> list[dict]:
    """The preset templates a new app can start from: code, names, kind, description and page names."""
    return [{"code": code, "name": p["name"], "name_en": p["name_en"], "kind": p["kind"],
             "description": p["description"], "pages": [pg["name"] for pg in p["pages"]],
             "cards": sum(len(pg["document"]["cards"]) for pg in p["pages"])}
            for code, p in PRESETS.items()]
