"""Referral endpoints: a referrer lists the referrals they made and reads one's status and feedback."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api import context
from api.auth import current_actor
from api.openapi import ApiBlueprint
from api.referrals.schemas import ReferralDetailSchema, ReferralPageSchema, ReferralQuerySchema
from engine import runtime
from engine.queries.referrals import get_referral, list_referrals_made_by

blp = ApiBlueprint("referrals", __name__, url_prefix="/api/v1/referrals",
                description="The referrals I made: status, outcome and feedback")


@blp.route("")
class Referrals(MethodView):
    @blp.arguments(ReferralQuerySchema, location="query")
    @blp.response(200, ReferralPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """List the referrals I made, newest first (cursor-paginated)"""
        with context.db().reading() as session:
            return list_referrals_made_by(session, current_actor(), args["limit"], args.get("cursor"))


@blp.route("/<uuid:case_id>")
class ReferralById(MethodView):
    @blp.response(200, ReferralDetailSchema)
    @blp.alt_response(404, description="No referral of mine with this id")
    def get(self, case_id: Any) -> Any:
        """Read a referral I made: its reference, status, outcome and the feedback sent to me"""
        runtime.record_referral_read(context.db(), str(case_id), current_actor(), context.now())
        with context.db().reading() as session:
            return get_referral(session, current_actor(), str(case_id))
