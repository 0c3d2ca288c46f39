"""Tables of the matter catalog, domain catalogs and mappings.

- `Matter`: the standard matter catalog (城运标准事项目录), a tree 大类 > 小类 > 细类
  (tier category > subcategory > item). A matter is in force on the days
  `effective_from <= d < effective_to` (`effective_to` None: open ended); retiring
  one sets `effective_to`, nothing is ever deleted.
- `ResponsibilityRule`: the responsibility list (权责清单) of a 细类, kept as
  history. Each row says which department handles the matter in an area (a district
  or street department; None for the whole city), within what time, on which legal
  basis, for the days `effective_from <= d < effective_to`. A change closes the rule
  in force and opens a new one, so "who handled X in Y on D" can always be answered.
- `MatterChange`: the log of adjustments (权责动态调整): add, split, retire, change.
- `DomainCatalog` / `DomainItem`: other domains' lists (a department's own catalog)
  and the mapping of each item to one standard 细类 (many items to one matter).
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongguan.accounts.models import Department, Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow

TIERS = ("category", "subcategory", "item")  # 大类 > 小类 > 细类
LEVELS = ("city", "district")  # 市级通用 / 区级通用
TIME_UNITS = ("working_days", "hours")
CHANGE_KINDS = ("add", "split", "retire", "change", "update")
CITY_TZ = ZoneInfo("Asia/Shanghai")  # the demo city's zone (config TIMEZONE); dates are the city's calendar days


def city_today() -> dt.date:
    """Today on the city's calendar: the default "on" date of every question."""
    return dt.datetime.now(CITY_TZ).date()


class Matter(Versioned, Base):
    __tablename__ = "matter"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    tier: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id", ondelete="RESTRICT"), index=True)
    level: Mapped[str] = mapped_column(String(16), default="city")
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    split_from_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id", ondelete="SET NULL"), index=True)

    parent: Mapped["Matter | None"] = relationship(remote_side="Matter.id", foreign_keys=[parent_id],
                                                   back_populates="children")
    children: Mapped[list["Matter"]] = relationship(back_populates="parent", foreign_keys=[parent_id],
                                                    order_by="Matter.sort_order")
    split_from: Mapped["Matter | None"] = relationship(remote_side="Matter.id", foreign_keys=[split_from_id])

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    def retired_on(self, on: dt.date) -> bool:
        return self.effective_to is not None and self.effective_to <= on


class ResponsibilityRule(Base):
    __tablename__ = "matter_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    area_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    time_limit: Mapped[int] = mapped_column(Integer)
    time_unit: Mapped[str] = mapped_column(String(16))
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    effective_from: Mapped[dt.date] = mapped_column(Date)
    effective_to: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    matter: Mapped[Matter] = relationship()
    area: Mapped[Department | None] = relationship(foreign_keys=[area_department_id])
    department: Mapped[Department] = relationship(foreign_keys=[department_id])

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)


class MatterChange(Base):
    """One adjustment of the catalog, as the history shows it."""

    __tablename__ = "matter_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    details: Mapped[dict] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class DomainCatalog(Versioned, Base):
    __tablename__ = "domain_catalog"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")

    owner: Mapped[Department | None] = relationship()


class DomainItem(Versioned, Base):
    __tablename__ = "domain_item"
    __table_args__ = (UniqueConstraint("catalog_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_id: Mapped[int] = mapped_column(ForeignKey("domain_catalog.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    matter_id: Mapped[int | None] = mapped_column(ForeignKey("matter.id", ondelete="RESTRICT"), index=True)
    mapped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    catalog: Mapped[DomainCatalog] = relationship()
    matter: Mapped[Matter | None] = relationship()
