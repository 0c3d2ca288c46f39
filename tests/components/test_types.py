"""The built-in component types: schemas, defaults, slots and version resolution."""
import dataclasses

import pytest
from jsonschema import Draft202012Validator

import components
from components import types
from components.types import ComponentType, Slot

BUILTINS = components.component_types()


@pytest.fixture
def registry(monkeypatch):
    """A scratch copy of the registry: what a test registers is gone afterwards."""
    monkeypatch.setattr(types, "_TYPES", dict(types._TYPES))
    return types


def widget(version, code="test.widget"):
    return ComponentType(code=code, version=version, name="测试组件", name_en="Test", category="other",
                         description="测试用。")


@pytest.mark.parametrize("t", BUILTINS, ids=lambda t: t.ref)
def test_every_builtin_schema_is_a_strict_2020_12_schema_with_chinese_titles(t):
    Draft202012Validator.check_schema(t.props_schema)
    assert t.props_schema["$schema"] == types.JSON_SCHEMA_DIALECT
    assert t.props_schema["additionalProperties"] is False
    for name, prop in t.props_schema["properties"].items():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in prop.get("title", "")), (t.ref, name)


@pytest.mark.parametrize("t", BUILTINS, ids=lambda t: t.ref)
def test_every_builtins_defaults_fit_its_schema(t):
    assert components.validate_props(t, components.defaults(t)) == []


def test_the_library_has_every_kind_of_card_a_screen_needs():
    codes = {t.code for t in BUILTINS}
    assert codes >= {"metric.number", "metric.card", "chart.bar", "chart.line", "chart.area", "chart.pie",
                     "chart.gauge", "list.ranking", "table.basic", "text.markdown", "text.title", "text.banner",
                     "text.clock", "media.image", "video.player", "map.points", "map.areas", "event.list",
                     "alert.list", "embed.page"}
    assert all(t.version == "1.0.0" and t.category in components.CATEGORIES for t in BUILTINS)
    assert len({t.ref for t in BUILTINS}) == len(BUILTINS)


def test_slots_say_what_data_a_type_takes():
    assert components.get("chart.bar", "1.0.0").accepts == ("series",)
    assert components.get("metric.number", "1.0.0").accepts == ("value",)
    assert components.get("text.clock", "1.0.0").accepts == ("none",)
    areas = components.get("map.areas", "1.0.0")
    assert [(s.name, s.accepts, s.required) for s in areas.slots] == [
        ("areas", "areas", True), ("points", "points", False)]
    assert all(s.accepts in components.ACCEPTS for t in BUILTINS for s in t.slots)


def test_component_types_stay_frozen_and_old_declarations_still_work(registry):
    old = registry.register(widget("1.0.0"))  # declared without slots, as before
    assert old.slots == () and old.accepts == ("none",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        old.slots = (Slot("data", "数据", "Data", "series"),)
    with pytest.raises(ValueError):
        Slot("data", "数据", "Data", "nonsense")
    with pytest.raises(ValueError):
        registry.register(widget("1.0"))


def test_resolve_picks_the_highest_version_of_a_major(registry):
    for v in ("1.0.0", "1.2.0", "1.10.1", "1.9.3", "1.11.0-beta.1", "2.0.0", "3.0.0-rc.1"):
        registry.register(widget(v))
    assert components.resolve("test.widget", 1).version == "1.10.1"  # 1.10 after 1.9; no pre-release
    assert components.resolve("test.widget", "2").version == "2.0.0"
    assert components.resolve("test.widget", 3).version == "3.0.0-rc.1"  # only a pre-release: use it
    assert components.resolve("test.widget", 4) is None
    assert components.resolve("test.nope", 1) is None
    assert components.resolve("test.widget", "x") is None
    assert components.lookup("test.widget@1").version == "1.10.1"
    assert components.lookup("test.widget@1.2.0").version == "1.2.0"
    assert components.lookup("test.widget").version == "2.0.0"
    assert components.lookup("chart.bar@1") is components.get("chart.bar", "1.0.0")
    assert components.lookup("chart.bar@9") is None


def test_a_bad_colour_is_reported_with_its_path():
    errors = components.validate_props("chart.bar@1", {"color": "red", "max_bars": 0, "shape": "round"})
    paths = dict(errors)
    assert "#3ba1ff" in paths["$.color"] and paths["$.color"].startswith("颜色")
    assert "不能小于 1" in paths["$.max_bars"] and "不支持的属性" in paths["$.shape"]
    nested = components.validate_props("metric.card@1", {"thresholds": [{"value": 90, "color": "#12345"}]})
    assert [p for p, _ in nested] == ["$.thresholds[0].color"]
    assert components.validate_props("text.title@1", {}) == [("$.text", "文字：必填 (required)")]


@pytest.mark.parametrize("src", ["https://evil.example.com/", "//evil.example.com/x", "/\\evil.example.com",
                                 "javascript:alert(1)", "screens/flood", "/screens/ flood", ""])
def test_the_iframe_refuses_anything_but_a_path_on_this_site(src):
    errors = components.validate_props("embed.page@1", {"src": src})
    assert [p for p, _ in errors] == ["$.src"] and "本平台" in errors[0][1]


def test_the_iframe_takes_a_path_on_this_site():
    assert components.validate_props("embed.page@1", {"src": "/screens/flood?tab=2#top"}) == []


def test_defaults_are_filled_from_the_schema():
    assert components.defaults("chart.bar@1") == {"orientation": "vertical", "stacked": False, "color": "#3ba1ff",
                                                  "show_legend": True, "show_values": True, "sort": "none",
                                                  "max_bars": 20}
    assert components.defaults("text.banner@1")["text"] == "城市运行管理中心"


def test_the_components_package_loads_no_chart_library_until_asked():
    import subprocess
    import sys

    code = "import sys, components; assert 'altair' not in sys.modules and 'flask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
