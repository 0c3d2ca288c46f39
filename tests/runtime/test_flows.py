"""Flows: drafts saved as they are, checked node by node, published as frozen versions, bound to matters."""
import copy
import datetime as dt

import pytest

from catalog.matters import service as matters
from runtime.flows import service as flows
from tests.runtime.test_flow_document import SIX_STEPS
from tongguan.errors import Forbidden, Invalid, PreconditionFailed
from tongguan.permissions import Actor


@pytest.fixture
def author(make_user):
    return Actor.for_user(make_user("flow_author", "author"))


def with_department(doc, department_id):
    doc = copy.deepcopy(doc)
    for node in doc["nodes"]:
        if node.get("assign", {}).get("kind") == "department":
            node["assign"]["value"] = department_id
    return doc


def test_a_flow_is_drafted_checked_published_and_versions_are_frozen(session, author, org):
    flow = flows.flow_create(session, author, {"code": "hotline_flow", "name": "热线工单流程"})
    assert [n["type"] for n in flow.draft["nodes"]] == ["start", "end"]
    problems = flows.flow_check(session, author, flow.id)
    assert problems and problems[0]["node"] == "start"  # the empty draft does not reach its end
    with pytest.raises(Invalid):
        flows.flow_publish(session, author, flow.id)
    good = with_department(SIX_STEPS, org["water"].id)
    flows.flow_update(session, author, flow.id, {"draft": good})
    assert flows.flow_check(session, author, flow.id) == []
    v1 = flows.flow_publish(session, author, flow.id, "首次发布")
    session.commit()
    assert (v1.version, flow.published_version) == (1, 1)
    changed = copy.deepcopy(good)
    changed["nodes"][1]["name"] = "受理（热线）"
    flows.flow_update(session, author, flow.id, {"draft": changed})
    v2 = flows.flow_publish(session, author, flow.id)
    session.commit()
    versions = flows.flow_versions(session, author, flow.id)
    assert [v.version for v in versions] == [2, 1]
    assert versions[1].document["nodes"][1]["name"] == "受理" and v2.document["nodes"][1]["name"] == "受理（热线）"
    stale = flow.version - 1
    with pytest.raises(PreconditionFailed):
        flows.flow_update(session, author, flow.id, {"name": "x"}, if_version=stale)
    assert flows.flow_get(session, author, flow.id).code == "hotline_flow"
    assert [f.code for f in flows.flow_list(session, author, q="热线").items] == ["hotline_flow"]


def test_matters_choose_a_published_flow(session, author, system, org, make_user):
    top = matters.matter_create(session, system, {"code": "01", "name": "城市管理", "tier": "category",
                                                  "effective_from": dt.date(2026, 1, 1)})
    sub = matters.matter_create(session, system, {"code": "0101", "name": "市容", "tier": "subcategory",
                                                  "parent_id": top.id, "effective_from": dt.date(2026, 1, 1)})
    matters.matter_create(session, system, {"code": "010199", "name": "渣土污染", "tier": "item",
                                            "parent_id": sub.id, "effective_from": dt.date(2026, 1, 1)})
    flow = flows.flow_create(session, author, {"code": "muck", "name": "渣土污染联合处置", "special": True,
                                               "draft": with_department(SIX_STEPS, org["water"].id)})
    with pytest.raises(Invalid):
        flows.flow_bind_matter(session, author, flow.id, "010199")  # not published yet
    flows.flow_publish(session, author, flow.id)
    assert flows.flow_bind_matter(session, author, flow.id, "010199") == ["010199"]
    with pytest.raises(Invalid):
        flows.flow_bind_matter(session, author, flow.id, "0101")  # a subcategory
    assert flows.flow_bind_matter(session, author, flow.id, "010199", bind=False) == []
    with pytest.raises(Forbidden):
        flows.flow_create(session, Actor.for_user(make_user("h", "handler")), {"code": "x_flow", "name": "x"})


def test_the_http_api_highlights_the_faulty_node(client, bearer, make_user, org):
    headers = bearer(make_user("flow_author", "author"))
    created = client.post("/api/v1/flows", headers=headers, json={"code": "hotline_flow", "name": "热线"})
    assert created.status_code == 201
    url = f"/api/v1/flows/{created.json['id']}"
    bad = with_department(SIX_STEPS, org["water"].id)
    bad["edges"][4].pop("default")
    problems = client.post(f"{url}/check", headers=headers, json={"draft": bad}).json
    assert {p["node"] for p in problems} == {"urgent"} and any("默认连线" in p["message"] for p in problems)
    saved = client.patch(url, headers={**headers, "If-Match": created.headers["ETag"]}, json={"draft": bad})
    assert saved.status_code == 200
    refused = client.post(f"{url}/publish", headers={**headers, "If-Match": saved.headers["ETag"]}, json={})
    assert refused.status_code == 422 and "urgent" in str(refused.json["errors"])
    good = with_department(SIX_STEPS, org["water"].id)
    saved = client.patch(url, headers={**headers, "If-Match": saved.headers["ETag"]}, json={"draft": good})
    published = client.post(f"{url}/publish", headers={**headers, "If-Match": saved.headers["ETag"]},
                            json={"note": "上线"})
    assert published.status_code == 201 and published.json["version"] == 1
    assert client.get(f"{url}/versions", headers=headers).json[0]["note"] == "上线"
    assert client.post(f"{url}/matters", headers=headers, json={"matter_code": "nope"}).status_code == 422


def test_a_nul_anywhere_in_a_draft_is_refused(client, bearer, make_user):
    headers = bearer(make_user("flow_author", "author"))
    resp = client.post("/api/v1/flows", headers=headers, json={
        "code": "nul_flow", "name": "x", "draft": {"nodes": [{"id": "a\x00"}], "edges": [], "x": {"k\x00": 1}}})
    assert resp.status_code == 422 and "draft" in str(resp.json["errors"])
