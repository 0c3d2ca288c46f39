"""Intake figures (issue 6): events per second through the HTTP API and the batch endpoint, on
PostgreSQL, with automatic dispatch, and nothing lost or duplicated when clients retry.

    python bench/intake.py                          # the issue's figures
    python bench/intake.py --http 2000 --batch 10000  # a quick look

A fresh PostgreSQL database is migrated and seeded with the demo (departments, the matter
catalog and its responsibility list); the platform runs under gunicorn (`tongguan serve`) on
127.0.0.1; several client threads post events with keep-alive connections. One request in
twenty is "timed out" by its client (sent, then the connection dropped before the answer is
read) and sent again with the same external id, as a real client retrying would. Afterwards the
database must hold exactly one event per external id.

The last line is one JSON object: intake_http_eps, intake_batch_eps, lost, duplicated, ...
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from fresh_pg import fresh_database

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tongguan_bench_intake")
TONGGUAN = str(ROOT / ".venv" / "bin" / "tongguan")
MATTERS = ["010101", "010106", "010107", "010109", "020101", "060201"]  # items of the demo catalog


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    proc = subprocess.Popen([TONGGUAN, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
                             str(workers)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own process group: stopped whole, workers too
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start: " + proc.stderr.read().decode()[-2000:])


def event_body(source: str, n: int, rng: random.Random, areas: list[int]) -> dict:
    return {"title": f"压测事件 {n}", "channel": rng.choice(["hotline", "app", "iot", "grid"]),
            "matter_code": rng.choice(MATTERS), "area_department_id": rng.choice(areas),
            "latitude": 31.2 + rng.random() / 10, "longitude": 121.4 + rng.random() / 10,
            "source": source, "external_id": f"{source}-{n}"}


class Client(threading.Thread):
    """Posts its share of requests over one keep-alive connection, dropping one in twenty
    before reading the answer and sending it again (a client-side timeout and retry)."""

    def __init__(self, port: int, token: str, path: str, bodies: list, seed: int):
        super().__init__(daemon=True)
        self.port, self.path, self.bodies = port, path, bodies
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.rng = random.Random(seed)
        self.ok = self.retried = self.errors = 0

    def _connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def run(self) -> None:
        conn = self._connect()
        for body in self.bodies:
            payload = json.dumps(body, ensure_ascii=False).encode()
            if self.rng.random() < 0.05:  # the client gives up before the answer, then retries
                conn.request("POST", self.path, payload, self.headers)
                conn.close()
                conn = self._connect()
                self.retried += 1
            for attempt in range(5):
                try:
                    conn.request("POST", self.path, payload, self.headers)
                    resp = conn.getresponse()
                    resp.read()
                    if resp.status in (200, 201):
                        self.ok += 1
                        break
                    self.errors += 1
                    time.sleep(0.05 * (attempt + 1))
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = self._connect()
                    self.retried += 1
        conn.close()


def run_clients(port, token, path, bodies, clients) -> tuple[float, dict]:
    shares = [bodies[i::clients] for i in range(clients)]
    threads = [Client(port, token, path, share, seed=i) for i, share in enumerate(shares)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return elapsed, {"ok": sum(t.ok for t in threads), "retried": sum(t.retried for t in threads),
                     "errors": sum(t.errors for t in threads)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--http", type=int, default=10_000, help="events posted one per request")
    ap.add_argument("--batch", type=int, default=60_000, help="events posted through the batch endpoint")
    ap.add_argument("--batch-size", type=int, default=1000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--batch-clients", type=int, default=4, help="clients posting batches at once")
    ap.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = ap.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a timeout's TERM still stops the server
    url = fresh_database(PG_URL)
    env = {**os.environ, "TONGGUAN_DATABASE_URL": url, "TONGGUAN_LOG_LEVEL": "WARNING",
           "TONGGUAN_INSTANCE_PATH": tempfile.mkdtemp(prefix="tg-intake-")}
    for cmd in (["db", "upgrade"], ["demo", "seed"]):
        subprocess.run([TONGGUAN, *cmd], env=env, check=True, stdout=subprocess.DEVNULL)
    token = subprocess.run([TONGGUAN, "token", "create", "dispatch", "--name", "bench"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        areas = list(conn.scalars(sa.text("SELECT id FROM department WHERE level IN ('grid', 'street')")))
        before = conn.scalar(sa.text("SELECT count(*) FROM event"))
    port = free_port()
    server = start_server(env, port, args.workers)
    rng = random.Random(2026)
    try:
        bodies = [event_body("bench-http", n, rng, areas) for n in range(args.http)]
        http_s, http_counts = run_clients(port, token, "/api/v1/events", bodies, args.clients)
        singles = [event_body("bench-batch", n, rng, areas) for n in range(args.batch)]
        batches = [{"items": singles[i:i + args.batch_size]} for i in range(0, len(singles), args.batch_size)]
        batch_s, batch_counts = run_clients(port, token, "/api/v1/events/batch", batches,
                                            max(1, min(args.batch_clients, len(batches))))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.text(
            "SELECT external_source, count(*) FROM event WHERE external_source LIKE 'bench-%' GROUP BY 1")).all())
        distinct = dict(conn.execute(sa.text(
            "SELECT external_source, count(DISTINCT external_id) FROM event WHERE external_source LIKE 'bench-%' "
            "GROUP BY 1")).all())
        dispatched = conn.scalar(sa.text(
            "SELECT count(*) FROM event WHERE external_source LIKE 'bench-%' AND status = 'dispatched'"))
        total = conn.scalar(sa.text("SELECT count(*) FROM event")) - before
    engine.dispose()
    wanted = {"bench-http": args.http, "bench-batch": args.batch}
    lost = sum(max(0, n - distinct.get(src, 0)) for src, n in wanted.items())
    duplicated = sum(rows.get(src, 0) - distinct.get(src, 0) for src in wanted)
    figures = {
        "intake_http_eps": round(args.http / http_s, 1), "intake_batch_eps": round(args.batch / batch_s, 1),
        "lost": lost, "duplicated": duplicated, "events_http": args.http, "events_batch": args.batch,
        "clients": args.clients, "gunicorn_workers": args.workers, "http_seconds": round(http_s, 2),
        "batch_seconds": round(batch_s, 2), "client_retries": http_counts["retried"] + batch_counts["retried"],
        "answered_non_2xx": http_counts["errors"] + batch_counts["errors"],
        "dispatched_automatically": dispatched, "events_in_database": total,
    }
    print()
    print(f"{'figure':<58}{'measured':>12}   target")
    print(f"{'intake through the HTTP API, one request per event':<58}{figures['intake_http_eps']:>10} /s   ≥ 500 /s")
    print(f"{'intake through the batch endpoint':<58}{figures['intake_batch_eps']:>10} /s   ≥ 3,000 /s")
    print(f"{'lost after client retries':<58}{lost:>12}   0")
    print(f"{'duplicated after client retries':<58}{duplicated:>12}   0")
    print(f"  ({figures['client_retries']} client retries; {dispatched:,} of {total:,} events dispatched automatically)")
    print(json.dumps(figures, ensure_ascii=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
