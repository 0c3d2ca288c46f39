"""Demo data of the report engine: the published daily operations report `daily_ops` (城市运行日报)
over the demo's event and rainfall indicators (eleven A4 pages: cover, contents, six sections;
eight charts and seven tables), and its schedule: every day at 07:00, to the leaders' inboxes.

Idempotent: skipped when the template exists, or when the indicators it binds are missing. It adds
one indicator of its own, `events_closed`, beside the event core's (same service, same dimensions):
the event core publishes rates but no count of closed events, and a daily report leads with one.
The benchmark (bench/daily_report.py) registers the same template over its own indicators.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.permissions import Actor

CODE = "daily_ops"
NEEDS = ("events_reported", "events_closed", "on_time_closure_rate", "overdue_events", "avg_handling_hours",
         "dispatch_accuracy", "return_rate", "reopen_rate", "rain_24h", "rain_peak_hour")
CLOSED = ("events_closed", "办结事件数", "件", "count(where closed_at is not null)",
          "统计期内上报的事件中已办结的事件数")
TREND_DAYS = 7


def _var(name: str, title: str, code: str, **more) -> dict:
    return {"name": name, "title": title, "source": "indicator", "code": code, **more}


def variables() -> list[dict]:
    """The template's variables: the report day, the day before, a 7-day trend (one variable per day,
    as the event indicators have no day dimension), and breakdowns by district, street, matter,
    department and channel."""
    out = [
        _var("received", "今日受理", "events_reported"),
        _var("received_prev", "昨日受理", "events_reported", offset="1d"),
        _var("closed", "今日办结", "events_closed"),
        _var("closed_prev", "昨日办结", "events_closed", offset="1d"),
        _var("on_time", "按时办结率", "on_time_closure_rate"),
        _var("on_time_prev", "昨日按时办结率", "on_time_closure_rate", offset="1d"),
        _var("avg_hours", "平均处置时长", "avg_handling_hours"),
        _var("avg_hours_prev", "昨日平均处置时长", "avg_handling_hours", offset="1d"),
        _var("accuracy", "分拨准确率（近7日）", "dispatch_accuracy", window="7d"),
        _var("returns", "退回率（近7日）", "return_rate", window="7d"),
        _var("reopens", "重办率（近7日）", "reopen_rate", window="7d"),
    ]
    for n in range(TREND_DAYS):
        offset = {"offset": f"{n}d"} if n else {}
        out.append(_var(f"received_d{n}", f"{n}日前受理", "events_reported", **offset))
        out.append(_var(f"closed_d{n}", f"{n}日前办结", "events_closed", **offset))
    out += [
        _var("by_channel", "各渠道受理", "events_reported", by="channel"),
        _var("by_district", "各区受理", "events_reported", by="district", sort="key"),
        _var("closed_by_district", "各区办结", "events_closed", by="district"),
        _var("on_time_by_district", "各区按时办结率（近7日）", "on_time_closure_rate", by="district", window="7d"),
        _var("by_street", "各街道受理（近7日）", "events_reported", by="street", window="7d", limit=12),
        _var("by_matter", "高发事项", "events_reported", by="matter", limit=10),
        _var("by_matter_week", "高发事项（近7日）", "events_reported", by="matter", window="7d", limit=10),
        # every department, no limit: the report's total overdue is their sum (one 30-day scan, and the
        # total and the table cannot disagree)
        _var("overdue_by_department", "各部门超期未办结", "overdue_events", by="department", window="30d"),
        _var("on_time_by_department", "各部门按时办结率（近7日）", "on_time_closure_rate", by="department",
             window="7d", limit=12),
        _var("rain_by_district", "各区24小时雨量", "rain_24h", by="district", window="24h", sort="key"),
        _var("rain_peak_by_district", "各区最大小时雨量", "rain_peak_hour", by="district", window="24h"),
        _var("rain_by_station", "各站24小时雨量", "rain_24h", by="station", window="24h"),
    ]
    return out


NEXT = ' style="break-before: page"'  # one section per page: the leaders read it section by section

BODY = """{{ channel_names }}{% set trend = namespace(rows=[]) %}
{% for n in range(6, -1, -1) %}
{% set d = report.date.fromordinal(report.date.toordinal() - n) %}
{% set trend.rows = trend.rows + [{'day': d.month ~ '月' ~ d.day ~ '日',
  'received': received_d0 if n == 0 else (received_d1 if n == 1 else (received_d2 if n == 2 else (received_d3 if n == 3 else (received_d4 if n == 4 else (received_d5 if n == 5 else received_d6))))),
  'closed': closed_d0 if n == 0 else (closed_d1 if n == 1 else (closed_d2 if n == 2 else (closed_d3 if n == 3 else (closed_d4 if n == 4 else (closed_d5 if n == 5 else closed_d6)))))}] %}
{% endfor %}
{% set districts = namespace(rows=[]) %}
{% for row in by_district %}
{% set districts.rows = districts.rows + [{'district': row.district|replace('城运中心', ''), 'received': row.events_reported,
  'closed': closed_by_district|selectattr('district', 'equalto', row.district)|map(attribute='events_closed')|first|default(0),
  'on_time': on_time_by_district|selectattr('district', 'equalto', row.district)|map(attribute='on_time_closure_rate')|first|default(none)}] %}
{% endfor %}
{% set channels = namespace(rows=[]) %}
{% for row in by_channel %}
{% set channels.rows = channels.rows + [{'channel': channel_names.get(row.channel, row.channel), 'events_reported': row.events_reported}] %}
{% endfor %}
{% set late = namespace(rows=[]) %}
{% for row in overdue_by_department %}
{% set late.rows = late.rows + [{'department': row.department or '（尚未分拨）', 'overdue_events': row.overdue_events}] %}
{% endfor %}
<h2>一、总体情况</h2>
<p>{{ report.date|date('full') }}，全市共受理城市运行事件 <b>{{ received|number }}</b> 件，{{ received|change(received_prev) }}；
办结 <b>{{ closed|number }}</b> 件，{{ closed|change(closed_prev) }}。当日受理事件的按时办结率为 <b>{{ on_time|percent(1, false) }}</b>
（昨日 {{ on_time_prev|percent(1, false) }}），平均处置时长 {{ avg_hours|number(1) }} 小时（昨日 {{ avg_hours_prev|number(1) }} 小时）。</p>
<p>近 30 日上报的事件中，截至日终仍有 <b>{{ late.rows|sum(attribute='overdue_events')|number }}</b> 件超期未办结。近 7 日分拨准确率 {{ accuracy|percent(1, false) }}，
退回率 {{ returns|percent(1, false) }}，重办率 {{ reopens|percent(1, false) }}。</p>
{{ table([{'item': '受理事件（件）', 'today': received, 'before': received_prev},
          {'item': '办结事件（件）', 'today': closed, 'before': closed_prev},
          {'item': '按时办结率（%）', 'today': on_time, 'before': on_time_prev},
          {'item': '平均处置时长（小时）', 'today': avg_hours, 'before': avg_hours_prev}],
         columns={'item': '指标', 'today': '今日', 'before': '昨日'}, totals=false, title='主要指标') }}
