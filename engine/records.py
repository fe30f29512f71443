"""Records kept beside the workflow: the family network graph, every scale rating, the statutory facts.

Whatever form a task submits, the parts that are a family network (F7) or scales (F5) are written
here in the completing transaction, so the genogram and the scaling chart never load a workflow.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from engine.conference_children import FORM as CONFERENCE_RECORD
from engine.conference_children import check_child_decisions
from engine.models import FamilyNetwork, ScaleRecord
from engine.rows import Task
from engine.statutory import has_case_events, record_case_events
from engine.unit_of_work import UnitOfWork


def record_submission(uow: UnitOfWork, task: Task, data: dict[str, Any]) -> None:
    """Project the family network, scale ratings and statutory facts found in one submitted form
    (most forms have none of them, and need no ORM session); a conference record must decide for every child."""
    if task.form_key == CONFERENCE_RECORD:
        check_child_decisions(uow.session, task.case_id, task.form_key, data)
    network = _family_network(task.form_key, data)
    if network is not None:
        _store_network(uow.session, task, network, uow.now)
    statements = _danger_statements(data)
    for scale in _scales(task.form_key, data):
        uow.session.add_all(_scale_rows(task, data, scale, statements, uow.now))
    if has_case_events(task.form_key):
        record_case_events(uow.session, task, data, uow.now)


def _family_network(form_key: str, data: dict[str, Any]) -> dict[str, Any] | None:
    if form_key == "family_network":
        return data
    embedded = data.get("family_network")
    return embedded if isinstance(embedded, dict) and embedded.get("people") is not None else None


def _store_network(session: Session, task: Task, network: dict[str, Any], now: datetime) -> None:
    row = session.get(FamilyNetwork, task.case_id) or FamilyNetwork(case_id=task.case_id)
    row.people = list(network.get("people", []))
    row.relationships = list(network.get("relationships", []))
    row.households = list(network.get("households", []))
    row.ecomap_links = list(network.get("ecomap_links", []))
    row.source_task_id, row.updated_by, row.updated_at = task.id, task.completed_by or "unknown", now
    session.add(row)



def _scales(form_key: str, data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if form_key == "scale_rating":
        yield data
        return
    for scale in data.get("scales") or []:
        if isinstance(scale, dict):
            yield scale
    if isinstance(data.get("scale"), dict):
        yield data["scale"]


def _danger_statements(data: dict[str, Any]) -> dict[str, str]:
    found = data.get("danger_statements") or []
    return {str(s["id"]): str(s.get("adult_behaviour", "")) for s in found if isinstance(s, dict) and s.get("id")}


def _scale_rows(task: Task, data: dict[str, Any], scale: dict[str, Any], statements: dict[str, str],
                now: datetime) -> list[ScaleRecord]:
    statement_id = scale.get("danger_statement_id")
    occasion = data.get("type") or task.form_key
    return [
        ScaleRecord(
            case_id=task.case_id, task_id=task.id, form_key=task.form_key, occasion=str(occasion),
            danger_statement_id=statement_id, danger_statement=statements.get(str(statement_id)),
            question=str(scale.get("question", "")), rated_on=str(scale.get("rated_on", now.date().isoformat())),
            rater_name=str(rating["rater_name"]), rater_role=str(rating["rater_role"]), agency=rating.get("agency"),
            value=int(rating["value"]), recorded_at=now,
        )
        for rating in scale.get("ratings") or []
    ]
