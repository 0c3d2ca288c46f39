"""The record of every job run: the claim that makes a tick run once."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JSONType, UTCDateTime, utcnow


class JobRun(Base):
    __tablename__ = "job_run"
    __audit__ = False  # the table is itself the log

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    tick: Mapped[str] = mapped_column(String(64))  # e.g. an ISO timestamp, or "manual-<uuid>"
    state: Mapped[str] = mapped_column(String(16), default="running")  # running | done | failed
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    backend: Mapped[str] = mapped_column(String(16), default="")
    worker: Mapped[str] = mapped_column(String(128), default="")
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    result: Mapped[dict | None] = mapped_column(JSONType)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("job", "tick"),)
