"""Notification tasks: the level-0 reminders at `warn_at`, and the outbox that e-mails notifications.

Both are idempotent and acknowledged late: a reminder is written once per task (whichever worker marks
the task first), and each notification is claimed by one sender and handed to the SMTP server at most
once; one the server refused is tried again by a later run, with backoff.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from engine import notifications
from engine.db import Database, database_url
from engine.notifications.mail import smtp_settings
from workers.app import celery


@lru_cache(maxsize=4)
def _database(url: str) -> Database:
    return Database.from_url(url)


def _moment(now: str | None) -> datetime:
    return datetime.fromisoformat(now) if now else datetime.now(UTC)


@celery.task(name="send-reminders", acks_late=True)
def send_reminders(now: str | None = None) -> int:
    """Remind the people of every ready task whose warning time has passed at `now` (ISO 8601; default: now)."""
    return notifications.send_reminders(_database(database_url()), _moment(now))


@celery.task(name="send-notifications", acks_late=True)
def send_notifications(now: str | None = None) -> int:
    """E-mail the pending notifications (nothing without SOSFLOW_SMTP_HOST); returns how many were accepted."""
    return notifications.deliver_notifications(_database(database_url()), smtp_settings(), _moment(now))
