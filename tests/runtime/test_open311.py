"""Open311 GeoReport v2, driven over HTTP against a running server exactly as the specification
describes it (http://wiki.open311.org/GeoReport_v2): discovery, services, a service definition,
POST requests with api_key and attributes, GET requests / requests/<id> / tokens/<token>, in JSON
and XML, and the errors in the specification's shape and status codes."""
import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from catalog.matters import service as matters
from runtime.events import service as events
from runtime.open311 import service as open311
from tongguan.errors import Invalid
from tongguan.permissions import Actor

START = dt.date(2026, 1, 1)
ATTRIBUTES = [
    {"code": "size", "datatype": "singlevaluelist", "required": True, "description": "垃圾量", "order": 1,
     "values": [{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}]},
    {"code": "kinds", "datatype": "multivaluelist", "required": False, "description": "垃圾种类", "order": 2,
     "values": [{"key": "household", "name": "生活垃圾"}, {"key": "debris", "name": "建筑垃圾"}]},
    {"code": "note", "datatype": "text", "required": False, "description": "补充说明", "order": 3},
]


@pytest.fixture
def offered(session, system, org):
    top = matters.matter_create(session, system, {"code": "01", "name": "城市管理", "tier": "category",
                                                  "effective_from": START})
    sub = matters.matter_create(session, system, {"code": "0101", "name": "市容", "tier": "subcategory",
                                                  "parent_id": top.id, "effective_from": START})
    matters.matter_create(session, system, {
        "code": "010101", "name": "暴露垃圾", "tier": "item", "parent_id": sub.id, "effective_from": START,
        "rules": [{"area_department_id": None, "department_id": org["water"].id, "time_limit": 2,
                   "time_unit": "working_days"}]})
    open311.open311_service_save(session, system, {
        "service_code": "rubbish", "matter_code": "010101", "service_name": "暴露垃圾",
        "description": "路边、绿地的垃圾无人清运", "group": "市容", "keywords": "垃圾,清运", "attributes": ATTRIBUTES})
    session.commit()
    return org


@pytest.fixture
def api_key(bearer, make_user):
    return bearer(make_user("citizen_app", "author"))["Authorization"].split(" ", 1)[1]


