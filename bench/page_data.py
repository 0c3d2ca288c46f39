"""Page data figures (issue 7): a 20-card big screen on 1,000,000 events, on PostgreSQL.

    python bench/page_data.py                               # the issue's size
    python bench/page_data.py --events 100000 --seconds 10  # a quick look

A fresh PostgreSQL database holds the platform (migrated) and, beside it, an `events` table of
city events over the last 90 days (generated in SQL, seeded, indexed on the report time). It is
registered as a SQL data source with a data service over it and eight indicators by district,
street, matter, status and day; a published big screen binds 20 cards to them (numbers, bars,
lines, a pie, a gauge, rankings and a table of the latest events).

Figures, through `tongguan serve` (gunicorn) on 127.0.0.1:
- cold: the page's first request on a freshly started server (nothing of it cached), after one
  request to another small page has loaded the process (imports, pools, compiled statements);
- warm: 50 viewers, each asking for the whole page once a second (a big screen refreshes its
  cards every 10 s or more: this is ten times that), for `--seconds`; p50/p95/p99 and errors;
- beside it, the same 20 cards fetched one by one (20 requests), summed, warm;
- saturation: the same 50 viewers with no pause, pages per second (how far the machine goes).

The last line is one JSON object: page_p95_ms_warm, page_ms_cold, page_errors, cards_one_by_one_ms, ...
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fresh_pg import fresh_database, migrate_and_load  # noqa: E402

from bench.intake import free_port, start_server  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tongguan_bench_pages")
TONGGUAN = str(ROOT / ".venv" / "bin" / "tongguan")
SECRET = "bench-page-data-secret"

EVENTS_SQL = """
CREATE TABLE events AS
SELECT g AS id,
       (ARRAY['江东区','江西区','滨湖新区','临江开发区','北塘区','南浦区','高新区','西山区'])[1 + (g * 7) % 8] AS district,
       '街道' || lpad(((g * 13) % 64)::text, 2, '0') AS street,
       '03' || lpad((1 + (g * 17) % 40)::text, 4, '0') AS matter,
       (ARRAY['办结','办结','办结','办结','办结','办结','办结','处置中','已派遣','退回'])[1 + (g * 11) % 10] AS status,
       ((now() AT TIME ZONE 'UTC') - ((g * 7919) % (90 * 24 * 60)) * interval '1 minute') AS reported_at,
       ((g * 31) % 100) < 88 AS on_time
