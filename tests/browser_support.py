"""Shared pieces of the browser tests: Debian's Chromium, a live server, helpers.

The fixtures themselves (`browser`, `live_server`, `page`) live in conftest.py so that
one Playwright instance serves every browser test module."""
import pathlib

from tests.conftest import PASSWORD

ARTIFACTS = pathlib.Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def shot(page, request, name):
    ARTIFACTS.mkdir(exist_ok=True)
    engine = request.node.callspec.params.get("database", "x") if hasattr(request.node, "callspec") else "x"
    page.screenshot(path=str(ARTIFACTS / f"{name}-{engine}.png"), full_page=True)


def log_in(page, base, username, password=PASSWORD):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    # A request the previous page left in flight can answer after the test cleared the cookies and
    # set a session cookie of its own, which the login form's CSRF token does not match: try again.
    for attempt in range(2):
        page.goto(f"{base}/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit].tg-btn-primary")
        try:
            page.wait_for_url(f"{base}/", timeout=15000 if attempt == 0 else 30000)
            return
        except PlaywrightTimeout:
            if attempt:
                raise
