"""Marshmallow schemas of the token resource: what a token is, never its secret."""

from marshmallow import Schema, fields


class TokenSchema(Schema):
    id = fields.String()
    name = fields.String()
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    state = fields.String(metadata={"description": "valid, expired or revoked"})


class TokenListSchema(Schema):
    items = fields.List(fields.Nested(TokenSchema))
