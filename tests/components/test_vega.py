"""Vega-Lite specs of the chart types: valid (vl-convert draws them), shaped by the props."""
import pytest
import vl_convert

import components
from components import vega
from components.validation import InvalidProps

ROWS = [{"district": "东城区", "积水点": 12, "已处置": 9},
        {"district": "西城区", "积水点": 7, "已处置": 7},
        {"district": "临江新区", "积水点": 15, "已处置": 4}]
ONE = [{"district": r["district"], "积水点": r["积水点"]} for r in ROWS]
LABELS = ("东城区", "西城区", "临江新区")


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def mark(layer: dict) -> str:
    return layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]


def first(spec: dict, kind: str) -> dict:
    return next(layer for layer in layers(spec) if mark(layer) == kind)


def data_of(spec: dict, kind: str) -> list[dict]:
    return (first(spec, kind).get("data") or spec["data"])["values"]


@pytest.mark.parametrize("code, props, rows", [
    ("chart.bar@1", {"title": "各区积水点"}, ROWS),
    ("chart.bar@1", {"orientation": "horizontal", "stacked": True}, ROWS),
    ("chart.line@1", {"smooth": True, "area": True}, ROWS),
    ("chart.area@1", {}, ROWS),
    ("chart.pie@1", {"donut": True}, ONE),
    ("chart.pie@1", {"show_percent": False}, ONE),
    ("list.ranking@1", {"unit": "个"}, ONE),
])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_chart_draws_with_its_chinese_labels(code, props, rows, theme):
    svg = vl_convert.vegalite_to_svg(vega.spec(code, props, rows, width=320, height=200, theme=theme))
    assert svg.startswith("<svg") and all(label in svg for label in LABELS)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_gauge_draws_its_value_and_target(theme):
    spec = vega.spec("chart.gauge@1", {"unit": "%", "precision": 1, "title": "按时办结率"},
                     [{"value": 86.5, "target": 90}], width=240, height=200, theme=theme)
    svg = vl_convert.vegalite_to_svg(spec)
    assert "86.5%" in svg and "目标 90.0%" in svg and "按时办结率" in svg
    parts = {a["part"]: a for a in data_of(spec, "arc")}
    assert parts["value"]["t1"] < parts["track"]["t1"] and parts["target"]["t0"] > parts["value"]["t1"]


def test_the_gauge_takes_its_colour_from_the_thresholds():
    bands = [{"value": 60, "color": "#ffc53d"}, {"value": 90, "color": "#73d13d"}]
    spec = vega.spec("chart.gauge", {"thresholds": bands}, [{"value": 75}])
    assert {a["part"]: a["fill"] for a in data_of(spec, "arc")}["value"] == "#ffc53d"


def test_a_horizontal_bar_swaps_x_and_y():
    upright = first(vega.spec("chart.bar", {}, ONE), "bar")["encoding"]
    lying = first(vega.spec("chart.bar", {"orientation": "horizontal"}, ONE), "bar")["encoding"]
    assert upright["x"]["field"] == "category" and upright["y"]["field"] == "value"
    assert lying["y"]["field"] == "category" and lying["x"]["field"] == "value"


def test_max_bars_and_sort_choose_the_bars():
    spec = vega.spec("chart.bar", {"sort": "desc", "max_bars": 2, "show_values": False}, ONE)
    assert [r["category"] for r in spec["data"]["values"]] == ["东城区", "临江新区"]  # data order kept
    assert spec["encoding"]["x"]["sort"] == ["临江新区", "东城区"]  # drawn biggest first
    assert "layer" not in spec  # no value labels


def test_several_measures_are_grouped_or_stacked_with_a_legend():
    grouped = first(vega.spec("chart.bar", {}, ROWS), "bar")["encoding"]
    assert grouped["xOffset"]["field"] == "series" and grouped["color"]["field"] == "series"
    stacked = vega.spec("chart.bar", {"stacked": True, "show_legend": False}, ROWS)["encoding"]
    assert "xOffset" not in stacked and stacked["y"]["stack"] == "zero" and stacked["color"]["legend"] is None