<h3>受理渠道</h3>
{{ chart('pie', channels.rows, x='channel', y='events_reported', title='各渠道受理事件', labels={'channel': '渠道', 'events_reported': '事件数'}, width=520, height=260) }}

<h2{{ next }}>二、事件受理与办结</h2>
<p>近 7 日共受理 {{ trend.rows|sum(attribute='received')|number }} 件，办结 {{ trend.rows|sum(attribute='closed')|number }} 件；
当日受理 {{ received|number }} 件，{{ received|change(received_d6, '较上周同日') }}。</p>
{{ chart('line', trend.rows, x='day', y=['received', 'closed'], title='近7日受理与办结', labels={'day': '日期', 'received': '受理', 'closed': '办结'}, width=600, height=260) }}
{{ chart('bar', districts.rows, x='district', y=['received', 'closed'], title='各区受理与办结', labels={'district': '区', 'received': '受理', 'closed': '办结'}, width=600, height=260) }}
{{ chart('bar', by_street, x='street', y='events_reported', title='各街道受理事件（近7日）', labels={'street': '街道', 'events_reported': '事件数'}, width=600, height=260) }}

<h2{{ next }}>三、高发事项</h2>
{% if by_matter %}<p>当日受理最多的事项是“{{ by_matter[0].matter }}”，共 {{ by_matter[0].events_reported|number }} 件，
占当日受理的 {{ (by_matter[0].events_reported / received)|percent if received else '—' }}。</p>{% else %}<p>当日无受理事件。</p>{% endif %}
{{ chart('bar', by_matter_week, x='matter', y='events_reported', title='高发事项（近7日）', labels={'matter': '事项', 'events_reported': '事件数'}, width=600, height=300, orientation='horizontal') }}
{{ table(by_matter, columns={'matter': '事项', 'events_reported': '当日受理（件）'}, title='当日高发事项') }}
{{ table(by_matter_week, columns={'matter': '事项', 'events_reported': '近7日受理（件）'}, title='近7日高发事项') }}

