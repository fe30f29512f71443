"""What every write shares: validating a form, starting an instance, advancing it, handing the case on
(a hand-off that cannot start becomes an incident on the instance that handed off)."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine import access
from engine.access import Actor
from engine.calendar import default_calendar
from engine.definitions import properties_of
from engine.errors import FieldProblem, FormInvalid
from engine.models import Case, InstanceStatus, ProcessDefinition, ProcessInstance
from engine.notifications.events import notify_timers_fired
from engine.people import open_allocation
from engine.projection import (
    Snapshot,
    StepContext,
    fired_timers,
    instance_changes,
    new_handoffs,
    project_step,
    take_snapshot,
)
from engine.rows import Instance, update_instance
from engine.runtime.deploy import latest_definition
from engine.runtime.failures import BackgroundFailure, handoff_failure, is_incident_cause, record_incident
from engine.state import STATE_FORMAT, data_to_json, dump_workflow
from engine.taskdata import Constraints, form_fields, validate_submission
from engine.unit_of_work import UnitOfWork


def validated(form_key: str, data: Any, pointer_prefix: str = "", constraints: Constraints | None = None
              ) -> dict[str, Any]:
    """The data, if it passes its form (and the task's narrowing); FormInvalid naming every bad field."""
    errors = validate_submission(form_key, data, constraints or {})
    if errors:
        problems = [FieldProblem(pointer_prefix + e.pointer, e.message, e.validator) for e in errors]
        raise FormInvalid(f"{len(problems)} field(s) of form {form_key} are invalid", problems)
    return dict(data)


def start_instance(
    uow: UnitOfWork, case: Case, definition: ProcessDefinition, data: dict[str, Any], actor: Actor,
    parent: Instance | None = None,
) -> ProcessInstance:
    """A new running instance of `definition` in `case`, advanced to its first wait."""
    workflow = uow.start_workflow(definition)
    matched = open_allocation(uow.session, case.id)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(
        {**data, "process_started_at": uow.now.isoformat(), "record_and_match": matched})
    instance = ProcessInstance(case_id=case.id, definition_id=definition.id, state=b"", state_format=STATE_FORMAT,
                               started_by=actor.username, started_at=uow.now, route=[],
                               parent_instance_id=parent.id if parent else None)
    uow.session.add(instance)
    uow.session.flush()
    uow.record("process_started", actor=actor.username, case_id=case.id, instance_id=instance.id,
               payload={"process": definition.key, "version": definition.version})
    advance(uow, instance, definition.key, workflow, Snapshot(), actor)
    uow.keep(instance, workflow)
    return instance


def advance(
    uow: UnitOfWork, instance: Instance, process_key: str, workflow: BpmnWorkflow,
    before: Snapshot, actor: Actor, done_task_id: str | None = None,
) -> None:
    """Run engine steps, then persist state, projections, outcome and hand-offs."""
    workflow.do_engine_steps()
    after = take_snapshot(workflow)
    ctx = StepContext(uow.connection, instance, process_key, workflow, default_calendar(), uow.now)
    had_outcome = instance.outcome is not None
    handoffs = new_handoffs(before, after)
    uow.flush()  # what the step added through the session (records of the submission) goes first
    # the optimistic lock before any projection row: a writer that lost the race stops here, not on a duplicate
    update_instance(uow.connection, instance, _instance_changes(uow, instance, workflow, before, after, handoffs))
    project_step(ctx, before, after, done_task_id)
    uow.remember(instance, after)
    if not had_outcome and instance.outcome is not None:
        uow.record("outcome_reached", actor=actor.username, case_id=instance.case_id, instance_id=instance.id,
                   payload={"outcome": instance.outcome, "name": instance.outcome_name})
    fired = fired_timers(before, after)
    for timer_task in fired:
        _record_timer_fired(uow, instance, timer_task)
    if fired:
        new_tasks = [task_id for task_id in after.ready if task_id not in before.ready]
        notify_timers_fired(uow, instance.case_id, process_key, fired, new_tasks)
    for end_task in handoffs:
        _hand_off(uow, instance, end_task, actor)


def _instance_changes(uow: UnitOfWork, instance: Instance, workflow: BpmnWorkflow, before: Snapshot,
                      after: Snapshot, handoffs: list[Any]) -> dict[str, Any]:
    changes = instance_changes(instance, before, after)
    if workflow.is_completed():
        changes.update(status=InstanceStatus.COMPLETED.value, completed_at=uow.now)
    if handoffs:
        changes["starts_process"] = properties_of(handoffs[-1].task_spec)["starts_process"]
    changes["state"] = dump_workflow(workflow)
    return changes


def _record_timer_fired(uow: UnitOfWork, instance: Instance, timer_task: Any) -> None:
    spec = timer_task.task_spec
    uow.record("timer_fired", actor=access.SYSTEM.username, case_id=instance.case_id, instance_id=instance.id,
               task_id=str(timer_task.id),
               payload={"element_id": spec.bpmn_id, "name": spec.bpmn_name, "rule": properties_of(spec).get("rule"),
                        "fires_at": timer_task._get_internal_data("event_value")})


def _hand_off(uow: UnitOfWork, instance: Instance, end_task: Any, actor: Actor) -> None:
    """Start the process an end event names, in the same case and the same transaction.

    If it cannot start, the step that reached the end event still stands: the start is undone to
    its savepoint and the parent instance gets an incident on the end event, to retry once fixed.
    """
    key = properties_of(end_task.task_spec)["starts_process"]
    element_id = end_task.task_spec.bpmn_id
    target = latest_definition(uow.session, key)
    payload = {"process": key, "from_element": element_id, "deployed": target is not None}
    uow.record("handoff_recorded", actor=actor.username, case_id=instance.case_id, instance_id=instance.id,
               payload=payload)
    handoff = {"instance_id": instance.id, "element_id": element_id, "outcome": instance.outcome}
    data = {**end_task.data, "handoff_from": handoff, "handoff_at": uow.now.isoformat()}
    try:
        hand_off_to(uow, instance, target, key, element_id, data, actor)
    except BackgroundFailure as failure:
        record_incident(uow, instance, failure, retry={"process": key, "data": data_to_json(data)})


def hand_off_to(
    uow: UnitOfWork, parent: Instance, target: ProcessDefinition | None, key: str, element_id: str,
    data: dict[str, Any], actor: Actor,
) -> ProcessInstance:
    """Start `target` in the parent's case inside a savepoint; BackgroundFailure, with nothing of it kept, if not."""
    if target is None:
        raise handoff_failure(None, key, element_id)
    case = uow.session.get_one(Case, parent.case_id)
    try:
        with uow.savepoint():
            _check_start_form(target, data)
            return start_instance(uow, case, target, data, actor, parent=parent)
    except Exception as exc:
        if not is_incident_cause(exc):
            raise
        raise handoff_failure(exc, key, element_id) from exc


def _check_start_form(target: ProcessDefinition, data: dict[str, Any]) -> None:
    """The handed-on data must pass the target's start form, as a referral opening it directly would:
    the start form's fields are taken from the data (others are the parent's and stay as they are)."""
    if target.start_form:
        fields = set(form_fields(target.start_form))
        validated(target.start_form, {name: value for name, value in data.items() if name in fields})
