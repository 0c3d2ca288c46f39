"""Apps: what operators build (cards, pages, big screens, mobile pages).

This is the app's identity, owner and state; its documents, versions, packages and
environments hang off it (builder issue). Data services are authorised to apps by id.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base

KINDS = {"card": ("卡片", "Card"), "page": ("页面", "Page"), "screen": ("大屏", "Big screen"),
         "mobile": ("移动端", "Mobile")}
STATES = {"draft": ("草稿", "Draft"), "published": ("已发布", "Published"), "offline": ("已下线", "Offline")}


class App(Versioned, Base):
    __tablename__ = "app"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="draft")
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    created_by: Mapped[int | None] = mapped_column(Integer)
