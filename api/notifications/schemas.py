"""Marshmallow schemas of the notification resource."""

from marshmallow import RAISE, Schema, fields, validate


class NotificationSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": ["reminder", "breach", "escalation"]})
    case_id = fields.String()
    task_id = fields.String(allow_none=True)
    subject = fields.String()
    body = fields.String()
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)
    email_status = fields.String(metadata={"description": "pending, sending, sent, no_address or uncertain"})


class NotificationQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    unread = fields.Boolean(load_default=False)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(validate=validate.Length(max=500))


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    next_cursor = fields.String(allow_none=True)
