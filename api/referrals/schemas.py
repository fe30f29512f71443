"""Marshmallow schemas of the referral resource: status, outcome and feedback, nothing else of the case."""

from marshmallow import RAISE, Schema, fields, validate


class FeedbackSchema(Schema):
    sent_at = fields.AwareDateTime()
    referrer_informed_at = fields.String(allow_none=True)
    method = fields.String(allow_none=True)
    parents_informed = fields.Boolean(allow_none=True)


class ReferralSchema(Schema):
    id = fields.String(attribute="case_id", metadata={"description": "the case's id"})
    reference = fields.String()
    kind = fields.String()
    subject_name = fields.String(allow_none=True)
    opened_at = fields.AwareDateTime()
    status = fields.String(metadata={"description": "open, decided or closed"})
    outcome = fields.String(allow_none=True)
    outcome_name = fields.String(allow_none=True)


class ReferralDetailSchema(ReferralSchema):
    feedback = fields.List(fields.Nested(FeedbackSchema), metadata={"description": "what the referrer was told"})


class ReferralQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String()


class ReferralPageSchema(Schema):
    items = fields.List(fields.Nested(ReferralSchema))
    next_cursor = fields.String(allow_none=True)
