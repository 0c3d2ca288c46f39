"""/api/v1/alert-rules: indicator alerts, their silences and history."""
from __future__ import annotations

from flask.views import MethodView

from tongguan.api import Blueprint, current_actor, if_match, with_etag
from tongguan.db import get_session

from . import service
from .models import AlertRule
from .schemas import (
    AlertHistoryOut, AlertRuleCreate, AlertRuleOut, AlertRulePage, AlertRuleQuery, AlertRuleUpdate, AlertSilenceIn,
)

blp = Blueprint("alerts", __name__, url_prefix="/api/v1", description="Indicator alerts (指标预警)")
ID = "<int(min=1, max=2147483647):rule_id>"


@blp.route("/alert-rules")
class Rules(MethodView):
    @blp.arguments(AlertRuleQuery, location="query")
    @blp.response(200, AlertRulePage)
    def get(self, args):
        """List alert rules."""
        return service.rule_list(get_session(), current_actor(), **args)

    @blp.arguments(AlertRuleCreate)
    @blp.response(201, AlertRuleOut)
    def post(self, data):
        """A rule on an indicator: levels 蓝/黄/橙/红 with DSL conditions over `value`, a clearing rule,
        a pending time, what no data means, and whom to notify."""
        db = get_session()
        rule = service.rule_create(db, current_actor(), data)
        db.commit()
        return with_etag(rule, 201)


@blp.route(f"/alert-rules/{ID}")
class RuleItem(MethodView):
    @blp.response(200, AlertRuleOut)
    def get(self, rule_id):
        """One rule; its ETag is needed to change it."""
        return with_etag(service.rule_get(get_session(), current_actor(), rule_id))

    @if_match(AlertRule, "rule_id")
    @blp.arguments(AlertRuleUpdate)
    @blp.response(200, AlertRuleOut)
    def patch(self, data, rule_id, if_version):
        """Change a rule."""
        db = get_session()
        rule = service.rule_update(db, current_actor(), rule_id, data, if_version)
        db.commit()
        return with_etag(rule)


@blp.route(f"/alert-rules/{ID}/silence")
class RuleSilence(MethodView):
    @blp.arguments(AlertSilenceIn)
    @blp.response(200, AlertRuleOut)
    def post(self, data, rule_id):
        """Mute notifications until a time (null lifts the silence)."""
        db = get_session()
        rule = service.rule_silence(db, current_actor(), rule_id, data["until"], data["note"])
        db.commit()
        return with_etag(rule)


@blp.route(f"/alert-rules/{ID}/history")
class RuleHistory(MethodView):
    @blp.response(200, AlertHistoryOut)
    def get(self, rule_id):
        """Current state per group, transitions and notifications, newest first."""
        return service.rule_history(get_session(), current_actor(), rule_id)
