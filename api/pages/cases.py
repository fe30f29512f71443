"""The case page: summary and references, the chain of processes, open tasks with deadlines and rule ids,
the history as an MOJ timeline, the genogram, and each process's diagram (bpmn-js, its passed and current steps
marked); every read is audited like the API's."""

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
from engine.queries.definitions import get_definition_version
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
                           marks={i["id"]: _marks(i, view["open_tasks"]) for i in view["instances"]},
                           events=[_event(e) for e in reversed(history)], network=network, when=when)


@case_pages.route("/cases/<uuid:case_id>/processes/<uuid:instance_id>/diagram.bpmn")
def diagram(case_id: UUID, instance_id: UUID) -> ResponseReturnValue:
    """The BPMN of the version one of the case's processes runs on, for the case page's diagram viewer."""
    actor, db = current_actor(), context.db()
    runtime.record_case_read(db, str(case_id), actor, context.now(), "diagram")
    with db.reading() as session:
        view = get_case_view(session, actor, str(case_id))
        found = [i for i in view["instances"] if i["id"] == str(instance_id)]
        if not found:
            raise NotFound(f"case {case_id} has no process {instance_id}")
        definition = get_definition_version(session, found[0]["process"], found[0]["version"])
    return Response(definition.bpmn_xml, mimetype="application/xml")


@case_pages.route("/cases/<uuid:case_id>/genogram.svg")
def genogram(case_id: UUID) -> ResponseReturnValue:
    runtime.record_case_read(context.db(), str(case_id), current_actor(), context.now(), "genogram")
    with context.db().reading() as session:
        network = get_family_network(session, current_actor(), str(case_id))
    return Response(render_genogram(network), mimetype="image/svg+xml")


def _marks(instance: dict[str, Any], open_tasks: list[Any]) -> dict[str, list[str]]:
    """The elements the diagram viewer marks: those the process has passed, and where it waits now."""
    current = [t.element_id for t in open_tasks if t.instance_id == instance["id"]]
    done = [step["id"] for step in instance["route"] if step["id"] not in current]
    return {"completed": list(dict.fromkeys(done)), "current": current}


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
