"""Page documents: saved with If-Match as revisions, checked card by card, compared, restored, published."""
import copy

import pytest
from sqlalchemy import func, select

from builder import documents
from builder import pages as svc
from builder import service as apps
from builder.models import AppRevision
from tongguan.errors import Forbidden, Invalid, NotFound
from tongguan.permissions import Actor

BAR = {"id": "rain", "type": "chart.bar@1", "x": 0, "y": 0, "w": 800, "h": 400,
       "props": {"title": "各区积水点", "color": "#3ba1ff"}, "binding": {"indicator": "waterlogging_points",
                                                                     "by": "district"}}
TITLE = {"id": "head", "type": "text.title@1.0.0", "x": 0, "y": 500, "w": 1920, "h": 80, "props": {"text": "防汛"}}
DOC = {"layout": "free", "size": {"width": 1920, "height": 1080}, "theme": "dark",
       "params": [{"name": "day", "type": "date", "default": None}], "cards": [BAR]}


def with_cards(*cards, **page):
    return {**copy.deepcopy(DOC), **page, "cards": [copy.deepcopy(c) for c in cards]}


@pytest.fixture
def author(make_user):
    return Actor.for_user(make_user("author1", "author"))


@pytest.fixture
def screen(session, author):
    app = apps.app_create(session, author, {"code": "flood_screen", "name": "防汛大屏", "kind": "screen"})
    session.flush()
    page = svc.app_page_create(session, author, app.id, {"code": "overview", "name": "汛情总览"})
    session.commit()
    return app, page


def revisions(session, page_id):
    return session.scalar(select(func.count()).select_from(AppRevision).where(AppRevision.page_id == page_id))


def test_a_new_page_starts_empty_and_each_save_is_a_revision(session, author, screen):
    app, page = screen
    assert page.document["cards"] == [] and revisions(session, page.id) == 1
    page, first = svc.app_page_save(session, author, app.id, page.id, with_cards(BAR), message="加柱状图",
                                    if_version=page.version)
    page, second = svc.app_page_save(session, author, app.id, page.id, with_cards(BAR, TITLE),
                                     if_version=page.version)
    session.commit()
    assert (first.number, second.number) == (2, 3) and first.message == "加柱状图"
    listed = svc.app_revision_list(session, author, app.id, page.id, per_page=2)
    assert [r.number for r in listed.items] == [3, 2] and listed.total == 3
    assert svc.app_revision_get(session, author, app.id, page.id, 2).document["cards"] == [BAR]
    assert [p.code for p in svc.app_page_list(session, author, app.id)] == ["overview"]
    assert svc.app_page_get(session, author, app.id, page.id).document["cards"][1]["id"] == "head"


def test_invalid_cards_are_refused_with_every_field_and_nothing_is_saved(session, author, screen):
    app, page = screen
    bad = with_cards({**BAR, "props": {"color": "blue"}},
                     {**BAR, "binding": {"indicator": "rain", "service": "rain_rows"}},
                     {**TITLE, "id": "x", "type": "chart.sankey@1"},
                     {**TITLE, "x": 100})  # past the canvas (1920 wide), and its id is taken below
    bad["cards"][3]["id"] = "rain"
    with pytest.raises(Invalid) as caught:
        svc.app_page_save(session, author, app.id, page.id, bad, if_version=page.version)
    errors = caught.value.errors
    assert {"document.cards[0].props.color", "document.cards[1].binding", "document.cards[2].type",
            "document.cards[3].id", "document.cards[3]"} <= set(errors)
    assert "重复" in errors["document.cards[3].id"][0] and "画布" in errors["document.cards[3]"][0]
    session.rollback()
    assert svc.app_page_get(session, author, app.id, page.id).document["cards"] == []
    assert revisions(session, page.id) == 1


def test_the_diff_names_cards_added_removed_and_changed(session, author, screen):
    app, page = screen
    moved = {**BAR, "x": 100, "props": {**BAR["props"], "color": "#ff0000"}}
    page, _ = svc.app_page_save(session, author, app.id, page.id, with_cards(BAR), if_version=page.version)
    page, _ = svc.app_page_save(session, author, app.id, page.id, with_cards(moved, TITLE, theme="light"),
                                if_version=page.version)
    diff = svc.app_revision_diff(session, author, app.id, page.id, 2, 3)
    assert [c["id"] for c in diff["added"]] == ["head"] and diff["removed"] == []
    assert diff["changed"] == [{"id": "rain", "changes": {
        "geometry": {"x": {"before": 0, "after": 100}},
        "props": {"color": {"before": "#3ba1ff", "after": "#ff0000"}}}}]
    assert diff["page"] == {"theme": {"before": "dark", "after": "light"}}
    back = svc.app_revision_diff(session, author, app.id, page.id, 3, 1)
    assert [c["id"] for c in back["removed"]] == ["rain", "head"]


