"""The built-in component types, declared as data and registered through `types.register`.

The catalog's registry copies them into the component library on startup; their renderers
come with the builder.
"""
from __future__ import annotations

from .types import JSON_SCHEMA_DIALECT, ComponentType, register

# --- shared pieces of props schemas ------------------------------------------------------------

TITLE = {"type": "string", "title": "标题", "maxLength": 100}
COLOR = {"type": "string", "title": "颜色", "pattern": "^#[0-9A-Fa-f]{6}$", "default": "#3ba1ff"}
UNIT = {"type": "string", "title": "单位", "maxLength": 20}
SHOW_LEGEND = {"type": "boolean", "title": "显示图例", "default": True}
REFRESH = {"type": "integer", "title": "刷新间隔（秒）", "minimum": 10, "maximum": 86400, "default": 60}


def props(properties: dict, required: list[str] | None = None) -> dict:
    schema = {
        "$schema": JSON_SCHEMA_DIALECT,
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
    if required:
        schema["required"] = required
    return schema


BUILTINS: list[ComponentType] = [
    ComponentType(
        code="chart.bar", version="1.0.0", name="柱状图", name_en="Bar chart", category="chart",
        description="按维度对比指标数值，如各区积水点数量、各街道事件量。",
        props_schema=props({
            "title": TITLE,
            "orientation": {"type": "string", "title": "方向", "enum": ["vertical", "horizontal"], "default": "vertical"},
            "stacked": {"type": "boolean", "title": "堆叠", "default": False},
            "color": COLOR,
            "unit": UNIT,
            "show_legend": SHOW_LEGEND,
            "show_values": {"type": "boolean", "title": "显示数值", "default": True},
            "sort": {"type": "string", "title": "排序", "enum": ["none", "asc", "desc"], "default": "none"},
            "max_bars": {"type": "integer", "title": "最多柱数", "minimum": 1, "maximum": 100, "default": 20},
        }),
    ),
    ComponentType(
        code="chart.line", version="1.0.0", name="折线图", name_en="Line chart", category="chart",
        description="展示指标随时间的变化趋势，如近 24 小时降雨量、近 30 天事件办结率。",
        props_schema=props({
            "title": TITLE,
            "color": COLOR,
            "unit": UNIT,
            "smooth": {"type": "boolean", "title": "平滑曲线", "default": False},
            "area": {"type": "boolean", "title": "面积填充", "default": False},
            "show_points": {"type": "boolean", "title": "显示数据点", "default": True},
            "show_legend": SHOW_LEGEND,
        }),
    ),
    ComponentType(
        code="chart.pie", version="1.0.0", name="饼图", name_en="Pie chart", category="chart",
        description="展示各部分占比，如事件来源构成、各类案件占比。",
        props_schema=props({
            "title": TITLE,
            "donut": {"type": "boolean", "title": "环形", "default": False},
            "show_percent": {"type": "boolean", "title": "显示百分比", "default": True},
            "max_slices": {"type": "integer", "title": "最多扇区数", "minimum": 2, "maximum": 20, "default": 8},
            "show_legend": SHOW_LEGEND,
        }),
    ),
    ComponentType(
        code="metric.card", version="1.0.0", name="指标卡", name_en="Metric card", category="metric",
        description="醒目展示单个指标的当前值及同比、环比，如今日事件总数、按时办结率。",
        props_schema=props({
            "title": TITLE,
            "unit": UNIT,
            "precision": {"type": "integer", "title": "小数位数", "minimum": 0, "maximum": 6, "default": 0},
            "compare": {"type": "string", "title": "对比", "enum": ["none", "previous_period", "same_period_last_year"],
                        "default": "previous_period"},
            "higher_is_better": {"type": "boolean", "title": "数值越高越好", "default": True},
            "thresholds": {
                "type": "array", "title": "阈值着色", "maxItems": 5,
                "items": {"type": "object", "additionalProperties": False, "required": ["value", "color"],
                          "properties": {"value": {"type": "number"}, "color": COLOR}},
            },
        }),
    ),
    ComponentType(
        code="table.basic", version="1.0.0", name="基础表格", name_en="Basic table", category="table",
        description="以行列形式展示明细数据，支持分页、斑马纹和序号列。",
        props_schema=props({
            "title": TITLE,
            "columns": {
                "type": "array", "title": "列", "maxItems": 30,
                "items": {"type": "object", "additionalProperties": False, "required": ["field"],
                          "properties": {
                              "field": {"type": "string", "maxLength": 64},
                              "label": {"type": "string", "maxLength": 50},
                              "width": {"type": "integer", "minimum": 40, "maximum": 800},
                              "align": {"type": "string", "enum": ["left", "center", "right"]},
                          }},
            },
            "page_size": {"type": "integer", "title": "每页行数", "minimum": 5, "maximum": 200, "default": 10},
            "striped": {"type": "boolean", "title": "斑马纹", "default": True},
            "show_index": {"type": "boolean", "title": "显示序号", "default": True},
        }),
    ),
    ComponentType(
        code="map.points", version="1.0.0", name="点位地图", name_en="Point map", category="map",
        description="在城市地图上标注点位，如积水点、视频监控、渣土车位置，可聚合显示。",
        props_schema=props({
            "title": TITLE,
            "center": {"type": "array", "title": "中心点（经度, 纬度）", "prefixItems": [
                {"type": "number", "minimum": -180, "maximum": 180},
                {"type": "number", "minimum": -90, "maximum": 90}], "minItems": 2, "maxItems": 2},
            "zoom": {"type": "integer", "title": "缩放级别", "minimum": 3, "maximum": 18, "default": 11},
            "basemap": {"type": "string", "title": "底图", "enum": ["vector", "satellite", "dark"], "default": "dark"},
            "cluster": {"type": "boolean", "title": "聚合点位", "default": True},
            "point_color": COLOR,
            "label_field": {"type": "string", "title": "标注字段", "maxLength": 64},
        }),
    ),
    ComponentType(
        code="text.title", version="1.0.0", name="标题文本", name_en="Title text", category="text",
        description="页面或大屏上的标题、说明文字。",
        props_schema=props({
            "text": {"type": "string", "title": "文字", "minLength": 1, "maxLength": 200},
            "level": {"type": "integer", "title": "标题级别", "minimum": 1, "maximum": 4, "default": 1},
            "font_size": {"type": "integer", "title": "字号", "minimum": 12, "maximum": 120, "default": 32},
            "align": {"type": "string", "title": "对齐", "enum": ["left", "center", "right"], "default": "center"},
            "color": {**COLOR, "default": "#ffffff"},
            "bold": {"type": "boolean", "title": "加粗", "default": True},
        }, required=["text"]),
    ),
    ComponentType(
        code="list.ranking", version="1.0.0", name="排行榜", name_en="Ranking list", category="list",
        description="按指标值排名展示前若干项，如各街道事件量排名、部门按时办结率排名。",
        props_schema=props({
            "title": TITLE,
            "top_n": {"type": "integer", "title": "显示前 N 项", "minimum": 1, "maximum": 50, "default": 10},
            "order": {"type": "string", "title": "排序", "enum": ["desc", "asc"], "default": "desc"},
            "unit": UNIT,
            "show_bar": {"type": "boolean", "title": "显示进度条", "default": True},
            "color": COLOR,
        }),
    ),
    ComponentType(
        code="video.player", version="1.0.0", name="视频播放器", name_en="Video player", category="media",
        description="播放监控视频流或录像文件，用于查看现场实况。",
        props_schema=props({
            "title": TITLE,
            "source": {"type": "string", "title": "视频地址或监控点编码", "maxLength": 500},
            "autoplay": {"type": "boolean", "title": "自动播放", "default": True},
            "muted": {"type": "boolean", "title": "静音", "default": True},
            "controls": {"type": "boolean", "title": "显示控制条", "default": True},
        }),
    ),
    ComponentType(
        code="event.list", version="1.0.0", name="事件列表", name_en="Event list", category="event",
        description="滚动展示最新城市事件及其状态、时限，可按状态筛选。",
        props_schema=props({
            "title": TITLE,
            "statuses": {"type": "array", "title": "事件状态", "uniqueItems": True, "maxItems": 20,
                         "items": {"type": "string", "maxLength": 32}},
            "page_size": {"type": "integer", "title": "每页条数", "minimum": 1, "maximum": 100, "default": 10},
            "show_deadline": {"type": "boolean", "title": "显示处置时限", "default": True},
            "refresh_s": REFRESH,
        }),
    ),
]

for _type in BUILTINS:
    register(_type)
