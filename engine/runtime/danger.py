"""Raising immediate danger from a task (domain §3 step 3: asked at receipt and again at every later step).

A diagram offers it with an event sub-process whose start event catches the signal `immediate_danger`
(bpmn/mash_screening.bpmn `immediate_danger_raised`). Raising it from a ready task the actor may work
starts that sub-process with what the worker said (form `immediate_danger_raised`, kept as
`immediate_danger` in its data) and stops the rest of the process: the sub-process is interrupting, which
SpiffWorkflow 3.2 does not do for event sub-processes, so the other open branches are cancelled here,
their tasks and timers withdrawn by the projection as any cancelled task's are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import SignalEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.access import Actor
from engine.db import Database
from engine.errors import StaleState
from engine.models import TaskStatus
from engine.rows import InstanceRow, TaskRow
from engine.runtime.failures import step_failure
from engine.runtime.steps import advance, validated
from engine.runtime.tasks import TaskChange, open_task_and_instance
from engine.taskdata import stamped
from engine.unit_of_work import UnitOfWork, unit_of_work

SIGNAL = "immediate_danger"
FORM = "immediate_danger_raised"
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED


def raise_immediate_danger(db: Database, task_id: str, data: dict[str, Any], actor: Actor,
                           now: datetime) -> TaskChange:
    """Raise immediate danger from a ready task: the emergency route starts at once and the rest stops.

    The actor must be able to work the task (it is in their queue or claimed by them). A process with no
    immediate-danger route, or where it was raised already, is a conflict (409), and nothing is written.
    """
    with unit_of_work(db, now) as uow:
        task, instance = open_task_and_instance(uow, task_id, actor)
        if task.assignee not in (None, actor.username):
            raise StaleState("this task is claimed by someone else")
        submission = stamped(data, author=actor.username, at=now.isoformat(), case_id=task.case_id)
        raised = {**validated(FORM, submission, pointer_prefix="/data"), "raised_from": task.element_id}
        with uow.checkout(instance) as workflow:
            _raise(uow, instance, workflow, task, raised, actor)
        uow.record("immediate_danger_raised", actor=actor.username, case_id=task.case_id, instance_id=instance.id,
                   task_id=task.id, payload={"element_id": task.element_id, "data": raised})
        return TaskChange(task.id, TaskStatus.CANCELLED.value, task.assignee, instance.revision)


def _raise(uow: UnitOfWork, instance: InstanceRow, workflow: BpmnWorkflow, task: TaskRow, raised: dict[str, Any],
           actor: Actor) -> None:
    if _already_raised(workflow):
        raise StaleState("immediate danger has already been raised in this process")
    before = uow.snapshot(instance, workflow)
    with step_failure(instance, task.element_id):
        _catch(workflow)
        started = [t for t in workflow.get_tasks(state=TaskState.READY) if t.workflow is not workflow]
        for start in started:
            start.data[SIGNAL] = raised
        _interrupt(workflow, {start.workflow.parent_task_id for start in started})
        advance(uow, instance, task.process_key, workflow, before, actor)


def _catch(workflow: BpmnWorkflow) -> None:
    """Catch the signal, leaving the (shared, cached) spec as it was.

    SpiffWorkflow starts an event sub-process by connecting it to the process's start and end task specs
    for good; on the cached spec every later instance would then wait on the sub-process and never end.
    The links it needs are made when the spec is loaded (engine/definitions/spiff.py), so nothing changes here.
    """
    start = workflow.spec.start
    starts = start.outputs
    try:
        workflow.send_event(BpmnEvent(SignalEventDefinition(SIGNAL)))
    except WorkflowException as exc:
        raise StaleState("immediate danger cannot be raised in this process") from exc
    finally:  # engine/definitions/spiff.py wired the sub-process already; the start must never spawn it
        start.outputs = starts


def _already_raised(workflow: BpmnWorkflow) -> bool:
    """An event sub-process has started (SpiffWorkflow may create one that still waits for its event)."""
    return any(isinstance(task.task_spec, StartEvent) and task.state == TaskState.COMPLETED
               for sub in workflow.subprocesses.values() for task in sub.get_tasks())


def _interrupt(workflow: BpmnWorkflow, catching: set[Any]) -> None:
    """Cancel every open branch of the main process but the event sub-process(es) that caught the signal."""
    for open_task in workflow.get_tasks(state=_OPEN):
        if open_task.workflow is workflow and open_task.id not in catching and open_task.state & _OPEN:
            open_task.cancel()
