"""Tables of tags, masking, grants and feedback.

A tag belongs to one subject (诉求人, 企业, ..., or the built-in `resource` for catalog
resources) and optionally to a tag type, which groups tags of one business topic.
The tag row holds the current definition; each published definition is kept in
`tag_revision` as a snapshot, so a published tag changes only by a new revision.
Values live in `tag_value`, one per (tag, subject, key); they are masked on every
read path unless the reader's department owns the tag or holds an active grant.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tongguan.accounts.models import Department, User, Versioned
from tongguan.db import Base, JSONType, UTCDateTime, utcnow

RESOURCE_SUBJECT = "resource"
# code -> (zh-CN, en); `resource` always exists (catalog resources are tagged with it).
BUILTIN_SUBJECTS: dict[str, tuple[str, str]] = {RESOURCE_SUBJECT: ("数字资源", "Digital resources")}
VALUE_TYPES = ("enum", "number", "text", "date", "boolean")
STATES = ("draft", "published", "deprecated")
MASKINGS = ("none", "phone", "id_number", "name", "address", "custom")
GRANT_STATES = ("pending", "granted", "refused", "revoked")  # "expired" is derived: granted and past expires_at


class TagSubject(Base):
    """Whose data a tag describes: 诉求人, 企业, 事件, 地址, 车辆, 数字资源 ..."""

    __tablename__ = "tag_subject"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    builtin: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class TagType(Base):
    """A class of tags; tags of one business topic (民生诉求, 企业信用 ...) share a topic."""

    __tablename__ = "tag_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(100), default="", index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Tag(Versioned, Base):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    subject_code: Mapped[str] = mapped_column(ForeignKey("tag_subject.code", ondelete="RESTRICT"), index=True)
    type_id: Mapped[int | None] = mapped_column(ForeignKey("tag_type.id", ondelete="RESTRICT"), index=True)
    value_type: Mapped[str] = mapped_column(String(16))
    # enum: {"options": [...]}; number: {"min": x, "max": y} (either optional); others: {}
    allowed: Mapped[dict] = mapped_column(JSONType, default=dict)
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    rule_text: Mapped[str] = mapped_column(Text, default="")  # DSL text, stored only, never evaluated here
    masking: Mapped[str] = mapped_column(String(16), default="none")
    masking_params: Mapped[dict] = mapped_column(JSONType, default=dict)  # custom: keep_first, keep_last, mask_char
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # the definition's version number (版本号)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    deprecated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    view_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(Integer)

    subject: Mapped[TagSubject] = relationship(lazy="joined")
    type: Mapped[TagType | None] = relationship(lazy="joined")
    owner_department: Mapped[Department | None] = relationship(lazy="joined")


class TagRevision(Base):
    """The definition of a tag as it was published at one revision (history)."""

    __tablename__ = "tag_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict] = mapped_column(JSONType, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("tag_id", "revision"),)


class TagValue(Base):
    """One subject's value of one tag. Other packages join this table (resource tag facets)."""

    __tablename__ = "tag_value"
    __audit_redact__ = ("value", "value_num")

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"))
    subject_code: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(128))
    value: Mapped[str] = mapped_column(Text)  # canonical string
    value_num: Mapped[float | None] = mapped_column(Float)  # numbers; dates as ordinal days; booleans 1/0
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint("tag_id", "subject_code", "subject_key"),
        Index("ix_tag_value_subject", "subject_code", "subject_key"),
        Index("ix_tag_value_tag_subject", "tag_id", "subject_code", "subject_key"),
    )


class TagGrant(Base):
    """A department's application for a tag and its outcome (标签授权)."""

    __tablename__ = "tag_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="CASCADE"), index=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    wanted_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    tag: Mapped[Tag] = relationship()
    department: Mapped[Department] = relationship(lazy="joined")
    applicant: Mapped[User | None] = relationship(foreign_keys=[applicant_id], lazy="joined")
    decider: Mapped[User | None] = relationship(foreign_keys=[decided_by], lazy="joined")

    __table_args__ = (Index("ix_tag_grant_tag_department", "tag_id", "department_id", "state"),)

    def status_at(self, now: dt.datetime) -> str:
        if self.state == "granted" and self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return self.state


class TagLike(Base):
    __tablename__ = "tag_like"

    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TagFavourite(Base):
    __tablename__ = "tag_favourite"

    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TagComment(Base):
    __tablename__ = "tag_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tag.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(100), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
