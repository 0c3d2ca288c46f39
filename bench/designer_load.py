"""The app designer opening a big screen of 200 cards (target: ready to drag in ≤ 1.5 s).

    python bench/designer_load.py                 # 200 cards, 5 runs
    python bench/designer_load.py --cards 50 --runs 3

Builds a temporary SQLite database, creates an author and a big-screen app whose one page holds
the cards (charts bound to an indicator, metric cards, titles, tables: the designer's usual mix)
through the service layer, serves the platform on 127.0.0.1 (werkzeug, threaded, in this process)
and opens the designer in headless Chromium (tests/browser_support.py's CHROMIUM). Each run is a
fresh browser context (empty HTTP cache, logged in by cookie) and measures from navigation start
to the moment the designer sets `data-ready` on its root (palette and canvas take input), read
inside the page with performance.now(). The last line is one JSON object with the median and the runs.
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from builder import pages, service as apps  # noqa: E402
from catalog.resources.service import ensure_roots  # noqa: E402
from tests.browser_support import ARGS, CHROMIUM  # noqa: E402
from tongguan import create_app  # noqa: E402
from tongguan.accounts import service as accounts  # noqa: E402
from tongguan.accounts.service import ensure_roles  # noqa: E402
from tongguan.db import make_engine, upgrade  # noqa: E402
from tongguan.permissions import Actor  # noqa: E402

PASSWORD = "bench-designer-2026"
TARGET_MS = 1500
# (type, binding) in turn: most cards of a screen are charts and metrics bound to indicators
MIX = [("chart.bar@1", {"indicator": "events", "by": "district"}), ("metric.card@1", {"indicator": "events"}),
       ("chart.line@1", {"indicator": "events", "by": "day"}), ("text.title@1", None),
       ("table.basic@1", {"service": "city_events", "limit": 20}), ("chart.pie@1", {"indicator": "events", "by": "district"})]
INIT = """
new MutationObserver((_, observer) => {
  if (document.querySelector('[data-ready=true]')) { window.__tgReady = performance.now(); observer.disconnect() }
}).observe(document, {subtree: true, attributes: true, childList: true, attributeFilter: ['data-ready']})
"""


def screen(n: int) -> dict:
    """n cards tiled over a 1920×1080 canvas, 20 to a row."""
    per_row = 20
    rows = -(-n // per_row)
    w, h = 1920 // per_row, 1080 // rows
    cards = []
    for i in range(n):
        kind, binding = MIX[i % len(MIX)]
        card = {"id": f"c{i + 1}", "type": kind, "title": f"卡片 {i + 1}", "x": (i % per_row) * w,
                "y": (i // per_row) * h, "w": w - 4, "h": h - 4}
        if binding:
            card["binding"] = binding
        if kind.startswith("text."):
            card["props"] = {"text": f"标题 {i + 1}"}
        cards.append(card)
    return {"layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark", "params": [], "cards": cards}


def setup(folder: Path, n: int):
    url = f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-designer", "STORAGE_PATH": str(folder / "storage"),
                      "LOG_LEVEL": "WARNING"})
    session = app.extensions["tongguan.sessionmaker"]()
    system = Actor.system("bench")
    ensure_roles(session)
    ensure_roots(session)
    city = accounts.department_create(session, system, {"code": "city", "name": "临江市城运中心", "level": "city",
                                                        "kind": "ops_center"})
    session.flush()
    accounts.user_create(session, system, {"username": "author", "display_name": "author", "department_id": city.id,
                                           "roles": ["author"], "password": PASSWORD})
    made = apps.app_create(session, system, {"code": "big_screen", "name": "200 张卡片的大屏", "kind": "screen"})
    pages.app_page_create(session, system, made.id, {"code": "main", "name": "首页", "document": screen(n)})
    session.commit()
    app_id = made.id
    session.close()
    return app, app_id


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cards", type=int, default=200)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        app, app_id = setup(Path(tmp), args.cards)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the output
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        runs, palette, on_canvas = [], 0, 0
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                login = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN")
                tab = login.new_page()
                tab.goto(f"{base}/login")
                tab.fill("input[name=username]", "author")
                tab.fill("input[name=password]", PASSWORD)
                tab.click("button[type=submit].tg-btn-primary")
                tab.wait_for_url(f"{base}/")
                state = login.storage_state()
                login.close()
                for _ in range(args.runs):
                    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN",
                                                  storage_state=state)
                    context.add_init_script(INIT)
                    tab = context.new_page()
                    tab.goto(f"{base}/builder/apps/{app_id}", wait_until="commit")
                    tab.wait_for_selector(".tg-designer[data-ready=true]", timeout=30000)
                    runs.append(round(tab.evaluate("window.__tgReady"), 1))
                    palette = tab.locator(".tg-designer-palette-item").count()
                    on_canvas = tab.locator(".tg-designer-stage .tg-designer-card").count()
                    context.close()
                browser.close()
        finally:
            server.shutdown()

    median = round(statistics.median(runs), 1)
    print(f"designer ready with {args.cards} cards: median {median} ms over {len(runs)} runs {runs} "
          f"(target ≤ {TARGET_MS} ms); palette items {palette}, cards on the canvas {on_canvas}")
    print(json.dumps({"designer_ready_ms": median, "runs_ms": runs, "runs": len(runs), "cards": args.cards,
                      "cards_on_canvas": on_canvas, "palette_items": palette, "target_ms": TARGET_MS,
                      "met": median <= TARGET_MS, "database": "sqlite", "server": "werkzeug threaded",
                      "cache": "cold (fresh browser context per run)"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