FROM generate_series(1::bigint, :n) AS g;
CREATE INDEX ix_events_reported ON events (reported_at);
ANALYZE events;
"""
SERVICE_SQL = ("SELECT district, street, matter, status, reported_at, to_char(reported_at, 'YYYY-MM-DD') AS day, "
               "CASE WHEN on_time THEN 1 ELSE 0 END AS on_time FROM events")
OUTPUT = [("district", "string"), ("street", "string"), ("matter", "string"), ("status", "string"),
          ("reported_at", "datetime"), ("day", "string"), ("on_time", "integer")]
INDICATORS = [  # code, name, formula, default window
    ("reported", "受理量", "count()", "24h"),
    ("closed", "办结量", "count(where status = '办结')", "24h"),
    ("on_time", "按时办结量", "count(where status = '办结' and on_time = 1)", "24h"),
    ("open", "在办量", "count(where status != '办结')", "24h"),
    ("returned", "退回量", "count(where status = '退回')", "7d"),
]
DERIVED = [("close_rate", "办结率", "round(100 * closed / reported, 1)"),
           ("on_time_rate", "按时办结率", "round(100 * on_time / closed, 1)")]
LATEST_SQL = ("SELECT district, street, matter, status, to_char(reported_at, 'MM-DD HH24:MI') AS reported "
              "FROM events ORDER BY reported_at DESC LIMIT 20")


def card(n: int, type_: str, x: int, y: int, w: int, h: int, title: str, binding: dict, **props) -> dict:
    return {"id": f"c{n:02d}", "type": type_, "x": x, "y": y, "w": w, "h": h, "props": {"title": title, **props},
            "binding": binding}


def big_screen() -> dict:
    """20 bound cards on a 1920x1080 canvas, as an operations center would lay them out."""
    cards = [
        card(1, "metric.card@1", 0, 0, 300, 160, "今日受理", {"indicator": "reported", "window": "24h"}),
        card(2, "metric.card@1", 320, 0, 300, 160, "今日办结", {"indicator": "closed", "window": "24h"}),
        card(3, "metric.card@1", 640, 0, 300, 160, "办结率", {"indicator": "close_rate", "window": "24h"}),
        card(4, "metric.card@1", 960, 0, 300, 160, "按时办结率", {"indicator": "on_time_rate", "window": "7d"}),
        card(5, "metric.card@1", 1280, 0, 300, 160, "在办", {"indicator": "open", "window": "7d"}),
        card(6, "metric.card@1", 1600, 0, 300, 160, "七日退回", {"indicator": "returned", "window": "7d"}),
        card(7, "chart.bar@1", 0, 180, 620, 280, "各区受理（24小时）", {"indicator": "reported", "by": "district",
                                                                "window": "24h"}),
        card(8, "chart.bar@1", 640, 180, 620, 280, "各区受理与办结（7天）",
             {"indicator": ["reported", "closed"], "by": "district", "window": "7d"}),
        card(9, "chart.line@1", 1280, 180, 620, 280, "每日受理（30天）", {"indicator": "reported", "by": "day",
                                                                 "window": "30d"}),
        card(10, "chart.area@1", 0, 480, 620, 280, "每日办结（30天）", {"indicator": "closed", "by": "day",
                                                                 "window": "30d"}),
        card(11, "chart.pie@1", 640, 480, 300, 280, "状态分布（7天）", {"indicator": "reported", "by": "status",
                                                                "window": "7d"}),
        card(12, "chart.gauge@1", 960, 480, 300, 280, "按时办结率（30天）", {"indicator": "on_time_rate",
                                                                   "window": "30d"}),
        card(13, "list.ranking@1", 1280, 480, 300, 280, "街道排行（7天）", {"indicator": "reported", "by": "street",
                                                                   "window": "7d", "limit": 10}),
        card(14, "list.ranking@1", 1600, 480, 300, 280, "高发事项（30天）", {"indicator": "reported", "by": "matter",
                                                                    "window": "30d", "limit": 10}),
        card(15, "chart.bar@1", 0, 780, 380, 280, "各区办结率（7天）", {"expr": "round(100 * closed / reported, 1)",
                                                                "by": "district", "window": "7d"}),
        card(16, "chart.bar@1", 400, 780, 380, 280, "各区在办（24小时）", {"indicator": "open", "by": "district",
                                                                   "window": "24h"}),
        card(17, "chart.line@1", 800, 780, 380, 280, "每日退回（30天）", {"indicator": "returned", "by": "day",
                                                                 "window": "30d"}),
        card(18, "chart.pie@1", 1200, 780, 300, 280, "各区占比（30天）", {"indicator": "reported", "by": "district",
                                                                  "window": "30d"}),
        card(19, "table.basic@1", 1520, 780, 380, 280, "最新事件", {"service": "latest_events", "limit": 20}),
        card(20, "metric.card@1", 1280, 1000 - 20, 300, 80, "三十日受理", {"indicator": "reported", "window": "30d"}),
    ]
    return {"layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark", "params": [],
            "cards": cards}


def set_up(url: str, env: dict, events: int) -> str:
    """Events, the platform's data source, service, indicators and the published screen; a token."""
    migrate_and_load(url, env, TONGGUAN, EVENTS_SQL, events)

    os.environ.update({k: v for k, v in env.items() if k.startswith("TONGGUAN_")})
    from builder import pages
    from builder import service as apps
    from runtime.indicators import service as indicators
    from runtime.services import service as services
    from runtime.sources import service as sources
    from tongguan import create_app
    from tongguan.accounts import service as accounts
    from tongguan.accounts.service import ensure_roles
    from tongguan.permissions import Actor

    app = create_app()
    session = app.extensions["tongguan.sessionmaker"]()
    ensure_roles(session)
    system = Actor.system("bench")
    city = accounts.department_create(session, system, {"code": "city", "name": "临江市城运中心", "level": "city"})
    session.flush()
    leader = accounts.user_create(session, system, {"username": "leader", "display_name": "值班领导",
                                                    "department_id": city.id, "roles": ["leader"],
                                                    "password": "bench-password-2026"})
    src = sources.source_create(session, system, {"code": "events_db", "name": "事件库", "kind": "sql", "url": url},
                                sources.Policy(allowed_hosts=["127.0.0.1", "localhost"]))
    session.flush()
    svc = services.service_create(session, system, {
        "code": "city_events", "name": "城市事件", "source_id": src.id, "kind": "sql",
        "definition": {"sql": SERVICE_SQL}, "output": [{"name": n, "type": t} for n, t in OUTPUT]})
    latest = services.service_create(session, system, {
        "code": "latest_events", "name": "最新事件", "source_id": src.id, "kind": "sql",
        "definition": {"sql": LATEST_SQL}})
    session.flush()
    for s in (svc, latest):
        services.service_set_state(session, system, s.id, "online")
    made = []
    for code, name, formula, window in INDICATORS:
        made.append(indicators.indicator_create(session, system, {
            "code": code, "name": name, "unit": "件", "service_id": svc.id, "formula": formula,
            "time_field": "reported_at", "dimensions": ["district", "street", "matter", "status", "day"],
            "default_window": window, "grain": "day", "update_cycle": "realtime"}))
    session.flush()
    for code, name, formula in DERIVED:
        made.append(indicators.indicator_create(session, system, {
            "code": code, "name": name, "unit": "%", "kind": "derived", "formula": formula, "default_window": "24h",
            "grain": "day", "update_cycle": "realtime"}))
        session.flush()
    for ind in made:
        indicators.indicator_set_state(session, system, ind.id, "published")
    screen = apps.app_create(session, system, {"code": "ops_screen", "name": "城运总览大屏", "kind": "screen"})
    session.flush()
    services.service_grant_app(session, system, latest.id, screen.id)
    pages.app_page_create(session, system, screen.id, {"code": "main", "name": "总览", "document": big_screen()})
    pages.app_release_create(session, system, screen.id)
    # another page, for warming a fresh server's process (imports, pools, compiled statements) without
    # touching the caches of the screen measured
    other = apps.app_create(session, system, {"code": "warm_up", "name": "预热", "kind": "page"})
    session.flush()
    pages.app_page_create(session, system, other.id, {"code": "main", "name": "预热", "document": {
        "layout": "grid", "theme": "light", "params": [], "cards": [
            card(1, "chart.bar@1", 0, 0, 12, 8, "近一小时退回", {"indicator": "returned", "by": "status", "window": "1h"}),
            card(2, "metric.card@1", 12, 0, 6, 4, "近一小时办结率", {"indicator": "close_rate", "window": "1h"})]}})
    pages.app_release_create(session, system, other.id)
    _, secret = accounts.token_create(session, system, {"name": "bench"}, user_id=leader.id)
    session.commit()
    session.close()
    app.extensions["tongguan.engine"].dispose()
    return secret


