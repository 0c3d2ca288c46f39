"""Marshmallow schemas of report templates and generated reports."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from tongguan.schemas import CODE, BaseSchema, PageArgs, page_of

from .models import CADENCES, ORIENTATIONS, RUN_STATES, SOURCES, STATES, TYPES
from .sandbox import MAX_SOURCE

_window = validate.Regexp(r"^\d{1,4}(m|h|d|w)$", error="时间窗口须形如 24h、7d、30d、4w")
_name = validate.Regexp(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", error="变量名须为字母或下划线开头的标识符 (an identifier)")
_param_value = fields.Raw(validate=lambda v: v is None or isinstance(v, (str, int, float, bool)))


class Cover(BaseSchema):
    title = fields.Str(load_default="", validate=validate.Length(max=200))
    subtitle = fields.Str(load_default="", validate=validate.Length(max=200))


class Variable(BaseSchema):
    name = fields.Str(required=True, validate=_name)
    title = fields.Str(load_default="", validate=validate.Length(max=200))
    source = fields.Str(load_default="indicator", validate=validate.OneOf(SOURCES))
    code = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    by = fields.Str(validate=validate.Length(min=1, max=128), allow_none=True)
    window = fields.Str(validate=_window, allow_none=True, metadata={
        "description": "default: the report's period (1d for a daily report)"})
    offset = fields.Str(validate=_window, allow_none=True, metadata={
        "description": "move the window back (1d: the day before, for comparisons)"})
    params = fields.Dict(keys=fields.Str(validate=validate.Length(min=1, max=64)), values=_param_value,
                         load_default=dict, metadata={"description": "values may be $date, $period_start, "
                                                                     "$period_end or $area"})
    where = fields.Dict(keys=fields.Str(validate=validate.Length(min=1, max=128)), values=_param_value,
                        load_default=dict, metadata={"description": "{dimension: value or $area}"})
    sort = fields.Str(load_default="value_desc", validate=validate.OneOf(["value_desc", "value_asc", "key"]))
    limit = fields.Int(validate=validate.Range(min=1, max=5000), allow_none=True)
    key = fields.Str(validate=_name, allow_none=True, metadata={
        "description": "the rows' name for the value (default the indicator's code); a template cloned "
                       "under prefixed codes names it `value`"})


class ReportTemplateBase(BaseSchema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    type = fields.Str(validate=validate.OneOf(list(TYPES)))
    orientation = fields.Str(validate=validate.OneOf(ORIENTATIONS))
    cover = fields.Nested(Cover, allow_none=True, metadata={"description": "null: no cover page"})
    toc = fields.Bool()
    header_text = fields.Str(validate=validate.Length(max=200))
    footer_text = fields.Str(validate=validate.Length(max=200))
    organisation = fields.Str(validate=validate.Length(max=200))
    body = fields.Str(validate=validate.Length(max=MAX_SOURCE))
    variables = fields.List(fields.Nested(Variable), validate=validate.Length(max=100))
    state = fields.Str(validate=validate.OneOf(list(STATES)))

    @validates_schema
    def _unique_names(self, data, **kwargs):
        names = [v["name"] for v in data.get("variables") or []]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValidationError({"variables": [f"变量名重复：{', '.join(twice)} (duplicate names)"]})


class ReportTemplateCreate(ReportTemplateBase):
    code = fields.Str(required=True, validate=CODE)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))


class ReportTemplateUpdate(ReportTemplateBase):
    pass


class ReportTemplateQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100))
    type = fields.Str(validate=validate.OneOf(list(TYPES)))
    state = fields.Str(validate=validate.OneOf(list(STATES)))


class ReportTemplateOut(Schema):
    id = fields.Int()
    code = fields.Str()
    name = fields.Str()
    type = fields.Str()
    orientation = fields.Str()
    cover = fields.Dict(allow_none=True)
    toc = fields.Bool()
    header_text = fields.Str()
    footer_text = fields.Str()
    organisation = fields.Str()
    body = fields.Str()
    variables = fields.List(fields.Dict())
    state = fields.Str()
    revision = fields.Int()
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


ReportTemplatePage = page_of(ReportTemplateOut, "ReportTemplatePage")


class ReportParams(BaseSchema):
    date = fields.Date(required=True, metadata={"description": "the report's date (YYYY-MM-DD)"})
    period_start = fields.Date(metadata={"description": "default: from the template's type"})
    period_end = fields.Date()
    area = fields.Str(load_default="", validate=validate.Length(max=64))


class ReportTemplateDraft(ReportTemplateBase):
    """A template's content as edited and not saved yet (its state is not for a preview to change)."""

    class Meta:
        exclude = ("state",)


class ReportPreviewParams(ReportParams):
    template = fields.Nested(ReportTemplateDraft, metadata={
        "description": "unsaved changes to preview instead of the saved template (the designer's live preview)"})


