"""The e-mail outbox: each pending notification is handed to the SMTP server at most once, retried with
backoff until the server accepts it.

A sender claims one row at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the one writer
and a conditional update), marks it `sending` and commits, hands it to the server, then marks it
`sent` (an audit event). A refusal or a broken connection puts it back as `pending` with the next try
later. A row left `sending` by a sender that died mid-hand-off may or may not have reached the server:
it is never resent (that could send it twice) but marked `uncertain` and raised as an alert.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import Select, literal_column, select, update

from engine.access import SYSTEM
from engine.alerts import raise_alert
from engine.db import Database
from engine.models import EmailStatus, Notification
from engine.notifications.mail import SmtpSession, SmtpSettings, build_message
from engine.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

Sender = Callable[[EmailMessage], None]
# A hand-off takes seconds at most; a claim older than this belongs to a sender that died.
CLAIM_LEASE = timedelta(minutes=5)
_PENDING = Notification.email_status == literal_column("'pending'")  # a literal: the partial index applies


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed try, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def deliver_notifications(db: Database, settings: SmtpSettings | None, now: datetime, limit: int = 200) -> int:
    """One outbox run: settle claims dead senders left, then e-mail what is pending (nothing if SMTP is not
    configured: the rows wait); returns how many the server accepted."""
    release_stale_claims(db, now)
    if settings is None:
        return 0
    return send_pending_notifications(db, settings, now, limit)


def send_pending_notifications(db: Database, settings: SmtpSettings, now: datetime, limit: int = 200) -> int:
    """E-mail up to `limit` pending notifications due a try at `now` over one connection; how many were accepted."""
    sent = 0
    smtp = SmtpSession(settings)
    try:
        for _ in range(limit):
            claimed = _claim_one(db, now)
            if claimed is None:
                break
            sent += _hand_off(db, settings, claimed, now, smtp.send)
    finally:
        smtp.close()
    return sent


def outbox_query(now: datetime) -> Select[Notification]:
    """The next pending notification due a try, locked (rows another sender holds are skipped)."""
    return (select(Notification).where(_PENDING, Notification.next_attempt_at <= now)
            .order_by(Notification.next_attempt_at).limit(1).with_for_update(skip_locked=True))


def _claim_one(db: Database, now: datetime) -> Notification | None:
    with unit_of_work(db, now) as uow:
        row = uow.session.scalars(outbox_query(now)).first()
        if row is None:
            return None
        marked = uow.session.execute(
            update(Notification).where(Notification.id == row.id, _PENDING)
            .values(email_status=EmailStatus.SENDING, claimed_at=now, attempts=Notification.attempts + 1)
            .execution_options(synchronize_session=False))
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            return None
        uow.session.refresh(row)
        uow.session.expunge(row)
        return row


def _hand_off(db: Database, settings: SmtpSettings, row: Notification, now: datetime, send: Sender) -> int:
    message = build_message(settings, row.email_to or "", row.subject, row.body, row.id)
    try:
        send(message)
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("notification %s not accepted by the SMTP server: %s", row.id, exc)
        _mark(db, row, now, email_status=EmailStatus.PENDING, next_attempt_at=now + retry_delay(row.attempts),
              last_error=f"{type(exc).__name__}: {exc}"[:1000])
        return 0
    _mark(db, row, now, email_status=EmailStatus.SENT, sent_at=now, last_error=None)
    return 1


def _mark(db: Database, row: Notification, now: datetime, **values: object) -> None:
    with unit_of_work(db, now) as uow:
        uow.session.execute(update(Notification).where(Notification.id == row.id).values(**values)
                            .execution_options(synchronize_session=False))
        action = "notification_sent" if values["email_status"] == EmailStatus.SENT else "notification_send_failed"
        uow.record(action, actor=SYSTEM.username, case_id=row.case_id, task_id=row.task_id,
                   payload={"notification_id": row.id, "attempt": row.attempts,
                            "error": values.get("last_error")})


def release_stale_claims(db: Database, now: datetime) -> int:
    """Mark `uncertain` (and raise an alert for) each row a dead sender left `sending`; never resend it."""
    with unit_of_work(db, now) as uow:
        stale = list(uow.session.scalars(select(Notification).where(
            Notification.email_status == EmailStatus.SENDING, Notification.claimed_at < now - CLAIM_LEASE)
            .with_for_update(skip_locked=True)))
        for row in stale:
            row.email_status = EmailStatus.UNCERTAIN
            uow.record("notification_uncertain", actor=SYSTEM.username, case_id=row.case_id, task_id=row.task_id,
                       payload={"notification_id": row.id})
        if stale:
            raise_alert(uow, "notification_uncertain", "e-mail notifications may not have been delivered",
                        {"notification_ids": [row.id for row in stale]})
        return len(stale)
