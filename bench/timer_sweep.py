"""How long the timer sweep's selection takes with 10 k, 100 k and 1 M waiting timers, 100 of them due, beside
a year of history (2 M fired or cancelled timer rows).

    .venv/bin/python -m bench.timer_sweep [--url postgresql://…] [--sizes 10000,100000,1000000] [--history 2000000]

Builds a fresh database (a temp SQLite file, or the PostgreSQL database given, whose public schema is
replaced), bulk-inserts the history once, then grows the waiting timers to each size and times
`runtime.due_timer_instances` (p50 and p95 of 30 runs). Aim: the 1 M figure within 1.5× of the 10 k one.
"""

from __future__ import annotations

import argparse
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from bench._fixtures import T0, analyse, fresh_database, parents, timed
from engine import runtime
from engine.db import Database
from engine.models import Timer

NOW = T0 + timedelta(days=1)
BATCH = 50_000


def _timers(db: Database, count: int, case: str, instance: str, **columns: object) -> None:
    for start in range(0, count, BATCH):
        rows = [{"id": str(uuid.uuid4()), "instance_id": instance, "case_id": case, "element_id": "t", "name": "t",
                 "fires_at": NOW + timedelta(days=1, seconds=start + i), **columns}
                for i in range(min(BATCH, count - start))]
        with db.engine.begin() as connection:
            connection.execute(insert(Timer), rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--history", type=int, default=2_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_database(args.url, Path(tmp))
        owners = parents(db, 101)
        case, instance = owners[0]
        half = args.history // 2
        _timers(db, half, case, instance, fired_at=T0)
        _timers(db, args.history - half, case, instance, cancelled_at=T0)
        with db.engine.begin() as connection:  # 100 due, each in its own instance
            connection.execute(insert(Timer), [{"id": str(uuid.uuid4()), "instance_id": p, "case_id": c,
                                                "element_id": "t", "name": "t", "fires_at": NOW - timedelta(hours=1)}
                                               for c, p in owners[1:]])
        waiting = 100
        print(f"{'database':10} {'waiting':>9} {'history':>9} {'p50 ms':>8} {'p95 ms':>8}")
        for size in (int(s) for s in args.sizes.split(",")):
            _timers(db, size - waiting, case, instance)
            waiting = size
            analyse(db)
            found = runtime.due_timer_instances(db, NOW, 1000)
            assert len(found) == 100, len(found)
            p50, p95 = timed(lambda: runtime.due_timer_instances(db, NOW, 1000))
            print(f"{db.engine.dialect.name:10} {size:>9} {args.history:>9} {p50:>8.2f} {p95:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
