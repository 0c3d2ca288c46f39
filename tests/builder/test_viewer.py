"""The runtime viewer's data: one request resolves every bound card of a page, batched; linkage
filters and page parameters drive the bindings; a failing card answers its error in place."""
import datetime as dt
import threading

import pytest

from builder import pages, viewer
from builder.viewer import Request
from runtime.services import service as services
from tests.builder.conftest import NOW, bar, screen
from tongguan.errors import NotFound
from tongguan.permissions import Actor


@pytest.fixture
def viewer_actor(make_user):
    return Actor.for_user(make_user("leader1", "leader"))


def metric(card_id="m1", **binding):
    return {"id": card_id, "type": "metric.card@1", "x": 700, "y": 0, "w": 300, "h": 200,
            "props": {"title": "事件总数"}, "binding": {"indicator": "events", "window": "7d", **binding}}


def by_district(card):
    return {r["district"]: r for r in card["rows"]}


def test_a_page_resolves_every_card_in_one_request(session, city_data, publish, viewer_actor):
    rate = {"id": "r1", "type": "chart.line@1", "x": 0, "y": 500, "w": 600, "h": 300,
            "binding": {"expr": "closed / events", "by": "district"}}
    banner = {"id": "b1", "type": "text.banner@1", "x": 0, "y": 900, "w": 600, "h": 100, "props": {"text": "城运"}}
    publish("ops", screen(bar(), metric(), rate, banner))
    out = viewer.run_page_data(session, viewer_actor, "ops", "main", Request(now=NOW))
    assert set(out["cards"]) == {"c1", "m1", "r1"}  # the banner has nothing to fetch
    c1 = out["cards"]["c1"]
    assert c1["ok"] and c1["dimension"] == "district" and c1["measures"] == ["events"]
    assert {d: r["events"] for d, r in by_district(c1).items()} == {"江东区": 3, "江西区": 2, "江北区": 1}
    assert c1["labels"] == {"events": "事件数"} and c1["unit"] == "件"
    assert c1["spec"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert c1["spec"]["config"]["title"]["color"] == "#e6f1ff"  # the page's dark theme
    # 7 days: the events of the last 7 days; previous: the 7 days before (none of 40 days ago)
    assert out["cards"]["m1"]["rows"] == [{"value": 6, "previous": 0, "target": None}]
    rates = {r["district"]: r["value"] for r in out["cards"]["r1"]["rows"]}
    assert rates["江东区"] == pytest.approx(2 / 3) and rates["江北区"] == 0


def test_linkage_filters_the_cards_that_share_the_dimension(session, city_data, publish, viewer_actor):
    streets = bar("c2", by="street")
    publish("ops", screen(bar(), streets, metric()))
    out = viewer.run_page_data(session, viewer_actor, "ops", "main",
                               Request(filters={"district": "江东区"}, origin="c1", now=NOW))
    assert len(out["cards"]["c1"]["rows"]) == 3  # the card clicked keeps its view
    assert {r["street"] for r in out["cards"]["c2"]["rows"]} == {"滨湖街道", "望月街道"}
    assert out["cards"]["m1"]["rows"][0]["value"] == 3
    one = viewer.run_page_data(session, viewer_actor, "ops", "main", Request(cards=["m1"], now=NOW))
    assert set(one["cards"]) == {"m1"} and one["cards"]["m1"]["rows"][0]["value"] == 6


def test_page_parameters_move_the_window_and_filter_the_area(session, city_data, publish, viewer_actor):
    params = [{"name": "day", "type": "date"}, {"name": "district", "type": "area", "default": "江西区"}]
    publish("ops", screen(bar(window="1d"), metric(window="30d"), params=params))
    day = (NOW - dt.timedelta(days=5)).date().isoformat()
    out = viewer.run_page_data(session, viewer_actor, "ops", "main", Request(params={"day": day}, now=NOW))
    # the last day up to the end of `day`, in the city's time zone: the 江西区 event of 5 days ago
    assert [(r["district"], r["events"]) for r in out["cards"]["c1"]["rows"]] == [("江西区", 1)]
    assert out["cards"]["m1"]["rows"][0]["value"] == 2  # 30 days back from day: 5 and 6 days ago


def test_a_failing_card_answers_its_error_and_the_rest_render(session, system, city_data, publish, viewer_actor):
    wrong_dimension = bar("bad", by="status")  # not a declared dimension
    unknown = bar("gone", indicator="no_such_indicator")
    table = {"id": "t1", "type": "table.basic@1", "x": 0, "y": 500, "w": 900, "h": 400,
             "binding": {"service": "city_events", "limit": 3}}
    app = publish("ops", screen(bar(), wrong_dimension, unknown, table))
    out = viewer.run_page_data(session, viewer_actor, "ops", "main", Request(now=NOW))
    assert out["cards"]["t1"] == {"ok": False, "error": "你的部门和该应用均未获授权调用数据服务 city_events "
                                  "(neither your department nor the app is authorised to call data service city_events)"}
    services.service_grant_app(session, system, city_data["service"].id, app.id)
    session.commit()
    out = viewer.run_page_data(session, viewer_actor, "ops", "main", Request(now=NOW))
    assert out["cards"]["c1"]["ok"] and out["cards"]["t1"]["ok"], out["cards"]
    assert len(out["cards"]["t1"]["rows"]) == 3 and out["cards"]["t1"]["spec"] is None
    assert out["cards"]["bad"] == {"ok": False, "error": out["cards"]["bad"]["error"]}
    assert "status" in out["cards"]["bad"]["error"]
    assert not out["cards"]["gone"]["ok"] and "no_such_indicator" in out["cards"]["gone"]["error"]


def test_only_the_live_release_is_shown(session, system, city_data, publish, viewer_actor):
    app = publish("ops", screen(bar()))
    page = pages.app_page_list(session, system, app.id)[0]
    pages.app_page_save(session, system, app.id, page.id, screen(bar(), metric()))
    session.commit()
    assert [c["id"] for c in viewer.run_page(session, viewer_actor, "ops", "main")["page"]["document"]["cards"]] == ["c1"]
    draft = viewer.draft_page_data(session, viewer_actor, app.id, page.id, Request(now=NOW))
    assert set(draft["cards"]) == {"c1", "m1"}
    pages.app_release_create(session, system, app.id)
    app.active_release = 1  # rolled back
    session.commit()
    assert viewer.run_app(session, viewer_actor, "ops")["release"]["number"] == 1
    with pytest.raises(NotFound):
        viewer.run_page(session, viewer_actor, "ops", "nope")
    with pytest.raises(NotFound):
        viewer.run_app(session, viewer_actor, "unknown")


def test_the_http_api(client, bearer, make_user, session, city_data, publish):
    publish("ops", screen(bar()))
    headers = bearer(make_user("leader1", "leader"))
    got = client.get("/api/v1/run/ops/main", headers=headers)
    assert got.status_code == 200 and got.json["page"]["document"]["cards"][0]["id"] == "c1"
    data = client.post("/api/v1/run/ops/main/data", json={"filters": {"district": "江东区"}}, headers=headers)
    assert data.status_code == 200 and data.json["cards"]["c1"]["ok"]
    bad = client.post("/api/v1/run/ops/main/data", json={"filters": {"district": {"x": 1}}}, headers=headers)
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    check = client.post("/api/v1/builder/check-binding", headers=headers,
                        json={"type": "chart.bar@1", "binding": {"expr": "closed /"}})
    assert check.status_code == 200 and "第 1 行" in check.json["problems"]["expr"][0]
    fine = client.post("/api/v1/builder/check-binding", headers=headers,
                       json={"type": "chart.bar@1", "binding": {"indicator": "events", "by": "district"}})
    assert fine.json == {"problems": {}}
    app_id = client.get("/api/v1/run/ops", headers=headers).json["app"]["id"]
    page_id = client.get(f"/api/v1/apps/{app_id}/pages", headers=headers).json[0]["id"]
    draft = client.post(f"/api/v1/apps/{app_id}/pages/{page_id}/data", headers=headers,
                        json={"document": screen(bar(), bar("c9", by="street"))})
    assert draft.status_code == 200 and set(draft.json["cards"]) == {"c1", "c9"}
    broken = client.post(f"/api/v1/apps/{app_id}/pages/{page_id}/data", headers=headers,
                         json={"document": {"layout": "free", "cards": [{"id": "x"}]}})
    assert broken.status_code == 422 and any(k.startswith("document.cards[0]") for k in broken.json["errors"])


def test_viewers_of_one_page_share_one_computation():
    answers, calls = viewer._Answers(), []
    gate = threading.Event()

    def compute():
        calls.append(1)
        gate.wait(5)
        return {"n": len(calls)}

    threads = [threading.Thread(target=lambda: results.append(answers.get(("k",), compute)))
               for _ in range(5)]
    results: list = []
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert calls == [1] and results == [{"n": 1}] * 5  # the others waited for the first
    answers.kept[("k",)] = (answers.kept[("k",)][0] - 60, {"n": "old"})  # past fresh, not yet too stale
    answers.busy[("k",)] = threading.Event()  # someone is computing the next answer
    assert answers.get(("k",), compute) == {"n": "old"}
    del answers.busy[("k",)]
    assert answers.get(("k",), lambda: {"n": "new"}) == {"n": "new"}


def test_a_row_limit_keeps_the_largest_values(session, city_data, publish, viewer_actor):
    publish("ops", screen(bar(by="street", limit=2)))
    rows = viewer.run_page_data(session, viewer_actor, "ops", "main", Request(now=NOW))["cards"]["c1"]["rows"]
    assert len(rows) == 2 and {"street": "滨湖街道", "events": 2} in rows  # the one street with two events


def test_binding_check_names_each_problem_by_path(session, viewer_actor):
    assert viewer.binding_check(session, viewer_actor, "chart.bar@1", {"indicator": "events"}) == {"problems": {}}
    found = viewer.binding_check(session, viewer_actor, "chart.bar@1", {"indicator": "events", "window": "3 days"})
    assert list(found["problems"]) == ["window"]
    assert "type" in viewer.binding_check(session, viewer_actor, "chart.nope@1", {})["problems"]


def test_a_numeric_dimension_is_drawn_in_numeric_order():
    """Hours of the day come as numbers: 0, 1, 2 … 10, not 0, 1, 10, 11 … 2."""
    from builder import viewer

    pending = viewer._Pending(card={"id": "h"}, slot=None, binding={"indicator": "cases", "by": "hour"},
                              codes=["cases"])
    result = {"rows": [{"hour": h, "cases": h * 2} for h in (10, 2, 1, 23, 0)] + [{"hour": None, "cases": 1}],
              "indicators": {"cases": {"name": "案件", "unit": "件"}}}
    assert [r["hour"] for r in viewer._series(pending, result)["rows"]] == [0, 1, 2, 10, 23, None]