class ReportPreviewOut(Schema):
    html = fields.Str()
    digest = fields.Str()
    charts = fields.Int()
    tables = fields.Int()


class ReportRunQuery(PageArgs):
    q = fields.Str(validate=validate.Length(max=100), metadata={"description": "the title contains"})
    code = fields.Str(validate=validate.Length(min=1, max=64), metadata={"description": "template code"})
    type = fields.Str(validate=validate.OneOf(list(TYPES)))
    state = fields.Str(validate=validate.OneOf(list(RUN_STATES)))
    date_from = fields.Date()
    date_to = fields.Date()


class ReportRunOut(Schema):
    id = fields.Int()
    template_id = fields.Int(allow_none=True)
    template_code = fields.Str()
    template_revision = fields.Int()
    type = fields.Str()
    title = fields.Str()
    report_date = fields.Date()
    period_start = fields.Date()
    period_end = fields.Date()
    area = fields.Str()
    digest = fields.Str()
    state = fields.Str()
    message = fields.Str()
    attempts = fields.Int()
    pages = fields.Int()
    pdf_file_id = fields.Int(allow_none=True)
    progress = fields.Int(metadata={"description": "0-100"})
    stage = fields.Str(metadata={"description": "the current stage (zh-CN)"})
    trigger = fields.Str(metadata={"description": "manual | schedule"})
    schedule_id = fields.Int(allow_none=True)
    created_by = fields.Int(allow_none=True, metadata={"description": "who asked"})
    data_as = fields.Int(allow_none=True, metadata={"description": "whose grants read the data (null: the system's)"})
    delivery = fields.Dict(metadata={"description": '{"inbox": [user ids], "email": {"sent": [...], '
                                                    '"failed": {address: error}, "error": "..."}}'})
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)


ReportRunPage = page_of(ReportRunOut, "ReportRunPage")


class ReportRunCreate(ReportParams):
    code = fields.Str(required=True, validate=validate.Length(min=1, max=64), metadata={"description": "template code"})


class ReportLatestOut(Schema):
    daily = fields.Nested(ReportRunOut, allow_none=True)
    weekly = fields.Nested(ReportRunOut, allow_none=True)
    monthly = fields.Nested(ReportRunOut, allow_none=True)
    special = fields.Nested(ReportRunOut, allow_none=True)


_at = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="时间须为 HH:MM，00:00 至 23:59 (a time of day)")


class Recipients(BaseSchema):
    users = fields.List(fields.Int(validate=validate.Range(min=1, max=2147483647)), load_default=list,
                        validate=validate.Length(max=500), metadata={"description": "user ids"})
    roles = fields.List(fields.Str(validate=validate.Length(min=1, max=64)), load_default=list,
                        validate=validate.Length(max=50), metadata={"description": "role codes: their users"})


class ReportScheduleBase(BaseSchema):
    template_code = fields.Str(validate=validate.Length(min=1, max=64))
    cadence = fields.Str(validate=validate.OneOf(list(CADENCES)), metadata={
        "description": "daily (every day), weekly (Mondays), monthly (the 1st)"})
    at = fields.Str(validate=_at, metadata={"description": "HH:MM in the city's time zone"})
    area = fields.Str(validate=validate.Length(max=64))
    enabled = fields.Bool()
    recipients = fields.Nested(Recipients)
    emails = fields.List(fields.Email(validate=validate.Length(max=254),
                                       error_messages={"invalid": "邮箱地址格式不正确 (not an e-mail address)"}),
                         validate=validate.Length(max=100),
                         metadata={"description": "mailed the PDF when SMTP is set up"})


class ReportScheduleCreate(ReportScheduleBase):
    template_code = fields.Str(required=True, validate=validate.Length(min=1, max=64))


class ReportScheduleUpdate(ReportScheduleBase):
    pass


class ReportScheduleQuery(PageArgs):
    code = fields.Str(validate=validate.Length(min=1, max=64), metadata={"description": "template code"})
    enabled = fields.Bool()


class ReportScheduleOut(Schema):
    id = fields.Int()
    template_code = fields.Str()
    template_name = fields.Str(allow_none=True, metadata={"description": "null: the template is gone"})
    cadence = fields.Str()
    at = fields.Str()
    area = fields.Str()
    enabled = fields.Bool()
    recipients = fields.Dict()
    emails = fields.List(fields.Str())
    created_by = fields.Int(allow_none=True)
    last_tick = fields.Str(metadata={"description": "the last occurrence generated (UTC)"})
    last_run_id = fields.Int(allow_none=True)
    next_run_at = fields.AwareDateTime(allow_none=True, metadata={"description": "UTC; null while disabled"})
    version = fields.Int()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


ReportSchedulePage = page_of(ReportScheduleOut, "ReportSchedulePage")
