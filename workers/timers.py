"""Timer tasks: beat's sweep lists the instances with due timers and fans out one task per instance.

One instance that cannot fire becomes an incident in its own task and holds up no other case.
A timer falling due before the next sweep is queued now with a countdown (at most one sweep interval,
never a far-future ETA), so it fires on time rather than up to a sweep late.
Both tasks are idempotent (an instance whose timers already fired has nothing due) and acknowledged
late; and since every sweep looks again at whatever is still due, a message lost with a killed worker
is picked up by the next sweep: each timer fires exactly once (the rows are claimed with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, by the single writer on SQLite).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

from engine import runtime
from engine.db import Database, database_url
from workers.app import celery
from workers.schedule import FIRE_DUE_TIMERS_EVERY_SECONDS

# Enough for the 17:00 wave of a working day's deadlines in one sweep; a later sweep picks up the rest.
SWEEP_LIMIT = 1000


@lru_cache(maxsize=4)
def _database(url: str) -> Database:
    return Database.from_url(url)


@celery.task(name="fire-due-timers", acks_late=True)
def fire_due_timers(now: str | None = None) -> int:
    """Queue `fire-instance-timers` for every instance with a timer due at `now` (ISO 8601; default: now), and
    with a countdown for each whose timer falls due before the next sweep."""
    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    db = _database(database_url())
    instance_ids = runtime.due_timer_instances(db, moment, SWEEP_LIMIT)
    for instance_id in instance_ids:
        fire_instance_timers.delay(instance_id, moment.isoformat())
    until = moment + timedelta(seconds=FIRE_DUE_TIMERS_EVERY_SECONDS)
    for instance_id, fires_at in runtime.upcoming_timer_instances(db, moment, until, SWEEP_LIMIT):
        countdown = max((fires_at - moment).total_seconds(), 0.0)
        fire_instance_timers.apply_async((instance_id, fires_at.isoformat()), countdown=countdown)
    return len(instance_ids)


@celery.task(name="fire-instance-timers", acks_late=True)
def fire_instance_timers(instance_id: str, now: str) -> int:
    """Fire one instance's timers due at `now` (ISO 8601) or at the current time if later; a failure becomes an
    incident on the instance."""
    moment = max(datetime.fromisoformat(now), datetime.now(UTC))
    return runtime.fire_instance_timers(_database(database_url()), instance_id, moment)
