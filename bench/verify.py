"""After the benchmark: the audit chain verifies, and every projection equals one rebuilt from scratch.

Each instance's workflow is loaded afresh from its stored state (never from the live-workflow cache)
and projected with the engine's own functions (`engine.projection`): the ready user tasks and
waiting timers it shows must be exactly the READY `human_task` rows and the open `timer` rows, column
for column (a task's deadline evaluated at the time its row was made), and the instance's route,
outcome, status and hand-off must be what the workflow says. So the incremental writes (only the
rows that changed, the route only when it changed, snapshots kept between steps) are checked
against a rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.audit import verify_chain
from engine.calendar import default_calendar
from engine.db import Database
from engine.definitions import properties_of
from engine.models import HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, TaskStatus, Timer
from engine.projection import StepContext, human_task_row, outcome_of, take_snapshot, timer_row, timer_value
from engine.scripting import script_engine
from engine.unit_of_work import read_workflow


@dataclass
class Verification:
    """What was compared, and every difference found."""

    instances: int = 0
    tasks: int = 0
    timers: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


def verify_database(db: Database) -> Verification:
    """The chain's report and a rebuild-and-compare of every instance's projections."""
    found = Verification()
    with db.reading() as session:
        chain = verify_chain(session, full=True)
        found.events = chain.events_checked
        if not chain.intact:
            found.problems.append(f"audit chain broken at seq {chain.first_broken_seq}: {chain.reason}")
        keys = dict(session.execute(select(ProcessDefinition.id, ProcessDefinition.key)).tuples().all())
        for instance in session.scalars(select(ProcessInstance).order_by(ProcessInstance.started_at)):
            found.instances += 1
            _compare_instance(session, instance, keys[instance.definition_id], found)
    return found


def _compare_instance(session: Session, instance: ProcessInstance, key: str, found: Verification) -> None:
    workflow = read_workflow(session, instance, instance.started_at)
    snapshot = take_snapshot(workflow)
    label = f"instance {instance.id}"
    stored_tasks = _rows(session, HumanTask, HumanTask.instance_id == instance.id, HumanTask.status == TaskStatus.READY)
    rebuilt_tasks = {}
    for task_id, task in snapshot.ready.items():
        created = stored_tasks[task_id]["created_at"] if task_id in stored_tasks else instance.started_at
        workflow.script_engine = script_engine(created)
        ctx = StepContext(session.connection(), instance, key, workflow, default_calendar(), created)
        rebuilt_tasks[task_id] = human_task_row(ctx, task)
    _compare_rows(f"{label} ready tasks", stored_tasks, rebuilt_tasks, found)
    found.tasks += len(stored_tasks)
    stored_timers = _rows(session, Timer, Timer.instance_id == instance.id, Timer.fired_at.is_(None),
                          Timer.cancelled_at.is_(None))
    ctx = StepContext(session.connection(), instance, key, workflow, default_calendar(), instance.started_at)
    rebuilt_timers = {task_id: timer_row(ctx, task, fires_at) for task_id, task in snapshot.timers.items()
                      if (fires_at := timer_value(task)) is not None}
    _compare_rows(f"{label} open timers", stored_timers, rebuilt_timers, found)
    found.timers += len(stored_timers)
    _compare_instance_columns(label, instance, workflow, snapshot, found)


def _rows(session: Session, model: Any, *where: Any) -> dict[str, dict[str, Any]]:
    columns = model.__table__.columns
    rows = session.execute(select(*columns).where(*where)).mappings()
    return {row["id"]: {name: _plain(value) for name, value in row.items()} for row in rows}


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, TaskStatus | InstanceStatus) else value


def _compare_rows(label: str, stored: dict[str, dict[str, Any]], rebuilt: dict[str, dict[str, Any]],
                  found: Verification) -> None:
    if set(stored) != set(rebuilt):
        found.problems.append(f"{label}: stored {sorted(stored)} but the workflow shows {sorted(rebuilt)}")
        return
    for row_id, row in rebuilt.items():
        differs = {name: (stored[row_id].get(name), _plain(value)) for name, value in row.items()
                   if stored[row_id].get(name) != _plain(value)}
        if differs:
            found.problems.append(f"{label}: row {row_id} differs (stored, rebuilt): {differs}")


def _compare_instance_columns(label: str, instance: ProcessInstance, workflow: Any, snapshot: Any,
                              found: Verification) -> None:
    outcome = outcome_of(snapshot.done)
    handoffs = sorted(snapshot.handoffs.values(), key=lambda task: task.last_state_change)
    expected = {
        "route": snapshot.route,
        "outcome": outcome.get("outcome"),
        "outcome_name": outcome.get("outcome_name"),
        "status": str(InstanceStatus.COMPLETED if workflow.is_completed() else InstanceStatus.RUNNING),
        "starts_process": properties_of(handoffs[-1].task_spec)["starts_process"] if handoffs else None,
    }
    for name, value in expected.items():
        if _plain(getattr(instance, name)) != value:
            found.problems.append(f"{label}: {name} is {getattr(instance, name)!r}, the workflow says {value!r}")


def print_verification(found: Verification) -> None:
    print(f"\nChecked afterwards: audit chain of {found.events} events "
          f"{'verifies' if not any('audit' in p for p in found.problems) else 'is BROKEN'}; "
          f"{found.instances} instances rebuilt from a fresh load: {found.tasks} ready tasks, {found.timers} open "
          f"timers, route, outcome, status and hand-off compared: "
          f"{'all equal' if not found.problems else f'{len(found.problems)} DIFFERENCE(S)'}")
    for problem in found.problems[:20]:
        print(f"  {problem}")
