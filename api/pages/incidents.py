"""Incident pages for process owners and administrators: failed background steps (timers, hand-offs, stored
workflows), oldest first, each with a retry that runs `retry_incident` as the API's retry does."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from api import context
from api.auth import current_actor
from api.pages.wording import when
from engine import runtime
from engine.errors import RetryFailed
from engine.models import IncidentStatus
from engine.queries.incidents import IncidentFilter, list_incidents

incident_pages = Blueprint("incident_pages", __name__)
PAGE_SIZE = 50
STATUSES = {IncidentStatus.OPEN: "Open", IncidentStatus.RESOLVED: "Resolved"}


@incident_pages.route("/incidents")
def index() -> ResponseReturnValue:
    """Open incidents (or resolved ones), oldest first, a page at a time."""
    return _show()


@incident_pages.route("/incidents/<uuid:incident_id>/retry", methods=["POST"])
def retry(incident_id: UUID) -> ResponseReturnValue:
    """Run the failed step again; on success back to the list, else the list with the reason."""
    try:
        runtime.retry_incident(context.db(), str(incident_id), current_actor(), context.now())
    except RetryFailed as failed:
        return _show(failed=failed, failed_id=str(incident_id))
    return redirect(url_for("incident_pages.index", retried=str(incident_id)), 303)


def _show(failed: RetryFailed | None = None, failed_id: str | None = None) -> ResponseReturnValue:
    status = request.args.get("status", IncidentStatus.OPEN)
    if status not in STATUSES:
        status = IncidentStatus.OPEN
    with context.db().reading() as session:
        page = list_incidents(session, current_actor(), IncidentFilter(status=status), PAGE_SIZE,
                              request.args.get("cursor") or None)
    rows = [_row(item) for item in page.items]
    errors = [{"href": f"#incident-{failed_id}", "text": failed.message}] if failed else []
    next_url = url_for("incident_pages.index", status=status, cursor=page.next_cursor) if page.next_cursor else None
    return render_template("pages/incidents/index.html", rows=rows, status=status, statuses=STATUSES, errors=errors,
                           failed_id=failed_id, retried=request.args.get("retried"),
                           next_url=next_url), 422 if failed else 200


def _row(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "opened": when(item["opened_at"]), "last_tried": when(item["last_tried_at"])
            if item["last_tried_at"] else "Not retried"}
