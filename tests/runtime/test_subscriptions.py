"""Change subscriptions: inbox messages and signed webhooks when a service's definition or data changes."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from runtime.services import service, subscriptions
from runtime.services.models import DataServiceDelivery
from runtime.sources import httpjson
from runtime.sources import service as sources
from tongguan.errors import Invalid, NotFound
from tongguan.inbox import service as inbox
from tongguan.permissions import Actor


class Receiver:
    """A webhook endpoint on 127.0.0.1 that records what it gets and answers `status`."""

    def __init__(self):
        self.calls, self.status = [], 204
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.calls.append((dict(self.headers), body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    r = Receiver()
    saved = list(httpjson.ALLOWED_HOSTS)
    httpjson.configure(["127.0.0.1"])
    yield r
    httpjson.configure(saved)
    r.server.shutdown()


@pytest.fixture
def rain(session, system):
    src = sources.source_create(session, system, {"code": "rain", "name": "雨量", "kind": "file"}, sources.Policy())
    session.flush()

    def load(body):
        sources.source_upload(session, system, src.id, body.encode(), "rain.csv")
        session.commit()

    load("district,mm\n江东区,10\n")
    svc = service.service_create(session, system, {"code": "rain_rows", "name": "雨量", "source_id": src.id,
                                                   "kind": "table", "definition": {"table": src.file_table}})
    service.service_set_state(session, system, svc.id, "online")
    session.commit()
    return svc, load


def test_inbox_and_webhook_subscribers_hear_of_definition_and_data_changes(session, make_user, rain, receiver):
    svc, load = rain
    reader = Actor.for_user(make_user("reader", "handler"))
    partner = Actor.for_user(make_user("partner", "author"))
    subscriptions.subscription_create(session, reader, svc.id, {"channel": "inapp"})
    hook, secret = subscriptions.subscription_create(session, partner, svc.id, {"channel": "webhook",
                                                                                "url": receiver.url})
    session.commit()
    assert secret and hook.secret != secret  # stored encrypted

    service.service_update(session, Actor.system("t"), svc.id, {"name": "各站雨量"})
    session.commit()
    messages = inbox.inbox_list(session, reader).items
    assert [m.kind for m in messages] == ["data_service.definition"]
    assert "各站雨量" in messages[0].title and messages[0].link == f"/data/services/{svc.id}"

    out = subscriptions.watch(session)  # sends the definition webhook; the first snapshot only sets the baseline
    session.commit()
    assert out == {"services_checked": 1, "data_changes": 0, "webhooks_sent": 1, "webhooks_failed": 0}
    headers, body = receiver.calls[0]
    stamp = headers["X-Tongguan-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    assert headers["X-Tongguan-Signature"] == expected
    assert headers["X-Tongguan-Event"] == "definition" and json.loads(body)["service"] == "rain_rows"

    assert subscriptions.watch(session)["data_changes"] == 0  # nothing changed: nobody is told
    load("district,mm\n江东区,10\n江西区,75\n")
    out = subscriptions.watch(session)
    session.commit()
    assert out["data_changes"] == 2 and out["webhooks_sent"] == 1
    assert json.loads(receiver.calls[1][1])["rows"] == 2 and receiver.calls[1][0]["X-Tongguan-Event"] == "data"
    assert inbox.inbox_unread(session, reader) == 2
    assert inbox.inbox_mark_read(session, reader) == 2 and inbox.inbox_unread(session, reader) == 0
    assert len(inbox.inbox_list(session, reader, unread=True).items) == 0
    # the partner's inbox is untouched: its subscription is a webhook
    assert inbox.inbox_unread(session, partner) == 0


def test_a_failing_webhook_is_retried_under_one_delivery_id_then_given_up(session, make_user, rain, receiver):
    svc, _ = rain
    partner = Actor.for_user(make_user("partner", "author"))
    hook, _ = subscriptions.subscription_create(session, partner, svc.id, {"channel": "webhook", "url": receiver.url,
                                                                           "on_data": False})
    service.service_set_state(session, Actor.system("t"), svc.id, "offline")
    session.commit()
    receiver.status = 500
    for _ in range(subscriptions.MAX_ATTEMPTS + 2):
        subscriptions.send_pending(session)
    session.commit()
    delivery = session.scalars(select(DataServiceDelivery)).one()
    assert delivery.attempts == subscriptions.MAX_ATTEMPTS and delivery.failed_at is not None
    assert "500" in delivery.last_error
    assert len(receiver.calls) == subscriptions.MAX_ATTEMPTS
    assert {c[0]["X-Tongguan-Delivery"] for c in receiver.calls} == {str(delivery.id)}
    assert [d.id for d in subscriptions.subscription_deliveries(session, partner, hook.id)] == [delivery.id]


def test_webhooks_into_the_platform_network_and_strangers_are_refused(session, make_user, rain):
    svc, _ = rain
    partner = Actor.for_user(make_user("partner", "author"))
    with pytest.raises(Invalid) as err:
        subscriptions.subscription_create(session, partner, svc.id, {"channel": "webhook",
                                                                     "url": "http://127.0.0.1:9/hook"}, [])
    assert "内部地址" in err.value.errors["url"][0]
    with pytest.raises(Invalid):
        subscriptions.subscription_create(session, partner, svc.id, {"on_definition": False, "on_data": False})
    mine, _ = subscriptions.subscription_create(session, partner, svc.id, {})
    session.commit()
    other = Actor.for_user(make_user("other", "author"))
    assert subscriptions.subscription_list(session, other, svc.id) == []
    with pytest.raises(NotFound):
        subscriptions.subscription_delete(session, other, mine.id)
    subscriptions.subscription_delete(session, partner, mine.id)
    session.commit()
    assert subscriptions.subscription_list(session, Actor.system("t"), svc.id) == []


def test_the_http_api(client, bearer, make_user, session, rain, receiver):
    svc, _ = rain
    headers = bearer(make_user("partner", "author"))
    resp = client.post(f"/api/v1/data-services/{svc.id}/subscriptions", headers=headers,
                       json={"channel": "webhook", "url": "http://10.0.0.8/hook"})
    assert resp.status_code == 422 and "url" in str(resp.json["errors"])
    client.application.config["HTTP_SOURCE_ALLOWED_HOSTS"] = ["127.0.0.1"]
    resp = client.post(f"/api/v1/data-services/{svc.id}/subscriptions", headers=headers,
                       json={"channel": "webhook", "url": receiver.url})
    assert resp.status_code == 201 and len(resp.json["secret"]) >= 32
    listed = client.get(f"/api/v1/data-services/{svc.id}/subscriptions", headers=headers).json
    assert [s["id"] for s in listed] == [resp.json["id"]] and "secret" not in listed[0]
    inapp = client.post(f"/api/v1/data-services/{svc.id}/subscriptions", headers=headers, json={}).json
    assert "secret" not in inapp
    service.service_update(session, Actor.system("t"), svc.id, {"description": "每小时更新"})
    session.commit()
    assert client.get("/api/v1/inbox/unread", headers=headers).json == {"unread": 1}
    page = client.get("/api/v1/inbox", headers=headers).json
    assert page["items"][0]["kind"] == "data_service.definition"
    assert client.post("/api/v1/inbox/read", headers=headers, json={"ids": [page["items"][0]["id"]]}).json == {
        "unread": 0}
    deliveries = client.get(f"/api/v1/data-service-subscriptions/{resp.json['id']}/deliveries", headers=headers).json
    assert [d["event"] for d in deliveries] == ["definition"] and deliveries[0]["delivered_at"] is None
    assert client.delete(f"/api/v1/data-service-subscriptions/{inapp['id']}", headers=headers).status_code == 204
