"""Binding documents: one source, a dimension, measures, a window, parameters."""
import pytest
from jsonschema import Draft202012Validator

import components
from components.bindings import BINDING_SCHEMA, SLOTS_SCHEMA, by_slot, validate_binding, validate_bindings

BAR = components.get("chart.bar", "1.0.0")
AREAS = components.get("map.areas", "1.0.0")


def test_the_binding_schemas_are_valid_2020_12_schemas():
    Draft202012Validator.check_schema(BINDING_SCHEMA)
    Draft202012Validator.check_schema(SLOTS_SCHEMA)


@pytest.mark.parametrize("binding", [
    {"indicator": "waterlogging_points", "by": "district", "params": {"window": "24h"}, "refresh_s": 60},
    {"indicator": ["events_received", "events_closed"], "by": "street", "window": "7d"},
    {"service": "city_events", "by": "category", "measures": ["count"], "limit": 20,
     "params": {"status": ["办结", "退回"]}},
    {"expr": "count(where status = '办结') over last 30d by district"},
])
def test_good_bindings_validate(binding):
    assert validate_binding(binding) == []
    assert validate_bindings(BAR, binding, require=True) == []


@pytest.mark.parametrize("binding, path, words", [
    ({"by": "district"}, "$", "只指定一个数据来源"),
    ({"indicator": "a_b", "service": "c_d"}, "$", "只指定一个数据来源"),
    ({"indicator": "Bad Code"}, "$.indicator", "格式不正确"),
    ({"service": "city_events", "window": "1 day"}, "$.window", "24h"),
    ({"service": "city_events", "measures": []}, "$.measures", "至少 1 项"),
    ({"service": "city_events", "sql": "drop table x"}, "$.sql", "不支持的属性"),
    ({"service": "city_events", "refresh_s": 1}, "$.refresh_s", "不能小于 10"),
    ({"expr": "count(where status = ) by district"}, "$.expr", "第 1 行"),
    ("waterlogging_points", "$", "须为对象"),
])
def test_bad_bindings_are_refused_with_a_path(binding, path, words):
    errors = validate_binding(binding)
    assert any(p == path and words in m for p, m in errors), errors


def test_a_binding_must_fit_the_types_slots():
    pie = components.get("chart.pie", "1.0.0")
    too_many = validate_bindings(pie, {"service": "city_events", "measures": ["a", "b"]})
    assert too_many and too_many[0][0] == "$.measures" and "1 个度量" in too_many[0][1]
    assert "不接受数据绑定" in validate_bindings(components.get("text.clock", "1.0.0"), {"indicator": "abc"})[0][1]
    assert validate_bindings(BAR, None) == []
    assert "请绑定" in validate_bindings(BAR, None, require=True)[0][1]


def test_a_type_with_several_slots_binds_them_by_name():
    doc = {"slots": {"areas": {"indicator": "event_density", "by": "street"},
                     "points": {"service": "waterlogging_sites"}}}
    assert validate_bindings(AREAS, doc, require=True) == []
    assert set(by_slot(AREAS, doc)) == {"areas", "points"}
    assert by_slot(BAR, {"indicator": "abc"}) == {"data": {"indicator": "abc"}}
    missing = validate_bindings(AREAS, {"slots": {"points": {"service": "waterlogging_sites"}}}, require=True)
    assert [p for p, _ in missing] == ["$.slots.areas"]
    unknown = validate_bindings(AREAS, {"slots": {"lines": {"service": "roads"}}})
    assert unknown[0][0] == "$.slots.lines" and "没有名为 lines" in unknown[0][1]
