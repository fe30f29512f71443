"""Marshmallow schemas of the case resource."""

from marshmallow import RAISE, Schema, fields, validate

from api.incidents.schemas import IncidentSchema
from api.tasks.schemas import TaskSchema


class SubjectSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    dob = fields.Date()
    expected_dob = fields.Date()
    sex = fields.String(validate=validate.OneOf(["female", "male", "other", "unknown"]))
    nhs_number = fields.String(validate=validate.Regexp(r"^\d{10}$", error="Enter a 10-digit NHS number"))
    address = fields.String()


class OpenCaseSchema(Schema):
    class Meta:
        unknown = RAISE

    process = fields.String(required=True, metadata={"example": "mash_screening"})
    subject = fields.Nested(SubjectSchema, required=True)
    data = fields.Dict(required=True, metadata={"description": "the referral form (the process's start form)"})


class TimerSchema(Schema):
    id = fields.String()
    element_id = fields.String()
    name = fields.String()
    rule = fields.String(allow_none=True)
    fires_at = fields.AwareDateTime()


class InstanceSchema(Schema):
    id = fields.String()
    process = fields.String()
    version = fields.Integer()
    status = fields.String()
    revision = fields.Integer()
    outcome = fields.String(allow_none=True)
    outcome_name = fields.String(allow_none=True)
    starts_process = fields.String(allow_none=True)
    parent_instance_id = fields.String(allow_none=True)
    started_at = fields.AwareDateTime()
    completed_at = fields.AwareDateTime(allow_none=True)
    route = fields.List(fields.Dict(), metadata={"description": "the diagram elements passed, in order"})
    position = fields.List(fields.String(), metadata={"description": "names of the open tasks"})
    waiting_timers = fields.List(fields.Nested(TimerSchema))


class CaseFieldsSchema(Schema):
    id = fields.String()
    reference = fields.String()
    kind = fields.String()
    subject = fields.Dict()
    restricted = fields.Boolean()
    created_by = fields.String()
    created_at = fields.AwareDateTime()


class CaseSchema(Schema):
    id = fields.Function(lambda view: view["case"].id)
    reference = fields.Function(lambda view: view["case"].reference)
    case = fields.Nested(CaseFieldsSchema)
    instances = fields.List(fields.Nested(InstanceSchema))
    open_tasks = fields.List(fields.Nested(TaskSchema))
    incidents = fields.List(fields.Nested(IncidentSchema), metadata={"description": "failed background steps"})


class AuditEventSchema(Schema):
    seq = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    case_id = fields.String(allow_none=True)
    instance_id = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    payload = fields.Dict()
    hash = fields.String()


class HistorySchema(Schema):
    case_id = fields.String()
    events = fields.List(fields.Nested(AuditEventSchema))


class ScaleRatingSchema(Schema):
    rated_on = fields.String()
    rater_name = fields.String()
    rater_role = fields.String()
    agency = fields.String(allow_none=True)
    value = fields.Integer()
    occasion = fields.String(allow_none=True)
    form_key = fields.String(data_key="form")
    task_id = fields.String()


class ScaleSpreadSchema(Schema):
    rated_on = fields.String()
    count = fields.Integer()
    min = fields.Integer()
    max = fields.Integer()
    mean = fields.Float()


class ScaleSeriesSchema(Schema):
    danger_statement_id = fields.String(allow_none=True, metadata={"description": "null for the overall scale"})
    danger_statement = fields.String(allow_none=True)
    ratings = fields.List(fields.Nested(ScaleRatingSchema))
    by_date = fields.List(fields.Nested(ScaleSpreadSchema), metadata={"description": "spread per occasion"})


class ScalesSchema(Schema):
    case_id = fields.String()
    series = fields.List(fields.Nested(ScaleSeriesSchema))
