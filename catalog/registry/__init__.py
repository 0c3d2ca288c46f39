"""The component registry (组件管理)."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def init_app(app) -> int | None:
    """Copy the built-in component types of `components/` into the library, once, at startup.

    Skipped quietly when the database is not at the head revision (as when `tongguan db upgrade`
    builds the app with check_db=False to migrate it). Returns how many versions were inserted,
    or None when skipped."""
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    from tongguan.db import current_revision, head_revision

    from . import packages
    from .service import sync_builtins

    packages.install(app)  # pages and the viewer resolve released third-party types through it
    engine = app.extensions["tongguan.engine"]
    try:
        if current_revision(engine) != head_revision():
            log.info("component library not synced: the database is not migrated to head")
            return None
    except (OperationalError, ProgrammingError):
        log.info("component library not synced: the database cannot be read")
        return None
    make_session = app.extensions["tongguan.sessionmaker"]
    for attempt in range(3):
        session = make_session()
        try:
            inserted = sync_builtins(session)
            session.commit()
            if inserted:
                log.info("component library: %d built-in component versions registered", inserted)
            return inserted
        except (IntegrityError, OperationalError):
            # Another process syncing at the same moment (SQLite: "database is locked"); try again.
            session.rollback()
            if attempt == 2:
                log.warning("component library not synced: another process kept the database busy")
        finally:
            session.close()
    return None
