"""A benchmark's own PostgreSQL database, created empty for each run and dropped when asked."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import make_url


def _admin(url):
    return sa.create_engine(url.set(database="postgres")).execution_options(isolation_level="AUTOCOMMIT")


def fresh_database(url: str) -> str:
    """Drop and create the database `url` names; the URL back, password included."""
    parsed = make_url(url)
    admin = _admin(parsed)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    return parsed.render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    admin = _admin(parsed)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def migrate_and_load(url: str, env: dict, tongguan: str, script: str, events: int) -> None:
    """Bring the database to the platform's schema (`tongguan db upgrade`), then run the benchmark's
    SQL `script` (statements separated by `;`, with `:n` the number of events to generate)."""
    import subprocess
    import time

    subprocess.run([tongguan, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    engine = sa.create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(sa.text(statement), {"n": events})
    print(f"  {events:,} events generated in {time.perf_counter() - started:.1f} s", flush=True)
    engine.dispose()
