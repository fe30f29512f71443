"""Notifications a fired deadline causes, written in the step that fired it.

A breach tells whoever holds the late task (its lane while unclaimed) and the process's manager (level 1);
each task the breach created (an escalation task in a manager's lane) is told to that lane's members.
An intermediate timer with no task (a LADO case open for a month) is a breach told to the manager.
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.models import HumanTask
from engine.notifications.content import NotificationKind
from engine.notifications.recipients import members, process_managers, task_people
from engine.notifications.writing import Notice, notify
from engine.unit_of_work import UnitOfWork


def notify_timers_fired(uow: UnitOfWork, case_id: str, process_key: str, fired: list[Any],
                        new_task_ids: list[str]) -> None:
    """Tell the people of each fired timer's task and the manager; then each new task's lane."""
    managers = process_managers(uow.session, process_key)
    for timer_task in fired:
        late = _attached_task(uow, timer_task)
        if late is not None:
            notice = Notice(NotificationKind.BREACH, case_id, late.id, late.name, late.due_at)
            notify(uow, notice, task_people(uow.session, late) | managers)
        else:
            spec = timer_task.task_spec
            fires_at = TimerEventDefinition.get_datetime(str(timer_task._get_internal_data("event_value")))
            notify(uow, Notice(NotificationKind.BREACH, case_id, None, spec.bpmn_name or spec.bpmn_id, fires_at),
                   managers)
    for task_id in new_task_ids:
        task = uow.session.get(HumanTask, task_id)
        if task is not None:
            notice = Notice(NotificationKind.ESCALATION, case_id, task.id, task.name, task.due_at)
            notify(uow, notice, members(uow.session, [task.candidate_group]))


def _attached_task(uow: UnitOfWork, timer_task: Any) -> HumanTask | None:
    """The user task a boundary timer sits on (its sibling under the boundary split), as projected."""
    parent = timer_task.parent
    if parent is None or not parent.task_spec.name.endswith(".BoundaryEventSplit"):
        return None
    for sibling in parent.children:
        if sibling is not timer_task and getattr(sibling.task_spec, "manual", False):
            return uow.session.get(HumanTask, str(sibling.id))
    return None
