"""Change subscriptions: tell a subscriber when a service's definition or its data changes.

In-app subscribers get an inbox message at once. Webhook subscribers get a POST of a JSON
document, signed so they can tell it came from here:

    X-Tongguan-Event: definition | data
    X-Tongguan-Delivery: <delivery id>          (the same on a retry: dedupe on it)
    X-Tongguan-Timestamp: <unix seconds>
    X-Tongguan-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

Webhook calls are written to an outbox in the same transaction as the change and made by the
`data_services.watch` job, which also takes a snapshot digest of every online service that
has data subscribers (run with its parameters' defaults) and notices when it changes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from runtime.sources import httpjson
from tongguan import crypto
from tongguan.db import utcnow
from tongguan.errors import Forbidden, Invalid, NotFound
from tongguan.inbox.service import deliver
from tongguan.jobs import job
from tongguan.permissions import Actor, action

from .models import DataService, DataServiceDelivery, DataServiceSubscription

MAX_ATTEMPTS = 5
TITLES = {"definition": "数据服务“{name}”的定义已变更（第 {revision} 版，{state}）",
          "data": "数据服务“{name}”的数据已更新（{rows} 行）"}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _subscription(session: Session, actor: Actor, subscription_id: int) -> DataServiceSubscription:
    sub = session.get(DataServiceSubscription, subscription_id)
    if sub is None or (sub.user_id != actor.id and not actor.can("data.manage")):
        raise NotFound(f"Subscription {subscription_id} does not exist.")
    return sub


@action("data.read")
def subscription_create(session: Session, actor: Actor, service_id: int, data: dict,
                        allowed_hosts: list[str] | None = None) -> tuple[DataServiceSubscription, str | None]:
    """Subscribe the actor to a service. For a webhook, returns the signing secret (shown once;
    generated unless given)."""
    if actor.id is None:
        raise Forbidden("Only a user can subscribe.")
    svc = session.get(DataService, service_id)
    if svc is None:
        raise NotFound(f"Data service {service_id} does not exist.")
    errors: dict[str, list[str]] = {}
    channel = data.get("channel", "inapp")
    on_definition, on_data = data.get("on_definition", True), data.get("on_data", True)
    if not (on_definition or on_data):
        errors["on_data"] = ["请至少选择一种变更（定义或数据）"]
    secret = None
    if channel == "webhook":
        try:
            httpjson.check_url(data.get("url") or "", httpjson.ALLOWED_HOSTS if allowed_hosts is None
                               else allowed_hosts)
        except httpjson.FetchError as exc:
            errors["url"] = [str(exc)]
        secret = data.get("secret") or secrets.token_urlsafe(32)
    elif data.get("url"):
        errors["url"] = ["站内消息不需要地址"]
    if errors:
        raise Invalid("The subscription is not valid.", errors)
    sub = DataServiceSubscription(service_id=svc.id, user_id=actor.id, channel=channel,
                                  url=data.get("url", "") if channel == "webhook" else "",
                                  secret=crypto.encrypt({"secret": secret}) if secret else "",
                                  on_definition=on_definition, on_data=on_data)
    session.add(sub)
    session.flush()
    return sub, secret


@action("data.read")
def subscription_list(session: Session, actor: Actor, service_id: int) -> list[DataServiceSubscription]:
    """The actor's subscriptions to a service (a data manager sees everybody's)."""
    stmt = select(DataServiceSubscription).where(DataServiceSubscription.service_id == service_id)
    if not actor.can("data.manage"):
        stmt = stmt.where(DataServiceSubscription.user_id == actor.id)
    return list(session.scalars(stmt.order_by(DataServiceSubscription.id)))


@action("data.read")
def subscription_delete(session: Session, actor: Actor, subscription_id: int) -> None:
    session.delete(_subscription(session, actor, subscription_id))


@action("data.read")
def subscription_deliveries(session: Session, actor: Actor, subscription_id: int, limit: int = 50) -> list:
    """A webhook's latest deliveries, newest first: whether each arrived, and why not."""
    sub = _subscription(session, actor, subscription_id)
    return list(session.scalars(select(DataServiceDelivery).where(DataServiceDelivery.subscription_id == sub.id)
                                .order_by(DataServiceDelivery.id.desc()).limit(limit)))


# --- telling subscribers ------------------------------------------------------------------


