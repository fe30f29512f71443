"""Rewrite the read rows after each step: human tasks, timers, the route and outcome of an instance.

Only what changed is written: the ready tasks and waiting timers before the step are compared
with those after it, so a step costs a few row writes, not a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.calendar import WorkingCalendar
from engine.definitions import properties_of
from engine.models import NO_DEADLINE, Case, HumanTask, ProcessInstance, TaskStatus, Timer


@dataclass
class Snapshot:
    """The ready user tasks and waiting timers of a workflow at one moment."""

    ready: dict[str, Any] = field(default_factory=dict)
    timers: dict[str, Any] = field(default_factory=dict)
    handoffs: dict[str, Any] = field(default_factory=dict)
    fired: dict[str, Any] = field(default_factory=dict)


def _is_timer(task: Any) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def take_snapshot(workflow: BpmnWorkflow) -> Snapshot:
    ready = {str(t.id): t for t in workflow.get_tasks(state=TaskState.READY, manual=True)}
    timers = {str(t.id): t for t in workflow.get_tasks(state=TaskState.WAITING) if _is_timer(t)}
    completed = workflow.get_tasks(state=TaskState.COMPLETED)
    handoffs = {str(t.id): t for t in completed if _hands_off(t)}
    fired = {str(t.id): t for t in completed if _is_timer(t)}
    return Snapshot(ready, timers, handoffs, fired)


def _hands_off(task: Any) -> bool:
    return isinstance(task.task_spec, EndEvent) and bool(properties_of(task.task_spec).get("starts_process"))


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


def _timer_value(task: Any) -> datetime | None:
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
              if (v := _timer_value(t)) is not None]
    return min(timers, key=lambda pair: pair[0]) if timers else (None, None)


@dataclass
class StepContext:
    """What every projection row needs to know about the step being recorded."""

    session: Session
    instance: ProcessInstance
    process_key: str
    workflow: BpmnWorkflow
    calendar: WorkingCalendar
    now: datetime

    def case_opener(self) -> str:
        """Who opened the case: the performer of `performer="case_opener"` tasks."""
        query = select(Case.created_by).where(Case.id == self.instance.case_id)
        return self.session.scalar(query) or ""


def project_step(ctx: StepContext, before: Snapshot, after: Snapshot, done_task_id: str | None = None) -> None:
    """Write the difference between two snapshots, then the instance's route and outcome."""
    for task_id, task in after.ready.items():
        if task_id not in before.ready:
            ctx.session.add(_human_task_row(ctx, task))
    gone = set(before.ready) - set(after.ready) - {done_task_id}
    if gone:
        ctx.session.execute(
            update(HumanTask).where(HumanTask.id.in_(gone)).values(status=TaskStatus.CANCELLED, completed_at=ctx.now)
        )
    _project_timers(ctx, before, after)
    _record_route(ctx)


def _human_task_row(ctx: StepContext, task: Any) -> HumanTask:
    due_at, rule = task_deadline(ctx.workflow, task)
    warn_at = None
    if due_at is not None:
        warn_at = ctx.calendar.warn_at(ctx.now, due_at) if due_at > ctx.now else due_at
    spec = task.task_spec
    personal = properties_of(spec).get("performer") == "case_opener"
    return HumanTask(
        id=str(task.id),
        instance_id=ctx.instance.id,
        case_id=ctx.instance.case_id,
        process_key=ctx.process_key,
        element_id=spec.bpmn_id,
        name=spec.bpmn_name or spec.bpmn_id,
        lane=spec.lane,
        candidate_group=spec.lane,
        form_key=properties_of(spec).get("form", ""),
        status=TaskStatus.READY,
        personal=personal,
        assignee=ctx.case_opener() if personal else None,
        claimed_at=ctx.now if personal else None,
        created_at=ctx.now,
        due_at=due_at,
        sort_due=due_at or NO_DEADLINE,
        warn_at=warn_at,
        due_rule=rule,
    )


def _project_timers(ctx: StepContext, before: Snapshot, after: Snapshot) -> None:
    for task_id, task in after.timers.items():
        fires_at = _timer_value(task)
        if task_id not in before.timers and fires_at is not None:
            ctx.session.add(Timer(
                id=task_id, instance_id=ctx.instance.id, case_id=ctx.instance.case_id,
                element_id=task.task_spec.bpmn_id, name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                rule=properties_of(task.task_spec).get("rule"), fires_at=fires_at,
            ))
    for task_id in set(before.timers) - set(after.timers):
        fired = before.timers[task_id].state == TaskState.COMPLETED
        column = "fired_at" if fired else "cancelled_at"
        ctx.session.execute(update(Timer).where(Timer.id == task_id).values({column: ctx.now}))


def _record_route(ctx: StepContext) -> None:
    done = [t for t in ctx.workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id]
    done.sort(key=lambda t: t.last_state_change)
    route = [{"id": t.task_spec.bpmn_id, "name": t.task_spec.bpmn_name, "type": type(t.task_spec).__name__}
             for t in done]
    if route != ctx.instance.route:
        ctx.instance.route = route
    if ctx.instance.outcome is None:
        _record_outcome(ctx.instance, done)


def _record_outcome(instance: ProcessInstance, done: list[Any]) -> None:
    for task in done:
        props = properties_of(task.task_spec)
        if isinstance(task.task_spec, EndEvent) and props.get("outcome"):
            instance.outcome = props["outcome"]
            instance.outcome_name = task.task_spec.bpmn_name
            return
