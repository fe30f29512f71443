"""Case reads: the case with its instances, open tasks, position and incidents; its audit history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
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
    position = [t.name for t in open_tasks if t.instance_id == instance.id]
    return {
        "id": instance.id, "process": key, "version": version, "status": instance.status,
        "revision": instance.revision, "outcome": instance.outcome, "outcome_name": instance.outcome_name,
        "starts_process": instance.starts_process, "parent_instance_id": instance.parent_instance_id,
        "started_at": instance.started_at, "completed_at": instance.completed_at, "route": instance.route,
        "position": position,
        "waiting_timers": [t for t in timers if t.instance_id == instance.id],
    }


def list_case_history(session: Session, actor: Actor, case_id: str) -> list[AuditEvent]:
    """Every audit event of a case in sequence order."""
    case = access.require_case_visible(session, actor, session.get(Case, case_id))
    return list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq)))
