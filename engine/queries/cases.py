"""Case reads: the case with its instances, open tasks, position and incidents; its audit history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
from engine.errors import NotFound
from engine.models import AuditEvent, Case, HumanTask, ProcessDefinition, ProcessInstance, TaskStatus, Timer
from engine.queries.incidents import incident_view, list_case_incidents


def get_case_view(session: Session, actor: Actor, case_id: str) -> dict[str, Any]:
    """Everything the case page shows, from projections only."""
    case = access.require_case_visible(session, actor, session.get(Case, case_id))
    instances = session.execute(
        select(ProcessInstance, ProcessDefinition.key, ProcessDefinition.version)
        .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        .where(ProcessInstance.case_id == case.id)
        .order_by(ProcessInstance.started_at, ProcessInstance.id)
    ).all()
    open_tasks = list(session.scalars(
        select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.status == TaskStatus.READY)
        .order_by(HumanTask.sort_due, HumanTask.id)
    ))
    timers = list(session.scalars(
        select(Timer).where(Timer.case_id == case.id, Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
    ))
    return {
        "case": case,
        "instances": [_instance_view(i, key, version, open_tasks, timers) for i, key, version in instances],
        "open_tasks": open_tasks,
        "incidents": [incident_view(incident, case.reference) for incident in list_case_incidents(session, case.id)],
    }


def _instance_view(instance: ProcessInstance, key: str, version: int, open_tasks: list[HumanTask],
                   timers: list[Timer]) -> dict[str, Any]:
    mine = [t for t in open_tasks if t.instance_id == instance.id]
    position = [t.name for t in mine]
    current = list(dict.fromkeys(t.element_id for t in mine))
    completed = [i for i in dict.fromkeys(step["id"] for step in instance.route or []) if i not in current]
    return {
        "id": instance.id, "process": key, "version": version, "status": instance.status,
        "revision": instance.revision, "outcome": instance.outcome, "outcome_name": instance.outcome_name,
        "starts_process": instance.starts_process, "parent_instance_id": instance.parent_instance_id,
        "started_at": instance.started_at, "completed_at": instance.completed_at, "route": instance.route,
        "position": position, "current_elements": current, "completed_elements": completed,
        "waiting_timers": [t for t in timers if t.instance_id == instance.id],
    }


def list_case_history(session: Session, actor: Actor, case_id: str) -> list[AuditEvent]:
    """Every audit event of a case in sequence order."""
    case = access.require_case_visible(session, actor, session.get(Case, case_id))
    return list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)))


def get_instance_diagram(session: Session, actor: Actor, case_id: str, instance_id: str) -> ProcessDefinition:
    """The deployed version an instance of a visible case runs on (404 for an instance of another case)."""
    case = access.require_case_visible(session, actor, session.get(Case, case_id))
    found = session.scalars(
        select(ProcessDefinition).join(ProcessInstance, ProcessInstance.definition_id == ProcessDefinition.id)
        .where(ProcessInstance.id == instance_id, ProcessInstance.case_id == case.id)
    ).first()
    if found is None:
        raise NotFound("no such process instance in this case")
    return found
