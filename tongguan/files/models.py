"""Stored files: the bytes live on disk, addressed by their SHA-256."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class StoredFile(Base):
    __tablename__ = "stored_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # document | image | audio | video
    filename: Mapped[str] = mapped_column(String(255))  # as uploaded, for download
    created_by: Mapped[int | None] = mapped_column(Integer)  # no FK: files outlive users
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
