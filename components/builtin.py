"""The built-in component types, declared as data and registered through `types.register`.

The catalog's registry copies them into the component library on startup; their renderers
come with the builder (the charts' Vega-Lite specs are built in `components.vega`).

Published code@version pairs are never removed: pages refer to them. A compatible change is a
new minor or patch version next to the old one; an incompatible one, a new major.
"""
from __future__ import annotations

from .types import JSON_SCHEMA_DIALECT, ComponentType, Slot, register
from .validation import COLOR_PATTERN, IMAGE_SRC_PATTERN, SAME_ORIGIN_PATH_PATTERN

# --- shared pieces of props schemas ------------------------------------------------------------

TITLE = {"type": "string", "title": "标题", "maxLength": 100}
COLOR = {"type": "string", "title": "颜色", "pattern": COLOR_PATTERN, "default": "#3ba1ff"}
UNIT = {"type": "string", "title": "单位", "maxLength": 20}
SHOW_LEGEND = {"type": "boolean", "title": "显示图例", "default": True}
REFRESH = {"type": "integer", "title": "刷新间隔（秒）", "minimum": 10, "maximum": 86400, "default": 60}
ALIGN = {"type": "string", "title": "对齐", "enum": ["left", "center", "right"], "default": "left"}
FONT_SIZE = {"type": "integer", "title": "字号", "minimum": 12, "maximum": 160, "default": 16}
PRECISION = {"type": "integer", "title": "小数位数", "minimum": 0, "maximum": 6, "default": 0}
HIGHER_IS_BETTER = {"type": "boolean", "title": "数值越高越好", "default": True}
THRESHOLDS = {
    "type": "array", "title": "阈值着色", "maxItems": 5,
    "items": {"type": "object", "additionalProperties": False, "required": ["value", "color"],
              "properties": {"value": {"type": "number"}, "color": COLOR}},
}
CENTER = {"type": "array", "title": "中心点（经度, 纬度）", "prefixItems": [
    {"type": "number", "minimum": -180, "maximum": 180},
    {"type": "number", "minimum": -90, "maximum": 90}], "minItems": 2, "maxItems": 2}
ZOOM = {"type": "integer", "title": "缩放级别", "minimum": 3, "maximum": 18, "default": 11}
BASEMAP = {"type": "string", "title": "底图", "enum": ["vector", "satellite", "dark"], "default": "dark"}

# --- data slots ----------------------------------------------------------------------------------

