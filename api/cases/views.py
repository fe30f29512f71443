"""Case endpoints: a partner agency opens a case with a referral; staff and auditors read it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response
from flask.views import MethodView
from sqlalchemy.orm import Session

from api import context
from api.auth import current_actor
from api.cases.schemas import (
    GENOGRAM_SVG,
    CaseSchema,
    FamilyNetworkSchema,
    HistorySchema,
    OpenCaseSchema,
    ScalesSchema,
)
from api.openapi import ApiBlueprint
from engine import runtime
from engine.access import Actor
from engine.genogram import render_genogram
from engine.queries.cases import get_case_view, list_case_history
from engine.queries.records import get_family_network, list_scales

T = TypeVar("T")

blp = ApiBlueprint("cases", __name__, url_prefix="/api/v1/cases", description="Cases and their history")


def _case_view(case_id: str) -> dict[str, Any]:
    with context.db().reading() as session:
        return get_case_view(session, current_actor(), case_id)


def _audited_read(case_id: Any, what: str, read: Callable[[Session, Actor, str], T]) -> T:
    """Record the read of a case record (404 if not visible), then read it."""
    runtime.record_case_read(context.db(), str(case_id), current_actor(), context.now(), what)
    with context.db().reading() as session:
        return read(session, current_actor(), str(case_id))


@blp.route("")
class Cases(MethodView):
    @blp.arguments(OpenCaseSchema)
    @blp.response(201, CaseSchema)
    @blp.alt_response(403, description="My groups may not start this process")
    @blp.alt_response(404, description="No such process deployed")
    @blp.alt_response(422, description="Referral form invalid: each field's JSON pointer and reason")
    def post(self, body: dict[str, Any]) -> Any:
        """Open a case from a referral and start its process"""
        subject = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in body["subject"].items()}
        case_id = runtime.open_case(context.db(), process=body["process"], subject=subject, data=body["data"],
                                    actor=current_actor(), now=context.now())
        return _case_view(case_id)


@blp.route("/<uuid:case_id>")
class CaseById(MethodView):
    @blp.response(200, CaseSchema)
    @blp.alt_response(404, description="No such case visible to me")
    def get(self, case_id: Any) -> Any:
        """Read a case: its instances, route, open tasks and current position"""
        return _audited_read(case_id, "case", get_case_view)


@blp.route("/<uuid:case_id>/history")
class CaseHistory(MethodView):
    @blp.response(200, HistorySchema)
    @blp.alt_response(404, description="No such case visible to me")
    def get(self, case_id: Any) -> Any:
        """Read a case's history: every audit event in order, with submitted form data"""
        return {"case_id": str(case_id), "events": _audited_read(case_id, "history", list_case_history)}


@blp.route("/<uuid:case_id>/family-network")
class CaseFamilyNetwork(MethodView):
    @blp.response(200, FamilyNetworkSchema)
    @blp.alt_response(404, description="No such case visible to me, or no network recorded")
    def get(self, case_id: Any) -> Any:
        """Read the case's family network graph: people, relationships, households, ecomap links"""
        return _audited_read(case_id, "family_network", get_family_network)


@blp.route("/<uuid:case_id>/genogram.svg")
class CaseGenogram(MethodView):
    @blp.response(200, GENOGRAM_SVG, content_type="image/svg+xml")
    @blp.alt_response(404, description="No such case visible to me, or no network recorded")
    def get(self, case_id: Any) -> Any:
        """Draw the case's family network as a genogram (SVG)"""
        network = _audited_read(case_id, "genogram", get_family_network)
        return Response(render_genogram(network), mimetype="image/svg+xml")


@blp.route("/<uuid:case_id>/scales")
class CaseScales(MethodView):
    @blp.response(200, ScalesSchema)
    @blp.alt_response(404, description="No such case visible to me")
    def get(self, case_id: Any) -> Any:
        """Every safety-scale rating per danger statement and participant, over time"""
        return {"case_id": str(case_id), "series": _audited_read(case_id, "scales", list_scales)}
