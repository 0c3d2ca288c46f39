"""Daily report figures (issue 8): the demo's daily operations report on 1,000,000 events, on PostgreSQL.

    python bench/daily_report.py                   # the issue's size
    python bench/daily_report.py --events 100000   # a quick look

A fresh PostgreSQL database holds the platform (migrated) and, beside it, an `events` table of city
events over the last 90 days and a `rainfall` table of hourly station readings (generated in SQL,
seeded, indexed on their time). Both are registered as a SQL data source with services and the
indicators the demo's template binds (same codes, formulas and dimensions as the demo seed), and
the demo's `daily_ops` template (report_engine.demo.template()) is created over them.

Figures, in one process (the chart converter warmed first, as a long-lived worker would be):
- report_s: the whole render of one day's report (city time): the variables' data, the HTML with
  its charts' SVG, and WeasyPrint's PDF; the median of `--repeat` reports, yesterday's and the days
  before (a different day each, so no answer is cached), after one report of another day;
- data_s, html_s, pdf_s: its stages (the variables; the template with its charts; WeasyPrint);
- weasyprint_only_s: WeasyPrint alone on each report's final HTML (median);
- the ratio of the two (the report engine's overhead over the layout it cannot avoid).

The last line is one JSON object: report_s, weasyprint_only_s, overhead, pages, charts, tables, ...
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fresh_pg import fresh_database, migrate_and_load  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tongguan_bench_daily")
TONGGUAN = str(ROOT / ".venv" / "bin" / "tongguan")
CITY = ZoneInfo("Asia/Shanghai")

# the demo's districts (the map's names), streets, departments, matters and channels; stored in the
# order they were reported, as an event table that is only ever appended to is
EVENTS_SQL = """
CREATE TABLE events AS
SELECT g AS id,
       (ARRAY['江东区','江西区','临港区','高新区'])[1 + (g * 7) % 4] AS district,
       (ARRAY['滨湖街道','望月街道','古楼街道','青石街道','海口镇','渔门街道','科创街道'])[1 + (g * 13) % 7] AS street,
       (ARRAY['临江市水务局','临江市城市管理行政执法局','临江市应急管理局','临江市交通运输局','临江市生态环境局',
              '临江市住房和城乡建设局','滨湖街道','望月街道','古楼街道','科创街道'])[1 + (g * 17) % 10] AS department,
       (ARRAY['暴露垃圾','占道经营','道路积水','路灯不亮','井盖缺失','露天烧烤','流动摊贩','乱张贴小广告',
              '违规停车','噪声扰民','绿化损坏','渣土车抛洒'])[1 + (g * 19) % 12] AS matter,
       (ARRAY['hotline','hotline','grid','app','video'])[1 + (g * 23) % 5] AS channel,
       ((now() AT TIME ZONE 'UTC') - ((g * 7919) % (90 * 24 * 60)) * interval '1 minute') AS reported_at,
       g % 50 <> 0 AS dispatched, (g * 31) % 100 < 90 AS closed, (g * 37) % 100 < 85 AS in_time,
       ((g * 41) % 60 + 1) AS hours, (g % 29 = 0)::int AS returns, (g % 53 = 0)::int AS reopens,
       (g % 97 = 0)::int AS refusals_upheld
FROM generate_series(1::bigint, :n) AS g
ORDER BY reported_at;
CREATE INDEX ix_events_reported ON events (reported_at);
ANALYZE events;
CREATE TABLE rainfall AS
SELECT s.district, s.station, greatest(0, round((random() * 30 - 8)::numeric, 1))::float AS mm,
       date_trunc('hour', now() AT TIME ZONE 'UTC') - h * interval '1 hour' AS observed_at
FROM (VALUES ('江东区','滨湖站'),('江东区','望月站'),('江西区','古楼站'),('江西区','青石站'),('临港区','海口站'),
             ('临港区','渔门站'),('高新区','科创站')) AS s(district, station), generate_series(1, 24 * 90) AS h;