def test_one_measure_uses_the_props_colour_and_unit():
    spec = vega.spec("chart.bar", {"color": "#ff7a45", "unit": "个"}, ONE)
    bars = first(spec, "bar")
    assert bars["encoding"]["color"] == {"value": "#ff7a45"} and bars["encoding"]["y"]["title"] == "个"
    assert "15个" in [r["label"] for r in spec["data"]["values"]]


def test_a_donut_has_an_inner_radius_and_a_pie_does_not():
    assert "innerRadius" in first(vega.spec("chart.pie", {"donut": True, "inner_radius": 0.5}, ONE), "arc")["mark"]
    assert "innerRadius" not in first(vega.spec("chart.pie", {}, ONE), "arc")["mark"]


def test_a_pie_gathers_the_smallest_slices_into_others():
    rows = [{"来源": f"渠道{i}", "数量": 10 - i} for i in range(6)]
    values = data_of(vega.spec("chart.pie", {"max_slices": 3}, rows), "arc")
    assert [(v["category"], v["value"]) for v in values] == [("渠道0", 10), ("渠道1", 9), ("其他", 8 + 7 + 6 + 5)]


def test_line_smoothing_and_points_follow_the_props():
    smooth = first(vega.spec("chart.line", {"smooth": True, "show_points": False}, ONE), "line")["mark"]
    assert smooth["interpolate"] == "monotone" and smooth["point"] is False
    assert first(vega.spec("chart.line", {}, ONE), "line")["mark"]["interpolate"] == "linear"


def test_the_ranking_keeps_the_top_n_best_first():
    spec = vega.spec("list.ranking", {"top_n": 2, "order": "asc"}, ONE)
    assert first(spec, "bar")["encoding"]["y"]["sort"] == ["西城区", "东城区"]


def test_dark_screens_get_light_text_on_a_transparent_background():
    dark, light = (vega.spec("chart.bar", {}, ONE, theme=t)["config"] for t in ("dark", "light"))
    assert dark["background"] == light["background"] == "transparent"
    assert dark["title"]["color"] == "#e6f1ff" and light["title"]["color"] == "#333333"
    assert dark["font"] == "Noto Sans CJK SC"


def test_the_font_and_palette_are_those_of_the_server_charts():
    from tongguan import charts

    assert (vega.FONT, vega.PALETTE) == (charts.FONT, charts.PALETTE)
    assert vega.spec("chart.bar", {}, ONE)["config"]["range"]["category"] == charts.PALETTE


def test_without_a_size_the_chart_fills_its_container():
    spec = vega.spec("chart.area", {}, ROWS)
    assert spec["width"] == spec["height"] == "container" and spec["autosize"]["type"] == "fit"
    assert vega.spec("chart.area", {}, ROWS, width=300, height=200)["width"] == 300


def test_dimension_measures_and_labels_can_be_named():
    rows = [{"日期": "11-01", "received": 30, "closed": 25, "year": 2026}]
    spec = vega.spec("chart.line", {}, rows, dimension="日期", measures=["closed"], labels={"closed": "办结量"})
    assert [(r["category"], r["series"], r["value"]) for r in spec["data"]["values"]] == [("11-01", "办结量", 25)]


def test_bad_props_unknown_types_and_non_charts_are_refused():
    with pytest.raises(InvalidProps) as err:
        vega.spec("chart.bar", {"color": "blue"}, ONE)
    assert err.value.errors[0][0] == "$.color"
    with pytest.raises(LookupError):
        vega.spec("chart.nope", {}, ONE)
    with pytest.raises(ValueError):
        vega.spec("text.clock", {}, [])
    with pytest.raises(ValueError):
        vega.spec("chart.bar", {}, ONE, theme="neon")
    assert vega.has_spec("chart.gauge@1") and not vega.has_spec("table.basic")


def test_empty_data_still_gives_a_valid_spec():
    for code in vega.BUILDERS:
        assert vl_convert.vegalite_to_svg(vega.spec(f"{code[0]}@{code[1]}", {}, [], width=200, height=150))
    assert components.lookup("chart.bar@1") is not None
