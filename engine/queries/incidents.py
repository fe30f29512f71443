"""Incident reads: the list process owners and administrators work from, one incident, a case's incidents.

Lists are keyset-paginated on (opened_at, id), oldest first, over the (status, opened_at, id) index.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
from engine.errors import InvalidInput, NotFound
from engine.models import Case, Incident, IncidentStatus


@dataclass(frozen=True)
class IncidentFilter:
    """What an incident list asks for."""

    status: str = IncidentStatus.OPEN
    process: str | None = None


@dataclass(frozen=True)
class IncidentPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def _with_reference() -> Select[Incident, str]:
    return select(Incident, Case.reference).join(Case, Case.id == Incident.case_id)


def incident_view(incident: Incident, case_reference: str) -> dict[str, Any]:
    """An incident as the API and the CLI show it (never the case data its retry keeps)."""
    return {
        "id": incident.id, "case_id": incident.case_id, "case_reference": case_reference,
        "instance_id": incident.instance_id, "process": incident.process_key, "kind": incident.kind,
        "status": incident.status, "element_id": incident.element_id, "error": incident.error_type,
        "message": incident.message, "details": incident.details, "opened_at": incident.opened_at,
        "tries": incident.tries, "last_tried_at": incident.last_tried_at, "resolved_at": incident.resolved_at,
        "resolved_by": incident.resolved_by,
    }


def encode_cursor(view: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([view["opened_at"].isoformat(), view["id"]])).decode("ascii")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        opened_at, incident_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        moment = datetime.fromisoformat(opened_at)
    except (ValueError, TypeError) as exc:
        raise InvalidInput("the cursor is not one this API issued", details=[{"pointer": "/cursor"}]) from exc
    if moment.tzinfo is None:
        raise InvalidInput("the cursor is not one this API issued", details=[{"pointer": "/cursor"}])
    return moment, str(incident_id)


def list_incidents(session: Session, actor: Actor, wanted: IncidentFilter, limit: int = 50,
                   cursor: str | None = None) -> IncidentPage:
    """One page of incidents, oldest first; only process owners and administrators may list them."""
    access.require_incident_handler(actor)
    query = _with_reference().where(Incident.status == wanted.status)
    if wanted.process:
        query = query.where(Incident.process_key == wanted.process)
    if cursor:
        query = query.where(tuple_(Incident.opened_at, Incident.id) > tuple_(*decode_cursor(cursor)))
    rows = session.execute(query.order_by(Incident.opened_at, Incident.id).limit(limit + 1)).all()
    items = [incident_view(row[0], row[1]) for row in rows[:limit]]
    return IncidentPage(items, encode_cursor(items[-1]) if len(rows) > limit and items else None)


def get_incident(session: Session, actor: Actor, incident_id: str) -> dict[str, Any]:
    """One incident; 403 for other roles, 404 when there is no such incident."""
    access.require_incident_handler(actor)
    row = session.execute(_with_reference().where(Incident.id == incident_id)).first()
    if row is None:
        raise NotFound("incident not found")
    return incident_view(row[0], row[1])


def list_case_incidents(session: Session, case_id: str) -> list[Incident]:
    """Every incident of a case, oldest first (the case view shows them to whoever may see the case)."""
    query = select(Incident).where(Incident.case_id == case_id).order_by(Incident.opened_at, Incident.id)
    return list(session.scalars(query))
