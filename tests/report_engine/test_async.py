"""Reports generated in the background: 202 at once, progress visible while the render runs, a
clear message and one retry when it fails; the newest report of each type; on SQLite and PostgreSQL."""
import datetime as dt
import threading
import time

import pytest

from report_engine import render
from report_engine.models import ReportRun
from tongguan.jobs import run as run_job

from .conftest import TITLE


def poll(client, url, headers, until, timeout=60.0):
    """GET `url` until `until(json)` holds; every answer seen, the last one last."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(url, headers=headers).json
        seen.append(body)
        if until(body):
            return seen
        time.sleep(0.05)
    raise AssertionError(f"{url} never got there; last: {seen[-1] if seen else None}")


def finished(run: dict) -> bool:
    return run["state"] in ("succeeded", "failed")


@pytest.fixture
def leader(make_user, bearer):
    return bearer(make_user("boss", "leader"))


def test_a_queued_report_answers_202_and_shows_its_progress_while_it_renders(client, leader, weekly, monkeypatch):
    laying_out, release = threading.Event(), threading.Event()
    real = render.to_pdf

    def slow_pdf(html):  # holds the render inside its own transaction until the test has looked
        laying_out.set()
        assert release.wait(30)
        return real(html)

    monkeypatch.setattr(render, "to_pdf", slow_pdf)
    res = client.post("/api/v1/reports", json={"code": "city_weekly", "date": "2026-11-25"}, headers=leader)
    assert res.status_code == 202, res.json
    queued = res.json
    assert (queued["state"], queued["progress"], queued["stage"], queued["trigger"]) == ("pending", 0, "排队中", "manual")
    assert res.headers["Location"] == f"/api/v1/reports/{queued['id']}"
    url = f"/api/v1/reports/{queued['id']}"
    try:
        assert laying_out.wait(60)
        during = poll(client, url, leader, lambda r: r["progress"] == 70)[-1]
        assert (during["state"], during["stage"], during["attempts"]) == ("running", "排版 PDF", 1)
        assert during["started_at"] and during["pdf_file_id"] is None
    finally:
        release.set()
    done = poll(client, url, leader, finished)[-1]
    assert (done["state"], done["progress"], done["stage"], done["attempts"]) == ("succeeded", 100, "已生成", 1)
    assert done["title"] == TITLE and len(done["digest"]) == 64 and done["data_as"] is None  # published by the system
    pdf = client.get(f"{url}/pdf", headers=leader)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_a_failure_is_retried_once_and_then_leaves_a_clear_message(app, session, client, leader, weekly, monkeypatch):
    calls, real = [], render.to_pdf

    def broken_pdf(html):
        calls.append(1)
        raise OSError("设备上没有空间")

    monkeypatch.setattr(render, "to_pdf", broken_pdf)
    res = client.post("/api/v1/reports", json={"code": "city_weekly", "date": "2026-11-25"}, headers=leader)
    done = poll(client, f"/api/v1/reports/{res.json['id']}", leader, finished)[-1]
    assert (done["state"], done["attempts"], len(calls)) == ("failed", 2, 2)
    assert done["message"] == "生成失败（第 2 次）：OSError: 设备上没有空间" and done["pdf_file_id"] is None
    assert client.get(f"/api/v1/reports/{done['id']}/pdf", headers=leader).status_code == 404

    def flaky_pdf(html):  # fails the first time only
        calls.append(1)
        if len(calls) == 3:
            raise OSError("连接中断")
        return real(html)

    monkeypatch.setattr(render, "to_pdf", flaky_pdf)
    flaky = client.post("/api/v1/reports", json={"code": "city_weekly", "date": "2026-11-25"}, headers=leader)
    done = poll(client, f"/api/v1/reports/{flaky.json['id']}", leader, finished)[-1]
    assert (done["state"], done["attempts"], done["message"]) == ("succeeded", 2, "")


def test_a_template_problem_fails_at_once_with_its_line(app, session, system, client, leader, weekly):
    from report_engine import service as reports

    reports.report_template_update(session, system, weekly.id, {"body": "<p>一</p>\n{{ no_such_name.x }}"})
    queued = reports.report_run_queue(session, system, "city_weekly", {"date": dt.date(2026, 11, 25)})
    session.commit()
    make, tick = app.extensions["tongguan.sessionmaker"], f"run:{queued.id}"
    outcome = run_job(make, "reports.render", tick, {"run_id": queued.id})
    assert outcome.state == "done" and outcome.result == {"run_id": queued.id, "state": "failed"}
    done = client.get(f"/api/v1/reports/{queued.id}", headers=leader).json
    assert done["attempts"] == 1 and done["message"].startswith("body: 第 2 行") and done["template_revision"] == 2
    again = run_job(make, "reports.render", tick, {"run_id": queued.id})
    assert again.state == "skipped"  # one run per tick


def test_queueing_follows_the_rules_of_rendering(client, leader, make_user, bearer, weekly):
    assert client.post("/api/v1/reports", json={"code": "no_such", "date": "2026-11-25"},
                       headers=leader).status_code == 404
    bad = client.post("/api/v1/reports", headers=leader, json={
        "code": "city_weekly", "date": "2026-11-25", "period_start": "2026-11-30", "period_end": "2026-11-25"})
    assert bad.status_code == 422 and "period_start" in bad.json["errors"]
    author = bearer(make_user("writer", "author"))
    draft = client.post("/api/v1/report-templates", json={"code": "draft_one", "name": "草稿报告"}, headers=author)
    assert draft.status_code == 201
    assert client.post("/api/v1/reports", json={"code": "draft_one", "date": "2026-11-25"},
                       headers=leader).status_code == 409
    mine = client.post("/api/v1/reports", json={"code": "draft_one", "date": "2026-11-25"}, headers=author)
    assert mine.status_code == 202 and mine.json["data_as"] == mine.json["created_by"]  # a draft: the author's grants
    poll(client, f"/api/v1/reports/{mine.json['id']}", author, lambda r: r["state"] == "succeeded")


def test_the_latest_report_of_each_type_and_a_title_search(app, session, system, client, leader, weekly):
    from report_engine import service as reports

    empty = client.get("/api/v1/reports/latest", headers=leader)
    assert empty.status_code == 200 and empty.json == {"daily": None, "weekly": None, "monthly": None, "special": None}
    older = reports.report_render(session, system, "city_weekly", {"date": dt.date(2026, 11, 24)},
                                  storage_path=app.config["STORAGE_PATH"])
    newer = reports.report_render(session, system, "city_weekly", {"date": dt.date(2026, 11, 25)},
                                  storage_path=app.config["STORAGE_PATH"])
    failed = ReportRun(template_code="city_weekly", type="weekly", title=TITLE, report_date=dt.date(2026, 12, 2),
                       period_start=dt.date(2026, 11, 26), period_end=dt.date(2026, 12, 2), state="failed")
    session.add(failed)
    session.commit()
    assert older.state == newer.state == "succeeded", (older.message, newer.message)
    latest = client.get("/api/v1/reports/latest", headers=leader).json
    assert latest["weekly"]["id"] == newer.id and latest["daily"] is None and latest["weekly"]["progress"] == 100
    found = client.get("/api/v1/reports?q=运行周", headers=leader).json
    assert {r["id"] for r in found["items"]} == {older.id, newer.id, failed.id}
    assert client.get("/api/v1/reports?q=月报", headers=leader).json["items"] == []
    assert client.get("/api/v1/reports?q=100%25", headers=leader).json["items"] == []  # % is a character
    assert [r.id for r in reports.report_run_latest(session, system).values() if r] == [newer.id]
