"""Working a task: claim it, give it back, complete it with its form (the task owns its answers)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
from engine.db import Database
from engine.definitions import properties_of
from engine.errors import InstanceChanged, StaleState, StepFailed
from engine.models import HumanTask, ProcessInstance, TaskStatus
from engine.records import record_submission
from engine.rows import COMPLETE_TASK, InstanceRow, Task, TaskRow, committed, read_task_and_instance, run
from engine.runtime.failures import step_failure
from engine.runtime.steps import advance, validated
from engine.taskdata import apply_submission, parse_constraints, stamped
from engine.unit_of_work import UnitOfWork, unit_of_work


@dataclass(frozen=True)
class TaskChange:
    """The task after a change, plus its instance's new revision."""

    task_id: str
    status: str
    assignee: str | None
    revision: int


def _open_task(session: Session, task_id: str, actor: Actor) -> HumanTask:
    return _require_ready(actor, session.get(HumanTask, task_id, with_for_update=True))


AnyTask = TypeVar("AnyTask", HumanTask, TaskRow)


def _require_ready(actor: Actor, task: AnyTask | None) -> AnyTask:
    task = access.require_task_visible(actor, task)
    if task.status != TaskStatus.READY:
        raise StaleState(f"this task is already {task.status}")
    return task


def open_task_and_instance(uow: UnitOfWork, task_id: str, actor: Actor) -> tuple[TaskRow, InstanceRow]:
    """The task (locked) and its instance, read in one Core statement."""
    found = read_task_and_instance(uow.connection, task_id)
    task = _require_ready(actor, found[0] if found else None)
    assert found is not None  # _require_ready raised NotFound otherwise
    return task, found[1]


def claim_task(db: Database, task_id: str, actor: Actor, now: datetime) -> TaskChange:
    """Take a task from the group queue; claiming a task someone else holds is a conflict."""
    with unit_of_work(db, now) as uow:
        task = _open_task(uow.session, task_id, actor)
        if task.assignee not in (None, actor.username):
            raise StaleState("this task is claimed by someone else")
        if task.assignee is None:
            task.assignee, task.claimed_at = actor.username, now
            uow.record("task_claimed", actor=actor.username, case_id=task.case_id, instance_id=task.instance_id,
                       task_id=task.id, payload={"name": task.name})
        return _change(uow.session, task)


def unclaim_task(db: Database, task_id: str, actor: Actor, now: datetime) -> TaskChange:
    """Give a claimed task back to the group queue; only its assignee may."""
    with unit_of_work(db, now) as uow:
        task = _open_task(uow.session, task_id, actor)
        if task.personal:
            raise StaleState("this task is for the person who opened the case and cannot be given back")
        if task.assignee != actor.username:
            raise StaleState("only the person who claimed this task can give it back")
        task.assignee, task.claimed_at = None, None
        uow.record("task_unclaimed", actor=actor.username, case_id=task.case_id, instance_id=task.instance_id,
                   task_id=task.id, payload={"name": task.name})
        return _change(uow.session, task)


def _change(session: Session, task: HumanTask) -> TaskChange:
    revision = session.scalar(select(ProcessInstance.revision).where(ProcessInstance.id == task.instance_id))
    return TaskChange(task.id, task.status, task.assignee, int(revision or 0))


def complete_task(db: Database, task_id: str, data: dict[str, Any], actor: Actor, now: datetime) -> TaskChange:
    """Submit a task's form: validate, run the workflow on, persist everything in one transaction.

    If another task of the same instance finished first, the step is redone once on the new state:
    this task is still the actor's (its row was locked), so the clash is not theirs to resolve.
    If the workflow itself fails (an expression, a gateway with no way out), nothing is written but
    an audit event of the failed attempt, and the caller gets StepFailed naming the element.
    """
    try:
        try:
            return _complete_task_once(db, task_id, data, actor, now)
        except InstanceChanged:
            return _complete_task_once(db, task_id, data, actor, now)
    except StepFailed as failure:
        with unit_of_work(db, now) as uow:
            uow.record("task_completion_failed", actor=actor.username, case_id=failure.case_id,
                       instance_id=failure.instance_id, task_id=task_id, payload={**failure.details, "data": data})
        raise


def _complete_task_once(db: Database, task_id: str, data: dict[str, Any], actor: Actor, now: datetime) -> TaskChange:
    with unit_of_work(db, now) as uow:
        task, instance = open_task_and_instance(uow, task_id, actor)
        if task.assignee not in (None, actor.username):
            raise StaleState("this task is claimed by someone else")
        with uow.checkout(instance) as workflow:
            _run_user_task(uow, instance, workflow, task, data, actor)
        return TaskChange(task.id, task.status, task.assignee, instance.revision)


def _run_user_task(
    uow: UnitOfWork, instance: InstanceRow, workflow: BpmnWorkflow, task: TaskRow, data: dict[str, Any], actor: Actor,
) -> None:
    spiff_task = workflow.get_task_from_id(UUID(task.id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise StaleState("this task has already been completed")
    constraints = parse_constraints(properties_of(spiff_task.task_spec).get("constraints"), task.form_key)
    submission = stamped(data, author=actor.username, at=uow.now.isoformat(), case_id=task.case_id)
    submitted = validated(task.form_key, submission, pointer_prefix="/data", constraints=constraints)
    before = uow.snapshot(instance, workflow)
    with step_failure(instance, task.element_id):
        apply_submission(spiff_task.data, task.form_key, task.element_id, submitted, uow.now.isoformat())
        spiff_task.run()
        _finish(uow, task, actor)
        record_submission(uow, task, submitted)
        advance(uow, instance, task.process_key, workflow, before, actor, done_task_id=task.id)
    uow.record("task_completed", actor=actor.username, case_id=task.case_id, instance_id=instance.id,
               task_id=task.id, payload={"name": task.name, "element_id": task.element_id, "form": task.form_key,
                                         "data": submitted})


def _finish(uow: UnitOfWork, task: Task, actor: Actor) -> None:
    done = {"status": TaskStatus.COMPLETED.value, "completed_at": uow.now, "completed_by": actor.username,
            "assignee": task.assignee or actor.username}
    run(uow.connection, COMPLETE_TASK, {"task_id": task.id, **done})
    committed(task, done)
