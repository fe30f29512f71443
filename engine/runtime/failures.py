"""A workflow that fails: named by its element and variable, as a 422 in a user's own request, or as an
incident on the instance when the step is one no user is waiting on (a timer, a hand-off, a load).

An incident is opened in the transaction that notices it (a hand-off inside a user's completion) or
in one of its own after the failed step rolled back (a timer sweep); the instance stays where it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.exceptions import SpiffWorkflowException, WorkflowException
from sqlalchemy import Exists, Select, exists, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from engine import access
from engine.db import Database
from engine.errors import StaleState, StepFailed
from engine.models import Incident, IncidentKind, IncidentStatus, ProcessDefinition, ProcessInstance
from engine.rows import Instance
from engine.unit_of_work import UnitOfWork, unit_of_work

# What a diagram's expressions, scripts and gateways raise; database and engine errors pass through.
WORKFLOW_ERRORS = (SpiffWorkflowException, ArithmeticError, LookupError, NameError, TypeError, ValueError,
                   AttributeError)


@contextmanager
def step_failure(instance: Instance, element_id: str) -> Iterator[None]:
    """Turn a failure of the workflow itself into StepFailed, naming where and why."""
    case_id, instance_id = instance.case_id, instance.id
    try:
        yield
    except WORKFLOW_ERRORS as exc:
        details = describe_failure(exc, element_id)
        raise StepFailed(details["message"], details, case_id=case_id, instance_id=instance_id) from exc


def describe_failure(exc: BaseException, default_element: str) -> dict[str, Any]:
    """Element id, variable (for a NameError), error type and a one-line reason."""
    spec = exc.task_spec if isinstance(exc, WorkflowException) else None
    element_id = getattr(spec, "bpmn_id", None) or default_element
    cause = _root_cause(exc)
    variable = cause.name if isinstance(cause, NameError) else None
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if cause is not exc:
        reason = f"{reason}: {type(cause).__name__}: {cause}"
    message = f"the process could not continue at '{element_id}'"
    if variable:
        message += f": '{variable}' has no value there"
    return {"element_id": element_id, "variable": variable, "error": type(cause).__name__, "reason": reason,
            "message": message}


def _root_cause(exc: BaseException) -> BaseException:
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return seen


# The database being unreachable or busy is nobody's incident: the next sweep simply tries again.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# Kinds that stop the sweep picking the instance again until retried (a failed hand-off does not).
BLOCKING_KINDS = (IncidentKind.TIMER, IncidentKind.STORED_STATE, IncidentKind.ENGINE)


class BackgroundFailure(Exception):
    """A step no user is waiting on failed; `details` name element and reason, `kind` what failed."""

    def __init__(self, kind: IncidentKind, details: dict[str, Any]) -> None:
        super().__init__(details["reason"])
        self.kind = kind
        self.details = details


def is_incident_cause(exc: BaseException) -> bool:
    """Whether a failure belongs to the instance (an incident) rather than to the moment (retry later)."""
    return isinstance(exc, Exception) and not isinstance(exc, (StaleState, BackgroundFailure, *TRANSIENT_ERRORS))


@contextmanager
def background_failure(kind: IncidentKind, element_id: str | None) -> Iterator[None]:
    """Turn a failure of a background step into BackgroundFailure naming where and why.

    While firing timers, a failure the workflow pins on an element that is not a timer is the engine's.
    """
    try:
        yield
    except Exception as exc:
        if not is_incident_cause(exc):
            raise
        spec = exc.task_spec if isinstance(exc, WorkflowException) else None
        if kind == IncidentKind.TIMER and spec is not None and not _is_timer_spec(spec):
            kind = IncidentKind.ENGINE
        raise BackgroundFailure(kind, describe_failure(exc, element_id or "")) from exc


def _is_timer_spec(spec: Any) -> bool:
    return isinstance(getattr(spec, "event_definition", None), TimerEventDefinition)


def record_incident(uow: UnitOfWork, instance: Instance, failure: BackgroundFailure,
                    retry: dict[str, Any]) -> Incident:
    """Open an incident on `instance` in this unit of work, with its audit event."""
    details = failure.details
    process_key = uow.session.scalar(
        select(ProcessDefinition.key).where(ProcessDefinition.id == instance.definition_id))
    incident = Incident(
        instance_id=instance.id, case_id=instance.case_id, process_key=str(process_key), kind=failure.kind,
        status=IncidentStatus.OPEN, element_id=details["element_id"] or None, error_type=details["error"],
        message=details["reason"], details=details, retry=retry, opened_at=uow.now, tries=1, last_tried_at=uow.now,
    )
    uow.session.add(incident)
    uow.session.flush()
    uow.record("incident_opened", actor=access.SYSTEM.username, case_id=instance.case_id, instance_id=instance.id,
               payload=incident_payload(incident))
    return incident


def incident_payload(incident: Incident) -> dict[str, Any]:
    """What the audit trail says about an incident (never the case data kept for its retry)."""
    return {"incident_id": incident.id, "kind": incident.kind, "element_id": incident.element_id,
            "error": incident.error_type, "message": incident.message, "tries": incident.tries}


def open_incident(db: Database, instance_id: str, now: datetime, failure: BackgroundFailure,
                  retry: dict[str, Any]) -> str:
    """Open an incident in its own transaction after the failed step rolled back.

    The instance row is locked first, so two workers that failed on the same instance open one incident.
    """
    with unit_of_work(db, now) as uow:
        instance = uow.session.get_one(ProcessInstance, instance_id, with_for_update=True)
        existing = open_blocking_incident(uow.session, instance_id)
        if existing is not None:
            return existing
        return record_incident(uow, instance, failure, retry).id


def _blocking_incidents(instance_id: Any) -> Select[str]:
    return select(Incident.id).where(Incident.instance_id == instance_id, Incident.status == IncidentStatus.OPEN,
                                     Incident.kind.in_(BLOCKING_KINDS))


def open_blocking_incident(session: Session, instance_id: str) -> str | None:
    """The id of the instance's open incident that keeps the sweep away from it, if there is one."""
    return session.scalars(_blocking_incidents(instance_id).limit(1)).first()


def blocking_incident_exists(instance_id: Any) -> Exists:
    """SQL: the instance (a column or a value) has an open incident that keeps the sweep away."""
    return exists(_blocking_incidents(instance_id))


def handoff_failure(exc: BaseException | None, process: str, element_id: str) -> BackgroundFailure:
    """A hand-off from end event `element_id` that could not start `process` (not deployed when `exc` is None)."""
    if exc is None:
        inner = {"element_id": None, "variable": None, "error": "ProcessNotDeployed",
                 "reason": f"no process '{process}' is deployed"}
    else:
        inner = describe_failure(exc, "")
    where = f" at '{inner['element_id']}'" if inner["element_id"] else ""
    reason = f"starting {process} failed{where}: {inner['reason']}"
    details = {**inner, "element_id": element_id, "process": process, "target_element_id": inner["element_id"] or None,
               "reason": reason, "message": f"the case could not be handed on to {process} from '{element_id}'"}
    return BackgroundFailure(IncidentKind.HANDOFF, details)
