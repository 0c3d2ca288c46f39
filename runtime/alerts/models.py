"""Alert rules on indicators, the state of each rule (per group), its history and its notifications."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow


class AlertRule(Versioned, Base):
    __tablename__ = "alert_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id", ondelete="RESTRICT"), index=True)
    by: Mapped[str] = mapped_column(String(128), default="")  # evaluate per value of this dimension ("" = whole)
    window: Mapped[str] = mapped_column(String(16), default="")  # "" = the indicator's own
    interval_s: Mapped[int] = mapped_column(Integer, default=300)
    levels: Mapped[list] = mapped_column(JSONType, default=list)  # [{"level": "red", "condition": "value >= 100"}]
    clear_condition: Mapped[str] = mapped_column(Text, default="")  # "" = none of the levels holds
    pending_s: Mapped[int] = mapped_column(Integer, default=0)
    recover_s: Mapped[int] = mapped_column(Integer, default=0)
    nodata: Mapped[str] = mapped_column(String(8), default="nodata")
    notify_departments: Mapped[list] = mapped_column(JSONType, default=list)
    notify_roles: Mapped[list] = mapped_column(JSONType, default=list)
    report_matter: Mapped[str] = mapped_column(String(64), default="")  # report an event of this matter on firing
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    silenced_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    silence_note: Mapped[str] = mapped_column(Text, default="")
    last_evaluated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    created_by: Mapped[int | None] = mapped_column(Integer)


class AlertState(Base):
    """Where one rule stands for one group (a district, or "" for the whole)."""

    __tablename__ = "alert_state"
    __audit__ = False  # the transitions table is its history

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rule.id", ondelete="CASCADE"))
    group_key: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(12), default="normal")
    level: Mapped[str | None] = mapped_column(String(8))
    since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    episode: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[float | None] = mapped_column(Float)
    evaluated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("rule_id", "group_key"),)


class AlertTransition(Base):
    __tablename__ = "alert_transition"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rule.id", ondelete="CASCADE"))
    group_key: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    from_state: Mapped[str] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    level: Mapped[str | None] = mapped_column(String(8))
    value: Mapped[float | None] = mapped_column(Float)
    episode: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_alert_transition_rule_at", "rule_id", "at"),)


class AlertNotification(Base):
    """One notification of a firing, escalation or resolution (in-app; silenced ones are kept, marked)."""

    __tablename__ = "alert_notification"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rule.id", ondelete="CASCADE"), index=True)
    group_key: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(12))  # fire | escalate | resolve | nodata | error
    level: Mapped[str | None] = mapped_column(String(8))
    episode: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text)
    departments: Mapped[list] = mapped_column(JSONType, default=list)
    roles: Mapped[list] = mapped_column(JSONType, default=list)
    silenced: Mapped[bool] = mapped_column(Boolean, default=False)
    report_matter: Mapped[str] = mapped_column(String(64), default="")  # an event to report (the event core takes it)
    event_id: Mapped[int | None] = mapped_column(Integer)  # the event reported for it
