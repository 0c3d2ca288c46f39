"""The report sandbox: zh-CN filters, and what a template may not do."""
import datetime as dt

import pytest

from report_engine import charts
from report_engine.sandbox import TemplateProblem, change, date, duration, number, percent, render


def test_numbers_have_thousands_separators_and_fixed_decimals():
    assert number(1234567) == "1,234,567" and number(1234.567, 2) == "1,234.57" and number(None) == "—"
    assert number(12, unit="件") == "12件"


def test_percentages_from_ratios_or_from_percent_values():
    assert percent(0.8734) == "87.3%" and percent(87.34, 0, ratio=False) == "87%" and percent(None) == "—"


def test_change_says_up_down_or_level_in_chinese():
    assert change(112, 100) == "较昨日上升 12%"
    assert change(95, 100, "较上周") == "较上周下降 5%"
    assert change(100, 100) == "较昨日持平" and change(100.2, 100) == "较昨日持平"
    assert change(3, 0) == "较昨日增加 3" and change(0, 0) == "较昨日持平"
    assert change(None, 3) == "较昨日无可比数据"


def test_dates_in_chinese():
    day = dt.date(2026, 11, 25)
    assert date(day) == "2026年11月25日" and date(day, "short") == "11月25日 星期三"
    assert date("2026-11-29T08:00:00", "weekday") == "星期日" and date(day, "month") == "2026年11月"
    assert date("not a date") == "—"


def test_durations_in_words():
    assert (duration(30), duration(125), duration(3700), duration(93784)) == ("30秒", "2分钟", "1小时1分", "1天2小时")
    assert duration(1.5, "h") == "1小时30分" and duration(None) == "—"


def test_filters_are_usable_in_templates_and_output_is_escaped():
    html = render("{{ n|number }} {{ r|percent }} {{ a|change(b) }} {{ d|date('short') }} {{ s }}",
                  {"n": 12345, "r": 0.5, "a": 12, "b": 10, "d": dt.date(2026, 11, 25), "s": "<script>"})
    assert html == "12,345 50.0% 较昨日上升 20% 11月25日 星期三 &lt;script&gt;"


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ rows.__init__.__globals__ }}",
    "{{ rows.append(1) }}",
    "{% set x = cycler.__init__.__globals__ %}{{ x }}",
])
def test_python_internals_and_mutation_are_refused(source):
    with pytest.raises(TemplateProblem) as caught:
        render("<p>行一</p>\n" + source, {"rows": []})
    assert caught.value.kind in ("security", "undefined") and caught.value.line == 2


def test_undefined_names_syntax_errors_and_runaway_loops_are_refused_with_the_line():
    with pytest.raises(TemplateProblem) as caught:
        render("a\nb\n{{ missing }}", {})
    assert (caught.value.kind, caught.value.line) == ("undefined", 3)
    with pytest.raises(TemplateProblem) as caught:
        render("a\n{% if %}", {})
    assert (caught.value.kind, caught.value.line) == ("syntax", 2)
    with pytest.raises(TemplateProblem) as caught:
        render("{% for i in range(10**9) %}{% endfor %}", {})
    assert caught.value.kind == "limit"
    with pytest.raises(TemplateProblem) as caught:
        render("{% for i in range(9999) %}{% for j in range(9999) %}{{ i.real }}{% endfor %}{% endfor %}", {})
    assert caught.value.kind == "limit"
    with pytest.raises(TemplateProblem) as caught:
        render("x" * 200_001, {})
    assert caught.value.kind == "limit"


def test_tables_have_zebra_rows_and_a_totals_row_of_the_chosen_columns():
    counter = charts.Counter()
    table = charts.helpers(counter)["table"]
    html = str(table([{"d": "江东区", "n": 3, "r": 0.5}, {"d": "江西<区>", "n": 2, "r": 0.25}],
                     columns={"d": "区", "n": "数量", "r": "比例"}, totals=["n"], formats={"r": "percent"}))
    assert "<th" in html and "江西&lt;区&gt;" in html and "50.0%" in html
    assert '<tr class="totals"><td>合计</td><td class="num">5</td><td></td></tr>' in html
    assert counter.tables == 1


def test_the_district_map_colours_the_districts_of_the_platform_geojson():
    counter = charts.Counter()
    svg = str(charts.helpers(counter)["district_map"]([{"district": "江东区", "events": 3}, {"district": "jx", "events": 1}],
                                                      value="events", title="分布"))
    assert svg.count("<path") == 4 and "江东区 3" in svg and "江西区 1" in svg and "高新区" in svg
    assert charts.RAMP[-1] in svg and counter.charts == 1
