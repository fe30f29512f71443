"""Case endpoints: a referrer opens a case; staff and auditors read it; managers restrict it or break the glass;
auditors review who read it and export its chronology."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Response, current_app
from flask.views import MethodView
from sqlalchemy.orm import Session

from api import context
from api.auth import current_actor
from api.cases.schemas import (
    CHRONOLOGY_CSV,
    CHRONOLOGY_PDF,
    GENOGRAM_SVG,
    AccessLogSchema,
    BreakGlassRequestSchema,
    BreakGlassSchema,
    CaseSchema,
    FamilyNetworkSchema,
    HistorySchema,
    OpenCaseSchema,
    RestrictionRequestSchema,
    RestrictionSchema,
    ScalesSchema,
)
from api.openapi import ApiBlueprint
from api.people.schemas import CasePeopleSchema
from api.referrals.schemas import ReferralSchema
from engine import runtime
from engine.access import Actor
from engine.chronology import chronology_csv, chronology_pdf
from engine.genogram import render_genogram
from engine.queries.audit import get_case_chronology, list_case_access_log
from engine.queries.cases import get_case_view, list_case_history
from engine.queries.people import case_plan_flags, list_case_people
from engine.queries.records import get_family_network, list_scales
from engine.queries.referrals import get_referral

T = TypeVar("T")

blp = ApiBlueprint("cases", __name__, url_prefix="/api/v1/cases", description="Cases and their history")


def _audited_read(case_id: Any, what: str, read: Callable[[Session, Actor, str], T]) -> T:
    """Record the read of a case record (404 if not visible), then read it."""
    runtime.record_case_read(context.db(), str(case_id), current_actor(), context.now(), what)
    with context.db().reading() as session:
        return read(session, current_actor(), str(case_id))


@blp.route("")
class Cases(MethodView):
    @blp.arguments(OpenCaseSchema)
    @blp.response(201, ReferralSchema)
    @blp.alt_response(403, description="My groups may not start this process")
    @blp.alt_response(404, description="No such process deployed")
    @blp.alt_response(422, description="Referral form invalid: each field's JSON pointer and reason")
    def post(self, body: dict[str, Any]) -> Any:
        """Open a case from a referral and start its process; answers with the referral as its maker sees it"""
        subject = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in body["subject"].items()}
        case_id = runtime.open_case(context.db(), process=body["process"], subject=subject, data=body["data"],
                                    actor=current_actor(), now=context.now())
        with context.db().reading() as session:
            return get_referral(session, current_actor(), case_id)


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


@blp.route("/<uuid:case_id>/people")
class CasePeople(MethodView):
    @blp.response(200, CasePeopleSchema)
    @blp.alt_response(403, description="My role does not read people's records")
    @blp.alt_response(404, description="No such case visible to me")
    def get(self, case_id: Any) -> Any:
        """List who the case is about (its children) and the other people it names, each with their part"""
        people = _audited_read(case_id, "people", list_case_people)
        with context.db().reading() as session:
            flags = case_plan_flags(session, current_actor(), str(case_id), context.now())
        return {"case_id": str(case_id), "people": people, "cp_plan": flags}


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


@blp.route("/<uuid:case_id>/restriction")
class CaseRestriction(MethodView):
    @blp.arguments(RestrictionRequestSchema)
    @blp.response(200, RestrictionSchema)
    @blp.alt_response(403, description="Only managers restrict a case")
    @blp.alt_response(404, description="No such case visible to me")
    @blp.alt_response(422, description="No reason given, or no such team")
    def post(self, body: dict[str, Any], case_id: Any) -> Any:
        """Restrict a case to its workers and a named team (and the LADO service for an allegation), with a reason"""
        return runtime.restrict_case(context.db(), str(case_id), reason=body["reason"], team=body.get("team"),
                                     actor=current_actor(), now=context.now())


@blp.route("/<uuid:case_id>/break-glass")
class CaseBreakGlass(MethodView):
    @blp.arguments(BreakGlassRequestSchema)
    @blp.response(201, BreakGlassSchema)
    @blp.alt_response(403, description="Only managers break the glass")
    @blp.alt_response(404, description="No such case")
    @blp.alt_response(422, description="No reason given, or I can already see the case")
    def post(self, body: dict[str, Any], case_id: Any) -> Any:
        """Open a case I cannot see, for a limited time, giving a reason (audited and listed for auditors)"""
        hours = current_app.config["SOSFLOW_BREAK_GLASS_HOURS"]
        return runtime.open_break_glass(context.db(), str(case_id), reason=body["reason"], actor=current_actor(),
                                        now=context.now(), duration=timedelta(hours=hours))


@blp.route("/<uuid:case_id>/access-log")
class CaseAccessLog(MethodView):
    @blp.response(200, AccessLogSchema)
    @blp.alt_response(403, description="Only auditors")
    @blp.alt_response(404, description="No such case")
    def get(self, case_id: Any) -> Any:
        """Who read the case, its task forms and its history, and when (this read included)"""
        return {"case_id": str(case_id), "reads": _audited_read(case_id, "access_log", list_case_access_log)}


@blp.route("/<uuid:case_id>/chronology.csv")
class CaseChronologyCsv(MethodView):
    @blp.response(200, CHRONOLOGY_CSV, content_type="text/csv")
    @blp.alt_response(403, description="Only auditors")
    @blp.alt_response(404, description="No such case")
    def get(self, case_id: Any) -> Any:
        """Export the case's chronology (its audit events in order, each in a sentence) as CSV"""
        case, events = _audited_read(case_id, "chronology_csv", get_case_chronology)
        return Response(chronology_csv(events), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{case.reference}-chronology.csv"'})


@blp.route("/<uuid:case_id>/chronology.pdf")
class CaseChronologyPdf(MethodView):
    @blp.response(200, CHRONOLOGY_PDF, content_type="application/pdf")
    @blp.alt_response(403, description="Only auditors")
    @blp.alt_response(404, description="No such case")
    def get(self, case_id: Any) -> Any:
        """Export the case's chronology as PDF"""
        case, events = _audited_read(case_id, "chronology_pdf", get_case_chronology)
        body = chronology_pdf(case, events, exported_by=current_actor().username, exported_at=context.now())
        return Response(body, mimetype="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{case.reference}-chronology.pdf"'})
