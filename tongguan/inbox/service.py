"""Inbox: domains deliver messages to users; each user reads and marks their own."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from tongguan.db import utcnow
from tongguan.pagination import Page, paginate
from tongguan.permissions import Actor, action

from .models import InboxMessage


def deliver(session: Session, user_ids: Iterable[int], kind: str, title: str, body: str = "", link: str = "") -> int:
    """Put one message in each user's inbox (in the caller's transaction); returns how many."""
    ids = sorted(set(user_ids))
    if ids:
        now = utcnow()
        session.execute(insert(InboxMessage), [
            {"user_id": u, "kind": kind, "title": title[:300], "body": body, "link": link[:500], "created_at": now}
            for u in ids])
    return len(ids)


@action("inbox.own")
def inbox_list(session: Session, actor: Actor, *, unread=False, page=1, per_page=20) -> Page:
    """The actor's messages, newest first."""
    stmt = select(InboxMessage).where(InboxMessage.user_id == actor.id).order_by(InboxMessage.id.desc())
    if unread:
        stmt = stmt.where(InboxMessage.read_at.is_(None))
    return paginate(session, stmt, page, per_page)


@action("inbox.own")
def inbox_unread(session: Session, actor: Actor) -> int:
    return session.scalar(select(func.count()).select_from(InboxMessage).where(
        InboxMessage.user_id == actor.id, InboxMessage.read_at.is_(None))) or 0


@action("inbox.own")
def inbox_mark_read(session: Session, actor: Actor, ids: list[int] | None = None) -> int:
    """Mark these of the actor's messages (or, with no ids, all of them) read; returns how many changed."""
    stmt = update(InboxMessage).where(InboxMessage.user_id == actor.id, InboxMessage.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(InboxMessage.id.in_(ids))
    return session.execute(stmt.values(read_at=utcnow())).rowcount or 0
