"""SQL sources: URLs without their passwords, engines built with them, tests and previews."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event, inspect, select, table, text
from sqlalchemy.engine import Engine, URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

ALLOWED_DRIVERS = ("postgresql", "mysql", "mariadb", "mssql", "oracle", "sqlite")


def split_url(raw: str) -> tuple[str, str | None, list[str]]:
    """(the URL without password, the password, problems)."""
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        return "", None, ["不是有效的 SQLAlchemy 数据库地址，例如 postgresql+psycopg://user:pass@host/db"]
    problems = []
    if url.get_backend_name() not in ALLOWED_DRIVERS:
        problems.append(f"不支持的数据库类型 {url.get_backend_name()}")
    bare = URL.create(url.drivername, username=url.username, host=url.host, port=url.port, database=url.database,
                      query=url.query)  # url.set(password=None) would keep the password
    return bare.render_as_string(hide_password=False), url.password, problems


def check_sqlite(raw: str, allowed_dirs: list[str]) -> list[str]:
    """A SQLite source may only open files under DATA_SOURCE_SQLITE_DIRS: anything else could
    read the platform's own database."""
    url = make_url(raw)
    if url.get_backend_name() != "sqlite":
        return []
    if not url.database or url.database == ":memory:":
        return ["SQLite 数据源须指定文件路径"]
    path = Path(url.database).resolve()
    if not any(path.is_relative_to(Path(d).resolve()) for d in allowed_dirs):
        return ["该 SQLite 文件不在允许的目录中（DATA_SOURCE_SQLITE_DIRS）"]
    if not path.exists():
        return [f"SQLite 文件 {path.name} 不存在"]
    return []


def engine_for(safe_url: str, password: str | None) -> Engine:
    url: URL = make_url(safe_url)
    if password is not None:
        url = url.set(password=password)
    args = {"connect_timeout": 5} if url.get_backend_name() == "postgresql" else {}
    if url.get_backend_name() == "sqlite":  # read-only, and never creating a missing file
        engine = create_engine(f"sqlite:///file:{url.database}?mode=ro&uri=true", connect_args={"timeout": 5})

        @event.listens_for(engine, "connect")
        def _dsl_functions(dbapi_conn, _record):
            import dsl

            dsl.register_sqlite_functions(dbapi_conn)  # round, percentile, date_trunc as the DSL means them

        return engine
    return create_engine(url, connect_args=args, pool_pre_ping=True, pool_size=2, max_overflow=2)


def test(engine: Engine) -> str | None:
    """None when a connection answers, else the reason."""
    try:
        with engine.connect() as conn:
            # SQLite opens any file lazily: reading the catalog proves it is a database.
            conn.execute(text("SELECT count(*) FROM sqlite_master" if engine.dialect.name == "sqlite" else "SELECT 1"))
        return None
    except SQLAlchemyError as exc:
        return str(exc.orig if getattr(exc, "orig", None) else exc).splitlines()[0][:500]


def tables(engine: Engine) -> list[dict]:
    insp = inspect(engine)
    out = []
    for name in sorted(insp.get_table_names()):
        cols = [{"name": c["name"], "type": str(c["type"])} for c in insp.get_columns(name)]
        out.append({"name": name, "columns": cols})
    return out


def preview(engine: Engine, table_name: str, limit: int = 20) -> list[dict]:
    if table_name not in inspect(engine).get_table_names():
        raise LookupError(table_name)
    with engine.connect() as conn:
        result = conn.execute(select(text("*")).select_from(table(table_name)).limit(limit))
        return [dict(row._mapping) for row in result]