<h2{{ next }}>四、超期情况</h2>
{% if late.rows %}<p>超期未办结事件最多的是{{ late.rows[0].department }}（{{ late.rows[0].overdue_events|number }} 件），
请相关部门加快处置。</p>{% else %}<p>近 30 日上报的事件均未超期。</p>{% endif %}
{{ chart('bar', late.rows, x='department', y='overdue_events', title='各部门超期未办结事件', labels={'department': '部门', 'overdue_events': '超期件数'}, width=600, height=320, orientation='horizontal') }}
{{ table(late.rows, columns={'department': '部门', 'overdue_events': '超期未办结（件）'}, title='各部门超期未办结（近30日上报）') }}
{{ table(on_time_by_department, columns={'department': '部门', 'on_time_closure_rate': '按时办结率（%）'}, totals=false, title='各部门按时办结率（近7日）') }}

<h2{{ next }}>五、各区对比</h2>
{{ district_map(districts.rows, key='district', value='received', title='各区受理事件分布', unit='件') }}
{{ table(districts.rows, columns={'district': '区', 'received': '受理（件）', 'closed': '办结（件）', 'on_time': '按时办结率（近7日，%）'}, totals=['received', 'closed'], title='各区受理、办结与按时办结率') }}

<h2{{ next }}>六、雨情与预警</h2>
{% set heavy = rain_by_district|selectattr('rain_24h', 'ge', 50)|list %}
<p>24 小时内各区累计雨量最大 {{ (rain_by_district|map(attribute='rain_24h')|max if rain_by_district else none)|number(1) }} 毫米，
最大小时雨量 {{ (rain_peak_by_district|map(attribute='rain_peak_hour')|max if rain_peak_by_district else none)|number(1) }} 毫米。
{% if heavy %}{{ heavy|map(attribute='district')|join('、') }} 24 小时雨量达到强降雨预警（蓝色，≥50 毫米）阈值，请做好防汛准备。
{% else %}各区雨量均未达到强降雨预警阈值（≥50 毫米）。{% endif %}</p>
{{ chart('bar', rain_by_district, x='district', y='rain_24h', title='各区24小时累计雨量', unit='mm', labels={'district': '区', 'rain_24h': '雨量'}, width=600, height=240) }}
{{ table(rain_by_station, columns={'station': '雨量站', 'rain_24h': '24小时雨量（mm）'}, totals=false, title='各雨量站24小时雨量') }}
"""


def _body() -> str:
    from runtime.events.models import CHANNELS

    # the event core stores channel codes (hotline, grid); the report names them as people say them
    names = "{% set channel_names = {" + ", ".join(f"'{k}': '{v[0]}'" for k, v in CHANNELS.items()) + "} %}"
    return BODY.replace("{{ channel_names }}", names).replace("{{ next }}", NEXT)


def template() -> dict:
    """The template's fields (as `report_template_create` takes them), published."""
    return {"code": CODE, "name": "城市运行日报", "type": "daily", "orientation": "portrait", "toc": True,
            "cover": {"title": "临江市城市运行日报", "subtitle": "{{ report.date|date('full') }}"},
            "header_text": "临江市城市运行日报", "footer_text": "内部资料　注意保存",
            "organisation": "临江市城市运行管理中心", "body": _body(),
            "variables": variables(), "state": "published"}


def _ensure_closed(session: Session, actor: Actor) -> None:
    from runtime.indicators import service as indicators
    from runtime.indicators.models import Indicator

    if session.scalar(select(Indicator.id).where(Indicator.code == CLOSED[0])) is not None:
        return
    base = session.scalar(select(Indicator).where(Indicator.code == "events_reported"))
    if base is None:
        return
    code, name, unit, formula, text = CLOSED
    made = indicators.indicator_create(session, actor, {
        "code": code, "name": name, "unit": unit, "formula": formula, "definition_text": text,
        "service_id": base.service_id, "time_field": base.time_field, "default_window": "30d",
        "dimensions": list(base.dimensions)})
    indicators.indicator_set_state(session, actor, made.id, "published")


def seed_demo(session: Session, actor: Actor) -> dict:
    from runtime.indicators.models import Indicator

    from . import schedules, service
    from .models import ReportTemplate

    if session.scalar(select(ReportTemplate.id).where(ReportTemplate.code == CODE)) is not None:
        return {"reports": 0}
    _ensure_closed(session, actor)
    found = set(session.scalars(select(Indicator.code).where(Indicator.code.in_(NEEDS))))
    if found != set(NEEDS):
        return {"reports": 0}
    service.report_template_create(session, actor, template())
    # every morning at 07:00 the leaders find yesterday's report in their inboxes
    schedules.report_schedule_create(session, actor, {"template_code": CODE, "cadence": "daily", "at": "07:00",
                                                      "recipients": {"users": [], "roles": ["leader"]}})
    return {"reports": 1}
