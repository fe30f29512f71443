"""Retrying an incident once its cause is fixed (a corrected diagram, repaired data, a deployed target).

The failed step is run again, in one transaction: a sweep's step loads the instance and fires its due
timers; a hand-off starts its process again from the data the end task handed on. Success resolves
the incident; failure rolls the step back, counts the try and answers with the element and reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
from engine.db import Database
from engine.errors import NotFound, RetryFailed, StaleState
from engine.models import Incident, IncidentKind, IncidentStatus, ProcessInstance
from engine.runtime.deploy import latest_definition
from engine.runtime.failures import BackgroundFailure, incident_payload
from engine.runtime.steps import hand_off_to
from engine.runtime.timers import claim_due_timers, run_due_timers
from engine.state import data_from_json
from engine.unit_of_work import UnitOfWork, unit_of_work


def retry_incident(db: Database, incident_id: str, actor: Actor, now: datetime) -> Incident:
    """Run an incident's failed step again; resolved on success, else RetryFailed (422) and one more try counted."""
    access.require_incident_handler(actor)
    try:
        with unit_of_work(db, now) as uow:
            incident = _open_incident(uow.session, incident_id)
            _run_again(uow, incident, actor)
            incident.status, incident.resolved_at, incident.resolved_by = IncidentStatus.RESOLVED, now, actor.username
            _count_try(uow, incident, "incident_resolved", actor)
            return incident
    except BackgroundFailure as failure:
        _record_failed_retry(db, incident_id, actor, now, failure)
        details = {**failure.details, "incident_id": incident_id}
        raise RetryFailed(f"the retry failed at '{details['element_id']}': {details['reason']}", details) from failure


def _open_incident(session: Session, incident_id: str) -> Incident:
    incident = session.get(Incident, incident_id, with_for_update=True)
    if incident is None:
        raise NotFound("incident not found")
    if incident.status != IncidentStatus.OPEN:
        raise StaleState(f"this incident is already {incident.status}")
    return incident


def _run_again(uow: UnitOfWork, incident: Incident, actor: Actor) -> None:
    if incident.kind == IncidentKind.HANDOFF:
        parent = uow.session.get_one(ProcessInstance, incident.instance_id)
        key = incident.retry["process"]
        data = data_from_json(incident.retry["data"])
        target = latest_definition(uow.session, key)
        hand_off_to(uow, parent, target, key, incident.element_id or "", data, actor)
    else:
        run_due_timers(uow, incident.instance_id, claim_due_timers(uow.session, incident.instance_id, uow.now))


def _count_try(uow: UnitOfWork, incident: Incident, action: str, actor: Actor) -> None:
    incident.tries, incident.last_tried_at = incident.tries + 1, uow.now
    uow.record(action, actor=actor.username, case_id=incident.case_id, instance_id=incident.instance_id,
               payload=incident_payload(incident))


def _record_failed_retry(db: Database, incident_id: str, actor: Actor, now: datetime,
                         failure: BackgroundFailure) -> None:
    with unit_of_work(db, now) as uow:
        incident = _open_incident(uow.session, incident_id)
        details = failure.details
        incident.kind, incident.element_id = failure.kind, details["element_id"] or incident.element_id
        incident.error_type, incident.message, incident.details = details["error"], details["reason"], details
        _count_try(uow, incident, "incident_retry_failed", actor)
