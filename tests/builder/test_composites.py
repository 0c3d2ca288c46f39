"""Composite components (组合组件): a group of cards saved to the library through the API, checked
card by card as a page's cards are, listed for the palette and deleted with If-Match."""
from sqlalchemy import func, select

from builder.composites import service as composites
from builder.composites.models import CompositeComponent

PROBLEM = "application/problem+json"


def group(**extra):
    return {"code": "district_pair", "name": "区事件对比", "description": "柱状图和数值卡", "layout": "free",
            "cards": [
                {"id": "a", "type": "chart.bar@1", "x": 300, "y": 200, "w": 600, "h": 400,
                 "props": {"title": "各区事件"}, "binding": {"indicator": "events", "by": "district"}},
                {"id": "b", "type": "metric.number@1", "x": 920, "y": 240, "w": 300, "h": 160,
                 "props": {"title": "今日事件"}, "binding": {"indicator": "events"}}], **extra}


def test_an_author_saves_a_group_of_cards_with_their_bindings_relative_to_its_corner(client, make_user, bearer):
    headers = bearer(make_user("author1", "author"))
    res = client.post("/api/v1/composites", headers=headers, json=group())
    assert res.status_code == 201, res.json
    saved = res.json
    assert saved["category"] == "composite" and saved["created_by_name"] == "author1"
    assert [(c["x"], c["y"]) for c in saved["cards"]] == [(0, 0), (620, 40)]
    assert saved["cards"][0]["binding"] == {"indicator": "events", "by": "district"}
    assert res.headers["ETag"] == f'"composite_component-{saved["id"]}-v1"'
    listed = client.get("/api/v1/composites", headers=headers, query_string={"q": "对比"}).json
    assert [c["code"] for c in listed["items"]] == ["district_pair"] and listed["total"] == 1
    assert client.get("/api/v1/composites", headers=headers, query_string={"q": "nothing"}).json["items"] == []
    assert client.get(f"/api/v1/composites/{saved['id']}", headers=headers).json["name"] == "区事件对比"


def test_cards_that_would_not_save_on_a_page_are_refused_with_every_problem(client, make_user, bearer, session):
    headers = bearer(make_user("author1", "author"))
    bad = group(cards=[
        {"id": "a", "type": "chart.bar@1", "x": 0, "y": 0, "w": 600, "h": 400, "props": {"color": "red"}},
        {"id": "a", "type": "chart.nothing@1", "x": 0, "y": 0, "w": 10, "h": 10},
        {"id": "c", "type": "metric.number@1", "x": 0, "y": 0, "w": 10, "h": 10,
         "binding": {"indicator": "events", "service": "city_events"}}])
    res = client.post("/api/v1/composites", headers=headers, json=bad)
    assert res.status_code == 422 and res.mimetype == PROBLEM
    errors = res.json["errors"]
    assert {"cards[0].props.color", "cards[1].id", "cards[1].type", "cards[2].binding"} <= set(errors)
    res = client.post("/api/v1/composites", headers=headers, json=group(cards=[]))
    assert res.status_code == 422
    assert session.scalar(select(func.count()).select_from(CompositeComponent)) == 0


def test_a_taken_code_is_refused_and_readers_cannot_save(client, make_user, bearer):
    author = bearer(make_user("author1", "author"))
    reader = bearer(make_user("h1", "handler"))
    assert client.post("/api/v1/composites", headers=author, json=group()).status_code == 201
    res = client.post("/api/v1/composites", headers=author, json=group(name="再存一次"))
    assert res.status_code == 422 and "code" in res.json["errors"]
    assert client.post("/api/v1/composites", headers=reader, json=group(code="other_pair")).status_code == 403
    assert client.get("/api/v1/composites", headers=reader).json["total"] == 1


def test_deleting_needs_the_current_etag(client, make_user, bearer, session):
    headers = bearer(make_user("author1", "author"))
    made = client.post("/api/v1/composites", headers=headers, json=group())
    url = f"/api/v1/composites/{made.json['id']}"
    assert client.delete(url, headers=headers).status_code == 428
    stale = {**headers, "If-Match": f'"composite_component-{made.json["id"]}-v9"'}
    assert client.delete(url, headers=stale).status_code == 412
    assert client.delete(url, headers={**headers, "If-Match": made.headers["ETag"]}).status_code == 204
    assert client.get(url, headers=headers).status_code == 404


def test_the_service_lists_gets_and_deletes(session, system):
    found = composites.composite_create(session, system, group())
    session.commit()
    assert [c.code for c in composites.composite_list(session, system).items] == ["district_pair"]
    assert composites.composite_get(session, system, found.id).layout == "free"
    composites.composite_delete(session, system, found.id, found.version)
    session.commit()
    assert composites.composite_list(session, system).total == 0