def _notify(session: Session, sub: DataServiceSubscription, svc: DataService, event: str, detail: dict) -> None:
    from .models import STATES

    facts = {"name": svc.name, "revision": svc.revision, "state": STATES[svc.state][0], **detail}
    if sub.channel == "inapp":
        deliver(session, [sub.user_id], f"data_service.{event}", TITLES[event].format(**facts),
                detail.get("summary", ""), f"/data/services/{svc.id}")
        return
    payload = {"event": event, "service": svc.code, "name": svc.name, "revision": svc.revision, "state": svc.state,
               "at": utcnow().isoformat(), **{k: v for k, v in detail.items() if k != "summary"}}
    session.add(DataServiceDelivery(subscription_id=sub.id, event=event, payload=payload))


def definition_changed(session: Session, svc: DataService, summary: str) -> None:
    """Called by the service layer after a change of definition or state."""
    subs = session.scalars(select(DataServiceSubscription).where(DataServiceSubscription.service_id == svc.id,
                                                                 DataServiceSubscription.on_definition.is_(True)))
    for sub in subs:
        _notify(session, sub, svc, "definition", {"summary": summary})


def _digest(session: Session, svc: DataService) -> tuple[str, int]:
    from .service import MAX_ROWS, _bind, _execute

    defaults = {p["name"]: p.get("default") for p in svc.params if p.get("default") is not None}
    result = _execute(session, svc, _bind(svc, defaults), MAX_ROWS)
    body = json.dumps([result["columns"], result["rows"]], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode()).hexdigest(), len(result["rows"])


def watch(session: Session, now: dt.datetime | None = None, send: bool = True) -> dict:
    """Take the data snapshots subscribers wait for, then make the webhook calls that are due."""
    now = now or utcnow()
    changed = checked = 0
    subs = session.scalars(select(DataServiceSubscription).join(DataService)
                           .where(DataServiceSubscription.on_data.is_(True), DataService.state == "online")
                           .order_by(DataServiceSubscription.service_id)).all()
    by_service: dict[int, list[DataServiceSubscription]] = {}
    for sub in subs:
        by_service.setdefault(sub.service_id, []).append(sub)
    for service_id, group in by_service.items():
        svc = session.get(DataService, service_id)
        try:
            digest, rows = _digest(session, svc)
        except Invalid:
            continue  # a source that is down is the alerting's business; try again next tick
        checked += 1
        for sub in group:
            if sub.data_digest and sub.data_digest != digest:
                _notify(session, sub, svc, "data", {"digest": digest, "rows": rows, "summary": f"快照摘要 {digest[:12]}"})
                changed += 1
            sub.data_digest, sub.checked_at = digest, now
    session.flush()
    sent, failed = send_pending(session, now) if send else (0, 0)
    return {"services_checked": checked, "data_changes": changed, "webhooks_sent": sent, "webhooks_failed": failed}


def send_pending(session: Session, now: dt.datetime | None = None) -> tuple[int, int]:
    now = now or utcnow()
    sent = failed = 0
    pending = session.scalars(select(DataServiceDelivery).where(DataServiceDelivery.delivered_at.is_(None),
                                                                DataServiceDelivery.failed_at.is_(None))
                              .order_by(DataServiceDelivery.id).limit(500)).all()
    for d in pending:
        sub = session.get(DataServiceSubscription, d.subscription_id)
        body = json.dumps(d.payload, ensure_ascii=False, sort_keys=True).encode()
        stamp = str(int(time.time()))
        secret = crypto.decrypt(sub.secret)["secret"]
        d.attempts += 1
        try:
            httpjson.post_json(sub.url, body, headers={
                "X-Tongguan-Event": d.event, "X-Tongguan-Delivery": str(d.id), "X-Tongguan-Timestamp": stamp,
                "X-Tongguan-Signature": sign(secret, stamp, body), "User-Agent": "Tongguan-Webhook/1"})
            d.delivered_at, d.last_error = now, ""
            sent += 1
        except httpjson.FetchError as exc:
            d.last_error = str(exc)[:500]
            if d.attempts >= MAX_ATTEMPTS:
                d.failed_at = now
            failed += 1
    return sent, failed


@job("data_services.watch", every_seconds=300)
def watch_job(session: Session, tick: str, **params) -> dict:
    """The periodic job: data snapshots every five minutes, and webhook calls with retries."""
    return watch(session)
