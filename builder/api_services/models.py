"""API services: an outbound API of a published app, and the tokens scoped to one of them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow

STATES = {"draft": ("草稿", "Draft"), "online": ("上线", "Online"), "offline": ("下线", "Offline")}
ITEM_KINDS = {"service": ("数据服务", "Data service"), "indicator": ("指标", "Indicator")}


class ApiService(Versioned, Base):
    """What an app offers outside: a list of its data services and indicators under one code.

    items: [{"kind": "service", "code", "params": [names a caller may pass]},
            {"kind": "indicator", "code", "params": [...], "by": default dimension, "window": default}]"""

    __tablename__ = "api_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("app.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list] = mapped_column(JSONType, default=list)
    state: Mapped[str] = mapped_column(String(8), default="draft")
    rate_limit: Mapped[int | None] = mapped_column(Integer)  # calls per minute, all tokens together; None: no limit
    created_by: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("app_id", "code"),)


class ApiServiceToken(Base):
    """A bearer secret good for one API service only; stored as its sha256, like account tokens."""

    __tablename__ = "api_service_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_service_id: Mapped[int] = mapped_column(ForeignKey("api_service.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists so a token can be recognised
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
