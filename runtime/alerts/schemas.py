"""Marshmallow schemas of alert rules and their history."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

from .machine import LEVELS, NODATA_POLICIES



class AlertLevelIn(BaseSchema):
    level = fields.Str(required=True, validate=validate.OneOf(LEVELS))
    condition = fields.Str(required=True, validate=validate.Length(min=1, max=2000))


class AlertRuleBase(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    indicator_id = fields.Int(validate=validate.Range(min=1, max=2147483647))
    by = fields.Str(validate=validate.Length(max=128))
    window = fields.Str(validate=validate.Regexp(r"^(\d{1,4}(m|h|d|w))?$", error="时间窗口须形如 24h、7d"))
    interval_s = fields.Int(validate=validate.Range(min=10, max=86_400))
    levels = fields.List(fields.Nested(AlertLevelIn), validate=validate.Length(min=1, max=4))
    clear_condition = fields.Str(validate=validate.Length(max=2000))
    pending_s = fields.Int(validate=validate.Range(min=0, max=86_400))
    recover_s = fields.Int(validate=validate.Range(min=0, max=86_400))
    nodata = fields.Str(validate=validate.OneOf(NODATA_POLICIES))
    notify_departments = fields.List(fields.Int(validate=validate.Range(min=1, max=2147483647)),
                                     validate=validate.Length(max=50))
    notify_roles = fields.List(fields.Str(validate=validate.Length(max=32)), validate=validate.Length(max=10))
    report_matter = fields.Str(validate=validate.Length(max=64))
    enabled = fields.Bool()
    owner_department_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)


class AlertRuleCreate(AlertRuleBase):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    indicator_id = fields.Int(required=True, validate=validate.Range(min=1, max=2147483647))
    levels = fields.List(fields.Nested(AlertLevelIn), required=True, validate=validate.Length(min=1, max=4))


class AlertRuleUpdate(AlertRuleBase):
    pass


class AlertRuleQuery(PageArgs):
    indicator_id = fields.Int(validate=validate.Range(min=1, max=2147483647))
    q = fields.Str(validate=validate.Length(max=100))


class AlertRuleOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    indicator_id = fields.Int()
    by = fields.Str()
    window = fields.Str()
    interval_s = fields.Int()
    levels = fields.List(fields.Dict())
    clear_condition = fields.Str()
    pending_s = fields.Int()
    recover_s = fields.Int()
    nodata = fields.Str()
    notify_departments = fields.List(fields.Int())
    notify_roles = fields.List(fields.Str())
    report_matter = fields.Str()
    enabled = fields.Bool()
    silenced_until = fields.AwareDateTime(allow_none=True)
    silence_note = fields.Str()
    last_evaluated_at = fields.AwareDateTime(allow_none=True)
    owner_department_id = fields.Int(allow_none=True)
    version = fields.Int()


AlertRulePage = page_of(AlertRuleOut, "AlertRulePage")


class AlertSilenceIn(BaseSchema):
    until = fields.AwareDateTime(required=True, allow_none=True)
    note = fields.Str(load_default="", validate=validate.Length(max=500))


class AlertStateOut(Schema):
    group_key = fields.Str()
    state = fields.Str()
    level = fields.Str(allow_none=True)
    since = fields.AwareDateTime(allow_none=True)
    episode = fields.Int()
    value = fields.Float(allow_none=True)
    evaluated_at = fields.AwareDateTime(allow_none=True)


class AlertTransitionOut(Schema):
    group_key = fields.Str()
    at = fields.AwareDateTime()
    from_state = fields.Str()
    to_state = fields.Str()
    level = fields.Str(allow_none=True)
    value = fields.Float(allow_none=True)
    episode = fields.Int()
    note = fields.Str()


class AlertNotificationOut(Schema):
    group_key = fields.Str()
    at = fields.AwareDateTime()
    kind = fields.Str()
    level = fields.Str(allow_none=True)
    episode = fields.Int()
    message = fields.Str()
    silenced = fields.Bool()
    report_matter = fields.Str()
    event_id = fields.Int(allow_none=True)


class AlertHistoryOut(Schema):
    states = fields.List(fields.Nested(AlertStateOut))
    transitions = fields.List(fields.Nested(AlertTransitionOut))
    notifications = fields.List(fields.Nested(AlertNotificationOut))