SERIES = Slot("data", "数据", "Data", "series")
ONE_SERIES = Slot("data", "数据", "Data", "series", max_measures=1)
VALUE = Slot("value", "数值", "Value", "value", max_measures=1)


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
        slots=(SERIES,),
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
        slots=(SERIES,),
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
            "inner_radius": {"type": "number", "title": "环形内径比例", "minimum": 0.2, "maximum": 0.9, "default": 0.6},
        }),
        slots=(ONE_SERIES,),
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
        slots=(VALUE,),
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
        slots=(Slot("rows", "数据行", "Rows", "rows"),),
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
        slots=(Slot("points", "点位", "Points", "points"),),
    ),
    ComponentType(
        code="text.title", version="1.0.0", name="标题文本", name_en="Title text", category="text",
        description="页面或大屏上的标题、说明文字。",
        props_schema=props({
            "text": {"type": "string", "title": "文字", "minLength": 1, "maxLength": 200, "default": "标题"},
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
        slots=(ONE_SERIES,),
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
        slots=(Slot("events", "事件", "Events", "events"),),
    ),
    # --- added with the builder: all at 1.0.0 ------------------------------------------------------
    ComponentType(
        code="chart.area", version="1.0.0", name="面积图", name_en="Area chart", category="chart",
        description="以填充面积展示指标随时间的变化和各部分的累计，如各区逐时降雨量、各类事件逐日受理量。",
        props_schema=props({
            "title": TITLE,
            "color": COLOR,
            "unit": UNIT,
            "stacked": {"type": "boolean", "title": "堆叠", "default": True},
            "smooth": {"type": "boolean", "title": "平滑曲线", "default": True},
            "opacity": {"type": "number", "title": "填充透明度", "minimum": 0.1, "maximum": 1, "default": 0.6},
            "show_line": {"type": "boolean", "title": "显示边线", "default": True},
            "show_legend": SHOW_LEGEND,
        }),
        slots=(SERIES,),
    ),
    ComponentType(
        code="chart.gauge", version="1.0.0", name="仪表盘", name_en="Gauge", category="chart",
        description="以弧形刻度展示单个数值在量程中的位置，如按时办结率、河道水位与警戒水位的距离。",
        props_schema=props({
            "title": TITLE,
            "min": {"type": "number", "title": "最小值", "default": 0},
            "max": {"type": "number", "title": "最大值", "default": 100},
            "unit": UNIT,
            "precision": PRECISION,
            "color": COLOR,
            "track_color": {**COLOR, "title": "底色", "default": "#e8edf3"},
            "thresholds": THRESHOLDS,
            "show_target": {"type": "boolean", "title": "显示目标值", "default": True},
        }),
        slots=(VALUE,),
    ),
    ComponentType(
        code="metric.number", version="1.0.0", name="数值卡", name_en="Number card", category="metric",
        description="大字展示一个数值，附带较上期的涨跌趋势和目标完成情况，如今日受理量、本月办结率。",
        props_schema=props({
            "title": TITLE,
            "unit": UNIT,
            "precision": PRECISION,
            "font_size": {**FONT_SIZE, "title": "数值字号", "minimum": 16, "default": 48},
            "color": COLOR,
            "show_trend": {"type": "boolean", "title": "显示趋势", "default": True},
            "trend_as": {"type": "string", "title": "趋势显示为", "enum": ["percent", "difference"], "default": "percent"},
            "higher_is_better": HIGHER_IS_BETTER,
            "show_target": {"type": "boolean", "title": "显示目标", "default": True},
            "target": {"type": "number", "title": "目标值（数据未提供时使用）"},
            "target_label": {"type": "string", "title": "目标名称", "maxLength": 20, "default": "目标"},
        }),
        slots=(VALUE,),
    ),
    ComponentType(
        code="text.markdown", version="1.0.0", name="图文说明", name_en="Markdown text", category="text",
        description="用 Markdown 书写的说明文字，可含小标题、列表和链接，如指标口径说明、值班须知。",
        props_schema=props({
            "content": {"type": "string", "title": "内容（Markdown）", "maxLength": 20000, "default": "在此填写说明文字"},
            "font_size": {**FONT_SIZE, "maximum": 48, "default": 14},
            "color": {**COLOR, "default": "#333333"},
            "align": ALIGN,
        }),
    ),
    ComponentType(
        code="text.banner", version="1.0.0", name="标题横幅", name_en="Title banner", category="text",
        description="大屏顶部的横幅：主标题、副标题、徽标和当前时间。",
        props_schema=props({
            "text": {"type": "string", "title": "主标题", "minLength": 1, "maxLength": 100, "default": "城市运行管理中心"},
            "subtitle": {"type": "string", "title": "副标题", "maxLength": 200},
            "logo": {"type": "string", "title": "徽标地址", "maxLength": 1000, "pattern": IMAGE_SRC_PATTERN},
            "font_size": {**FONT_SIZE, "minimum": 16, "maximum": 96, "default": 40},
            "color": {**COLOR, "default": "#ffffff"},
            "align": {**ALIGN, "default": "center"},
            "style": {"type": "string", "title": "样式", "enum": ["plain", "tech"], "default": "tech"},
            "show_time": {"type": "boolean", "title": "显示当前时间", "default": True},
        }, required=["text"]),
    ),
    ComponentType(
        code="text.clock", version="1.0.0", name="时钟", name_en="Clock", category="text",
        description="显示当前日期和时间，常放在大屏角落。",
        props_schema=props({
            "format": {"type": "string", "title": "格式", "default": "YYYY-MM-DD HH:mm:ss",
                       "enum": ["YYYY-MM-DD HH:mm:ss", "YYYY-MM-DD HH:mm", "HH:mm:ss", "HH:mm", "YYYY年MM月DD日 HH:mm"]},
            "show_weekday": {"type": "boolean", "title": "显示星期", "default": True},
            "timezone": {"type": "string", "title": "时区", "maxLength": 64, "default": "Asia/Shanghai",
                         "pattern": "^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$"},
            "font_size": {**FONT_SIZE, "maximum": 96, "default": 20},
            "color": {**COLOR, "default": "#ffffff"},
            "align": {**ALIGN, "default": "right"},
        }),
    ),
    ComponentType(
        code="media.image", version="1.0.0", name="图片", name_en="Image", category="media",
        description="展示一张图片，如单位徽标、示意图、现场照片。",
        props_schema=props({
            "src": {"type": "string", "title": "图片地址", "maxLength": 1000, "pattern": IMAGE_SRC_PATTERN},
            "alt": {"type": "string", "title": "替代文字", "maxLength": 200},
            "fit": {"type": "string", "title": "填充方式", "enum": ["contain", "cover", "fill"], "default": "contain"},
            "opacity": {"type": "number", "title": "不透明度", "minimum": 0, "maximum": 1, "default": 1},
            "border_radius": {"type": "integer", "title": "圆角", "minimum": 0, "maximum": 100, "default": 0},
        }),
    ),
    ComponentType(
        code="map.areas", version="1.0.0", name="区域地图", name_en="Area map", category="map",
        description="按区、街道或网格填色展示指标分布，可叠加点位，如各街道事件密度与积水点分布。",
        props_schema=props({
            "title": TITLE,
            "center": CENTER,
            "zoom": ZOOM,
            "basemap": BASEMAP,
            "level": {"type": "string", "title": "区域层级", "enum": ["district", "street", "grid"], "default": "district"},
            "color_low": {**COLOR, "title": "低值颜色", "default": "#cfe8ff"},
            "color_high": {**COLOR, "title": "高值颜色", "default": "#1f6feb"},
            "show_labels": {"type": "boolean", "title": "显示区域名称", "default": True},
            "show_legend": SHOW_LEGEND,
            "point_color": {**COLOR, "default": "#ffc53d"},
            "unit": UNIT,
        }),
        slots=(Slot("areas", "区域", "Areas", "areas", max_measures=1),
               Slot("points", "点位", "Points", "points", required=False)),
    ),
    ComponentType(
        code="alert.list", version="1.0.0", name="预警列表", name_en="Alert list", category="event",
        description="滚动展示最新预警及其级别、来源和时间，可按级别筛选，新的红色预警可提示音提醒。",
        props_schema=props({
            "title": TITLE,
            "levels": {"type": "array", "title": "预警级别", "uniqueItems": True, "maxItems": 4,
                       "items": {"type": "string", "enum": ["red", "orange", "yellow", "blue"]}},
            "page_size": {"type": "integer", "title": "每页条数", "minimum": 1, "maximum": 100, "default": 10},
            "show_source": {"type": "boolean", "title": "显示来源", "default": True},
            "scroll": {"type": "boolean", "title": "自动滚动", "default": True},
            "sound": {"type": "boolean", "title": "红色预警提示音", "default": False},
            "refresh_s": {**REFRESH, "default": 30},
        }),
        slots=(Slot("alerts", "预警", "Alerts", "alerts"),),
    ),
    ComponentType(
        code="embed.page", version="1.0.0", name="内嵌页面", name_en="Embedded page", category="layout",
        description="在卡片中嵌入本平台的另一个页面，如把某张报表或另一块大屏放进当前页面。",
        props_schema=props({
            "title": TITLE,
            "src": {"type": "string", "title": "页面地址", "maxLength": 500, "pattern": SAME_ORIGIN_PATH_PATTERN},
            "scrolling": {"type": "boolean", "title": "允许滚动", "default": False},
            "refresh_s": {**REFRESH, "minimum": 0, "default": 0, "title": "刷新间隔（秒，0 为不刷新）"},
        }),
    ),
]

for _type in BUILTINS:
    register(_type)
