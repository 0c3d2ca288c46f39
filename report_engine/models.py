"""Report templates (Jinja2 documents with declared variables) and the archive of their runs."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow

TYPES = {"daily": ("日报", "Daily"), "weekly": ("周报", "Weekly"), "monthly": ("月报", "Monthly"),
         "special": ("专报", "Special")}
ORIENTATIONS = ("portrait", "landscape")
STATES = {"draft": ("草稿", "Draft"), "published": ("已发布", "Published")}
RUN_STATES = {"pending": ("排队中", "Pending"), "running": ("生成中", "Running"),
              "succeeded": ("已生成", "Succeeded"), "failed": ("失败", "Failed")}
SOURCES = ("indicator", "service")
TRIGGERS = {"manual": ("手动", "Manual"), "schedule": ("计划", "Scheduled")}
# a schedule's cadence -> the template type it generates
CADENCES = {"daily": ("每日", "Daily"), "weekly": ("每周一", "Mondays"), "monthly": ("每月1日", "The 1st")}


class ReportTemplate(Versioned, Base):
    __tablename__ = "report_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(12), default="daily")
    orientation: Mapped[str] = mapped_column(String(10), default="portrait")  # always A4
    cover: Mapped[dict] = mapped_column(JSONType, default=dict)  # {"title", "subtitle"}; {} = no cover page
    toc: Mapped[bool] = mapped_column(Boolean, default=False)
    header_text: Mapped[str] = mapped_column(String(200), default="")
    footer_text: Mapped[str] = mapped_column(String(200), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Jinja2 source, run sandboxed
    # [{name, title, source: indicator|service, code, by, window, offset, params, where, limit}]
    variables: Mapped[list] = mapped_column(JSONType, default=list)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(Integer)
    # who last made it published: a published report reads its data with this user's grants
    published_by: Mapped[int | None] = mapped_column(Integer)


class ReportSchedule(Versioned, Base):
    """Generate a template's report every day, Monday or 1st of the month at `at` (the city's time
    zone), and deliver it to the recipients' inboxes and, by mail, to `emails`."""

    __tablename__ = "report_schedule"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_code: Mapped[str] = mapped_column(String(64), index=True)
    cadence: Mapped[str] = mapped_column(String(8), default="daily")
    at: Mapped[str] = mapped_column(String(5), default="07:00")  # HH:MM
    area: Mapped[str] = mapped_column(String(64), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    recipients: Mapped[dict] = mapped_column(JSONType, default=dict)  # {"users": [ids], "roles": [codes]}
    emails: Mapped[list] = mapped_column(JSONType, default=list)
    created_by: Mapped[int | None] = mapped_column(Integer)
    last_tick: Mapped[str] = mapped_column(String(40), default="")  # the last occurrence taken (UTC ISO)
    # no foreign key: report_run already points here, and a run may be deleted with its file
    last_run_id: Mapped[int | None] = mapped_column(Integer)


class ReportRun(Base):
    """One generated report, kept with what it was made from: the template's revision, the
    parameters and the digest of the data it showed (the same digest means the same numbers)."""

    __tablename__ = "report_run"
    __audit_redact__ = ("html",)  # the audit log keeps a digest, not megabytes of SVG
    __table_args__ = (Index("ix_report_run_code_date", "template_code", "report_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # the archive outlives the template: code and revision say which one it was
    template_id: Mapped[int | None] = mapped_column(ForeignKey("report_template.id", ondelete="SET NULL"), index=True)
    template_code: Mapped[str] = mapped_column(String(64))
    template_revision: Mapped[int] = mapped_column(Integer, default=1)
    type: Mapped[str] = mapped_column(String(12), default="daily")
    title: Mapped[str] = mapped_column(String(200), default="")
    report_date: Mapped[dt.date] = mapped_column(Date)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(64), default="")
    digest: Mapped[str] = mapped_column(String(64), default="")  # sha256 of the variables' canonical JSON
    state: Mapped[str] = mapped_column(String(12), default="pending")
    message: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    pdf_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"))
    html: Mapped[str] = mapped_column(Text, default="")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0-100
    stage: Mapped[str] = mapped_column(String(32), default="")  # zh-CN label of the current stage
    trigger: Mapped[str] = mapped_column(String(12), default="manual")
    schedule_id: Mapped[int | None] = mapped_column(ForeignKey("report_schedule.id", ondelete="SET NULL"),
                                                    index=True)
    created_by: Mapped[int | None] = mapped_column(Integer)  # who asked (the schedule's creator for a schedule)
    data_as: Mapped[int | None] = mapped_column(Integer)  # whose grants read the data (None: the system's)
    # {"inbox": [user ids], "emails": {"sent": [...], "error": "..."}}
    delivery: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
