"""Tables of the component registry: a component and its coexisting versions."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow
from tongguan.files.models import StoredFile

from . import semver

CODE_RE = re.compile(r"[a-z][a-z0-9_-]{0,31}(?:\.[a-z0-9][a-z0-9_-]{0,31}){0,3}", re.ASCII)
CODE_MESSAGE = ("编码须为小写字母开头、以点分隔的小写字母、数字、下划线或连字符，如 vendor.chart-3d "
                "(a lower-case dotted code such as vendor.chart-3d)")


def is_code(value) -> bool:
    """A component code: `chart.bar`, `vendor.chart-3d` (no `@`: pages write `code@version`)."""
    return isinstance(value, str) and len(value) <= 64 and CODE_RE.fullmatch(value) is not None


# Lifecycle (组件生命周期), in order. A version moves forward one step at a time, or back
# from testing to development; retired is final.
STATES = ("analysis", "design", "development", "testing", "released", "maintenance", "retired")
STATE_NAMES = {
    "analysis": "需求分析", "design": "设计", "development": "开发", "testing": "测试",
    "released": "发布", "maintenance": "维护", "retired": "下线",
}
# Only these may be placed on a new page; every state stays resolvable for pages that use it.
PLACEABLE = ("released", "maintenance")


def next_states(state: str) -> list[str]:
    """The states a version in `state` may move to."""
    if state == "retired":
        return []
    moves = [STATES[STATES.index(state) + 1]]
    if state == "testing":
        moves.append("development")
    return moves


class Component(Versioned, Base):
    """A component of the library (组件): built in (declared in `components/`) or third-party."""

    __tablename__ = "component"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(32), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    vendor: Mapped[str] = mapped_column(String(200), default="")  # third-party supplier (供应商)

    versions: Mapped[list["ComponentVersion"]] = relationship(
        back_populates="component", lazy="selectin", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def sorted_versions(self) -> list["ComponentVersion"]:
        """Oldest first, by semver precedence."""
        return semver.sort(self.versions, attr="semver")

    @property
    def latest_version(self) -> str | None:
        ordered = self.sorted_versions
        return ordered[-1].semver if ordered else None

    @property
    def latest_placeable_version(self) -> str | None:
        """The newest version a new page may use (released or maintenance), if any."""
        ordered = [v for v in self.sorted_versions if v.state in PLACEABLE]
        return ordered[-1].semver if ordered else None


class ComponentVersion(Versioned, Base):
    """One version of a component. `semver` is the version's number (`1.2.0`); the
    inherited `version` column is the row's revision, i.e. its ETag."""

    __tablename__ = "component_version"
    __table_args__ = (UniqueConstraint("component_id", "semver"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    component_id: Mapped[int] = mapped_column(ForeignKey("component.id", ondelete="CASCADE"), index=True)
    semver: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="analysis", index=True)
    state_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    notes: Mapped[str] = mapped_column(Text, default="")  # 版本说明
    props_schema: Mapped[dict] = mapped_column(JSONType, default=dict)
    manual_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))
    api_doc_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id", ondelete="SET NULL"))

    component: Mapped[Component] = relationship(back_populates="versions")
    manual: Mapped[StoredFile | None] = relationship(foreign_keys=[manual_file_id], lazy="selectin")
    api_doc: Mapped[StoredFile | None] = relationship(foreign_keys=[api_doc_file_id], lazy="selectin")
    # a third-party version registered from a package (None: built in, or registered by hand)
    renderer: Mapped["ComponentRenderer | None"] = relationship(lazy="selectin", uselist=False, viewonly=True)

    @property
    def code(self) -> str:
        return self.component.code

    @property
    def placeable(self) -> bool:
        return self.state in PLACEABLE

    @property
    def next_states(self) -> list[str]:
        return next_states(self.state)


# --- third-party renderers (组件渲染器), from component packages (builder/component_packages.py) -------

RENDERER_KINDS = ("vega-lite", "iframe")


class ComponentRenderer(Base):
    """How a third-party version draws: a Vega-Lite template whose data is `{"name": "rows"}`, or a
    page shown in a sandboxed iframe (`entry` under the package's renderer/ folder). Also keeps the
    version's data slots, which the registry's own columns do not describe."""

    __tablename__ = "component_renderer"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("component_version.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    template: Mapped[dict | None] = mapped_column(JSONType)
    entry: Mapped[str] = mapped_column(String(512), default="")
    slots: Mapped[list] = mapped_column(JSONType, default=list)
    package_sha256: Mapped[str] = mapped_column(String(64))
    signed_by: Mapped[str | None] = mapped_column(String(64))  # key fingerprint; None: unsigned
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    files: Mapped[list["ComponentRendererFile"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True)


class ComponentRendererFile(Base):
    """One file of a renderer (html, js, css, images), by its path under renderer/; the bytes are a
    stored file (STORAGE_PATH/<sha[:2]>/<sha>, as uploads are)."""

    __tablename__ = "component_renderer_file"
    __table_args__ = (UniqueConstraint("renderer_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    renderer_id: Mapped[int] = mapped_column(ForeignKey("component_renderer.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(512))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id", ondelete="RESTRICT"))

    file: Mapped[StoredFile] = relationship(lazy="selectin")
