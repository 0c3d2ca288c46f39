"""Marshmallow schemas of indicators."""
from __future__ import annotations

from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

from .models import CYCLES, GRAINS, STATES

_window = validate.Regexp(r"^\d{1,4}(m|h|d|w)$", error="时间窗口须形如 24h、7d、30d、4w")


class IndicatorBase(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    definition_text = fields.Str(validate=validate.Length(max=4000))
    service_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)
    formula = fields.Str(validate=validate.Length(min=1, max=4000))
    time_field = fields.Str(validate=validate.Length(max=128))
    dimensions = fields.List(fields.Str(validate=validate.Length(min=1, max=128)), validate=validate.Length(max=20))
    unit = fields.Str(validate=validate.Length(max=32))
    grain = fields.Str(validate=validate.OneOf(GRAINS))
    update_cycle = fields.Str(validate=validate.OneOf(CYCLES))
    default_window = fields.Str(validate=_window)
    owner_department_id = fields.Int(validate=validate.Range(min=1, max=2147483647), allow_none=True)


class IndicatorCreate(IndicatorBase):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Str(load_default="base", validate=validate.OneOf(["base", "derived"]))
    formula = fields.Str(required=True, validate=validate.Length(min=1, max=4000))


class IndicatorUpdate(IndicatorBase):
    confirm_breaking = fields.Bool(load_default=False, metadata={
        "description": "save even though the change breaks the dependants a 409 listed"})


class IndicatorQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))
    state = fields.Str(validate=validate.OneOf(list(STATES)))
    service_id = fields.Int(validate=validate.Range(min=1, max=2147483647))


class IndicatorOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    definition_text = fields.Str()
    kind = fields.Str()
    service_id = fields.Int(allow_none=True)
    formula = fields.Str()
    depends_on = fields.List(fields.Str())
    time_field = fields.Str()
    dimensions = fields.List(fields.Str())
    unit = fields.Str()
    grain = fields.Str()
    update_cycle = fields.Str()
    default_window = fields.Str()
    owner_department_id = fields.Int(allow_none=True)
    state = fields.Str()
    revision = fields.Int()
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


IndicatorPage = page_of(IndicatorOut, "IndicatorPage")


class IndicatorStateIn(BaseSchema):
    state = fields.Str(required=True, validate=validate.OneOf(list(STATES)))


class IndicatorValuesQuery(BaseSchema):
    codes = DelimitedList(fields.Str(validate=validate.Length(min=1, max=64)), required=True,
                                 validate=validate.Length(min=1, max=50))
    by = DelimitedList(fields.Str(validate=validate.Length(min=1, max=128)), validate=validate.Length(max=3))
    window = fields.Str(validate=_window)


class IndicatorValuesOut(Schema):
    by = fields.List(fields.Str())
    rows = fields.List(fields.Dict())
    computed_at = fields.Str()
    indicators = fields.Dict()


class IndicatorUsage(Schema):
    kind = fields.Str()
    code = fields.Str()
    name = fields.Str()
    state = fields.Str()
    id = fields.Int()
    problem = fields.Str(metadata={"description": "why it would not work with the indicator as it stands"})
