"""Indicators: a formula in the DSL over a data service's rows, or over other indicators."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType

STATES = {"draft": ("草稿", "Draft"), "published": ("已发布", "Published"), "retired": ("已停用", "Retired")}
GRAINS = ("hour", "day", "week", "month")
CYCLES = ("realtime", "hourly", "daily", "weekly", "monthly")


class Indicator(Versioned, Base):
    __tablename__ = "indicator"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    definition_text: Mapped[str] = mapped_column(Text, default="")  # 口径: what it means, in words
    kind: Mapped[str] = mapped_column(String(8), default="base")  # base: over a service; derived: over indicators
    service_id: Mapped[int | None] = mapped_column(ForeignKey("data_service.id", ondelete="RESTRICT"), index=True)
    formula: Mapped[str] = mapped_column(Text)
    depends_on: Mapped[list] = mapped_column(JSONType, default=list)  # codes of indicators a derived one uses
    time_field: Mapped[str] = mapped_column(String(128), default="")
    dimensions: Mapped[list] = mapped_column(JSONType, default=list)
    unit: Mapped[str] = mapped_column(String(32), default="")
    grain: Mapped[str] = mapped_column(String(8), default="day")
    update_cycle: Mapped[str] = mapped_column(String(16), default="daily")
    default_window: Mapped[str] = mapped_column(String(16), default="30d")
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    state: Mapped[str] = mapped_column(String(12), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int | None] = mapped_column(Integer)
