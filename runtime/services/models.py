"""Data services, their archived versions and who may call them."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from runtime.sources.models import DataSource
from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow

STATES = {"draft": ("草稿", "Draft"), "online": ("上线", "Online"), "offline": ("下线", "Offline")}
KINDS = {"sql": ("参数化查询", "Parameterised SELECT"), "table": ("数据表查询", "Table query"),
         "composite": ("组合服务", "Composite service")}
PARAM_TYPES = ("string", "integer", "number", "boolean", "date", "datetime")


class DataService(Versioned, Base):
    __tablename__ = "data_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # None for a composite service: its parts have the sources
    source_id: Mapped[int | None] = mapped_column(ForeignKey("data_source.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    # sql: {"sql"}; table: see tablequery.py; composite: see composite.py
    definition: Mapped[dict] = mapped_column(JSONType, default=dict)
    params: Mapped[list] = mapped_column(JSONType, default=list)  # [{name, type, default, required, description}]
    output: Mapped[list] = mapped_column(JSONType, default=list)  # [{name, type}] as last run
    state: Mapped[str] = mapped_column(String(8), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)  # the definition's number; each change archives one
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    created_by: Mapped[int | None] = mapped_column(Integer)

    source: Mapped[DataSource | None] = relationship(lazy="joined")


class DataServiceRevision(Base):
    """A definition as it was: every change archives the one it replaces."""

    __tablename__ = "data_service_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("data_service.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("service_id", "revision"),)


class DataServiceGrant(Base):
    """A department allowed to call an online service (besides the owner department and data managers)."""

    __tablename__ = "data_service_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("data_service.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("service_id", "department_id"),)


class DataServiceSubscription(Base):
    """Somebody to tell when a service's definition or its data snapshot changes: in their inbox,
    or by a webhook signed with HMAC-SHA256 (the secret is encrypted at rest)."""

    __tablename__ = "data_service_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("data_service.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8))  # inapp | webhook
    url: Mapped[str] = mapped_column(String(500), default="")
    secret: Mapped[str] = mapped_column(Text, default="")  # Fernet token of {"secret": ...}
    on_definition: Mapped[bool] = mapped_column(Boolean, default=True)
    on_data: Mapped[bool] = mapped_column(Boolean, default=True)
    data_digest: Mapped[str] = mapped_column(String(64), default="")  # of the rows last seen
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DataServiceDelivery(Base):
    """One webhook call to make (an outbox row): retried by the watch job until it succeeds or gives up."""

    __tablename__ = "data_service_delivery"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("data_service_subscription.id", ondelete="CASCADE"),
                                                 index=True)
    event: Mapped[str] = mapped_column(String(16))  # definition | data
    payload: Mapped[dict] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # gave up
    last_error: Mapped[str] = mapped_column(Text, default="")


class DataServiceAppGrant(Base):
    """An app whose cards and pages may call the service for whoever may view the app."""

    __tablename__ = "data_service_app_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("data_service.id", ondelete="CASCADE"), index=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("app.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("service_id", "app_id"),)