CREATE INDEX ix_rainfall_observed ON rainfall (observed_at);
ANALYZE rainfall
"""
# the event core's columns, as its built-in dataset names them (the demo's formulas read these)
EVENTS_VIEW = """SELECT district, street, department, matter, channel, reported_at,
  CASE WHEN dispatched THEN reported_at + interval '30 minutes' END AS first_dispatched_at,
  CASE WHEN closed THEN reported_at + hours * interval '1 hour' END AS closed_at,
  closed AND in_time AS on_time, NOT closed AND NOT in_time AS overdue,
  returns, reopens, refusals_upheld FROM events"""
EVENTS_OUTPUT = [("district", "string"), ("street", "string"), ("department", "string"), ("matter", "string"),
                 ("channel", "string"), ("reported_at", "datetime"), ("first_dispatched_at", "datetime"),
                 ("closed_at", "datetime"), ("on_time", "boolean"), ("overdue", "boolean"), ("returns", "integer"),
                 ("reopens", "integer"), ("refusals_upheld", "integer")]
RAIN_OUTPUT = [("district", "string"), ("station", "string"), ("mm", "number"), ("observed_at", "datetime")]


def set_up(url: str, env: dict, events: int):
    """The tables, the platform's source, services, indicators and the published template; (app, session)."""
    migrate_and_load(url, env, TONGGUAN, EVENTS_SQL, events)

    os.environ.update({k: v for k, v in env.items() if k.startswith("TONGGUAN_")})
    from report_engine import demo, service as reports
    from runtime.events.demo import EFFICIENCY
    from runtime.indicators import service as indicators
    from runtime.services import service as services
    from runtime.sources import service as sources
    from tongguan import create_app
    from tongguan.accounts.service import ensure_roles
    from tongguan.permissions import Actor

    app = create_app()
    session = app.extensions["tongguan.sessionmaker"]()
    ensure_roles(session)
    system = Actor.system("bench")
    src = sources.source_create(session, system, {"code": "city_db", "name": "城运库", "kind": "sql", "url": url},
                                sources.Policy(allowed_hosts=["127.0.0.1", "localhost"]))
    session.flush()
    made = []
    for code, name, sql, output, time_field, dims, defs in (
        ("event_facts", "事件事实", EVENTS_VIEW, EVENTS_OUTPUT, "reported_at",
         ["district", "street", "department", "matter", "channel"], EFFICIENCY + [demo.CLOSED]),
        ("rainfall_hourly", "逐小时雨量", "SELECT district, station, mm, observed_at FROM rainfall", RAIN_OUTPUT,
         "observed_at", ["district", "station"],
         [("rain_24h", "24 小时累计雨量", "mm", "sum(mm)", ""), ("rain_peak_hour", "最大小时雨量", "mm", "max(mm)", "")]),
    ):
        svc = services.service_create(session, system, {"code": code, "name": name, "source_id": src.id, "kind": "sql",
                                                        "definition": {"sql": sql},
                                                        "output": [{"name": n, "type": t} for n, t in output]})
        session.flush()
        services.service_set_state(session, system, svc.id, "online")
        for ind_code, ind_name, unit, formula, text in defs:
            made.append(indicators.indicator_create(session, system, {
                "code": ind_code, "name": ind_name, "unit": unit, "formula": formula, "definition_text": text,
                "service_id": svc.id, "time_field": time_field, "dimensions": dims, "default_window": "24h"}))
    session.flush()
    for ind in made:
        indicators.indicator_set_state(session, system, ind.id, "published")
    template = reports.report_template_create(session, system, demo.template())
    session.commit()
    return app, session, system, template


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="reports rendered, one per day back from yesterday (median)")
    args = ap.parse_args()

    url = fresh_database(PG_URL)
    env = {**os.environ, "TONGGUAN_DATABASE_URL": url, "TONGGUAN_LOG_LEVEL": "WARNING",
           "TONGGUAN_SECRET_KEY": "bench-daily-report-secret",
           "TONGGUAN_INSTANCE_PATH": tempfile.mkdtemp(prefix="tg-daily-")}
    app, session, system, template = set_up(url, env, args.events)

    from report_engine import drawing, render

    drawing.warm()  # the chart workers' one-off start (~1 s), paid once per process, not per report
    render.to_pdf("<html><body><p>预热</p></body></html>")  # WeasyPrint's and fontconfig's first load, likewise
    today = dt.datetime.now(CITY).date()
    # a first report, of another day, pays what a long-lived worker pays once: compiled statements,
    # the chart workers' first charts, the fonts' first use
    render.render_report(session, system, template, render.period_of(template.type, today - dt.timedelta(days=9)),
                         tz=CITY)
    runs, only, stages = [], [], {"data": [], "html": [], "pdf": []}
    for back in range(1, max(1, args.repeat) + 1):  # a different day each time: nothing is cached from before
        period = render.period_of(template.type, today - dt.timedelta(days=back))
        marks = {}
        started = time.perf_counter()
        out = render.render_report(session, system, template, period, tz=CITY,
                                   progress=lambda percent, stage: marks.setdefault(percent, time.perf_counter()))
        ended = time.perf_counter()
        runs.append(ended - started)
        stages["data"].append(marks[40] - marks[10])
        stages["html"].append(marks[70] - marks[40])
        stages["pdf"].append(ended - marks[70])
        started = time.perf_counter()
        render.to_pdf(out.html)
        only.append(time.perf_counter() - started)
        if back == 1:
            first = out
    report_s, weasy = statistics.median(runs), statistics.median(only)
    day, out = today - dt.timedelta(days=1), first
    session.close()
    app.extensions["tongguan.engine"].dispose()

    figures = {"report_s": round(report_s, 3), "weasyprint_only_s": round(weasy, 3),
               "overhead": round(report_s / weasy, 2),
               **{f"{k}_s": round(statistics.median(v), 3) for k, v in stages.items()}, "runs": len(runs),
               "pages": out.pages, "charts": out.charts, "tables": out.tables, "svg_in_html": out.html.count("<svg"), "html_kb": len(out.html) // 1024,
               "events": args.events, "report_date": day.isoformat(), "variables": len(template.variables)}
    print()
    print(f"{'figure':<52}{'measured':>10}   target")
    print(f"{'daily report, whole render (data + HTML + PDF)':<52}{figures['report_s']:>8} s   ≤ 3 s")
    print(f"{'WeasyPrint alone on the same HTML':<52}{figures['weasyprint_only_s']:>8} s")
    print(f"{'overhead (whole / WeasyPrint alone)':<52}{figures['overhead']:>8} ×   ≤ 1.5 ×")
    print(f"{'  of which: data / HTML and charts / PDF':<52}{figures['data_s']:>8} / {figures['html_s']} / "
          f"{figures['pdf_s']} s")
    print(f"{'pages / charts / tables':<52}{out.pages:>4} / {out.charts} / {out.tables}   ≥ 8 / 6 / 3")
    print(json.dumps(figures, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
