"""Timer tasks: fire every due BPMN timer (deadline escalations) through `engine.runtime`."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from engine import runtime
from engine.db import Database, database_url
from workers.app import celery


@lru_cache(maxsize=4)
def _database(url: str) -> Database:
    return Database.from_url(url)


@celery.task(name="fire-due-timers")
def fire_due_timers(now: str | None = None) -> int:
    """Fire the timers due at `now` (ISO 8601; default the current time). Returns instances moved."""
    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    return runtime.fire_due_timers(_database(database_url()), moment)
