"""Flows: a draft document being designed, and the published versions events run on."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow


class Flow(Versioned, Base):
    __tablename__ = "flow"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    draft: Mapped[dict] = mapped_column(JSONType, default=dict)  # the document being designed
    published_version: Mapped[int] = mapped_column(Integer, default=0)  # 0: never published
    special: Mapped[bool] = mapped_column(default=False)  # for hard matters (疑难事项): joint handling
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    created_by: Mapped[int | None] = mapped_column(Integer)


class FlowVersion(Base):
    """A published document, never changed again: running events stay on theirs."""

    __tablename__ = "flow_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSONType)
    note: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("flow_id", "version"),)


class MatterFlow(Base):
    """Which flow a matter's events follow (a matter without one follows the default lifecycle)."""

    __tablename__ = "matter_flow"

    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), primary_key=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flow.id", ondelete="RESTRICT"), index=True)
