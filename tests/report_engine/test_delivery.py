"""Delivering scheduled reports: inbox messages to the recipients (or to the creator when it failed),
and the PDF by mail through a real local SMTP server; a mail that cannot be sent is recorded and does
not fail the report. On SQLite and PostgreSQL."""
import datetime as dt
import email
import email.policy
import socket

import pytest
from sqlalchemy import select

from report_engine import jobs, schedules, service as reports
from report_engine.models import ReportRun
from tongguan.inbox.models import InboxMessage
from tongguan.jobs import run as run_job
from tongguan.permissions import Actor

OCCURRENCE = "2026-11-25T23:00:00+00:00"  # Thursday 26 November, 07:00 in Shanghai: reports on the 25th


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def mailbox():
    """A real SMTP server on 127.0.0.1 (aiosmtpd); yields (port, the messages it received)."""
    from aiosmtpd.controller import Controller

    received = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            received.append((envelope.rcpt_tos, message))
            return "250 OK"

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, received
    controller.stop()


@pytest.fixture
def daily(session, system, weekly):
    """The weekly fixture's template as a daily one, so that a scheduled run reports on one day."""
    reports.report_template_update(session, system, weekly.id, {"type": "daily", "cover": {"title": "城市运行日报"},
                                                                "body": "<p>受理 {{ events_total|number }} 件</p>"})
    session.commit()
    return weekly


def occur(app, session, system, smtp=None, **data):
    """Schedule `daily`, and run one occurrence through the job, with `smtp` as the mail settings."""
    made = schedules.report_schedule_create(session, system, {"template_code": "city_weekly", **data})
    session.commit()
    kept, jobs.SETTINGS["smtp"] = jobs.SETTINGS["smtp"], smtp or {}
    try:
        outcome = run_job(app.extensions["tongguan.sessionmaker"], "reports.render", f"schedule:{made.id}:{OCCURRENCE}",
                          {"schedule_id": made.id, "occurrence": OCCURRENCE})
    finally:
        jobs.SETTINGS["smtp"] = kept
    session.expire_all()
    return made, session.get(ReportRun, outcome.result["run_id"])


def inbox(session, user):
    return list(session.scalars(select(InboxMessage).where(InboxMessage.user_id == user.id)))


def test_a_ready_report_reaches_the_recipients_and_the_holders_of_their_roles(app, session, make_user, daily):
    named, leader, other = make_user("duty", "dispatcher"), make_user("boss", "leader"), make_user("x", "handler")
    author = make_user("writer", "author")
    made, run = occur(app, session, Actor.for_user(author), recipients={"users": [named.id], "roles": ["leader"]})
    assert run.state == "succeeded", run.message
    assert (run.report_date, run.created_by, run.trigger) == (dt.date(2026, 11, 25), author.id, "schedule")
    assert run.delivery == {"inbox": sorted([named.id, leader.id])}
    for user in (named, leader):
        [message] = inbox(session, user)
        assert (message.kind, message.title, message.link) == (
            "report.ready", "城市运行日报（2026年11月25日）已生成", f"/reports/runs/{run.id}")
    assert inbox(session, other) == [] and inbox(session, author) == []


def test_a_failed_scheduled_report_tells_its_creator_why(app, session, system, make_user, daily):
    reports.report_template_update(session, system, daily.id, {"body": "{{ 1 / 0 }}"})
    author, leader = make_user("writer", "author"), make_user("boss", "leader")
    made, run = occur(app, session, Actor.for_user(author), recipients={"roles": ["leader"]})
    assert run.state == "failed" and run.delivery == {"inbox": [author.id]}
    [message] = inbox(session, author)
    assert message.kind == "report.failed" and message.title == "城市运行日报（2026年11月25日）生成失败"
    assert "division by zero" in message.body and message.link == f"/reports/runs/{run.id}"
    assert inbox(session, leader) == []


def test_the_pdf_is_mailed_to_each_address_through_smtp(app, session, system, daily, mailbox):
    port, received = mailbox
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_FROM": "reports@linjiang.example"}
    made, run = occur(app, session, system, smtp, emails=["boss@linjiang.example", "duty@linjiang.example"])
    assert run.state == "succeeded"
    assert run.delivery["email"] == {"sent": ["boss@linjiang.example", "duty@linjiang.example"], "failed": {},
                                     "error": ""}
    assert [to for to, _ in received] == [["boss@linjiang.example"], ["duty@linjiang.example"]]
    message = received[0][1]
    assert message["Subject"] == "城市运行日报（2026年11月25日）已生成" and message["From"] == "reports@linjiang.example"
    assert message["To"] == "boss@linjiang.example"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "city_weekly-2026-11-25.pdf"
    assert attachment.get_content().startswith(b"%PDF")
    assert "PDF 见附件" in message.get_body(("plain",)).get_content()


def test_an_smtp_failure_is_recorded_and_the_report_still_succeeds(app, session, system, make_user, daily):
    leader = make_user("boss", "leader")
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": free_port()}  # nothing listens there
    made, run = occur(app, session, system, smtp, emails=["boss@linjiang.example"], recipients={"roles": ["leader"]})
    assert run.state == "succeeded" and run.pdf_file_id is not None
    assert run.delivery["inbox"] == [leader.id] and run.delivery["email"]["sent"] == []
    assert run.delivery["email"]["error"].startswith("无法连接邮件服务器")
    assert [m.kind for m in inbox(session, leader)] == ["report.ready"]


def test_without_smtp_host_no_mail_is_tried(app, session, system, daily):
    made, run = occur(app, session, system, {"SMTP_HOST": ""}, emails=["boss@linjiang.example"])
    assert run.state == "succeeded" and "email" not in run.delivery


def test_the_period_of_a_report_in_words():
    from report_engine.delivery import when

    def run(start, end):
        return ReportRun(period_start=start, period_end=end)

    assert when(run(dt.date(2026, 11, 16), dt.date(2026, 11, 22))) == "2026年11月16日至11月22日"
    assert when(run(dt.date(2026, 10, 1), dt.date(2026, 10, 31))) == "2026年10月"
    assert when(run(dt.date(2026, 12, 28), dt.date(2027, 1, 3))) == "2026年12月28日至2027年1月3日"
