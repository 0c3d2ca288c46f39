"""Tables of signed packages: the public keys whose signatures are trusted (besides the
platform's own key, which is always trusted and lives outside the database)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.db import Base, UTCDateTime, utcnow


class TrustedKey(Base):
    """An Ed25519 public key whose package signatures are accepted (受信任的签名公钥).
    Revoking is final: a revoked key's signatures are refused, and the key cannot be added again."""

    __tablename__ = "trusted_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    public_key: Mapped[str] = mapped_column(Text)  # base64 of the raw 32 bytes
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the raw key
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
