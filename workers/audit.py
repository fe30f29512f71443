"""Audit tasks: the nightly check of the events appended since the last signed checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from engine.audit_watch import watch_audit_chain
from engine.db import Database, database_url
from workers.app import celery


@lru_cache(maxsize=4)
def _database(url: str) -> Database:
    return Database.from_url(url)


@celery.task(name="verify-audit-chain")
def verify_audit_chain(now: str | None = None, full: bool = False) -> bool:
    """Verify the chain at `now` (ISO 8601; default the current time); a break raises an alert. True if intact."""
    moment = datetime.fromisoformat(now) if now else datetime.now(UTC)
    return watch_audit_chain(_database(database_url()), moment, full=full).intact
