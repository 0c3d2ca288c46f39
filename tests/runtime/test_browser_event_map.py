"""The ops center's map (指挥中心 → 地图) in a real browser: the list's filters choose the dots, a
dot tells what it is and opens its event, and 5,000 dots keep their size when zoomed.

Screenshots land in test-artifacts/events-map-*.png."""
import datetime as dt
import json
import random
import time

import pytest
from playwright.sync_api import expect

from runtime.events import geo
from runtime.events import service as events
from tests.browser_support import log_in, shot

pytestmark = pytest.mark.browser


def report(session, actor, street, seed, **extra):
    lon, lat = geo.point_in(street, random.Random(seed))
    data = {"title": "路边垃圾堆积", "channel": "grid", "matter_code": "010101", "address": f"{street} {seed} 号",
            "longitude": lon, "latitude": lat, **extra}
    event, _ = events.event_report(session, actor, data, now=extra.pop("reported_at", None))
    session.commit()
    return event


def open_map(page, live_server):
    log_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/events/")
    page.locator(".tg-events-tabs").get_by_text("全部").click()
    page.locator(".tg-events-view").get_by_text("地图").click()
    page.locator(".tg-map-district").first.wait_for()


def test_the_map_shows_the_lists_events_and_opens_one(page, live_server, session, catalog, people, request):
    reporter, water = people["reporter"], people["water"]
    dispatched = report(session, reporter, "jd-bh", 1)
    handled = report(session, reporter, "jx-gl", 2)
    for actor, act in ((water, "take"), (water, "submit"), (people["dispatcher"], "approve")):
        events.event_act(session, actor, handled.id, act, {"comment": "已处置"})
    queued = report(session, reporter, "gx-kc", 3, matter_code="", title="不明情况")
    late = report(session, reporter, "lg-hk", 4, reported_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=10))
    report(session, reporter, "jd-wy", 5, longitude=None, latitude=None)  # no place: not on the map
    session.commit()

    open_map(page, live_server)
    points = page.locator(".tg-map-point")
    expect(points).to_have_count(4)
    expect(page.locator(".tg-events-map-count")).to_have_text("地图上显示 4 / 共 4 个有位置的事件")
    expect(page.locator(".tg-events-table")).to_be_hidden()
    # Coloured by state: overdue, waiting for dispatch, in progress, closed.
    for event, group in ((late, "overdue"), (queued, "waiting"), (dispatched, "active"), (handled, "done")):
        expect(page.locator(f".tg-map-layer[data-group={group}] .tg-map-point[data-id='{event.id}']")).to_have_count(1)
    expect(page.locator(".tg-map-legend-item[data-group=overdue] b")).to_have_text("1")
    expect(page.locator(".tg-map-label-district", has_text="江东区")).to_be_visible()

    page.locator(f".tg-map-point[data-id='{dispatched.id}']").hover()
    tip = page.locator(".tg-map-tip")
    expect(tip).to_contain_text(dispatched.number)
    expect(tip).to_contain_text("路边垃圾堆积")
    expect(tip).to_contain_text("已分拨")
    shot(page, request, "events-map")

    # The list's filters choose the dots.
    page.locator(".tg-events-status").click()
    page.locator(".el-select-dropdown__item", has_text="已办结").click()
    page.keyboard.press("Escape")
    expect(points).to_have_count(1)
    expect(page.locator(f".tg-map-point[data-id='{handled.id}']")).to_have_count(1)
    expect(page.locator(".tg-events-map-count")).to_have_text("地图上显示 1 / 共 1 个有位置的事件")
    page.locator(".tg-events-status .el-select__clear, .tg-events-status .el-tag__close").first.click()
    expect(points).to_have_count(4)
    page.locator(".tg-events-overdue").click()
    expect(points).to_have_count(1)
    expect(page.locator(f".tg-map-point[data-id='{late.id}']")).to_have_count(1)
    page.locator(".tg-events-overdue").click()
    expect(points).to_have_count(4)

    # Zoom in (the wheel, around the pointer), then back.
    page.keyboard.press("Escape")
    expect(page.locator(".el-select__popper:visible")).to_have_count(0)  # nothing over the map
    box = page.locator(".tg-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -600)
    expect(page.locator(".tg-map-label-street").first).to_be_visible()  # street names when zoomed in
    shot(page, request, "events-map-zoomed")
    page.locator(".tg-map-reset").click()
    expect(page.locator(".tg-map-label-district").first).to_be_visible()

    # The choice is remembered; a click on a dot opens its event.
    page.reload()
    expect(points).to_have_count(1)  # 待办 again: only the queued one waits on the ops center
    page.locator(f".tg-map-point[data-id='{queued.id}']").click()
    page.wait_for_url(f"{live_server}/events/{queued.id}")


def test_five_thousand_dots_draw_and_keep_their_size_when_zoomed(page, live_server, session, catalog, people,
                                                                 request):
    rng = random.Random(7)
    streets = ["jd-bh", "jd-wy", "jx-gl", "jx-qs", "gx-kc", "lg-hk", "lg-ym"]
    statuses = ["reported", "dispatched", "handling", "reviewing", "closed", "closed", "closed"]
    fake = []
    for i in range(5000):
        lon, lat = geo.point_in(rng.choice(streets), rng)
        fake.append({"id": i + 1, "number": f"SJ{i + 1:06d}", "title": "路边垃圾堆积", "status": rng.choice(statuses),
                     "priority": "normal", "channel": "grid", "longitude": lon, "latitude": lat,
                     "department_id": None, "overdue": rng.random() < 0.1})
    body = json.dumps({"total": 6200, "points": fake})
    page.route("**/api/v1/events/points*", lambda route: route.fulfill(status=200, body=body,
                                                                       content_type="application/json"))
    log_in(page, live_server, "dispatcher")
    page.goto(f"{live_server}/events/")
    page.locator(".tg-events-tabs").get_by_text("全部").click()
    started = time.perf_counter()
    page.locator(".tg-events-view").get_by_text("地图").click()
    expect(page.locator(".tg-map-point")).to_have_count(5000)
    drawn = time.perf_counter() - started
    expect(page.locator(".tg-events-map-count")).to_have_text("地图上显示 5000 / 共 6200 个有位置的事件")
    dot = page.locator(".tg-map-point").first
    before = dot.bounding_box()["width"]

    box = page.locator(".tg-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    frames = page.evaluate("""async () => {
        const svg = document.querySelector('.tg-map-svg')
        const times = []
        for (let i = 0; i < 20; i++) {
            const t0 = performance.now()
            svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -60, clientX: 600, clientY: 450, bubbles: true,
                                                       cancelable: true}))
            await new Promise(requestAnimationFrame)
            await new Promise(requestAnimationFrame)
            times.push(performance.now() - t0)
        }
        return times.sort((a, b) => a - b)
    }""")
    after = dot.bounding_box()["width"]
    assert abs(after - before) < 1.5, (before, after)  # zoom moves the dots apart, not bigger
    print(f"\n5,000 dots: drawn {drawn * 1000:.0f} ms after the click; zoom step median "
          f"{frames[len(frames) // 2]:.1f} ms, worst {frames[-1]:.1f} ms (two frames each)")
    shot(page, request, "events-map-5000")