def call(base, path, data=None):
    """(status, content type, body) of a GET, or of a form POST when `data` is given."""
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    req = urllib.request.Request(base + "/open311/v2" + path, data=body, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers.get_content_type(), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get_content_type(), exc.read()


def test_discovery_and_services_in_json_and_xml(live_server, offered):
    status, kind, body = call(live_server, "/discovery.json")
    doc = json.loads(body)
    assert status == 200 and kind == "application/json"
    assert doc["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert doc["endpoints"][0]["url"].endswith("/open311/v2") and "text/xml" in doc["endpoints"][0]["formats"]
    status, kind, body = call(live_server, "/discovery.xml")
    assert kind == "text/xml" and ET.fromstring(body).find("endpoints/endpoint/type").text == "production"

    status, _, body = call(live_server, "/services.json?jurisdiction_id=linjiang")
    assert status == 200 and json.loads(body) == [{
        "service_code": "rubbish", "service_name": "暴露垃圾", "description": "路边、绿地的垃圾无人清运",
        "metadata": True, "type": "realtime", "keywords": "垃圾,清运", "group": "市容"}]
    status, kind, body = call(live_server, "/services.xml")
    service = ET.fromstring(body).find("service")
    assert kind == "text/xml" and service.find("service_code").text == "rubbish"
    assert service.find("metadata").text == "true"

    status, _, body = call(live_server, "/services/rubbish.json")
    definition = json.loads(body)
    assert definition["service_code"] == "rubbish"
    assert [a["code"] for a in definition["attributes"]] == ["size", "kinds", "note"]
    assert definition["attributes"][0]["values"] == [{"key": "small", "name": "少量"}, {"key": "large", "name": "大量"}]
    assert definition["attributes"][0]["variable"] is True and definition["attributes"][0]["required"] is True
    status, _, body = call(live_server, "/services/rubbish.xml")
    attribute = ET.fromstring(body).find("attributes/attribute")
    assert attribute.find("datatype").text == "singlevaluelist"
    assert [v.find("key").text for v in attribute.findall("values/value")] == ["small", "large"]


def test_errors_have_the_specification_shape_and_status(live_server, offered, api_key):
    status, kind, body = call(live_server, "/services/nowhere.json")
    assert status == 404 and kind == "application/json"
    assert json.loads(body) == [{"code": 404, "description": "service_code nowhere not found"}]
    status, kind, body = call(live_server, "/services/nowhere.xml")
    error = ET.fromstring(body)
    assert status == 404 and error.tag == "errors" and error.find("error/code").text == "404"
    assert call(live_server, "/services.json?jurisdiction_id=elsewhere")[0] == 404
    status, _, body = call(live_server, "/requests.json", {"service_code": "rubbish", "lat": "31.2", "long": "121.5",
                                                            "attribute[size]": "small"})
    assert status == 403 and "api_key" in json.loads(body)[0]["description"]
    status, _, body = call(live_server, "/requests.json", {"api_key": "wrong", "service_code": "rubbish"})
    assert status == 403
    status, _, body = call(live_server, "/requests.xml", {"api_key": api_key, "service_code": "rubbish",
                                                          "lat": "31.2", "long": "121.5"})
    assert status == 400 and "attribute[size]" in ET.fromstring(body).find("error/description").text
    status, _, body = call(live_server, "/requests.json", {"api_key": api_key, "service_code": "rubbish",
                                                            "attribute[size]": "small"})
    assert status == 400 and "location" in json.loads(body)[0]["description"]
    status, _, _ = call(live_server, "/requests.json", {"api_key": api_key, "service_code": "rubbish", "lat": "91",
                                                         "long": "121.5", "attribute[size]": "small"})
    assert status == 400
    assert call(live_server, "/requests.json?start_date=yesterday")[0] == 400
    assert call(live_server, "/requests.json?status=pending")[0] == 400
    assert call(live_server, "/requests/SJ19990101-000001.json")[0] == 404
    assert call(live_server, "/tokens/nothing.xml")[0] == 404


def test_a_citizen_app_reports_and_follows_a_request(live_server, offered, api_key, session):
    form = {"api_key": api_key, "jurisdiction_id": "linjiang", "service_code": "rubbish", "lat": "31.23",
            "long": "121.47", "address_string": "滨湖路 12 号", "description": "绿地旁垃圾堆积三天",
            "first_name": "小明", "last_name": "王", "phone": "13812345678", "email": "wxm@example.com",
            "attribute[size]": "large", "attribute[kinds][]": ["household", "debris"]}
    status, kind, body = call(live_server, "/requests.json", form)
    assert status == 201 and kind == "application/json"
    [made] = json.loads(body)
    number, token = made["service_request_id"], made["token"]
    assert number.startswith("SJ") and token

    status, _, body = call(live_server, f"/tokens/{token}.json")
    assert json.loads(body) == [{"service_request_id": number, "token": token}]
    status, _, body = call(live_server, f"/requests/{number}.json")
    [req] = json.loads(body)
    assert req["status"] == "open" and req["service_code"] == "rubbish" and req["service_name"] == "暴露垃圾"
    assert req["agency_responsible"] == "市水务局" and req["lat"] == 31.23 and req["long"] == 121.47
    assert req["description"] == "绿地旁垃圾堆积三天" and req["address"] == "滨湖路 12 号"
    assert req["expected_datetime"].endswith("Z") and req["requested_datetime"] < req["expected_datetime"]
    assert "13812345678" not in body.decode() and "王" not in json.dumps(req, ensure_ascii=False).replace(
        "暴露垃圾", "")  # nothing personal is shown

    status, kind, body = call(live_server, f"/requests/{number}.xml")
    request = ET.fromstring(body).find("request")
    assert kind == "text/xml" and request.find("service_request_id").text == number
    assert request.find("status").text == "open"

    session.expire_all()
    event = open311.request(session, number)
    assert event.details["open311"]["attributes"] == {"size": "large", "kinds": ["household", "debris"]}
    assert event.reporter_phone == "13812345678" and event.channel == "app"
    water = Actor(None, "水务局", frozenset({"dispatcher"}), event.department_id,
                  frozenset({"event.handle", "event.dispatch", "event.read"}), "system")
    for act in ("take", "submit", "approve"):
        events.event_act(session, water, event.id, act, {"comment": "已清运完毕" if act == "submit" else ""})
    session.commit()

    status, _, body = call(live_server, f"/requests.json?service_request_id={number},SJ19990101-000001")
    [req] = json.loads(body)
    assert req["status"] == "closed" and req["status_notes"] == "已清运完毕"
    assert [r["service_request_id"] for r in json.loads(call(live_server, "/requests.json?status=closed")[2])] == [
        number]
    assert json.loads(call(live_server, "/requests.json?status=open")[2]) == []
    assert len(json.loads(call(live_server, "/requests.json?service_code=rubbish")[2])) == 1
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert json.loads(call(live_server, f"/requests.json?start_date={future}&end_date={future}")[2]) == []
    listing = ET.fromstring(call(live_server, "/requests.xml")[2])
    assert listing.tag == "service_requests" and len(listing.findall("request")) == 1


def test_only_catalog_items_become_services(session, system, offered):
    with pytest.raises(Invalid) as err:
        open311.open311_service_save(session, system, {"service_code": "x", "matter_code": "01",
                                                       "attributes": [{"code": "a", "datatype": "colour"}]})
    assert {"matter_code", "attributes.0"} <= set(err.value.errors)
    assert [s.service_code for s in open311.open311_service_list(session, system)] == ["rubbish"]
