"""p50 and p95 of every list at 10 k, 100 k and 1 M human-task rows: the task queue with every filter and cursor
pages 1, 2 and 20, the managers' breaches and at-risk lists (a MASH manager's lanes and every lane), a
case's history; and a year of indicators and of the per-step summary, and the dashboard's open-work counts
(3 rounds each).

    .venv/bin/python -m bench.lists [--url postgresql://…] [--sizes 10000,100000,1000000]

Builds a fresh database (a temp SQLite file, or the PostgreSQL database given, whose public schema is
replaced) and grows it to each size with bulk inserts: tasks over 12 lanes, 30 % ready, deadlines
spread over a year around "now", and one audit event per task (the case histories). Aim: every list's
p95 under 10 ms at 1 M and within 1.5× of its 10 k figure; a year of indicators under 1 s.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import uuid
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from bench._fixtures import T0, analyse, fresh_database, parents, timed
from engine.access import Actor
from engine.db import Database
from engine.models import NO_DEADLINE, AuditEvent, HumanTask
from engine.queries.indicators import compute_indicators, sla_summary
from engine.queries.sla import SlaFilter, count_open_work, list_at_risk, list_breaches
from engine.queries.tasks import TaskFilter, list_tasks_for_actor

NOW = T0 + timedelta(days=180)
LANES = ["mash_screener", "mash_manager", "mash_business_support", "mash_partner_police", "mash_partner_health",
         "social_worker", "team_manager", "cp_unit", "cp_chair", "lado", "lado_manager", "hr"]
# Each process's steps with their rules: the indicator steps among them, so a year of indicators reads real rows.
STEPS = {"mash_screening": [("screen_contact", "T2"), ("screening_decision", "T1")],
         "strategy_discussion": [("hold_strategy_discussion", "T6")],
         "cp_conference": [("hold_conference", "T10"), ("first_core_group", "T13"), ("hold_review", "T16")],
         "lado_allegation": [("initial_consideration", "T21"), ("allegation_management_meeting", "T22")]}
PROCESSES = sorted(STEPS)
BATCH = 50_000
WORKER = Actor("sam", frozenset({"mash_screener", "social_worker"}))
MANAGER = Actor("maya", frozenset({"mash_manager"}))
HEAD = Actor("hos", frozenset({"head_of_service"}))  # manages every lane: the widest UNION ALL


def _rows(count: int, owners: list[tuple[str, str]], rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for _ in range(count):
        case, instance = rng.choice(owners)
        due = NOW + timedelta(minutes=rng.randint(-260_000, 260_000)) if rng.random() < 0.9 else None
        ready = rng.random() < 0.3
        process = rng.choice(PROCESSES)
        element, rule = rng.choice(STEPS[process])
        done = None if ready else (due or NOW) + timedelta(minutes=rng.randint(-2000, 600))
        rows.append({"id": str(uuid.uuid4()), "instance_id": instance, "case_id": case,
                     "process_key": process, "element_id": element, "name": "A step",
                     "lane": (lane := rng.choice(LANES)), "candidate_group": lane, "form_key": "f",
                     "status": "ready" if ready else "completed", "personal": False,
                     "assignee": "sam" if rng.random() < 0.05 else None, "created_at": (due or NOW) - timedelta(days=3),
                     "completed_at": done, "due_at": due, "sort_due": due or NO_DEADLINE,
                     "warn_at": due - timedelta(days=1) if due else None, "due_rule": rule})
    return rows


def _grow(db: Database, count: int, owners: list[tuple[str, str]], rng: random.Random, seq: list[int]) -> None:
    for start in range(0, count, BATCH):
        rows = _rows(min(BATCH, count - start), owners, rng)
        events = []
        for row in rows:
            seq[0] += 1
            events.append({"seq": seq[0], "at": T0, "actor": "b", "action": "task_completed",
                           "case_id": row["case_id"], "instance_id": row["instance_id"], "task_id": row["id"],
                           "payload_sha256": "0" * 64, "prev_hash": "0" * 64, "hash": "0" * 64})
        with db.engine.begin() as connection:
            connection.execute(insert(HumanTask), rows)
            connection.execute(insert(AuditEvent), events)


def _page(db: Database, wanted: TaskFilter, number: int) -> Any:
    """A function reading page `number` of the queue (the cursor to it found once, beforehand)."""
    cursor = None
    with db.reading() as session:
        for _ in range(number - 1):
            cursor = list_tasks_for_actor(session, WORKER, wanted, NOW, 50, cursor).next_cursor

    def read() -> None:
        with db.reading() as session:
            list_tasks_for_actor(session, WORKER, wanted, NOW, 50, cursor)
    return read


def _lists(db: Database, case_id: str) -> dict[str, Any]:
    lists = {}
    filters = {"all groups": TaskFilter(), "one group": TaskFilter(group="mash_screener"),
               "assigned to me": TaskFilter(assigned_to_me=True), "process": TaskFilter(process="cp_conference"),
               "overdue": TaskFilter(overdue=True)}
    for name, wanted in filters.items():
        for number in (1, 2, 20):
            lists[f"queue {name}, page {number}"] = _page(db, wanted, number)

    def reader(fn: Any, *args: Any) -> Any:
        def read() -> None:
            with db.reading() as session:
                fn(session, *args)
        return read
    lists["breaches"] = reader(list_breaches, MANAGER, SlaFilter(), NOW)
    lists["breaches, level 3"] = reader(list_breaches, MANAGER, SlaFilter(level=3), NOW)
    lists["at risk"] = reader(list_at_risk, MANAGER, SlaFilter(), NOW)
    lists["breaches, every lane (head)"] = reader(list_breaches, HEAD, SlaFilter(), NOW)
    lists["at risk, every lane (head)"] = reader(list_at_risk, HEAD, SlaFilter(), NOW)
    history = select(AuditEvent).where(AuditEvent.case_id == case_id).order_by(AuditEvent.seq)
    lists["case history"] = reader(lambda session: list(session.scalars(history)))
    return lists


def _reports() -> dict[str, Any]:
    """A year of the statutory indicators (with the cases behind them) and of the per-step summary, and the
    dashboard's open-work counts."""
    year = (NOW - timedelta(days=365), NOW)
    return {"indicators, a year (head)": lambda session: compute_indicators(session, HEAD, *year),
            "summary, a year (head)": lambda session: sla_summary(session, HEAD, *year, NOW),
            "open-work counts (head)": lambda session: count_open_work(session, HEAD, NOW)}


def _read(db: Database, report: Any) -> None:
    with db.reading() as session:
        report(session)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_database(args.url, Path(tmp))
        owners = parents(db, 2000)
        have, seq = 0, [0]
        print(f"{'database':10} {'rows':>9}  {'list':34} {'p50 ms':>8} {'p95 ms':>8}")
        for size in (int(s) for s in args.sizes.split(",")):
            _grow(db, size - have, owners, rng, seq)
            have = size
            analyse(db)
            for name, read in _lists(db, owners[0][0]).items():
                p50, p95 = timed(read)
                print(f"{db.engine.dialect.name:10} {size:>9}  {name:34} {p50:>8.2f} {p95:>8.2f}", flush=True)
            for name, report in _reports().items():
                p50, p95 = timed(partial(_read, db, report), rounds=3)
                print(f"{db.engine.dialect.name:10} {size:>9}  {name:34} {p50:>8.2f} {p95:>8.2f}", flush=True)
            print(f"load average: {os.getloadavg()[0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
