"""Every write is audited, whoever makes it: a flush listener records each inserted,
updated or deleted object with the session's actor and action.

Services declared with `permissions.action` put the actor and the action name
into `session.info`; anything else that writes (CLI, jobs) uses `acting_as`.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import hashlib
import json

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from ..db import utcnow

REDACTED = "[redacted]"
SECRET_COLUMNS = {"password_hash", "token_hash", "secret", "credentials"}
# A model may name more columns to redact, e.g. tag values that are masked on every read path:
#     __audit_redact__ = ("value",)
NOISE_COLUMNS = {"version", "updated_at"}


@contextlib.contextmanager
def acting_as(session: Session, actor, action: str):
    """Attribute the writes inside the block to `actor` doing `action` (outermost wins)."""
    saved = session.info.get("actor"), session.info.get("action")
    if saved[0] is None:
        session.info["actor"] = actor
    if saved[1] is None:
        session.info["action"] = action
    try:
        yield session
    finally:
        session.info["actor"], session.info["action"] = saved


def _plain(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return hashlib.sha256(value).hexdigest()
    return value


def _digest(state: dict) -> str:
    text = json.dumps({k: _plain(v) for k, v in state.items()}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _states(obj) -> tuple[dict, dict, dict]:
    """(before, after, changes) of an object's columns and collections during a flush."""
    insp = inspect(obj)
    secret = SECRET_COLUMNS | set(getattr(obj, "__audit_redact__", ()))
    before, after, changes = {}, {}, {}
    for attr in insp.mapper.column_attrs:
        hist = insp.attrs[attr.key].history
        new = hist.added[0] if hist.added else (hist.unchanged[0] if hist.unchanged else getattr(obj, attr.key, None))
        old = hist.deleted[0] if hist.deleted else new
        if attr.key in secret:  # digests of clear values could be reversed by trying every phone number
            before[attr.key], after[attr.key] = REDACTED, REDACTED
        else:
            before[attr.key], after[attr.key] = old, new
        if hist.deleted and old != new and attr.key not in NOISE_COLUMNS:
            shown = (REDACTED, REDACTED) if attr.key in secret else (_plain(old), _plain(new))
            changes[attr.key] = list(shown)
    for rel in insp.mapper.relationships:
        if not rel.uselist or rel.viewonly:
            continue
        hist = insp.attrs[rel.key].history
        if hist.added or hist.deleted:
            keys = lambda objs: sorted(str(inspect(o).identity[0] if inspect(o).identity else o) for o in objs)  # noqa: E731
            old = keys(list(hist.unchanged) + list(hist.deleted))
            new = keys(list(hist.unchanged) + list(hist.added))
            before[rel.key], after[rel.key] = old, new
            changes[rel.key] = [old, new]
    return before, after, changes


def _object_id(obj) -> str:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join("" if k is None else str(k) for k in key)


@event.listens_for(Session, "after_flush")
def _record(session: Session, _flush_context) -> None:
    from .models import AuditEntry

    actor = session.info.get("actor")
    action = session.info.get("action") or "write"
    request_id, ip = session.info.get("request_id", ""), session.info.get("ip", "")
    rows = []
    for operation, objects in (("insert", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not getattr(obj, "__audit__", True):
                continue
            if operation == "update" and not session.is_modified(obj, include_collections=True):
                continue
            before, after, changes = _states(obj)
            if operation == "update" and not changes:
                continue
            rows.append(
                {
                    "at": utcnow(),
                    "actor_id": getattr(actor, "id", None),
                    "actor_name": getattr(actor, "username", None) or "system",
                    "via": getattr(actor, "via", "system"),
                    "action": action,
                    "operation": operation,
                    "object_type": obj.__tablename__,
                    "object_id": _object_id(obj),
                    "before_digest": None if operation == "insert" else _digest(before),
                    "after_digest": None if operation == "delete" else _digest(after),
                    "changes": changes if operation == "update" else {},
                    "request_id": request_id,
                    "ip": ip,
                }
            )
    if rows:
        session.connection().execute(insert(AuditEntry.__table__), rows)
