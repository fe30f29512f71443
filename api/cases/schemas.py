"""Marshmallow schemas of the case resource."""

from datetime import date

from marshmallow import RAISE, Schema, fields, validate

from api.incidents.schemas import IncidentSchema
from api.tasks.schemas import TaskSchema
from forms.formats import EARLIEST_YEAR, LATEST_YEAR


class SubjectSchema(Schema):
    class Meta:
        unknown = RAISE

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    dob = fields.Date(validate=validate.Range(date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31), error=(
        f"Date of birth must be between {EARLIEST_YEAR} and {LATEST_YEAR}")))
    expected_dob = fields.Date(validate=validate.Range(date(EARLIEST_YEAR, 1, 1), date(LATEST_YEAR, 12, 31), error=(
        f"Expected date of birth must be between {EARLIEST_YEAR} and {LATEST_YEAR}")))
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
    payload = fields.Dict(allow_none=True, metadata={"description": "null once retention has removed it"})
    payload_sha256 = fields.String(metadata={"description": "what the chain covers: the payload's SHA-256"})
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


class RestrictionRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    team = fields.String(load_default=None, allow_none=True,
                         metadata={"description": "the group that may still see the case, e.g. lado"})


class RestrictionSchema(Schema):
    case_id = fields.String()
    restricted = fields.Boolean()
    team = fields.String(allow_none=True)
    reason = fields.String()
    restricted_by = fields.String()
    restricted_at = fields.AwareDateTime()


class BreakGlassRequestSchema(Schema):
    class Meta:
        unknown = RAISE

    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class BreakGlassSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    username = fields.String()
    reason = fields.String()
    opened_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()


class BreakGlassOpeningSchema(BreakGlassSchema):
    reference = fields.String()
    active = fields.Boolean(metadata={"description": "false once expired"})


class BreakGlassPageSchema(Schema):
    items = fields.List(fields.Nested(BreakGlassOpeningSchema))
    next_cursor = fields.String(allow_none=True)


class AccessReadSchema(Schema):
    seq = fields.Integer()
    at = fields.AwareDateTime()
    actor = fields.String()
    action = fields.String()
    what = fields.Function(lambda event: event.payload.get("what") or event.payload.get("name")
                           or event.payload.get("reason"))
    task_id = fields.String(allow_none=True)


class AccessLogSchema(Schema):
    case_id = fields.String()
    reads = fields.List(fields.Nested(AccessReadSchema))


class FamilyNetworkSchema(Schema):
    people = fields.List(fields.Dict(), metadata={"description": "people (family_network form, `people`)"})
    relationships = fields.List(fields.Dict(), metadata={"description": "from_id, to_id, type, quality"})
    households = fields.List(fields.Dict(), metadata={"description": "id and address"})
    ecomap_links = fields.List(fields.Dict(), metadata={"description": "person_id, service, strength"})


GENOGRAM_SVG = {"type": "string", "description": "an SVG 1.1 document"}
CHRONOLOGY_CSV = {"type": "string", "description": "one row per event: seq, when (London), who, what"}
CHRONOLOGY_PDF = {"type": "string", "format": "binary", "description": "the chronology as a PDF document"}
