"""Marshmallow schemas of the alert resource."""

from marshmallow import Schema, fields, validate


class AlertArgsSchema(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class AlertSchema(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"example": "audit_chain_broken"})
    message = fields.String()
    details = fields.Dict()
    raised_at = fields.AwareDateTime()


class AlertListSchema(Schema):
    items = fields.List(fields.Nested(AlertSchema))
