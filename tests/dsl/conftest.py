"""Engines for the expression language tests: SQLite (functions registered in a connect hook) and
a PostgreSQL database of our own for this run."""
from __future__ import annotations

import datetime as dt
import decimal
import math

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from dsl import register_sqlite_functions
from tests.conftest import drop_postgres_database, own_postgres_database, require_postgres

NOW = dt.datetime(2026, 11, 25, 12, 0, 0)

FIELDS = {"n": "integer", "x": "number", "s": "string", "g": "string", "b": "boolean", "d": "date",
          "t": "datetime", "w": "duration"}

metadata = sa.MetaData()
ITEMS = sa.Table(
    "dsl_items", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("n", sa.BigInteger),
    sa.Column("x", sa.Float),
    sa.Column("s", sa.String(40)),
    sa.Column("g", sa.String(40)),
    sa.Column("b", sa.Boolean),
    sa.Column("d", sa.Date),
    sa.Column("t", sa.DateTime),
    sa.Column("w", sa.Interval),
)
COLUMNS = {name: ITEMS.c[name] for name in FIELDS}


def _sqlite_engine(path):
    engine = sa.create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _register(dbapi_connection, _record):
        register_sqlite_functions(dbapi_connection)

    return engine


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory):
    engine = _sqlite_engine(tmp_path_factory.mktemp("dsl") / "dsl.db")
    metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_engine():
    require_postgres()
    url = own_postgres_database("dsl")
    engine = sa.create_engine(url)
    try:
        metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()
        drop_postgres_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


def same(a, b, tol=1e-6) -> bool:
    """Equal, with numbers compared as floats within a tolerance."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float, decimal.Decimal)) and isinstance(b, (int, float, decimal.Decimal)):
        return math.isclose(float(a), float(b), rel_tol=tol, abs_tol=tol)
    if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
        return False
    return a == b


def same_rows(left: list[dict], right: list[dict]) -> bool:
    if len(left) != len(right):
        return False
    for x, y in zip(left, right):
        if set(x) != set(y) or not all(same(x[k], y[k]) for k in x):
            return False
    return True
