"""Shared fixtures. Every test that takes `app` runs twice: on SQLite and on PostgreSQL.

Each test gets a fresh database: a copy of a migrated SQLite template, or the
PostgreSQL test database truncated. Set TONGGUAN_TEST_POSTGRES_URL to choose the
server; with TONGGUAN_REQUIRE_SERVICES=1 an unreachable one fails the run
instead of skipping its half.
"""
from __future__ import annotations

import os
import re
import shutil
import socket

import pytest
from sqlalchemy import text

from catalog.resources.service import ensure_roots as ensure_catalog_roots
from tongguan import create_app
from tongguan.accounts.service import ensure_roles
from tongguan.db import import_models, make_engine, upgrade
from tongguan.permissions import Actor

PG_URL = os.environ.get("TONGGUAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE = os.environ.get("TONGGUAN_REQUIRE_SERVICES") == "1"
PASSWORD = "correct-horse-battery"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def postgres_available() -> bool:
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    return _reachable(url.host or "127.0.0.1", url.port or 5432)


def pytest_report_header(config):
    pg = "reachable" if postgres_available() else "NOT reachable: PostgreSQL tests are skipped"
    redis = "reachable" if _reachable("127.0.0.1", 6379) else "NOT reachable"
    return [f"tongguan: PostgreSQL at {PG_URL}: {pg}", f"tongguan: Redis at 127.0.0.1:6379: {redis}",
            f"tongguan: TONGGUAN_REQUIRE_SERVICES={'1' if REQUIRE else '0'}"]


def _browser_databases() -> set[str]:
    """Browser tests drive the UI, whose database work the API tests already run on both
    databases; they run on PostgreSQL (production) only, or on SQLite when no PostgreSQL
    answers. TONGGUAN_BROWSER_DATABASES=sqlite,postgresql runs them on both."""
    chosen = os.environ.get("TONGGUAN_BROWSER_DATABASES")
    if chosen:
        return {d.strip() for d in chosen.split(",") if d.strip()}
    return {"postgresql"} if (REQUIRE or postgres_available()) else {"sqlite"}


def pytest_collection_modifyitems(config, items):
    wanted = _browser_databases()
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        database = callspec.params.get("database") if callspec else None
        if item.get_closest_marker("browser") and database and database not in wanted:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def require_postgres():
    if postgres_available():
        return
    if REQUIRE:
        pytest.fail(f"PostgreSQL is required (TONGGUAN_REQUIRE_SERVICES=1) but {PG_URL} does not answer")
    pytest.skip(f"PostgreSQL at {PG_URL} does not answer")


def own_postgres_database(suffix: str) -> str:
    """A new, empty database beside TONGGUAN_TEST_POSTGRES_URL's, for this run only, so that
    concurrent runs (two developers, a CI job) never share tables."""
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = f"{base.database}_{suffix}_{os.getpid()}"
    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    admin = make_engine(PG_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database(request, tmp_path_factory):
    """A migrated database for the whole session: ("sqlite", template path) or ("postgresql", url)."""
    if request.param == "sqlite":
        template = tmp_path_factory.mktemp("db") / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        yield ("sqlite", template)
        return
    require_postgres()
    url = own_postgres_database("suite")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield ("postgresql", url)
    drop_postgres_database(url)


def _truncate_postgres(url: str) -> None:
    engine = make_engine(url)
    names = ", ".join(f'"{t.name}"' for t in import_models().sorted_tables)
    with engine.begin() as conn:
        # A browser test's last request may still hold a transaction in another thread.
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def app(database, tmp_path):
    kind, where = database
    if kind == "sqlite":
        shutil.copy(where, tmp_path / "tongguan.db")
        url = f"sqlite:///{tmp_path / 'tongguan.db'}"
    else:
        _truncate_postgres(where)
        url = where
    application = create_app({
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "STORAGE_PATH": str(tmp_path / "storage"),
        "LOG_LEVEL": "WARNING",
    })
    session = application.extensions["tongguan.sessionmaker"]()
    ensure_roles(session)
    ensure_catalog_roots(session)
    session.commit()
    session.close()
    yield application
    application.extensions["tongguan.engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    """A session of the test's own, outside any request (no app context is pushed:
    requests must each get their own `g`)."""
    s = app.extensions["tongguan.sessionmaker"]()
    yield s
    s.close()


@pytest.fixture
def system():
    return Actor.system("test")


@pytest.fixture
def org(session, system):
    """A small tree: city > district > street, plus a bureau."""
    from tongguan.accounts import service

    city = service.department_create(session, system, {"code": "city", "name": "临江市城运中心", "level": "city", "kind": "ops_center"})
    water = service.department_create(session, system, {"code": "water", "name": "市水务局", "level": "city", "kind": "bureau", "parent_id": city.id})
    district = service.department_create(session, system, {"code": "jd", "name": "江东区", "level": "district", "kind": "ops_center", "parent_id": city.id})
    street = service.department_create(session, system, {"code": "jd-bh", "name": "滨湖街道", "level": "street", "parent_id": district.id})
    session.commit()
    return {"city": city, "water": water, "district": district, "street": street}


@pytest.fixture
def make_user(session, system, org):
    from tongguan.accounts import service

    def make(username: str, *roles: str, department: str = "city"):
        user = service.user_create(session, system, {
            "username": username, "display_name": username, "department_id": org[department].id,
            "roles": list(roles), "password": PASSWORD,
        })
        session.commit()
        return user

    return make


@pytest.fixture
def bearer(session, system):
    """bearer(user) -> headers carrying a fresh API token for that user."""
    from tongguan.accounts import service

    def headers(user):
        _, secret = service.token_create(session, system, {"name": "test"}, user_id=user.id)
        session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return headers


@pytest.fixture
def admin(make_user):
    return make_user("admin", "admin")


@pytest.fixture
def admin_headers(admin, bearer):
    return bearer(admin)


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf-token" content="([^"]+)"', html) or re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


@pytest.fixture
def login(client):
    """login(username, password) through the real form, CSRF token included; returns the response."""

    def do(username: str, password: str = PASSWORD):
        token = csrf_from(client.get("/login").get_data(as_text=True))
        return client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    return do


# --- browser tests: one Chromium for the whole run ----------------------------------


@pytest.fixture(scope="session")
def browser():
    import pathlib

    from tests.browser_support import ARGS, CHROMIUM

    if not pathlib.Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def live_server(app):
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 800}, locale="zh-CN")
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"