def test_restoring_brings_an_old_document_back_as_a_new_revision(session, author, screen):
    app, page = screen
    page, _ = svc.app_page_save(session, author, app.id, page.id, with_cards(BAR), if_version=page.version)
    page, _ = svc.app_page_save(session, author, app.id, page.id, with_cards(TITLE), if_version=page.version)
    page, restored = svc.app_revision_restore(session, author, app.id, page.id, 2, if_version=page.version)
    session.commit()
    assert restored.number == 4 and restored.restored_from == 2
    assert page.document == with_cards(BAR)
    with pytest.raises(NotFound):
        svc.app_revision_restore(session, author, app.id, page.id, 9, if_version=page.version)


def test_publishing_freezes_every_page_and_later_edits_leave_the_release_alone(session, author, screen):
    app, page = screen
    page, _ = svc.app_page_save(session, author, app.id, page.id, with_cards(BAR, TITLE), if_version=page.version)
    release = svc.app_release_create(session, author, app.id, note="汛期上线")
    session.commit()
    assert release.number == 1 and app.state == "published" and release.pages[0]["code"] == "overview"
    page, _ = svc.app_page_save(session, author, app.id, page.id, with_cards(TITLE), if_version=page.version)
    session.commit()
    session.expire_all()
    frozen = svc.app_release_get(session, author, app.id, 1)
    assert frozen.documents["overview"]["cards"] == [BAR, TITLE] and frozen.note == "汛期上线"
    assert [r.number for r in svc.app_release_list(session, author, app.id).items] == [1]


def test_publishing_refuses_a_card_whose_data_is_not_bound(session, author, screen):
    app, page = screen
    unbound = {k: v for k, v in BAR.items() if k != "binding"}
    page, _ = svc.app_page_save(session, author, app.id, page.id, with_cards(unbound), if_version=page.version)
    with pytest.raises(Invalid) as caught:
        svc.app_release_create(session, author, app.id)
    assert "pages.overview.cards[0].binding" in caught.value.errors


def test_pages_are_renamed_and_deleted_with_their_version(session, author, make_user, screen):
    app, page = screen
    other = Actor.for_user(make_user("author2", "author"))
    read = page.version
    page = svc.app_page_update(session, other, app.id, page.id, {"name": "总览", "position": 3}, if_version=read)
    session.commit()
    with pytest.raises(svc.StaleDocument) as caught:
        svc.app_page_delete(session, author, app.id, page.id, if_version=read)
    assert caught.value.current["version"] == page.version and caught.value.current["updated_by"] == other.id
    svc.app_page_delete(session, author, app.id, page.id, if_version=page.version)
    session.commit()
    assert svc.app_page_list(session, author, app.id) == [] and revisions(session, page.id) == 0


def test_a_reader_cannot_save_or_publish(session, make_user, screen):
    app, page = screen
    reader = Actor.for_user(make_user("h1", "handler"))
    assert svc.app_page_get(session, reader, app.id, page.id).code == "overview"
    with pytest.raises(Forbidden):
        svc.app_page_save(session, reader, app.id, page.id, with_cards(BAR), if_version=page.version)
    with pytest.raises(Forbidden):
        svc.app_release_create(session, reader, app.id)


def test_the_empty_document_and_the_sample_are_valid():
    assert documents.problems(documents.empty()) == {} and documents.problems(documents.empty("free")) == {}
    assert documents.problems(with_cards(BAR, TITLE)) == {}


# --- HTTP ----------------------------------------------------------------------------------------

