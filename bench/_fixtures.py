"""Shared set-up for the list and sweep benchmarks: a fresh migrated database (SQLite file or a PostgreSQL URL)
and bulk-inserted parent rows the projection rows point at."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, text

from engine.db import Database
from engine.migrate import upgrade
from engine.models import Case, ProcessDefinition, ProcessInstance

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def fresh_database(url: str | None, tmp: Path) -> Database:
    if url:
        db = Database.from_url(url)
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    else:
        path = tmp / "bench.db"
        path.unlink(missing_ok=True)
        db = Database.from_url(f"sqlite:///{path}")
    upgrade(db)
    return db


def parents(db: Database, count: int) -> list[tuple[str, str]]:
    """`count` cases, each with one running instance: (case id, instance id)."""
    cases = [str(uuid.uuid4()) for _ in range(count)]
    instances = [str(uuid.uuid4()) for _ in range(count)]
    pairs = list(zip(cases, instances, strict=True))
    with db.engine.begin() as connection:
        connection.execute(insert(ProcessDefinition), [{
            "id": 1, "key": "mash_screening", "version": 1, "name": "b", "sha256": "0" * 64, "bpmn_xml": "",
            "deployed_by": "b", "deployed_at": T0, "validation_report": {}}])
        connection.execute(insert(Case), [{"id": c, "reference": f"B-{i:08d}", "kind": "child", "subject": {},
                                           "restricted": False, "created_by": "b", "created_at": T0}
                                          for i, c in enumerate(cases)])
        connection.execute(insert(ProcessInstance), [{
            "id": p, "case_id": c, "definition_id": 1, "status": "running", "state": b"", "state_format": 1,
            "revision": 1, "route": [], "started_by": "b", "started_at": T0} for c, p in pairs])
    return pairs


def timed(run: Callable[[], object], rounds: int = 30) -> tuple[float, float]:
    """p50 and p95 milliseconds of `run`."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def analyse(db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
