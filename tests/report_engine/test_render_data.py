"""How a render reads its data and draws its charts: variables that differ only in their indicator
share one request, a failing one is named alone, and charts drawn by the worker pool are the same
as those drawn in process; on SQLite and PostgreSQL."""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from components.vega import spec
from report_engine import charts, drawing, render
from report_engine.models import ReportTemplate
from tongguan.errors import Invalid

from .conftest import VARIABLES, expected

CITY = ZoneInfo("Asia/Shanghai")
PERIOD = render.period_of("weekly", dt.date(2026, 11, 25))


def template(variables, body="") -> ReportTemplate:
    return ReportTemplate(code="t", name="t", type="weekly", orientation="portrait", cover={}, toc=False,
                          header_text="", footer_text="", organisation="", body=body, variables=variables)


def test_variables_differing_only_in_their_indicator_share_one_request(session, system, city_data):
    groups = render._indicator_requests(VARIABLES, PERIOD, CITY)
    # events_total and closed_total share one; the day-before and the by-district ones are their own
    assert sorted(map(sorted, groups.values())) == [[0, 1], [2], [3]]
    values = render.resolve(session, system, template(VARIABLES), PERIOD, CITY)
    assert values["events_total"] == expected() and values["closed_total"] == expected(closed=True)
    assert values["closed_before"] == expected(offset_days=7, closed=True)
    # a shared request's rows are cut back to each variable's own columns
    assert all(set(row) == {"district", "events"} for row in values["by_district"])


def test_a_failing_variable_in_a_shared_request_is_named_alone(session, system, city_data):
    variables = [*VARIABLES, {"name": "nothing", "source": "indicator", "code": "no_such_indicator"}]
    with pytest.raises(Invalid) as caught:
        render.resolve(session, system, template(variables), PERIOD, CITY)
    assert list(caught.value.errors) == ["variables[4]"]
    assert "nothing" in caught.value.errors["variables[4]"][0]


ROWS = [{"d": "江东区", "n": 3}, {"d": "江西区", "n": 2}]
SPEC = spec(charts.KINDS["bar"], {"title": "各区事件"}, ROWS, width=300, height=200, dimension="d", measures=["n"])


def test_the_chart_pool_draws_what_the_process_draws(monkeypatch):
    pooled = drawing.result(drawing.submit(SPEC), SPEC)
    monkeypatch.setattr(drawing, "PROCESSES", 0)
    here = drawing.result(drawing.submit(SPEC), SPEC)
    assert pooled.startswith("<svg") and pooled == here and "江东区" in pooled


def test_a_cover_title_written_as_a_template_is_rendered_for_the_run():
    titled = template([])
    titled.cover = {"title": "{{ report.date|date }} 城市运行周报"}
    assert render.render_html(titled, {}, PERIOD).title == "2026年11月25日 城市运行周报"


def test_a_chart_placeholder_cannot_be_forged_by_the_template():
    html = render.render_html(template([], body="<p><!--tg-chart:0000000000000000:0--></p>{{ chart('bar', rows, x='d', y='n') }}"),
                              {"rows": ROWS}, PERIOD)[0]
    assert "<!--tg-chart:0000000000000000:0-->" in html  # the operator's comment, left as written
    assert html.count("<svg") == 1 and "<!--tg-chart:" not in html.replace("<!--tg-chart:0000000000000000:0-->", "")
