"""Apps: what operators build (cards, pages, big screens, mobile pages).

This is the app's identity, owner and state; its pages (each a draft document with its
revisions) and its releases (every page frozen at publishing) hang off it. Data services are authorised to apps by id.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow

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
    # The release /run shows; None: the newest. Set by deploying and rolling back.
    active_release: Mapped[int | None] = mapped_column(Integer)
    # {welcome: {enabled, title, text, image, duration_s}, background: {color, image}} (builder.app_settings)
    settings: Mapped[dict] = mapped_column(JSONType, default=dict)


class AppPage(Versioned, Base):
    """One page of an app: its current draft document (`builder.documents`), saved with If-Match.
    Every save of the document is kept as an `AppRevision`."""

    __tablename__ = "app_page"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("app.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    document: Mapped[dict] = mapped_column(JSONType, default=dict)
    updated_by: Mapped[int | None] = mapped_column(Integer)
    updated_by_name: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (UniqueConstraint("app_id", "code"),)


class AppRevision(Base):
    """A saved document of a page, never changed again: number 1, 2, ... per page."""

    __tablename__ = "app_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("app_page.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict] = mapped_column(JSONType)
    author_id: Mapped[int | None] = mapped_column(Integer)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    restored_from: Mapped[int | None] = mapped_column(Integer)  # the number of the revision brought back
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("page_id", "number"),)


class AppRelease(Base):
    """A published app: every page's document frozen together, never changed again."""

    __tablename__ = "app_release"

    id: Mapped[int] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(ForeignKey("app.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    pages: Mapped[list] = mapped_column(JSONType)  # [{"code", "name", "revision"}] in page order
    documents: Mapped[dict] = mapped_column(JSONType)  # {page code: document}
    note: Mapped[str] = mapped_column(Text, default="")
    published_by: Mapped[int | None] = mapped_column(Integer)
    published_by_name: Mapped[str] = mapped_column(String(200), default="")
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("app_id", "number"),)
