"""Reading the audit log."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..pagination import Page, paginate
from ..permissions import Actor, action
from .models import AuditEntry


@action("audit.read")
def audit_list(session: Session, actor: Actor, *, actor_id=None, actor_name=None, action_name=None, operation=None,
               object_type=None, object_id=None, since=None, until=None, page=1, per_page=50) -> Page:
    """Audit entries, newest first, filtered by who, what, which object and when.

    :param since: entries at or after this time (aware datetime)
    :param until: entries before this time
    """
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    filters = {
        AuditEntry.actor_id: actor_id,
        AuditEntry.actor_name: actor_name,
        AuditEntry.action: action_name,
        AuditEntry.operation: operation,
        AuditEntry.object_type: object_type,
        AuditEntry.object_id: object_id,
    }
    for column, value in filters.items():
        if value is not None:
            stmt = stmt.where(column == value)
    if since is not None:
        stmt = stmt.where(AuditEntry.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.at < until)
    return paginate(session, stmt, page, per_page)
