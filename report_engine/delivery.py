"""Delivering a scheduled report: an inbox message to each recipient (the schedule's users and the
users holding its roles) when it is ready, or to the schedule's creator when it failed; and, when
SMTP_HOST is set, a mail with the PDF to each of the schedule's addresses.

What was delivered to whom is kept in the run's `delivery`. A mail that cannot be sent is recorded
there and does not fail the report: the report exists, and the inbox has told its readers.
"""
from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongguan.accounts.models import User, user_role
from tongguan.files import storage
from tongguan.inbox.service import deliver as inbox_deliver

from .models import ReportRun, ReportSchedule
from .sandbox import date

log = logging.getLogger(__name__)
SMTP_TIMEOUT = 30


def when(run: ReportRun) -> str:
    """The period in words: "2026年11月25日", "2026年11月16日至11月22日", "2026年10月"."""
    start, end = run.period_start, run.period_end
    if start == end:
        return date(end)
    whole_month = start.day == 1 and (end + dt.timedelta(days=1)).day == 1 and start.month == end.month
    if whole_month and start.year == end.year:
        return date(end, "month")
    return f"{date(start)}至{end.month}月{end.day}日" if start.year == end.year else f"{date(start)}至{date(end)}"


def recipients(session: Session, wanted: dict) -> list[int]:
    """The active users named, and the active users holding the roles named."""
    users = {int(u) for u in (wanted or {}).get("users", [])}
    roles = list((wanted or {}).get("roles", []))
    if roles:
        users |= set(session.scalars(select(user_role.c.user_id).where(user_role.c.role_code.in_(roles))))
    if not users:
        return []
    return sorted(session.scalars(select(User.id).where(User.id.in_(users), User.is_active.is_(True))))


def notify(session: Session, run: ReportRun) -> dict:
    """Tell the people of a scheduled run in their inboxes (in the caller's transaction): the
    recipients when it is ready, the schedule's creator when it failed. Records `run.delivery`."""
    schedule = session.get(ReportSchedule, run.schedule_id) if run.schedule_id is not None else None
    if schedule is None:
        return {}
    link = f"/reports/runs/{run.id}"
    if run.state == "succeeded":
        to = recipients(session, schedule.recipients)
        inbox_deliver(session, to, "report.ready", f"{subject(run)}已生成", link=link)
    else:
        to = [schedule.created_by] if schedule.created_by is not None else []
        inbox_deliver(session, to, "report.failed", f"{subject(run)}生成失败", body=run.message, link=link)
    run.delivery = {"inbox": to}
    session.flush()
    return run.delivery


def mail(session: Session, run: ReportRun, *, smtp: dict, storage_path: str, org: str = "") -> dict | None:
    """Mail a ready scheduled report's PDF to its schedule's addresses when SMTP_HOST is set; the
    outcome, failures included, is added to `run.delivery` (None: nothing to send)."""
    schedule = session.get(ReportSchedule, run.schedule_id) if run.schedule_id is not None else None
    if schedule is None or run.state != "succeeded" or not smtp.get("SMTP_HOST") or not schedule.emails:
        return None
    outcome = _mail_all(session, run, list(dict.fromkeys(schedule.emails)), f"{subject(run)}已生成", smtp=smtp,
                        storage_path=storage_path, org=org)
    run.delivery = {**(run.delivery or {}), "email": outcome}
    session.flush()
    return outcome


def subject(run: ReportRun) -> str:
    """"城市运行日报（2026年11月25日）"."""
    return f"{run.title}（{when(run)}）"


def _mail_all(session: Session, run: ReportRun, addresses: list[str], subject: str, *, smtp: dict,
              storage_path: str, org: str) -> dict:
    """One mail per address (readers do not see each other's addresses), over one connection."""
    sent, failed = [], {}
    try:
        stored, path = storage.open_file(session, run.pdf_file_id, storage_path=storage_path)
        pdf = path.read_bytes()
        with _connect(smtp) as server:
            for address in addresses:
                try:
                    server.send_message(_message(smtp, address, subject, pdf, stored.filename, org))
                    sent.append(address)
                except smtplib.SMTPException as exc:  # this address only: the others still get theirs
                    failed[address] = _reason(exc)
    except Exception as exc:  # noqa: BLE001 - recorded, never fails the run
        log.warning("report run %s: mail not sent: %r", run.id, exc)
        return {"sent": sent, "failed": failed, "error": _reason(exc)}
    return {"sent": sent, "failed": failed, "error": ""}


def _connect(smtp: dict) -> smtplib.SMTP:
    server = smtplib.SMTP(smtp["SMTP_HOST"], int(smtp.get("SMTP_PORT") or 25), timeout=SMTP_TIMEOUT)
    try:
        if smtp.get("SMTP_STARTTLS"):
            server.starttls(context=ssl.create_default_context())
        if smtp.get("SMTP_USER"):
            server.login(smtp["SMTP_USER"], smtp.get("SMTP_PASSWORD") or "")
    except BaseException:
        server.close()
        raise
    return server


def _message(smtp: dict, address: str, subject: str, pdf: bytes, filename: str, org: str) -> EmailMessage:
    sender = smtp.get("SMTP_FROM") or f"tongguan@{smtp['SMTP_HOST']}"
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = subject, sender, address
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(f"{subject}，PDF 见附件。\n\n{org}\n（此邮件由系统自动发送，请勿回复。）\n")
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return message


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"邮件服务器拒绝（{exc.smtp_code}）：{text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "收件人被拒绝：" + "；".join(f"{a}（{c}）" for a, (c, _m) in exc.recipients.items())
    if isinstance(exc, OSError):
        return f"无法连接邮件服务器：{exc}"
    return f"邮件发送失败：{type(exc).__name__}: {exc}"
