"""Task queue reads: filtered, sorted by due date, keyset-paginated on (sort_due, id), each page read in index order."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import CompoundSelect, Select, func, select, tuple_, union_all
from sqlalchemy.orm import Session

import forms
from engine import access
from engine.access import Actor
from engine.definitions import properties_of
from engine.definitions.expressions import decision_fields
from engine.errors import Forbidden, InvalidInput
from engine.models import AuditEvent, Case, HumanTask, ProcessInstance, TaskStatus
from engine.taskdata import parse_constraints, prefill
from engine.unit_of_work import read_workflow


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
    due = task.sort_due.isoformat()
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


def queue_queries(actor: Actor, wanted: TaskFilter, now: datetime, limit: int,
                  after: tuple[datetime, str] | None = None) -> list[Select[HumanTask]]:
    """One query per index range that together make the queue, each ordered by (sort_due, id) and limited.

    A person's own claimed tasks come from the assignee index; a group queue from that group's range of
    the queue index (with the process in it when one is asked for). Several groups are several ranges,
    read in one UNION ALL by `first_rows`: each range is read in index order, so the database sorts nothing.
    """
    if wanted.group is not None and wanted.group not in actor.groups:
        raise Forbidden(f"you are not a member of the group {wanted.group}")
    groups = [wanted.group] if wanted.group else sorted(actor.groups)
    if wanted.assigned_to_me:
        ranges = [HumanTask.assignee == actor.username]
    else:
        ranges = [HumanTask.candidate_group == group for group in groups]
    return [_ranged(_filtered(actor, wanted, now, groups).where(where), after, limit) for where in ranges]


def _filtered(actor: Actor, wanted: TaskFilter, now: datetime, groups: list[str]) -> Select[HumanTask]:
    query = select(HumanTask).where(HumanTask.status == wanted.status,
                                    HumanTask.personal.is_(False) | (HumanTask.assignee == actor.username))
    if wanted.assigned_to_me:
        query = query.where(HumanTask.candidate_group.in_(groups))
    if wanted.process:
        query = query.where(HumanTask.process_key == wanted.process)
    if wanted.overdue:
        query = query.where(HumanTask.sort_due < now)
    if wanted.step:
        query = query.where(HumanTask.element_id == wanted.step)
    if wanted.due_before is not None:
        query = query.where(HumanTask.sort_due < wanted.due_before)
    return query


def _ranged(query: Select[HumanTask], after: tuple[datetime, str] | None,
            limit: int) -> Select[HumanTask]:
    if after is not None:
        query = query.where(tuple_(HumanTask.sort_due, HumanTask.id) > tuple_(*after))
    return query.order_by(HumanTask.sort_due, HumanTask.id).limit(limit)


def ranges_union(queries: list[Select[HumanTask]]) -> CompoundSelect:
    """The (sort_due, id) keys of several ranges in one statement: each range a subquery read in its index's
    order and limited, the ranges joined by UNION ALL. No ORDER BY over the union: the database neither sorts
    nor merges (SQLite would sort each arm again); the caller orders the at most ranges × page keys."""
    arms = [query.with_only_columns(HumanTask.sort_due, HumanTask.id).subquery() for query in queries]
    return union_all(*(select(arm.c.sort_due, arm.c.id) for arm in arms))


def first_rows(session: Session, queries: list[Select[HumanTask]], limit: int) -> list[HumanTask]:
    """The first `limit` rows of several (sort_due, id)-ordered queries, merged in that order.

    With several ranges only their keys are read (from the index alone, in one round trip), ordered here,
    and then the page's rows fetched by id: loading every range's rows would cost ranges × page.
    """
    if len(queries) == 1:
        return list(session.scalars(queries[0]))
    keys = sorted(tuple(key) for key in session.execute(ranges_union(queries)))
    ids = [task_id for _, task_id in keys[:limit]]
    rows = {task.id: task for task in session.scalars(select(HumanTask).where(HumanTask.id.in_(ids)))}
    return [rows[task_id] for task_id in ids]


def list_tasks_for_actor(
    session: Session, actor: Actor, wanted: TaskFilter, now: datetime, limit: int = 50, cursor: str | None = None
) -> TaskPage:
    """One page of the actor's queue, soonest deadline first (tasks with no deadline last)."""
    after = decode_cursor(cursor) if cursor else None
    rows = first_rows(session, queue_queries(actor, wanted, now, limit + 1, after), limit + 1)
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
    groups = sorted(actor.groups)
    query = (_filtered(actor, TaskFilter(), now, groups).where(HumanTask.candidate_group.in_(groups))
             .with_only_columns(func.count(HumanTask.id)))
    return int(session.scalar(query) or 0)
