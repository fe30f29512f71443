"""Rewrite the read rows after each step: human tasks, timers, the route and outcome of an instance.

Only what changed is written: the ready tasks and waiting timers before the step are compared
with those after it, so a step costs a few row writes, not a rebuild. A snapshot is one walk of the
task tree; the snapshot after a step is kept with the cached workflow as the one before the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Connection, select

from engine.calendar import WorkingCalendar
from engine.definitions import properties_of
from engine.models import NO_DEADLINE, Case, TaskStatus
from engine.rows import CANCEL_TASKS, END_TIMERS, INSERT_TASKS, INSERT_TIMERS, Instance, execute_rows
from engine.walk import walk_tasks

Route = list[dict[str, Any]]


@dataclass
class Snapshot:
    """The ready user tasks, waiting timers, hand-offs and route of a workflow at one moment."""

    ready: dict[str, Any] = field(default_factory=dict)
    timers: dict[str, Any] = field(default_factory=dict)
    handoffs: dict[str, Any] = field(default_factory=dict)
    done: list[Any] = field(default_factory=list)  # completed tasks with a BPMN id, in the order they finished
    route: Route = field(default_factory=list)
    fired: dict[str, Any] = field(default_factory=dict)  # completed timer events


def _is_timer(task: Any) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def _hands_off(task: Any) -> bool:
    return isinstance(task.task_spec, EndEvent) and bool(properties_of(task.task_spec).get("starts_process"))


def take_snapshot(workflow: BpmnWorkflow) -> Snapshot:
    """What the projections show of the workflow now, from one walk of its task tree."""
    snapshot = Snapshot()
    for task, definite, finished in walk_tasks(workflow):
        state = task.state
        if definite and state == TaskState.READY and task.task_spec.manual:
            snapshot.ready[str(task.id)] = task
        elif definite and state == TaskState.WAITING and _is_timer(task):
            snapshot.timers[str(task.id)] = task
        elif finished and state == TaskState.COMPLETED:
            _add_completed(snapshot, task)
    snapshot.done.sort(key=lambda t: t.last_state_change)
    snapshot.route = [{"id": t.task_spec.bpmn_id, "name": t.task_spec.bpmn_name, "type": type(t.task_spec).__name__}
                      for t in snapshot.done]
    return snapshot


def _add_completed(snapshot: Snapshot, task: Any) -> None:
    if _hands_off(task):
        snapshot.handoffs[str(task.id)] = task
    if _is_timer(task):
        snapshot.fired[str(task.id)] = task
    if task.task_spec.bpmn_id:
        snapshot.done.append(task)


def fired_timers(before: Snapshot, after: Snapshot) -> list[Any]:
    """Timers that fired during the step: ones that were waiting (fired by a sweep or a completion), and
    ones whose time had already passed when they were reached, which fire without ever waiting."""
    return [t for task_id, t in after.fired.items() if task_id not in before.fired]


def new_handoffs(before: Snapshot, after: Snapshot) -> list[Any]:
    """End events reached in this step that start another process (any branch, not only the last)."""
    return [task for task_id, task in after.handoffs.items() if task_id not in before.handoffs]


def _as_datetime(value: Any) -> datetime | None:
    if not value:
        return None
    return TimerEventDefinition.get_datetime(str(value))


def timer_value(task: Any) -> datetime | None:
    """When a waiting timer event is due, as the workflow holds it."""
    return _as_datetime(task._get_internal_data("event_value"))


def _boundary_timers(task: Any) -> list[Any]:
    parent = task.parent
    if parent is None or not parent.task_spec.name.endswith(".BoundaryEventSplit"):
        return []
    return [t for t in parent.children if t is not task and _is_timer(t) and t.state == TaskState.WAITING]


def task_deadline(workflow: BpmnWorkflow, task: Any) -> tuple[datetime | None, str | None]:
    """The task's `due` property, else its earliest boundary timer; with the rule that set it."""
    props = properties_of(task.task_spec)
    if props.get("due"):
        return _as_datetime(workflow.script_engine.evaluate(task, props["due"])), props.get("due_rule")
    timers = [(v, properties_of(t.task_spec).get("rule")) for t in _boundary_timers(task)
              if (v := timer_value(t)) is not None]
    return min(timers, key=lambda pair: pair[0]) if timers else (None, None)