def test_a_stale_save_gets_412_with_who_saved_first_and_changes_nothing(client, bearer, make_user, session):
    first = bearer(make_user("author1", "author"))
    second = bearer(make_user("author2", "author"))
    app_id = client.post("/api/v1/apps", headers=first, json={"code": "flood_screen", "name": "防汛大屏",
                                                               "kind": "screen"}).json["id"]
    resp = client.post(f"/api/v1/apps/{app_id}/pages", headers=first, json={"code": "overview", "name": "总览"})
    assert resp.status_code == 201
    page_id, etag = resp.json["id"], resp.headers["ETag"]
    url = f"/api/v1/apps/{app_id}/pages/{page_id}"
    assert client.put(f"{url}/document", headers=first, json={"document": DOC}).status_code == 428
    resp = client.put(f"{url}/document", headers={**first, "If-Match": etag}, json={"document": DOC, "message": "初稿"})
    assert resp.status_code == 200 and resp.json["revision"]["number"] == 2
    assert resp.headers["ETag"] != etag
    resp = client.put(f"{url}/document", headers={**second, "If-Match": etag}, json={"document": with_cards(TITLE)})
    assert resp.status_code == 412 and resp.mimetype == "application/problem+json"
    assert resp.json["current"]["version"] == 2 and resp.json["current"]["updated_by_name"]
    assert resp.json["current"]["updated_at"] and "先保存" in resp.json["detail"]
    page = client.get(url, headers=second)
    assert page.json["document"] == DOC and page.json["version"] == 2
    assert client.get(f"{url}/revisions", headers=second).json["total"] == 2


def test_the_http_api_for_pages_revisions_and_releases(client, bearer, make_user, session):
    author = bearer(make_user("author1", "author"))
    reader = bearer(make_user("h1", "handler"))
    app_id = client.post("/api/v1/apps", headers=author, json={"code": "flood_screen", "name": "防汛大屏",
                                                                "kind": "screen"}).json["id"]
    base = f"/api/v1/apps/{app_id}"
    resp = client.post(f"{base}/pages", headers=author, json={"code": "overview", "name": "总览", "document": DOC})
    page_id, etag = resp.json["id"], resp.headers["ETag"]
    url = f"{base}/pages/{page_id}"
    assert client.post(f"{base}/pages", headers=reader, json={"code": "second", "name": "二"}).status_code == 403
    assert client.put(f"{url}/document", headers={**reader, "If-Match": etag},
                      json={"document": DOC}).status_code == 403
    bad = with_cards({**BAR, "type": "chart.nope@1"}, {**BAR, "props": {"color": 1}})
    resp = client.put(f"{url}/document", headers={**author, "If-Match": etag}, json={"document": bad})
    assert resp.status_code == 422
    assert {"document.cards[0].type", "document.cards[1].id",
            "document.cards[1].props.color"} <= set(resp.json["errors"])
    resp = client.put(f"{url}/document", headers={**author, "If-Match": etag}, json={"document": with_cards(TITLE)})
    etag = resp.headers["ETag"]
    diff = client.get(f"{url}/diff?before=1&after=2", headers=reader).json
    assert [c["id"] for c in diff["added"]] == ["head"] and [c["id"] for c in diff["removed"]] == ["rain"]
    assert client.get(f"{url}/revisions/1", headers=reader).json["document"] == DOC
    resp = client.post(f"{url}/revisions/1/restore", headers={**author, "If-Match": etag}, json={})
    assert resp.status_code == 200 and resp.json["revision"]["restored_from"] == 1
    assert resp.json["page"]["document"] == DOC
    etag = resp.headers["ETag"]
    resp = client.patch(url, headers={**author, "If-Match": etag}, json={"name": "汛情总览"})
    assert resp.status_code == 200 and resp.json["name"] == "汛情总览"
    assert client.get(f"{base}/pages", headers=reader).json[0]["name"] == "汛情总览"
    resp = client.post(f"{base}/releases", headers=author, json={"note": "上线"})
    assert resp.status_code == 201 and resp.json["number"] == 1
    assert client.get(base, headers=reader).json["state"] == "published"
    assert client.get(f"{base}/releases", headers=reader).json["items"][0]["note"] == "上线"
    assert client.get(f"{base}/releases/1", headers=reader).json["documents"] == {"overview": DOC}
    assert client.delete(url, headers={**author, "If-Match": etag}).status_code == 412
    assert client.delete(url, headers={**author, "If-Match": resp_etag(client, url, author)}).status_code == 204
    assert client.get(f"{base}/releases/1", headers=reader).json["documents"] == {"overview": DOC}
    assert client.post(f"{base}/releases", headers=author, json={}).status_code == 422  # no pages left


def resp_etag(client, url, headers):
    return client.get(url, headers=headers).headers["ETag"]
