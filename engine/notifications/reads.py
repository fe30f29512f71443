"""Each person's in-app notifications: newest first, keyset-paginated; marking one read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from engine.access import Actor
from engine.db import Database
from engine.errors import NotFound
from engine.models import HumanTask, Notification, TaskStatus
from engine.queries.keyset import decode_cursor, encode_cursor
from engine.unit_of_work import unit_of_work


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    next_cursor: str | None


def notifications_query(actor: Actor, unread: bool, limit: int, cursor: str | None = None):  # type: ignore[no-untyped-def]
    """The actor's notifications, newest first, from the (username, created_at, id) index."""
    query = select(Notification).where(Notification.username == actor.username)
    if unread:
        query = query.where(Notification.read_at.is_(None))
    if cursor:
        at, notification_id = decode_cursor(cursor)
        query = query.where(tuple_(Notification.created_at, Notification.id) < tuple_(at, notification_id))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)


def list_notifications(session: Session, actor: Actor, unread: bool = False, limit: int = 50,
                       cursor: str | None = None) -> NotificationPage:
    rows = list(session.scalars(notifications_query(actor, unread, limit + 1, cursor)))
    items = rows[:limit]
    more = len(rows) > limit and items
    return NotificationPage(items, encode_cursor(items[-1].created_at, items[-1].id) if more else None)


def open_task_ids(session: Session, notifications: list[Notification]) -> set[str]:
    """Which of these notifications' tasks are still open: a link to a task that is done would only be a 404."""
    ids = {n.task_id for n in notifications if n.task_id}
    if not ids:
        return set()
    query = select(HumanTask.id).where(HumanTask.id.in_(ids), HumanTask.status == TaskStatus.READY.value)
    return set(session.scalars(query))


def count_unread_notifications(session: Session, actor: Actor, cap: int = 100) -> int:
    """How many of the actor's notifications are unread, counted up to `cap` (the header shows "99+")."""
    unread = notifications_query(actor, True, cap).with_only_columns(Notification.id).subquery()
    return int(session.scalar(select(func.count()).select_from(unread)) or 0)


def mark_notification_read(db: Database, actor: Actor, notification_id: str, now: datetime) -> Notification:
    """Mark one of the actor's notifications read (again is harmless); someone else's is not found."""
    with unit_of_work(db, now) as uow:
        row = uow.session.get(Notification, notification_id)
        if row is None or row.username != actor.username:
            raise NotFound("notification not found")
        if row.read_at is None:
            uow.session.execute(update(Notification).where(Notification.id == row.id).values(read_at=now)
                                .execution_options(synchronize_session=False))
            uow.session.refresh(row)
        uow.session.expunge(row)
        return row
