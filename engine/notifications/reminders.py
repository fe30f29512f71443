"""Level 0 of the ladder: once a ready task's `warn_at` has passed, remind whoever holds it (its lane while
unclaimed), once. The sweep may run on many workers at once: a task is reminded by whichever marks it first."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, literal_column, select, update

from engine.access import SYSTEM
from engine.db import Database
from engine.models import HumanTask
from engine.notifications.content import NotificationKind
from engine.notifications.recipients import task_people
from engine.notifications.writing import Notice, notify
from engine.unit_of_work import UnitOfWork, unit_of_work

REMINDERS_PER_TRANSACTION = 100
# Written as SQL literals so the planner can prove the partial index `ix_human_task_to_remind` applies.
_READY = HumanTask.status == literal_column("'ready'")


def tasks_to_remind(db: Database, now: datetime, limit: int) -> list[str]:
    """Ready, unreminded tasks whose warning time has passed, earliest first (read from a partial index)."""
    with db.reading() as session:
        return list(session.scalars(reminders_query(now, limit)))


def reminders_query(now: datetime, limit: int) -> Select[str]:
    return (select(HumanTask.id).where(_READY, HumanTask.reminded_at.is_(None), HumanTask.warn_at <= now)
            .order_by(HumanTask.warn_at).limit(limit))


def send_reminders(db: Database, now: datetime, limit: int = 1000) -> int:
    """Remind every task due a reminder at `now` (up to `limit`); returns how many were reminded."""
    due = tasks_to_remind(db, now, limit)
    reminded = 0
    for start in range(0, len(due), REMINDERS_PER_TRANSACTION):
        with unit_of_work(db, now) as uow:
            reminded += sum(_remind(uow, task_id) for task_id in due[start:start + REMINDERS_PER_TRANSACTION])
    return reminded


def _remind(uow: UnitOfWork, task_id: str) -> int:
    marked = uow.session.execute(
        update(HumanTask).where(HumanTask.id == task_id, _READY, HumanTask.reminded_at.is_(None))
        .values(reminded_at=uow.now).execution_options(synchronize_session=False))
    if marked.rowcount != 1:  # type: ignore[attr-defined]
        return 0  # another worker reminded it, or it was done meanwhile
    task = uow.session.get_one(HumanTask, task_id)
    uow.record("reminder_sent", actor=SYSTEM.username, case_id=task.case_id, instance_id=task.instance_id,
               task_id=task.id, payload={"element_id": task.element_id, "warn_at": _iso(task.warn_at),
                                         "due_at": _iso(task.due_at), "rule": task.due_rule})
    notify(uow, Notice(NotificationKind.REMINDER, task.case_id, task.id, task.name, task.due_at),
           task_people(uow.session, task))
    return 1


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None
