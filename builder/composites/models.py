"""The composite component table: the saved group's cards, their geometry relative to the group."""
from __future__ import annotations

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType

CATEGORY = "composite"


class CompositeComponent(Versioned, Base):
    """A saved group of cards (组合组件). `cards` are page-document cards (`builder.documents`)
    whose x and y count from the group's top-left corner, in the units of `layout` (pixels on a
    free page, columns and rows on a grid), with their props and bindings."""

    __tablename__ = "composite_component"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(32), default=CATEGORY)
    layout: Mapped[str] = mapped_column(String(8), default="free")  # the units of the cards' geometry
    cards: Mapped[list] = mapped_column(JSONType, default=list)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_by_name: Mapped[str] = mapped_column(String(200), default="")
