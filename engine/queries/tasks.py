"""Task queue reads: filtered, sorted by due date, keyset-paginated on (sort_due, id), each page read in index order."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import (
    CompoundSelect,
    Executable,
    Integer,
    Select,
    String,
    bindparam,
    func,
    select,
    tuple_,
    type_coerce,
    union_all,
)
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
    ranges, values = _prepared_queue(actor, wanted, now, limit, after)
    return ranges.bound(values)


@dataclass(frozen=True)
class _QueueShape:
    groups: tuple[str, ...]
    assigned_to_me: bool
    status: str
    process: bool
    overdue: bool
    step: bool
    due_before: bool
    after: bool


def _prepared_queue(actor: Actor, wanted: TaskFilter, now: datetime, limit: int,
                    after: tuple[datetime, str] | None) -> tuple[Ranges, dict[str, Any]]:
    if wanted.group is not None and wanted.group not in actor.groups:
        raise Forbidden(f"you are not a member of the group {wanted.group}")
    groups = (wanted.group,) if wanted.group else tuple(sorted(actor.groups))
    shape = _QueueShape(groups, wanted.assigned_to_me, wanted.status, bool(wanted.process), wanted.overdue,
                        bool(wanted.step), wanted.due_before is not None, after is not None)
    values: dict[str, Any] = {"limit": limit, "now": now, "process_key": wanted.process, "element_id": wanted.step,
                              "due_before": wanted.due_before}
    if after is not None:
        values["after_due"], values["after_id"] = after
    return _queue_ranges(actor, shape), values


@lru_cache(maxsize=1024)
def _queue_ranges(actor: Actor, shape: _QueueShape) -> Ranges:
    """The queue's ranges for one actor and shape of filter, built once with bind parameters for its values."""
    if shape.assigned_to_me:
        ranges = [HumanTask.assignee == actor.username]
    else:
        ranges = [HumanTask.candidate_group == group for group in shape.groups]
    query = _filtered(actor, shape)
    if shape.after:
        query = query.where(tuple_(HumanTask.sort_due, HumanTask.id) > tuple_(
            bindparam("after_due", type_=HumanTask.sort_due.type), bindparam("after_id", type_=String())))
    query = query.order_by(HumanTask.sort_due, HumanTask.id).limit(bindparam("limit", type_=Integer()))
    return Ranges.of([query.where(where) for where in ranges])


def _filtered(actor: Actor, shape: _QueueShape) -> Select[HumanTask]:
    query = select(HumanTask).where(HumanTask.status == shape.status,
                                    HumanTask.personal.is_(False) | (HumanTask.assignee == actor.username))
    if shape.assigned_to_me:
        query = query.where(HumanTask.candidate_group.in_(shape.groups))
    if shape.process:
        query = query.where(HumanTask.process_key == bindparam("process_key"))
    if shape.overdue:
        query = query.where(HumanTask.sort_due < bindparam("now"))
    if shape.step:
        query = query.where(HumanTask.element_id == bindparam("element_id"))
    if shape.due_before:
        query = query.where(HumanTask.sort_due < bindparam("due_before"))
    return query


def ranges_union(queries: list[Select[HumanTask]]) -> CompoundSelect:
    """The (sort_due, id) keys of several ranges in one statement: each range a subquery read in its index's
    order and limited, the ranges joined by UNION ALL. No ORDER BY over the union: the database neither sorts
    nor merges (SQLite would sort each arm again); the caller orders the at most ranges × page keys."""
    arms = [query.with_only_columns(HumanTask.sort_due, HumanTask.id).subquery() for query in queries]
    # The keys are only ordered here: the stored form orders as the instants do, so it is read as it is.
    return union_all(*(select(type_coerce(arm.c.sort_due, String()).label("sort_due"), arm.c.id) for arm in arms))


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


_BY_IDS = select(HumanTask).where(HumanTask.id.in_(bindparam("ids", expanding=True)))


@dataclass(frozen=True)
class Ranges:
    """Several (sort_due, id)-ordered ranges built once with bind parameters for their values, and the statement
    `first_rows` sends for them. Building a statement and working out its cache key costs more than reading a
    page, so a list keeps these per shape and only binds the values of each call."""

    queries: tuple[Select[HumanTask], ...]
    sent: Executable | None

    @classmethod
    def of(cls, queries: list[Select[HumanTask]]) -> Ranges:
        if len(queries) > 1:
            return cls(tuple(queries), ranges_union(queries))
        return cls(tuple(queries), queries[0] if queries else None)

    def bound(self, values: dict[str, Any]) -> list[Select[HumanTask]]:
        """The ranges with `values` bound (what the query-plan test reads)."""
        return [query.params(values) for query in self.queries]


def read_ranges(session: Session, ranges: Ranges, values: dict[str, Any], limit: int) -> list[HumanTask]:
    """`first_rows` of prepared ranges, with `values` for their bind parameters."""
    if ranges.sent is None:
        return []
    if len(ranges.queries) == 1:
        return list(session.scalars(ranges.sent, values))
    keys = sorted(tuple(key) for key in session.execute(ranges.sent, values))
    ids = [task_id for _, task_id in keys[:limit]]
    rows = {task.id: task for task in session.scalars(_BY_IDS, {"ids": ids})}
    return [rows[task_id] for task_id in ids]


def list_tasks_for_actor(
    session: Session, actor: Actor, wanted: TaskFilter, now: datetime, limit: int = 50, cursor: str | None = None
) -> TaskPage:
    """One page of the actor's queue, soonest deadline first (tasks with no deadline last)."""
    after = decode_cursor(cursor) if cursor else None
    ranges, values = _prepared_queue(actor, wanted, now, limit + 1, after)
    rows = read_ranges(session, ranges, values, limit + 1)
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
    query = (select(func.count(HumanTask.id))
             .where(HumanTask.status == TaskStatus.READY,
                    HumanTask.personal.is_(False) | (HumanTask.assignee == actor.username),
                    HumanTask.candidate_group.in_(groups)))
    return int(session.scalar(query) or 0)