@dataclass
class StepContext:
    """What every projection row needs to know about the step being recorded."""

    connection: Connection
    instance: Instance
    process_key: str
    workflow: BpmnWorkflow
    calendar: WorkingCalendar
    now: datetime

    def case_opener(self) -> str:
        """Who opened the case: the performer of `performer="case_opener"` tasks."""
        query = select(Case.created_by).where(Case.id == self.instance.case_id)
        return self.connection.execute(query).scalar() or ""


def project_step(ctx: StepContext, before: Snapshot, after: Snapshot, done_task_id: str | None = None) -> None:
    """Write the difference between two snapshots: new and withdrawn tasks, set and ended timers."""
    new_tasks = [human_task_row(ctx, task) for task_id, task in after.ready.items() if task_id not in before.ready]
    execute_rows(ctx.connection, INSERT_TASKS, new_tasks)
    gone = [task_id for task_id in before.ready if task_id not in after.ready and task_id != done_task_id]
    cancelled = {"status": TaskStatus.CANCELLED.value, "completed_at": ctx.now}
    execute_rows(ctx.connection, CANCEL_TASKS, [{"task_id": task_id, **cancelled} for task_id in gone])
    _project_timers(ctx, before, after)


def human_task_row(ctx: StepContext, task: Any) -> dict[str, Any]:
    """The `human_task` row of a ready user task, with its deadline and who may work it."""
    due_at, rule = task_deadline(ctx.workflow, task)
    warn_at = None
    if due_at is not None:
        warn_at = ctx.calendar.warn_at(ctx.now, due_at) if due_at > ctx.now else due_at
    spec = task.task_spec
    props = properties_of(spec)
    personal = props.get("performer") == "case_opener"
    return {
        "id": str(task.id), "instance_id": ctx.instance.id, "case_id": ctx.instance.case_id,
        "process_key": ctx.process_key, "element_id": spec.bpmn_id, "name": spec.bpmn_name or spec.bpmn_id,
        "lane": spec.lane, "candidate_group": spec.lane, "form_key": props.get("form", ""),
        "status": TaskStatus.READY.value, "personal": personal,
        "assignee": ctx.case_opener() if personal else None, "claimed_at": ctx.now if personal else None,
        "created_at": ctx.now, "completed_at": None, "completed_by": None,
        "due_at": due_at, "sort_due": due_at or NO_DEADLINE, "warn_at": warn_at, "due_rule": rule,
        "reminded_at": None,
    }


def timer_row(ctx: StepContext, task: Any, fires_at: datetime) -> dict[str, Any]:
    """The `timer` row of a waiting timer event."""
    spec = task.task_spec
    return {"id": str(task.id), "instance_id": ctx.instance.id, "case_id": ctx.instance.case_id,
            "element_id": spec.bpmn_id, "name": spec.bpmn_name or spec.bpmn_id,
            "rule": properties_of(spec).get("rule"), "fires_at": fires_at, "fired_at": None, "cancelled_at": None}


def _project_timers(ctx: StepContext, before: Snapshot, after: Snapshot) -> None:
    new_timers = [timer_row(ctx, task, fires_at) for task_id, task in after.timers.items()
                  if task_id not in before.timers and (fires_at := timer_value(task)) is not None]
    execute_rows(ctx.connection, INSERT_TIMERS, new_timers)
    ended = []
    for task_id in before.timers:
        if task_id not in after.timers:
            fired = before.timers[task_id].state == TaskState.COMPLETED
            ended.append({"timer_id": task_id, "fired_at": ctx.now if fired else None,
                          "cancelled_at": None if fired else ctx.now})
    execute_rows(ctx.connection, END_TIMERS, ended)


def instance_changes(instance: Instance, before: Snapshot, after: Snapshot) -> dict[str, Any]:
    """The route if it changed, and the outcome the first time an end event with one is reached."""
    changes: dict[str, Any] = {}
    if after.route != before.route:
        changes["route"] = after.route
    if instance.outcome is None:
        changes.update(outcome_of(after.done))
    return changes


def outcome_of(done: list[Any]) -> dict[str, Any]:
    """The outcome (and its name) of the first end event with one among the completed tasks."""
    for task in done:
        props = properties_of(task.task_spec)
        if isinstance(task.task_spec, EndEvent) and props.get("outcome"):
            return {"outcome": props["outcome"], "outcome_name": task.task_spec.bpmn_name}
    return {}
