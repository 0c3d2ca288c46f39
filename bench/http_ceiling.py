"""The ceiling under bench/intake.py's HTTP figure on this machine: the same clients, gunicorn
layout and request bodies against an app that does no work (Flask parsing the JSON body and
answering 201), and against a bare WSGI callable. Whatever the platform does per event comes on
top of this, on the same cores, beside PostgreSQL.

    python bench/http_ceiling.py            # 10,000 requests each

The last line is one JSON object: flask_empty_rps, wsgi_empty_rps, cores.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from intake import event_body, free_port, run_clients  # noqa: E402

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def flask_app():
    from flask import Flask, request
    app = Flask(__name__)

    @app.post("/api/v1/events")
    def post():
        return {"id": 1, "title": request.get_json()["title"]}, 201
    return app


def wsgi_app(environ, start_response):
    data = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
    out = json.dumps({"id": 1, "title": data["title"]}).encode()
    start_response("201 Created", [("Content-Type", "application/json"), ("Content-Length", str(len(out)))])
    return [out]


def measure(target: str, bodies: list, workers: int, threads: int, clients: int) -> float:
    port = free_port()
    proc = subprocess.Popen([GUNICORN, "-w", str(workers), "--threads", str(threads), "-k", "gthread",
                             "-b", f"127.0.0.1:{port}", "--chdir", str(Path(__file__).resolve().parent), target],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        time.sleep(2)
        seconds, counts = run_clients(port, "none", "/api/v1/events", bodies, clients)
        assert counts["ok"] == len(bodies), counts
        return round(len(bodies) / seconds, 1)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=10_000)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--threads", type=int, default=4)
    args = ap.parse_args()
    rng = random.Random(2026)
    bodies = [event_body("ceiling", n, rng, [1]) for n in range(args.requests)]
    figures = {"flask_empty_rps": measure("http_ceiling:flask_app()", bodies, args.workers, args.threads, args.clients),
               "wsgi_empty_rps": measure("http_ceiling:wsgi_app", bodies, args.workers, args.threads, args.clients),
               "cores": os.cpu_count(), "requests": args.requests, "clients": args.clients}
    print(f"{'an empty Flask view (parses the body, answers 201)':<58}{figures['flask_empty_rps']:>10} /s")
    print(f"{'a bare WSGI callable':<58}{figures['wsgi_empty_rps']:>10} /s")
    print(f"  (the same clients and gunicorn layout as bench/intake.py, {figures['cores']} cores)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
