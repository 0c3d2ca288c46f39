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
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
