"""Directories, resources and the grants on them.

A directory's `path` is its chain of ids, "/1/5/9/", so that a subtree is one
prefix match (`path LIKE '/1/5/%'`) for statistics, permissions and moves.
Deleted rows stay, with `deleted_at` and the `deleted_batch` they went in, so a
recycle-bin restore brings back exactly what one delete removed.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow

# code -> (zh-CN, en); every class has exactly one root directory.
RESOURCE_CLASSES: dict[str, tuple[str, str]] = {
    "data": ("数据资源", "Data resources"),
    "application": ("应用", "Applications"),
    "platform_service": ("平台服务", "Platform services"),
    "service_component": ("服务组件", "Service components"),
    "document": ("文档", "Documents"),
    "image": ("图片", "Images"),
    "audio": ("音频", "Audio"),
    "video": ("视频", "Video"),
    "tool": ("工具", "Tools"),
}
STATUSES = {"draft": ("编目中", "Draft"), "published": ("已发布", "Published"),
            "offline": ("已下线", "Offline"), "retired": ("已废止", "Retired")}
SHARING = {"unconditional": ("无条件共享", "Unconditional"), "conditional": ("有条件共享", "Conditional"),
           "none": ("不予共享", "Not shared")}
UPDATE_CYCLES = {"realtime": ("实时", "Real time"), "daily": ("每日", "Daily"), "weekly": ("每周", "Weekly"),
                 "monthly": ("每月", "Monthly"), "quarterly": ("每季度", "Quarterly"), "yearly": ("每年", "Yearly"),
                 "irregular": ("不定期", "Irregular")}
LEVELS = ("view", "use", "edit", "manage")  # each includes the ones before it


class Directory(Versioned, Base):
    __tablename__ = "catalog_directory"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_class: Mapped[str] = mapped_column(String(24), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_directory.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    path: Mapped[str] = mapped_column(String(1000), default="/", index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(Integer)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(Integer)
    deleted_batch: Mapped[str | None] = mapped_column(String(32), index=True)

    parent: Mapped["Directory | None"] = relationship(remote_side="Directory.id")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(p) for p in self.path.strip("/").split("/") if p]


class Resource(Versioned, Base):
    __tablename__ = "catalog_resource"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    resource_class: Mapped[str] = mapped_column(String(24))
    directory_id: Mapped[int] = mapped_column(ForeignKey("catalog_directory.id", ondelete="RESTRICT"))
    owner_department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    sharing: Mapped[str] = mapped_column(String(16), default="conditional")
    update_cycle: Mapped[str] = mapped_column(String(16), default="irregular")
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    meta: Mapped[dict] = mapped_column(JSONType, default=dict)  # class-specific, validated by classes.py
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))
    # Everything searchable, flattened: kept by the service, indexed by FTS5 (SQLite) or pg_trgm (PostgreSQL).
    search_text: Mapped[str] = mapped_column(Text, default="")
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(Integer)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(Integer)
    deleted_batch: Mapped[str | None] = mapped_column(String(32), index=True)

    directory: Mapped[Directory] = relationship()

    __table_args__ = (
        # Statistics of a subtree read only this index (no table rows).
        Index("ix_catalog_resource_dir", "directory_id", "deleted_at", "use_count"),
        Index("ix_catalog_resource_recent", "updated_at"),
        Index("ix_catalog_resource_use", "use_count"),
    )


class CatalogGrant(Base):
    """`level` on a directory (and everything under it) or on one resource, for a department or a role."""

    __tablename__ = "catalog_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    directory_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_directory.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_resource.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), index=True)
    role_code: Mapped[str | None] = mapped_column(ForeignKey("role.code", ondelete="CASCADE"))
    level: Mapped[str] = mapped_column(String(8))
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("(directory_id IS NULL) <> (resource_id IS NULL)", name="one_target"),
        CheckConstraint("(department_id IS NULL) <> (role_code IS NULL)", name="one_principal"),
    )


class DirectoryCount(Base):
    """How many resources directly in a directory have each class, status, owner and month
    (kept by rollup.py; read by the statistics)."""

    __tablename__ = "catalog_directory_count"
    __audit__ = False  # derived data: the resources' own history is the record

    directory_id: Mapped[int] = mapped_column(ForeignKey("catalog_directory.id", ondelete="CASCADE"),
                                              primary_key=True)
    dimension: Mapped[str] = mapped_column(String(8), primary_key=True)  # class | status | owner | month
    value: Mapped[str] = mapped_column(String(32), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


from . import rollup  # noqa: E402,F401 - registers the flush listener that keeps DirectoryCount
