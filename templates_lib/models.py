"""What the gallery keeps in the database: the scenarios cloned from it (a record of what each clone
created, so its drills and its overview page can find them) and the flow, form and page templates
that authors saved from their apps. The built-in scenario packages themselves live on disk
(`templates_lib/<code>/`), versioned with the code."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tongguan.accounts.models import Versioned
from tongguan.db import Base, JSONType

USE_STATES = {"pending": ("排队中", "Queued"), "running": ("创建中", "Creating"), "succeeded": ("已完成", "Done"),
              "failed": ("失败", "Failed")}
SAVED_KINDS = {"flow": ("流程模板", "Flow template"), "form": ("表单模板", "Form template"),
               "page": ("页面模板", "Page template")}


class TemplateUse(Versioned, Base):
    """One clone of a template into the workspace (a scenario, or a saved page, form or flow)."""

    __tablename__ = "template_use"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_code: Mapped[str] = mapped_column(String(64), index=True)
    template_version: Mapped[str] = mapped_column(String(32), default="")
    kind: Mapped[str] = mapped_column(String(12), default="scenario")
    code: Mapped[str] = mapped_column(String(64), unique=True)  # the prefix of everything it created
    name: Mapped[str] = mapped_column(String(200))
    app_id: Mapped[int | None] = mapped_column(ForeignKey("app.id", ondelete="SET NULL"))
    seed: Mapped[int] = mapped_column(Integer, default=1)
    size: Mapped[int] = mapped_column(Integer, default=0)
    # {"sources": {code: {"mode": "sample"|"own", "source_id"}}}
    bindings: Mapped[dict] = mapped_column(JSONType, default=dict)
    # {"sources": [{id, code, name, local}], "services": [...], "indicators": [...], ...}
    objects: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_by: Mapped[int | None] = mapped_column(Integer)
    # a scenario is cloned in the background: pending -> running -> succeeded | failed
    state: Mapped[str] = mapped_column(String(12), default="succeeded")
    stage: Mapped[str] = mapped_column(String(40), default="")
    progress: Mapped[int] = mapped_column(Integer, default=100)
    message: Mapped[str] = mapped_column(Text, default="")


class SavedTemplate(Versioned, Base):
    """A flow, form or page saved from an app into the gallery."""

    __tablename__ = "saved_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400), default="")
    categories: Mapped[list] = mapped_column(JSONType, default=list)
    domains: Mapped[list] = mapped_column(JSONType, default=list)
    document: Mapped[dict] = mapped_column(JSONType, default=dict)  # a page document or a flow draft
    source: Mapped[dict] = mapped_column(JSONType, default=dict)  # where it was saved from
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(Integer)
