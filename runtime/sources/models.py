"""Registered data sources. Secrets (passwords, API keys) are stored encrypted in `secret`;
`config` holds only what may be shown."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime

KINDS = {"sql": ("SQL 数据库", "SQL database"), "file": ("上传文件", "Uploaded file"),
         "http": ("HTTP JSON 接口", "HTTP JSON API"), "builtin": ("平台内置数据", "Built-in data")}
FIELD_TYPES = ("integer", "number", "string", "boolean", "date", "datetime")
FILE_TABLE_PREFIX = "src_"  # tables holding uploaded files' rows; not described by the models


class DataSource(Versioned, Base):
    __tablename__ = "data_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(8))
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"))
    config: Mapped[dict] = mapped_column(JSONType, default=dict)
    secret: Mapped[str] = mapped_column(Text, default="")  # Fernet token (tongguan.crypto); redacted in the audit
    fields: Mapped[list] = mapped_column(JSONType, default=list)  # [{name, type}] of a file or HTTP source
    status: Mapped[str] = mapped_column(String(16), default="untested")  # ok | error | untested
    last_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    row_count: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(Integer)

    @property
    def file_table(self) -> str:
        return f"{FILE_TABLE_PREFIX}{self.id}"
