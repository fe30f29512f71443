"""Timer tasks: beat's sweep lists the instances with due timers and fans out one task per instance.

One instance that cannot fire becomes an incident in its own task and holds up no other case.
Both tasks are idempotent (an instance whose timers already fired has nothing due) and acknowledged
late, so a worker killed mid-task leaves the message to be run again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from engine import runtime
from engine.db import Database, database_url
from workers.app import celery

# Enough for the 17:00 wave of a working day's deadlines in one sweep; a later sweep picks up the rest.
SWEEP_LIMIT = 1000


@lru_cache(maxsize=4)
def _database(url: str) -> Database:
    return Database.from_url(url)


@celery.task(name="fire-due-timers", acks_late=True)
def fire_due_timers(now: str | None = None) -> int:
    """Queue `fire-instance-timers` for every instance with a timer due at `now` (ISO 8601; default: now)."""
    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    instance_ids = runtime.due_timer_instances(_database(database_url()), moment, SWEEP_LIMIT)
    for instance_id in instance_ids:
        fire_instance_timers.delay(instance_id, moment.isoformat())
    return len(instance_ids)


@celery.task(name="fire-instance-timers", acks_late=True)
def fire_instance_timers(instance_id: str, now: str) -> int:
    """Fire one instance's timers due at `now` (ISO 8601); a failure becomes an incident on the instance."""
    return runtime.fire_instance_timers(_database(database_url()), instance_id, datetime.fromisoformat(now))
