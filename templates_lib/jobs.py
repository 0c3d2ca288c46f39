"""The gallery's background job: `templates.clone` carries out one queued clone (tick `use:<id>`)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from tongguan.jobs import job

from . import service


@job("templates.clone", max_attempts=1)  # a failed clone is reported to its author, not tried again
def clone_job(session: Session, tick: str, use_id: int) -> dict:
    use = service.use_execute(session, use_id)
    if use is None:
        return {"skipped": "the clone's record is gone"}
    return {"use_id": use.id, "state": use.state}
