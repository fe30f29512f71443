"""Writing notifications: one row per person, each an audit event, in the caller's unit of work."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from engine.access import SYSTEM
from engine.models import Case, EmailStatus, Notification, User, new_id
from engine.notifications.content import NotificationKind, compose
from engine.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Notice:
    """What happened, to whom it is told: the kind, the case and task, the step's name and its deadline."""

    kind: NotificationKind
    case_id: str
    task_id: str | None
    step: str
    due_at: datetime | None


def notify(uow: UnitOfWork, notice: Notice, usernames: Iterable[str]) -> int:
    """Write the notice for each active user named (e-mail pending if they have an address); how many."""
    wanted = sorted(set(usernames))
    if not wanted:
        return 0
    session = uow.session
    reference = session.scalar(select(Case.reference).where(Case.id == notice.case_id)) or ""
    subject, body = compose(notice.kind, reference, notice.step, notice.due_at)
    people = session.execute(select(User.username, User.email)
                             .where(User.username.in_(wanted), User.active.is_(True))
                             .order_by(User.username)).all()
    for username, email in people:
        row = Notification(
            id=new_id(), username=username, kind=notice.kind, case_id=notice.case_id, task_id=notice.task_id,
            subject=subject, body=body, created_at=uow.now, email_to=email, attempts=0,
            email_status=EmailStatus.PENDING if email else EmailStatus.NO_ADDRESS,
            next_attempt_at=uow.now if email else None,
        )
        session.add(row)
        uow.record("notification_created", actor=SYSTEM.username, case_id=notice.case_id, task_id=notice.task_id,
                   payload={"notification_id": row.id, "kind": str(notice.kind), "username": username,
                            "email": bool(email)})
    return len(people)
