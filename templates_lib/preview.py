""""Try it" (试用): a template's big screen live on its sample data, without creating anything in the
workspace. Each package is installed, with its sample data, into a throwaway SQLite database of
its own under the storage folder; the viewer then reads that database exactly as it reads the
real one. The database is built on the first try and rebuilt each hour, as its sample data ends at
the hour it was generated.
"""
from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from tongguan.db import import_models, make_engine
from tongguan.permissions import Actor

from .package import Package

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
READER = Actor.system("试用预览")


def _key(pkg: Package, now: dt.datetime) -> str:
    return f"{pkg.code}-{pkg.manifest['version']}-{now:%Y%m%d%H}"


def _build(path: Path, pkg: Package, now: dt.datetime) -> None:
    from builder import pages

    from .install import install

    tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
    engine = make_engine(f"sqlite:///{tmp}")
    try:
        import_models().create_all(engine)
        with Session(engine) as session:
            made = install(session, READER, pkg, code=pkg.code, name=pkg.manifest["name"],
                           size=min(pkg.manifest.get("default_size", 10_000), 20_000), seed=1, now=now,
                           choices={}, parts=("data", "app"))
            pages.app_release_create(session, READER, made["app"].id, note="试用预览")
            session.commit()
    finally:
        engine.dispose()
    os.replace(tmp, path)  # atomic: another process either sees the whole database or none


def engine_for(pkg: Package, folder: str, now: dt.datetime | None = None) -> Engine:
    """The preview database of `pkg` for the current hour (built when missing)."""
    now = (now or dt.datetime.now(dt.timezone.utc)).replace(minute=0, second=0, microsecond=0)
    key = _key(pkg, now)
    with _lock:
        found = _engines.get(key)
        if found is not None:
            return found
        root = Path(folder) / "template-previews"
        root.mkdir(parents=True, exist_ok=True)
        path = root / f"{key}.sqlite"
        if not path.exists():
            _build(path, pkg, now)
        for old in root.glob(f"{pkg.code}-*.sqlite"):  # earlier hours' previews
            if old != path:
                stale = _engines.pop(old.stem, None)
                if stale is not None:
                    stale.dispose()
                old.unlink(missing_ok=True)
        _engines[key] = found = make_engine(f"sqlite:///{path}")
        return found