class Viewer(threading.Thread):
    """One person watching the screen: the whole page every `period` seconds (0: as fast as answered)."""

    def __init__(self, port: int, token: str, until: float, period: float, offset: float):
        super().__init__(daemon=True)
        self.port, self.until, self.period, self.offset = port, until, period, offset
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.samples: list[float] = []
        self.errors = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        time.sleep(self.offset)  # viewers do not all arrive in the same millisecond
        while time.monotonic() < self.until:
            started = time.monotonic()
            try:
                status, body = post(conn, "/api/v1/run/ops_screen/main/data", {}, self.headers)
                if status != 200 or not all(c["ok"] for c in json.loads(body)["cards"].values()):
                    self.errors += 1
            except (OSError, http.client.HTTPException):
                self.errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.samples.append((time.monotonic() - started) * 1000)
            rest = self.period - (time.monotonic() - started)
            if rest > 0:
                time.sleep(rest)
        conn.close()


def post(conn, path: str, body: dict, headers: dict) -> tuple[int, bytes]:
    conn.request("POST", path, json.dumps(body).encode(), headers)
    resp = conn.getresponse()
    return resp.status, resp.read()


def viewers(port: int, token: str, n: int, seconds: float, period: float) -> tuple[list[float], int]:
    until = time.monotonic() + seconds
    threads = [Viewer(port, token, until, period, offset=(i / n) * max(period, 0.05)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [s for t in threads for s in t.samples], sum(t.errors for t in threads)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--viewers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30, help="length of the warm phase")
    ap.add_argument("--period", type=float, default=1.0, help="seconds between a viewer's page requests")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    ap.add_argument("--cold-runs", type=int, default=3)
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    url = fresh_database(PG_URL)
    env = {**os.environ, "TONGGUAN_DATABASE_URL": url, "TONGGUAN_LOG_LEVEL": "WARNING",
           "TONGGUAN_SECRET_KEY": SECRET, "TONGGUAN_HTTP_SOURCE_ALLOWED_HOSTS": "127.0.0.1",
           "TONGGUAN_INSTANCE_PATH": tempfile.mkdtemp(prefix="tg-pages-")}
    token = set_up(url, env, args.events)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = "/api/v1/run/ops_screen/main/data"

    cold, fresh = [], []
    for _ in range(args.cold_runs):  # a fresh server each time: nothing cached in the platform
        port = free_port()
        server = start_server(env, port, 1)
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            started = time.perf_counter()
            post(conn, "/api/v1/run/warm_up/main/data", {}, headers)  # the process's own first request
            fresh.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            status, body = post(conn, path, {}, headers)
            cold.append((time.perf_counter() - started) * 1000)
            cards = json.loads(body)["cards"]
            failed = [k for k, v in cards.items() if not v["ok"]]
            if status != 200 or failed or len(cards) != 20:
                raise SystemExit(f"the page did not resolve: {status} {failed} {body[:500]!r}")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    port = free_port()
    server = start_server(env, port, args.workers)
    try:
        viewers(port, token, args.viewers, 5, args.period)  # every worker warm (not measured)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        single = []
        one_by_one = []
        for _ in range(5):
            started = time.perf_counter()
            post(conn, path, {}, headers)
            single.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            for n in range(1, 21):
                status, _ = post(conn, path, {"cards": [f"c{n:02d}"]}, headers)
                assert status == 200
            one_by_one.append((time.perf_counter() - started) * 1000)
        samples, errors = viewers(port, token, args.viewers, args.seconds, args.period)
        saturated, saturated_errors = viewers(port, token, args.viewers, min(args.seconds, 10), 0)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    figures = {
        "page_p95_ms_warm": percentile(samples, 0.95), "page_p50_ms_warm": percentile(samples, 0.50),
        "page_p99_ms_warm": percentile(samples, 0.99), "page_ms_cold": round(statistics.median(cold), 1),
        "page_ms_cold_runs": [round(c, 1) for c in cold], "page_errors": errors + saturated_errors,
        "first_request_of_a_fresh_process_ms": [round(c, 1) for c in fresh],
        "page_requests_warm": len(samples), "page_ms_single_warm": round(statistics.median(single), 1),
        "cards_one_by_one_ms": round(statistics.median(one_by_one), 1),
        "saturated_pages_per_s": round(len(saturated) / min(args.seconds, 10), 1),
        "saturated_p95_ms": percentile(saturated, 0.95),
        "events": args.events, "cards": 20, "viewers": args.viewers, "viewer_period_s": args.period,
        "gunicorn_workers": args.workers, "seconds": args.seconds,
    }
    print()
    print(f"{'figure':<62}{'measured':>12}   target / baseline")
    print(f"{'page data, 20 cards, warm, p95 (50 viewers, a page/s each)':<62}{figures['page_p95_ms_warm']:>9} ms   ≤ 100 ms")
    print(f"{'page data, 20 cards, cold (nothing of it cached)':<62}{figures['page_ms_cold']:>9} ms   ≤ 1,000 ms")
    print(f"  (a fresh server's very first request, a 2-card page: {figures['first_request_of_a_fresh_process_ms']} ms)")
    print(f"{'errors':<62}{figures['page_errors']:>12}   0")
    print(f"{'one request for the page, warm, alone':<62}{figures['page_ms_single_warm']:>9} ms")
    print(f"{'baseline: the 20 cards fetched one by one, summed':<62}{figures['cards_one_by_one_ms']:>9} ms")
    print(f"{'saturation: 50 viewers without pause':<62}{figures['saturated_pages_per_s']:>7} pages/s"
          f"   (p95 {figures['saturated_p95_ms']} ms)")
    print(json.dumps(figures, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
