"""One message in one user's inbox."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.db import Base, UTCDateTime, utcnow


class InboxMessage(Base):
    __tablename__ = "inbox_message"
    __audit__ = False  # a delivery, not a change anybody made

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(48))  # e.g. data_service.definition, data_service.data, alert.fire
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(500), default="")  # a page of the platform, e.g. /data/services/3
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_inbox_message_user_unread", "user_id", "read_at", "id"),)
