"""Tables of environments and deployments."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, UTCDateTime, utcnow

STATES = {"pending": ("部署中", "Pending"), "succeeded": ("成功", "Succeeded"), "failed": ("失败", "Failed")}


class Environment(Versioned, Base):
    """Another Tongguan instance (开发 / 测试 / 生产 ...) reached at `url` with an API token of
    one of its users (who needs app.manage there). The token is kept encrypted in `secret`
    (tongguan.crypto; redacted in the audit) and never shown again."""

    __tablename__ = "environment"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500))  # http(s)://host[:port][/prefix], no trailing slash
    secret: Mapped[str] = mapped_column(Text, default="")  # Fernet token of {"token": ...}
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer)


class Deployment(Base):
    """One release of an app sent to one environment (or a roll-back there), never changed once
    finished. `remote_app_id` / `remote_release` are the app and release as the environment
    numbers them; a roll-back names the deployment it undid in `rolled_back_from`."""

    __tablename__ = "deployment"

    id: Mapped[int] = mapped_column(primary_key=True)
    environment_id: Mapped[int] = mapped_column(ForeignKey("environment.id", ondelete="CASCADE"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("app.id", ondelete="CASCADE"), index=True)
    app_code: Mapped[str] = mapped_column(String(64))
    release_number: Mapped[int] = mapped_column(Integer)
    package_sha256: Mapped[str] = mapped_column(String(64), default="")
    state: Mapped[str] = mapped_column(String(12), default="pending")
    message: Mapped[str] = mapped_column(Text, default="")
    remote_app_id: Mapped[int | None] = mapped_column(Integer)
    remote_release: Mapped[int | None] = mapped_column(Integer)
    rolled_back_from: Mapped[int | None] = mapped_column(ForeignKey("deployment.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
