"""Whose grants read a report's data: a published template's publisher's (a report distributed by
its author), so a leader who may only read reports can generate it; a draft only for those who
manage templates, with their own grants. On SQLite and PostgreSQL."""
import datetime as dt

import pytest

from report_engine import service as reports
from runtime.services import service as services
from tongguan.errors import Conflict, Forbidden
from tongguan.jobs import run as run_job
from tongguan.permissions import Actor

DATE = dt.date(2026, 11, 25)
BODY = "<p>共 {{ rows|length }} 条事件记录。</p>"
ROWS = [{"name": "rows", "title": "事件记录", "source": "service", "code": "city_events"}]


@pytest.fixture
def people(session, system, make_user, org, city_data):
    """An author whose department (the city) may call `city_events`, and a leader at a street that may not."""
    services.service_grant(session, system, city_data["service"].id, org["city"].id)
    session.commit()
    return {"author": make_user("writer", "author"), "reader": make_user("boss", "leader", department="street")}


def template(session, author, code, state):
    made = reports.report_template_create(session, Actor.for_user(author), {
        "code": code, "name": "事件清单", "body": BODY, "variables": ROWS, "state": state})
    session.commit()
    return made


def test_a_reader_without_the_data_grant_renders_a_published_report_with_the_publishers_grants(
        app, session, people):
    author, reader = people["author"], people["reader"]
    published = template(session, author, "event_list", "published")
    assert published.published_by == author.id
    with pytest.raises(Forbidden):  # the reader's own grants do not reach the data
        services.service_call(session, Actor.for_user(reader), "city_events", {})

    run = reports.report_render(session, Actor.for_user(reader), "event_list", {"date": DATE},
                                storage_path=app.config["STORAGE_PATH"])
    session.commit()
    assert run.state == "succeeded", run.message
    assert (run.created_by, run.data_as) == (reader.id, author.id)
    from tests.builder.conftest import EVENTS

    assert f"共 {len(EVENTS)} 条事件记录" in run.html

    queued = reports.report_run_queue(session, Actor.for_user(reader), "event_list", {"date": DATE})
    session.commit()
    run_job(app.extensions["tongguan.sessionmaker"], "reports.render", f"run:{queued.id}", {"run_id": queued.id})
    session.expire_all()
    assert (queued.state, queued.created_by, queued.data_as) == ("succeeded", reader.id, author.id)


def test_the_same_reader_is_refused_a_draft(app, session, people):
    template(session, people["author"], "event_draft", "draft")
    reader = Actor.for_user(people["reader"])
    with pytest.raises(Conflict, match="尚未发布"):
        reports.report_render(session, reader, "event_draft", {"date": DATE}, storage_path=app.config["STORAGE_PATH"])
    with pytest.raises(Conflict, match="尚未发布"):
        reports.report_run_queue(session, reader, "event_draft", {"date": DATE})


def test_a_draft_renders_for_its_manager_with_their_own_grants(app, session, make_user, people):
    template(session, people["author"], "event_draft", "draft")
    outsider = make_user("editor", "author", department="street")  # manages templates, no grant on the data
    run = reports.report_render(session, Actor.for_user(outsider), "event_draft", {"date": DATE},
                                storage_path=app.config["STORAGE_PATH"])
    assert run.state == "failed" and run.data_as == outsider.id and "city_events" in run.message


def test_whoever_changes_a_published_templates_content_becomes_its_publisher(app, session, make_user, people):
    published = template(session, people["author"], "event_list", "published")
    editor = make_user("editor", "author", department="street")
    reports.report_template_update(session, Actor.for_user(editor), published.id, {"footer_text": "内部资料"})
    assert published.published_by == editor.id  # the editor's grants now read the data
    run = reports.report_render(session, Actor.for_user(people["reader"]), "event_list", {"date": DATE},
                                storage_path=app.config["STORAGE_PATH"])
    assert run.state == "failed" and run.data_as == editor.id
    reports.report_template_update(session, Actor.for_user(people["author"]), published.id, {"state": "draft"})
    reports.report_template_update(session, Actor.for_user(people["author"]), published.id, {"state": "published"})
    assert published.published_by == people["author"].id


def test_a_publisher_who_has_left_stops_the_report_with_a_clear_message(app, session, system, people):
    from tongguan.accounts import service as accounts

    template(session, people["author"], "event_list", "published")
    accounts.user_update(session, system, people["author"].id, {"is_active": False})
    session.commit()
    with pytest.raises(Conflict, match="发布人"):
        reports.report_render(session, Actor.for_user(people["reader"]), "event_list", {"date": DATE},
                              storage_path=app.config["STORAGE_PATH"])
