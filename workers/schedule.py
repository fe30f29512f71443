"""The beat schedule: which named tasks run how often."""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

FIRE_DUE_TIMERS_EVERY_SECONDS = 30.0
SEND_REMINDERS_EVERY_SECONDS = 60.0
SEND_NOTIFICATIONS_EVERY_SECONDS = 15.0

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "fire-due-timers": {"task": "fire-due-timers", "schedule": FIRE_DUE_TIMERS_EVERY_SECONDS},
    "send-reminders": {"task": "send-reminders", "schedule": SEND_REMINDERS_EVERY_SECONDS},
    "send-notifications": {"task": "send-notifications", "schedule": SEND_NOTIFICATIONS_EVERY_SECONDS},
    # Nightly: only the events since the last checkpoint; weekly: the whole chain (edits behind a checkpoint).
    "verify-audit-chain": {"task": "verify-audit-chain", "schedule": crontab(hour=2, minute=15)},
    "verify-audit-chain-full": {"task": "verify-audit-chain", "schedule": crontab(hour=3, minute=15, day_of_week=0),
                                "kwargs": {"full": True}},
}
