"""Alert endpoints: auditors and administrators see what the engine raised (a broken audit chain)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api import context
from api.alerts.schemas import AlertArgsSchema, AlertListSchema
from api.auth import current_actor
from api.openapi import ApiBlueprint
from engine.alerts import list_alerts

blp = ApiBlueprint("alerts", __name__, url_prefix="/api/v1/alerts",
                   description="Alerts for auditors and administrators")


@blp.route("")
class Alerts(MethodView):
    @blp.arguments(AlertArgsSchema, location="query")
    @blp.response(200, AlertListSchema)
    @blp.alt_response(403, description="Only auditors and administrators")
    def get(self, args: dict[str, Any]) -> Any:
        """List alerts, newest first"""
        with context.db().reading() as session:
            return {"items": list_alerts(session, current_actor(), args["limit"])}
