"""Audit endpoints: auditors check that the hash-chained event log is intact."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields

from api import context
from api.auth import current_actor
from api.openapi import ApiBlueprint
from engine import access
from engine.audit import verify_chain

blp = ApiBlueprint("audit", __name__, url_prefix="/api/v1/audit", description="Tamper-evident audit log")


class ChainReportSchema(Schema):
    intact = fields.Boolean()
    events_checked = fields.Integer()
    first_broken_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)


@blp.route("/verify")
class VerifyChain(MethodView):
    @blp.response(200, ChainReportSchema)
    @blp.alt_response(403, description="Only auditors")
    def get(self) -> Any:
        """Recompute the audit hash chain and report the first broken sequence number"""
        access.require_role(current_actor(), access.Role.AUDITOR)
        with context.db().reading() as session:
            return verify_chain(session)
