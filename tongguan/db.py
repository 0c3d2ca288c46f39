"""The database's whole life: the declarative base, shared column types, the engine,
a session per request, and the migration check the app runs at start."""
from __future__ import annotations

import datetime as dt
import importlib
import time
from pathlib import Path

from flask import current_app, g
from sqlalchemy import JSON, DateTime, MetaData, create_engine, event, inspect
from sqlalchemy import exc as exc_mod
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Every package that owns tables is listed here, so Alembic and backups see them all.
MODEL_MODULES = [
    "tongguan.accounts.models",
    "tongguan.audit.models",
    "tongguan.files.models",
    "tongguan.jobs.models",
    "tongguan.inbox.models",
    "builder.models",
    "builder.packages.models",
    "builder.composites.models",
    "builder.environments.models",
    "builder.api_services.models",
    "runtime.sources.models",
    "runtime.services.models",
    "runtime.indicators.models",
    "runtime.alerts.models",
    "runtime.events.models",
    "runtime.flows.models",
    "runtime.open311.models",
    "catalog.resources.models",
    "catalog.matters.models",
    "catalog.tags.models",
    "catalog.registry.models",
    "report_engine.models",
    "templates_lib.models",
]

# Database objects made by migrations but not described by the models (search indexes):
# autogenerate and the models-match-migrations test leave them alone.
UNMANAGED_PREFIXES = ("resource_fts", "ix_catalog_resource_search_trgm", "src_")  # src_: uploaded files' rows


def include_name(name, type_, parent_names) -> bool:
    return not (name or "").startswith(UNMANAGED_PREFIXES)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every engine (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc)


JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def import_models() -> MetaData:
    for name in MODEL_MODULES:
        importlib.import_module(name)
    return Base.metadata


IDLE_PING_S = 10


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            import dsl

            dsl.register_sqlite_functions(dbapi_conn)  # round, percentile, date_trunc as the DSL means them

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10)

    # A connection that sat idle may have been cut (a restart, a failover, a firewall): ping it
    # before use. A busy server's connections are never idle that long, so requests pay no ping.
    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", time.monotonic()) < IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the pool drops this connection and checks out another
            raise exc_mod.DisconnectionError() from exc

    return engine


def refresh_statistics(conn) -> None:
    """After loading a fresh database (seed, restore): PostgreSQL's planner would otherwise plan
    with no statistics until autovacuum first comes round, and keep those plans for prepared
    statements (one such plan scanned every recent event to find a report's neighbours)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE")


def describe_url(url: str) -> str:
    """The URL without its password, for logs and the startup line."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


# --- migrations -------------------------------------------------------------

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


class MigrationsBehind(RuntimeError):
    pass


def check_revision(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise MigrationsBehind(
            f"The database {describe_url(str(engine.url))} is at revision {current or 'none (empty)'}, "
            f"but this code needs {head}. Run `tongguan db upgrade` (or `make run`) to bring it to head."
        )


def is_empty(engine: Engine) -> bool:
    """True when no table of ours holds a row (a fresh database to restore into)."""
    from sqlalchemy import func, select

    metadata = import_models()
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name in existing and conn.execute(select(func.count()).select_from(table)).scalar():
                return False
    return True


# --- per-app and per-request sessions ------------------------------------------


def init_app(app) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["tongguan.engine"] = engine
    app.extensions["tongguan.sessionmaker"] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    return current_app.extensions["tongguan.engine"]


def get_session() -> Session:
    """The request's session; views commit, services never do."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["tongguan.sessionmaker"]()
    return g.db_session


def _close_session(_exc=None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
