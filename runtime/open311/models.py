"""Open311 services: the matters citizens may report, as GeoReport v2 describes them."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")


class Open311Service(Versioned, Base):
    __tablename__ = "open311_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_code: Mapped[str] = mapped_column(String(64), unique=True)
    matter_id: Mapped[int] = mapped_column(ForeignKey("matter.id", ondelete="RESTRICT"), index=True)
    service_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    group: Mapped[str] = mapped_column(String(100), default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")
    # [{code, variable, datatype, required, datatype_description, order, description, values: [{key, name}]}]
    attributes: Mapped[list] = mapped_column(JSONType, default=list)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
