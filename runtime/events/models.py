"""Events (工单), their timeline, dispatch decisions, and the working calendar's days off."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow

CHANNELS = {"hotline": ("12345热线", "12345 hotline"), "grid": ("网格巡查", "Grid patrol"),
            "iot": ("物联感知", "IoT sensor"), "video": ("视频智能识别", "Video AI"),
            "app": ("市民App", "Public app"), "alert": ("指标预警", "Indicator alert"),
            "api": ("外部接口", "External API")}
PRIORITIES = {"normal": ("一般", "Normal"), "urgent": ("紧急", "Urgent"), "critical": ("特急", "Critical")}


class Event(Versioned, Base):
    __tablename__ = "event"
    __audit__ = False  # its timeline (event_action) is its history: who did what, when and why

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # SJ + city date + sequence
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    channel: Mapped[str] = mapped_column(String(8))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    status: Mapped[str] = mapped_column(String(12), default="reported")
    status_before: Mapped[str] = mapped_column(String(12), default="")  # where a suspended event resumes
    # indexed by ix_event_duplicate_search, which leads with it
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id", ondelete="RESTRICT"))
    matter_code: Mapped[str] = mapped_column(String(64), default="")
    area_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    address: Mapped[str] = mapped_column(String(300), default="")
    longitude: Mapped[float | None] = mapped_column(Float)
    latitude: Mapped[float | None] = mapped_column(Float)
    reporter_name: Mapped[str] = mapped_column(String(64), default="")
    reporter_phone: Mapped[str] = mapped_column(String(32), default="")
    # idempotent intake: one event per (source, external id), however often a client retries
    external_source: Mapped[str] = mapped_column(String(64), default="")
    external_id: Mapped[str | None] = mapped_column(String(128))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    dispatch_mode: Mapped[str] = mapped_column(String(8), default="")  # auto | manual
    time_limit: Mapped[int | None] = mapped_column(Integer)
    time_unit: Mapped[str] = mapped_column(String(16), default="")
    deadline_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # the latest dispatch
    first_dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)  # submitted for review
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    returns: Mapped[int] = mapped_column(Integer, default=0)
    refusals: Mapped[int] = mapped_column(Integer, default=0)
    refusals_upheld: Mapped[int] = mapped_column(Integer, default=0)  # 有责退单: dispatched wrongly
    reopens: Mapped[int] = mapped_column(Integer, default=0)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("event.id", ondelete="SET NULL"))
    details: Mapped[dict] = mapped_column(JSONType, default=dict)  # channel-specific fields (sensor reading, ...)
    created_by: Mapped[int | None] = mapped_column(Integer)
    # with a flow, the event moves node by node on the version it started on (event_step)
    flow_version_id: Mapped[int | None] = mapped_column(ForeignKey("flow_version.id", ondelete="RESTRICT"), index=True)
    node_names: Mapped[str] = mapped_column(String(200), default="")  # where it is now, for lists

    __table_args__ = (
        UniqueConstraint("external_source", "external_id"),
        Index("ix_event_status_deadline", "status", "deadline_at"),
        Index("ix_event_reported_at", "reported_at"),
        # the duplicate search: a matter and a band of latitude, then the time window and longitude
        # read from the index itself (no row fetched unless it is inside the box)
        Index("ix_event_duplicate_search", "matter_id", "latitude", "reported_at", "longitude"),
    )


class EventAction(Base):
    """The timeline: every action on an event, who did it, when and why."""

    __tablename__ = "event_action"
    __audit__ = False  # this is the event's own audit trail

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str] = mapped_column(String(12), default="")
    to_status: Mapped[str] = mapped_column(String(12), default="")
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    department_id: Mapped[int | None] = mapped_column(Integer)  # where the event was (or went)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSONType, default=dict)


class EventDispatch(Base):
    """One dispatch decision and why; a refusal and whether it was upheld are kept with it."""

    __tablename__ = "event_dispatch"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    mode: Mapped[str] = mapped_column(String(8))  # auto | manual | transfer
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    refused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    refusal_upheld: Mapped[bool | None] = mapped_column(Boolean)  # None until the ops center decides


class EventStep(Base):
    """One visit of an event to a flow node. Open steps (left_at empty) are where the event is now
    (several in parallel branches or joint handling; a `join` step waits for its other branches);
    closed ones are what process mining measures."""

    __tablename__ = "event_step"
    __audit__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    flow_version_id: Mapped[int] = mapped_column(ForeignKey("flow_version.id", ondelete="RESTRICT"), index=True)
    node_id: Mapped[str] = mapped_column(String(64))
    node_name: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(8))  # task | timer | join
    group_no: Mapped[int] = mapped_column(Integer, default=0)  # the steps of one joint visit share it
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(64), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    came_from_id: Mapped[int | None] = mapped_column(Integer)  # the step that sent it here: where `return` goes
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    warn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(12), default="")  # send | return | jump | timer | join | ...
    alerted: Mapped[str] = mapped_column(String(8), default="")  # '' | warned | overdue: said once each

    __table_args__ = (Index("ix_event_step_open", "left_at", "kind", "due_at"),)


class WorkCalendarDay(Base):
    """A day that is not what its weekday says: a holiday, or a weekend day worked (调休)."""

    __tablename__ = "work_calendar_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # holiday | workday
    note: Mapped[str] = mapped_column(String(200), default="")




class DuplicateRule(Base):
    """How near in place and time two reports of a matter must be to be proposed as one event."""

    __tablename__ = "event_duplicate_rule"

    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), primary_key=True)
    distance_m: Mapped[int] = mapped_column(Integer, default=200)
    window_h: Mapped[int] = mapped_column(Integer, default=24)
