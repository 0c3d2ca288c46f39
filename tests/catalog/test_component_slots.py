"""The component API lists each version's data slots, so that the designer can bind every slot."""
import pytest

from catalog.registry import init_app


@pytest.fixture
def library(app):
    init_app(app)


def test_each_version_lists_its_data_slots(client, library, admin_headers):
    items = client.get("/api/v1/components", headers=admin_headers, query_string={"per_page": 200}).json["items"]
    by_code = {c["code"]: c["versions"][-1] for c in items}
    assert [s["name"] for s in by_code["map.areas"]["slots"]] == ["areas", "points"]
    points = by_code["map.areas"]["slots"][1]
    assert points == {"name": "points", "title": "点位", "title_en": "Points", "accepts": "points",
                      "required": False, "max_measures": None}
    assert by_code["chart.bar"]["slots"][0]["accepts"] == "series"
    assert by_code["text.title"]["slots"] == []
    one = client.get("/api/v1/components/metric.number/versions/1.0.0", headers=admin_headers).json
    assert one["slots"][0] == {"name": "value", "title": "数值", "title_en": "Value", "accepts": "value",
                               "required": True, "max_measures": 1}
