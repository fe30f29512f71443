"""Audit endpoints: auditors check that the hash-chained event log is intact and list break-glass openings."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from api import context
from api.auth import current_actor
from api.cases.schemas import BreakGlassPageSchema
from api.openapi import ApiBlueprint
from engine import access
from engine.audit import verify_chain
from engine.queries.audit import list_break_glass_openings

blp = ApiBlueprint("audit", __name__, url_prefix="/api/v1/audit", description="Tamper-evident audit log")


class VerifyArgsSchema(Schema):
    full = fields.Boolean(load_default=False, metadata={"description": "walk the whole chain, not only the "
                                                                        "events after the newest checkpoint"})


class ChainReportSchema(Schema):
    intact = fields.Boolean()
    events_checked = fields.Integer()
    first_broken_seq = fields.Integer(allow_none=True)
    reason = fields.String(allow_none=True)
    from_seq = fields.Integer(metadata={"description": "the checkpoint this check started after (0: the start)"})


class PageQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String()


@blp.route("/verify")
class VerifyChain(MethodView):
    @blp.arguments(VerifyArgsSchema, location="query")
    @blp.response(200, ChainReportSchema)
    @blp.alt_response(403, description="Only auditors")
    def get(self, args: dict[str, Any]) -> Any:
        """Recompute the audit hash chain from the newest checkpoint and report the first broken sequence number"""
        access.require_role(current_actor(), access.Role.AUDITOR)
        with context.db().reading() as session:
            return verify_chain(session, full=args["full"])


@blp.route("/break-glass")
class BreakGlassOpenings(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, BreakGlassPageSchema)
    @blp.alt_response(403, description="Only auditors")
    def get(self, args: dict[str, Any]) -> Any:
        """List every break-glass opening, newest first: who, which case, why, until when (cursor-paginated)"""
        with context.db().reading() as session:
            return list_break_glass_openings(session, current_actor(), context.now(), args["limit"],
                                             args.get("cursor"))
