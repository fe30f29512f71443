"""Task queue reads: filtered, sorted by due date, keyset-paginated on (due_at, id)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_
from sqlalchemy.orm import Session

import forms
from engine import access
from engine.access import Actor
from engine.definitions import properties_of
from engine.definitions.expressions import decision_fields
from engine.errors import Forbidden, InvalidInput
from engine.models import AuditEvent, Case, HumanTask, ProcessInstance, TaskStatus, UTCDateTime
from engine.taskdata import parse_constraints, prefill
from engine.unit_of_work import read_workflow

NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)
_SORT_DUE: ColumnElement[datetime] = func.coalesce(HumanTask.due_at, literal(NO_DEADLINE, UTCDateTime()))


@dataclass(frozen=True)
class TaskFilter:
    """What a queue view asks for; `group=None` means every group of the actor."""

    group: str | None = None
    assigned_to_me: bool = False
    process: str | None = None
    overdue: bool = False
    status: str = TaskStatus.READY
    step: str | None = None             # a task's element id
    due_before: datetime | None = None  # "due today", "due this week"


@dataclass(frozen=True)
class TaskPage:
    items: list[HumanTask]
    next_cursor: str | None


def encode_cursor(task: HumanTask) -> str:
    due = (task.due_at or NO_DEADLINE).isoformat()
    return base64.urlsafe_b64encode(orjson.dumps([due, task.id])).decode("ascii")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The position `encode_cursor` wrote: an aware date-time and a task's UUID; anything else is invalid input
    (a forged cursor must not reach the database: a NUL in the id is an error there, not a miss)."""
    try:
        due, task_id = orjson.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        after, task = datetime.fromisoformat(due), UUID(task_id)
    except (ValueError, TypeError, AttributeError) as exc:
        raise _foreign_cursor() from exc
    if after.tzinfo is None:
        raise _foreign_cursor()
    return after, str(task)


def _foreign_cursor() -> InvalidInput:
    return InvalidInput("the cursor is not one this API issued", details=[{"pointer": "/cursor"}])


def _queue_query(actor: Actor, wanted: TaskFilter, now: datetime) -> Select[HumanTask]:
    if wanted.group is not None and wanted.group not in actor.groups:
        raise Forbidden(f"you are not a member of the group {wanted.group}")
    groups = [wanted.group] if wanted.group else sorted(actor.groups)
    query = select(HumanTask).where(HumanTask.candidate_group.in_(groups), HumanTask.status == wanted.status,
                                    HumanTask.personal.is_(False) | (HumanTask.assignee == actor.username))
    if wanted.assigned_to_me:
        query = query.where(HumanTask.assignee == actor.username)
    if wanted.process:
        query = query.where(HumanTask.process_key == wanted.process)
    if wanted.overdue:
        query = query.where(HumanTask.due_at < now)
    if wanted.step:
        query = query.where(HumanTask.element_id == wanted.step)
    if wanted.due_before is not None:
        query = query.where(HumanTask.due_at < wanted.due_before)
    return query


def list_tasks_for_actor(
    session: Session, actor: Actor, wanted: TaskFilter, now: datetime, limit: int = 50, cursor: str | None = None
) -> TaskPage:
    """One page of the actor's queue, soonest deadline first (tasks with no deadline last)."""
    query = _queue_query(actor, wanted, now)
    if cursor:
        due, task_id = decode_cursor(cursor)
        query = query.where(tuple_(_SORT_DUE, HumanTask.id) > tuple_(due, task_id))
    rows = list(session.scalars(query.order_by(_SORT_DUE, HumanTask.id).limit(limit + 1)))
    more = len(rows) > limit
    items = rows[:limit]
    return TaskPage(items, encode_cursor(items[-1]) if more and items else None)


def get_task_for_actor(session: Session, actor: Actor, task_id: str) -> HumanTask:
    return access.require_task_visible(actor, session.get(HumanTask, task_id))


def get_task_detail(session: Session, actor: Actor, task_id: str, now: datetime) -> dict[str, Any]:
    """A task with its case reference, its form's JSON Schema and the data that prefills it.

    Prefill shows earlier answers for editing; fields a gateway routes on are left for the user to give.
    """
    task = get_task_for_actor(session, actor, task_id)
    schema = forms.load_form(task.form_key)
    case = session.get_one(Case, task.case_id)
    return {"task": task, "case_reference": case.reference, "form_schema": schema,
            "data": _current_data(session, task, now), "submitted": _submitted(session, task)}


def _submitted(session: Session, task: HumanTask) -> dict[str, Any] | None:
    """What completed the task, as its audit event recorded it: a partner agency sees what it sent."""
    if task.status != TaskStatus.COMPLETED:
        return None
    payload = session.scalar(select(AuditEvent.payload).where(
        AuditEvent.case_id == task.case_id, AuditEvent.task_id == task.id, AuditEvent.action == "task_completed"))
    return (payload or {}).get("data")


def _current_data(session: Session, task: HumanTask, now: datetime) -> dict[str, Any]:
    if task.status != TaskStatus.READY:
        return {}
    instance = session.get_one(ProcessInstance, task.instance_id)
    workflow = read_workflow(session, instance, now)
    spiff_task = workflow.get_task_from_id(UUID(task.id))
    if spiff_task is None:
        return {}
    constraints = parse_constraints(properties_of(spiff_task.task_spec).get("constraints"), task.form_key)
    decisions = decision_fields(spiff_task.workflow.spec)
    return prefill(spiff_task.data, task.form_key, task.element_id, constraints, decisions)


def count_open_tasks_for_actor(session: Session, actor: Actor, now: datetime) -> int:
    """How many ready tasks the actor's queues hold (the header's count)."""
    query = _queue_query(actor, TaskFilter(), now).with_only_columns(func.count(HumanTask.id))
    return int(session.scalar(query) or 0)
