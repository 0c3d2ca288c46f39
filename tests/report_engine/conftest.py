"""A weekly report over the builder's small city data (events and closed by district)."""
import pytest

from report_engine import service as reports
from tests.builder.conftest import EVENTS, NOW, city_data  # noqa: F401 (the fixture is used by name)

BODY = """<h2>一、总体情况</h2>
<p>本周共受理事件 {{ events_total|number }} 件，办结 {{ closed_total|number }} 件，办结率 {{ (closed_total / events_total)|percent }}，办结量{{ closed_total|change(closed_before, '较上周') }}。</p>
<h2>二、各区情况</h2>
{{ chart('bar', by_district, x='district', y='events', title='各区事件数', labels={'events': '事件数'}) }}
{{ table(by_district, columns={'district': '区', 'events': '事件数'}, title='各区事件') }}
{{ district_map(by_district, value='events', title='各区事件分布', unit='件') }}
<h2>三、分区说明</h2>
{% for row in by_district %}<p>{{ row.district }}本周受理 {{ row.events }} 件。</p>
{% endfor %}"""

VARIABLES = [
    {"name": "events_total", "title": "事件数", "source": "indicator", "code": "events"},
    {"name": "closed_total", "title": "办结数", "source": "indicator", "code": "closed"},
    {"name": "closed_before", "title": "上周办结数", "source": "indicator", "code": "closed", "offset": "7d"},
    {"name": "by_district", "title": "各区事件", "source": "indicator", "code": "events", "by": "district"},
]

TITLE = "临江市城市运行周报"


@pytest.fixture
def weekly(session, system, city_data):  # noqa: F811
    """The published weekly template `city_weekly` over `city_data`."""
    template = reports.report_template_create(session, system, {
        "code": "city_weekly", "name": "城市运行周报", "type": "weekly", "toc": True,
        "cover": {"title": TITLE, "subtitle": "{{ report.period_start|date }}至{{ report.period_end|date }}"},
        "header_text": "城市运行周报", "footer_text": "内部资料　注意保存", "organisation": "临江市城市运行管理中心",
        "body": BODY, "variables": VARIABLES, "state": "published"})
    session.commit()
    return template


def expected(days: int = 7, offset_days: int = 0, district: str | None = None, closed: bool = False) -> int:
    """Counted straight from the fixture's rows: events reported in the `days` ending at the end of
    NOW's day in Shanghai (UTC+8), moved back `offset_days`."""
    import datetime as dt

    end = dt.datetime(NOW.year, NOW.month, NOW.day, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    end = end - dt.timedelta(days=offset_days)
    start = end - dt.timedelta(days=days)
    n = 0
    for d, _street, status, ago in EVENTS:
        at = NOW - dt.timedelta(days=ago, hours=1)
        if start <= at <= end and (district is None or d == district) and (not closed or status == "办结"):
            n += 1
    return n
