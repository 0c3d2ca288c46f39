"""The alert history as a built-in data set: one row per notification (a firing, an escalation, a
resolution), so a big screen's alert list and a report can read alerts like any other data."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from runtime.sources import builtin

from .models import AlertNotification, AlertRule


@builtin.dataset("alerts", "预警（每条预警通知一行）")
def alerts(now: dt.datetime | None = None) -> sa.Subquery:
    stmt = (
        sa.select(AlertRule.code.label("rule"), AlertRule.name.label("rule_name"),
                  AlertNotification.group_key.label("group_key"), AlertNotification.kind.label("kind"),
                  AlertNotification.level.label("level"), AlertNotification.message.label("message"),
                  AlertNotification.at.label("at"), AlertNotification.event_id.label("event_id"))
        .select_from(AlertNotification)
        .join(AlertRule, AlertRule.id == AlertNotification.rule_id)
    )
    return stmt.subquery("alerts")
