"""Incident endpoints: process owners and administrators list failed background steps and retry them."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api import context
from api.auth import current_actor
from api.incidents.schemas import IncidentPageSchema, IncidentQuerySchema, IncidentSchema
from api.openapi import ApiBlueprint
from engine import runtime
from engine.queries.incidents import IncidentFilter, get_incident, list_incidents

blp = ApiBlueprint("incidents", __name__, url_prefix="/api/v1/incidents",
                description="Steps no user was waiting on that failed (timers, hand-offs, stored workflows)")


def _incident(incident_id: Any) -> dict[str, Any]:
    with context.db().reading() as session:
        return get_incident(session, current_actor(), str(incident_id))


@blp.route("")
class Incidents(MethodView):
    @blp.arguments(IncidentQuerySchema, location="query")
    @blp.response(200, IncidentPageSchema)
    @blp.alt_response(403, description="Only process owners and administrators")
    def get(self, args: dict[str, Any]) -> Any:
        """List incidents, oldest first (cursor-paginated; open ones unless `status` says otherwise)"""
        wanted = IncidentFilter(status=args["status"], process=args.get("process"))
        with context.db().reading() as session:
            return list_incidents(session, current_actor(), wanted, args["limit"], args.get("cursor"))


@blp.route("/<uuid:incident_id>")
class IncidentById(MethodView):
    @blp.response(200, IncidentSchema)
    @blp.alt_response(403, description="Only process owners and administrators")
    @blp.alt_response(404, description="No such incident")
    def get(self, incident_id: Any) -> Any:
        """Read an incident: element, error, when it was opened, how many tries"""
        return _incident(incident_id)


@blp.route("/<uuid:incident_id>/retry")
class RetryIncident(MethodView):
    @blp.response(200, IncidentSchema)
    @blp.alt_response(403, description="Only process owners and administrators")
    @blp.alt_response(404, description="No such incident")
    @blp.alt_response(409, description="The incident is already resolved")
    @blp.alt_response(422, description="The step failed again: the element and the reason")
    def post(self, incident_id: Any) -> Any:
        """Run the failed step again after fixing its cause; resolves the incident if it succeeds"""
        runtime.retry_incident(context.db(), str(incident_id), current_actor(), context.now())
        return _incident(incident_id)
