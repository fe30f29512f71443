"""The case page: summary and references, the chain of processes, open tasks with deadlines and rule ids,
the history as an MOJ timeline, and the genogram; every read is audited like the API's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue

from api import context
from api.auth import current_actor
from api.pages.wording import due_badge, when
from engine import runtime
from engine.errors import NotFound
from engine.genogram import render_genogram
from engine.models import AuditEvent
from engine.queries.cases import get_case_view, list_case_history
from engine.queries.records import get_family_network

case_pages = Blueprint("case_pages", __name__)

EVENT_TITLES = {"case_opened": "Referral received", "task_completed": "Task completed", "task_claimed": "Task claimed",
                "task_unclaimed": "Task given back", "process_started": "Process started",
                "process_completed": "Process finished", "timer_fired": "Deadline timer fired"}


@case_pages.route("/cases/<uuid:case_id>")
def case(case_id: UUID) -> ResponseReturnValue:
    actor, db, now = current_actor(), context.db(), context.now()
    runtime.record_case_read(db, str(case_id), actor, now, "case")
    with db.reading() as session:
        view = get_case_view(session, actor, str(case_id))
        history = list_case_history(session, actor, str(case_id))
        network = _has_network(session, actor, str(case_id))
    tasks = [{"task": t, "due": when(t.due_at), "badge": due_badge(t.due_at, now)} for t in view["open_tasks"]]
    return render_template("pages/cases/case.html", view=view, case=view["case"], tasks=tasks,
                           events=[_event(e) for e in reversed(history)], network=network, when=when)


@case_pages.route("/cases/<uuid:case_id>/genogram.svg")
def genogram(case_id: UUID) -> ResponseReturnValue:
    runtime.record_case_read(context.db(), str(case_id), current_actor(), context.now(), "genogram")
    with context.db().reading() as session:
        network = get_family_network(session, current_actor(), str(case_id))
    return Response(render_genogram(network), mimetype="image/svg+xml")


def _has_network(session: Any, actor: Any, case_id: str) -> bool:
    try:
        get_family_network(session, actor, case_id)
    except NotFound:
        return False
    return True


def _event(event: AuditEvent) -> dict[str, Any]:
    payload = event.payload or {}
    title = EVENT_TITLES.get(event.action, event.action.replace("_", " ").capitalize())
    detail = payload.get("name") or payload.get("process") or payload.get("reference") or ""
    return {"title": title, "detail": detail, "by": event.actor, "at": when(event.at), "iso": event.at.isoformat()}
