"""Marshmallow schemas of the incident resource."""

from marshmallow import RAISE, Schema, fields, validate

from engine.models import IncidentKind, IncidentStatus


class IncidentSchema(Schema):
    id = fields.String()
    case_id = fields.String()
    case_reference = fields.String()
    instance_id = fields.String()
    process = fields.String()
    kind = fields.String(metadata={"enum": [k.value for k in IncidentKind],
                                   "description": "what failed: a timer, a hand-off, the stored workflow, the engine"})
    status = fields.String(metadata={"enum": [s.value for s in IncidentStatus]})
    element_id = fields.String(allow_none=True, metadata={"description": "the diagram element that failed"})
    error = fields.String(metadata={"description": "the error's type, e.g. NameError"})
    message = fields.String(metadata={"description": "the reason, in one line"})
    details = fields.Dict(metadata={"description": "element, variable, error and reason (and target, for a hand-off)"})
    opened_at = fields.AwareDateTime()
    tries = fields.Integer()
    last_tried_at = fields.AwareDateTime()
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)


class IncidentQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    status = fields.String(load_default=IncidentStatus.OPEN.value,
                           validate=validate.OneOf([s.value for s in IncidentStatus]))
    process = fields.String(validate=validate.Length(min=1, max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(max=500))


class IncidentPageSchema(Schema):
    items = fields.List(fields.Nested(IncidentSchema))
    next_cursor = fields.String(allow_none=True)
