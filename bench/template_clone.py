"""Clone a scenario template with its sample data and open its big screen, end to end over the API,
on PostgreSQL.

Each round, on a fresh database of the platform's schema with the demo organisation:
POST /api/v1/templates/<code>/use and poll GET /api/v1/template-uses/<id> until the background job
is done (the sample data generated and loaded, every source, service, indicator, rule, flow,
report and page created), POST /api/v1/apps/<id>/releases (publish), then
GET /api/v1/run/<app>/main and POST its /data (every card computed, nothing cached yet), as the
viewer does when the screen opens. The rounds use different codes (each clone is new) and the
median is reported; the sample generator alone is timed beside it.

The last line is one JSON object: clone_and_open_s, use_s, publish_s, open_s, generate_s, events, ...
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fresh_pg import drop_database, fresh_database  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tongguan_bench_templates")
TONGGUAN = str(ROOT / ".venv" / "bin" / "tongguan")
TARGET_S = 10.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--template", default="flood")
    ap.add_argument("--events", type=int, default=100_000, help="sample rows of the event-like source")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = ap.parse_args()

    url = fresh_database(PG_URL)
    env = {**os.environ, "TONGGUAN_DATABASE_URL": url}
    subprocess.run([TONGGUAN, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)

    from templates_lib import package
    from tongguan import create_app, demo
    from tongguan.accounts import service as accounts
    from tongguan.permissions import Actor

    storage = tempfile.mkdtemp(prefix="tg-bench-templates-")
    app = create_app({"DATABASE_URL": url, "STORAGE_PATH": storage, "LOG_LEVEL": "WARNING"})
    session = app.extensions["tongguan.sessionmaker"]()
    system = Actor.system("bench")
    demo.seed_org(session, system)
    author = accounts.user_create(session, system, {"username": "bench_author", "display_name": "场景运营",
                                                    "roles": ["author", "data_operator"], "password": "bench-2026",
                                                    "department_id": None})
    session.flush()
    _, secret = accounts.token_create(session, system, {"name": "bench"}, user_id=author.id)
    session.commit()
    session.close()
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()

    pkg = package.get(args.template)
    started = time.perf_counter()
    pkg.generator.generate(size=args.events, seed=1, now=dt.datetime.now(dt.timezone.utc))
    generate_s = time.perf_counter() - started

    rounds = []
    print(f"{args.template}: {args.events:,} sample events, {args.repeat} clones", flush=True)
    for n in range(args.repeat):
        code = f"bench_{args.template}_{n}"
        t0 = time.perf_counter()
        made = client.post(f"/api/v1/templates/{args.template}/use", headers=headers,
                           json={"code": code, "size": args.events, "seed": n + 1})
        assert made.status_code == 202, made.get_json()
        use = made.get_json()
        while use["state"] not in ("succeeded", "failed"):  # the clone runs as a background job
            time.sleep(0.05)
            use = client.get(f"/api/v1/template-uses/{use['id']}", headers=headers).get_json()
        assert use["state"] == "succeeded", use["message"]
        t1 = time.perf_counter()
        app_id = use["app"]["id"]
        published = client.post(f"/api/v1/apps/{app_id}/releases", headers=headers, json={"note": "bench"})
        assert published.status_code == 201, published.get_json()
        t2 = time.perf_counter()
        page = client.get(f"/api/v1/run/{code}/main", headers=headers)
        assert page.status_code == 200, page.get_json()
        data = client.post(f"/api/v1/run/{code}/main/data", headers=headers, json={})
        assert data.status_code == 200, data.get_json()
        failed = [cid for cid, card in data.get_json()["cards"].items() if not card["ok"]]
        assert not failed, failed
        t3 = time.perf_counter()
        rounds.append({"use_s": t1 - t0, "publish_s": t2 - t1, "open_s": t3 - t2, "total_s": t3 - t0})
        print(f"  clone {n + 1}: use {t1 - t0:.2f} s, publish {t2 - t1:.2f} s, open {t3 - t2:.2f} s, "
              f"total {t3 - t0:.2f} s", flush=True)

    med = {k: round(statistics.median(r[k] for r in rounds), 3) for k in rounds[0]}
    print(f"\n{'figure':<22}{'measured':>12}{'target':>12}")
    print(f"{'clone_and_open_s':<22}{med['total_s']:>12.2f}{'≤ ' + str(TARGET_S):>12}")
    print(f"{'  of which use_s':<22}{med['use_s']:>12.2f}")
    print(f"{'  of which publish_s':<22}{med['publish_s']:>12.2f}")
    print(f"{'  of which open_s':<22}{med['open_s']:>12.2f}")
    print(f"{'generate_s (alone)':<22}{generate_s:>12.2f}")
    app.extensions["tongguan.engine"].dispose()
    if not args.keep:
        drop_database(url)
    print(json.dumps({"template": args.template, "events": args.events, "clone_and_open_s": med["total_s"],
                      "use_s": med["use_s"], "publish_s": med["publish_s"], "open_s": med["open_s"],
                      "generate_s": round(generate_s, 3), "target_s": TARGET_S, "rounds": len(rounds)},
                     ensure_ascii=False))


if __name__ == "__main__":
    main()
