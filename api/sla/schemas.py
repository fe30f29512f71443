"""Marshmallow schemas of the managers' SLA resource."""

from datetime import date

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from forms.formats import EARLIEST_YEAR, LATEST_YEAR

_DATE = validate.Range(date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31),
                       error=f"Dates must be between {EARLIEST_YEAR} and {LATEST_YEAR}")
_NAME = validate.Length(min=1, max=200)


class SlaListQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    process = fields.String(validate=_NAME)
    step = fields.String(validate=_NAME, metadata={"description": "a diagram element id"})
    group = fields.String(validate=_NAME, metadata={"description": "one lane you manage (default: all of them)"})
    assignee = fields.String(validate=_NAME)
    level = fields.Integer(validate=validate.Range(min=1, max=3),
                           metadata={"description": "escalation level: 1 breached, 2 +1 working day, 3 +2"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(max=500))


class SlaTaskSchema(Schema):
    task_id = fields.String()
    case_id = fields.String()
    case_reference = fields.String()
    process = fields.String()
    step = fields.String()
    name = fields.String()
    group = fields.String()
    assignee = fields.String(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
    warn_at = fields.AwareDateTime(allow_none=True)
    due_rule = fields.String(allow_none=True)
    minutes_late = fields.Integer(allow_none=True, metadata={"description": "negative: minutes until the deadline"})
    escalation_level = fields.Integer()


class SlaPageSchema(Schema):
    items = fields.List(fields.Nested(SlaTaskSchema))
    next_cursor = fields.String(allow_none=True)


class DateRangeQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    from_ = fields.Date(data_key="from", validate=_DATE, metadata={"description": "first day (UK), inclusive"})
    to = fields.Date(validate=_DATE, metadata={"description": "last day (UK), inclusive; default today"})

    @validates_schema
    def _ordered(self, data: dict, **_: object) -> None:
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("from must not be after to", field_name="from")


class StepSummarySchema(Schema):
    process = fields.String()
    step = fields.String()
    name = fields.String()
    open = fields.Integer(metadata={"description": "not done, not yet due"})
    on_time = fields.Integer()
    breached = fields.Integer(metadata={"description": "done late, or open past its deadline"})
    completed = fields.Integer()
    median_working_days = fields.Float(allow_none=True)
    p90_working_days = fields.Float(allow_none=True)


class SummarySchema(Schema):
    steps = fields.List(fields.Nested(StepSummarySchema))


class IndicatorCaseSchema(Schema):
    case_id = fields.String()
    reference = fields.String()
    due_at = fields.AwareDateTime()
    done_at = fields.AwareDateTime()
    on_time = fields.Boolean()


class IndicatorSchema(Schema):
    key = fields.String(metadata={"description": "the rule of domain §2 (T1, T10, T13, T15_T16, T21, T26_1m …)"})
    title = fields.String()
    numerator = fields.Integer()
    denominator = fields.Integer()
    percent = fields.Float(allow_none=True)
    cases = fields.List(fields.Nested(IndicatorCaseSchema))


class IndicatorsSchema(Schema):
    indicators = fields.List(fields.Nested(IndicatorSchema))


class TimerLatenessSchema(Schema):
    count = fields.Integer()
    p50_seconds = fields.Float(allow_none=True)
    p99_seconds = fields.Float(allow_none=True)
    max_seconds = fields.Float(allow_none=True)
