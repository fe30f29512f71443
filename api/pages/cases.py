"""The case page: summary and references, the chain of processes with each one's position on its diagram,
open tasks with deadlines and rule ids, the history as an MOJ timeline, the genogram and the scaling chart;
every read of case data is audited like the API's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue

from api import context
from api.auth import current_actor
from api.pages.people import role_name
from api.pages.scales import scale_chart, scale_tables
from api.pages.wording import due_badge, when
from engine import runtime
from engine.access import Permission, allowed
from engine.errors import NotFound
from engine.genogram import render_genogram
from engine.models import AuditEvent
from engine.queries.cases import get_case_view, get_instance_diagram, list_case_history
from engine.queries.people import list_case_people
from engine.queries.records import get_family_network, list_scales

case_pages = Blueprint("case_pages", __name__)

EVENT_TITLES = {"case_opened": "Referral received", "task_completed": "Task completed", "task_claimed": "Task claimed",
                "task_unclaimed": "Task given back", "process_started": "Process started",
                "process_completed": "Process finished", "timer_fired": "Deadline timer fired"}


@case_pages.route("/cases/<uuid:case_id>")
def case(case_id: UUID) -> ResponseReturnValue:
    actor, db, now = current_actor(), context.db(), context.now()
    runtime.record_case_read(db, str(case_id), actor, now, "case")
    shows_people = allowed(actor, Permission.READ_PEOPLE)
    if shows_people:
        runtime.record_case_read(db, str(case_id), actor, now, "people")  # as the API's GET …/people records
    with db.reading() as session:
        view = get_case_view(session, actor, str(case_id))
        history = list_case_history(session, actor, str(case_id))
        network = _has_network(session, actor, str(case_id))
        scales = list_scales(session, actor, str(case_id))
        people = list_case_people(session, actor, str(case_id)) if shows_people else None
    tasks = [{"task": t, "due": when(t.due_at), "badge": due_badge(t.due_at, now)} for t in view["open_tasks"]]
    return render_template("pages/cases/case.html", view=view, case=view["case"], tasks=tasks,
                           events=[_event(e) for e in reversed(history)], network=network, when=when,
                           people=people, role=role_name,
                           scale_chart=scale_chart(scales) if scales else None, scale_tables=scale_tables(scales))


@case_pages.route("/cases/<uuid:case_id>/processes/<uuid:instance_id>/diagram.bpmn")
def diagram(case_id: UUID, instance_id: UUID) -> ResponseReturnValue:
    """The BPMN of the version a process of the case runs on, for the case page's viewer (no case data in it)."""
    with context.db().reading() as session:
        definition = get_instance_diagram(session, current_actor(), str(case_id), str(instance_id))
    return Response(definition.bpmn_xml, mimetype="application/xml")


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
