"""The per-step summary grouped by the database gives exactly what a plain per-row computation in Python gives,
over a generated year of tasks (fixed seed) that crosses both clock changes, Christmas and Easter, with tasks
created and done around midnight London time (23:00–01:00 UTC), restricted cases and cancelled tasks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from engine import access
from engine.access import Actor
from engine.calendar import LONDON, default_calendar
from engine.db import Database
from engine.models import Case, HumanTask, ProcessDefinition, ProcessInstance, new_id
from engine.queries.london_days import as_date, london_date, report_years
from engine.queries.sla_summary import counted_percentile, sla_summary, summary_of_rows

START = datetime(2026, 1, 1, tzinfo=LONDON)
END = datetime(2027, 1, 1, tzinfo=LONDON)
NOW = datetime(2026, 12, 31, 12, 0, tzinfo=LONDON)
HEAD = Actor("hos", frozenset({"head_of_service"}))  # manages every lane but the last of LANES
# Many steps of few tasks each, done within days: a London date read wrongly moves some step's median or p90.
STEPS = [(process, f"step_{n}") for process in ("mash_screening", "lado_allegation", "cp_conference")
         for n in range(15)]
LANES = ["mash_screener", "mash_manager", "lado", "cp_unit", "a_lane_nobody_manages"]


def _parents(db: Database, count: int) -> list[tuple[str, str]]:
    pairs = [(new_id(), new_id()) for _ in range(count)]
    with db.unit_of_work() as session:
        definition = ProcessDefinition(key="generated", version=1, name="g", sha256="0" * 64, bpmn_xml="",
                                       deployed_by="t", deployed_at=START, validation_report={})
        session.add(definition)
        session.flush()
        session.execute(insert(Case), [{"id": case, "reference": f"GEN-{n:04d}", "kind": "child", "subject": {},
                                        "restricted": n % 7 == 0, "created_by": "t", "created_at": START}
                                       for n, (case, _) in enumerate(pairs)])
        session.execute(insert(ProcessInstance), [{
            "id": instance, "case_id": case, "definition_id": definition.id, "status": "running", "state": b"",
            "state_format": 1, "route": [], "started_by": "t", "started_at": START} for case, instance in pairs])
    return pairs


def _instant(rng: random.Random) -> datetime:
    """Somewhere in the range, often within an hour of a London midnight."""
    day = START.astimezone(UTC) + timedelta(days=rng.randint(-10, 370))
    if rng.random() < 0.5:
        return day.replace(hour=rng.choice([22, 23, 0]), minute=rng.randint(0, 59))
    return day + timedelta(minutes=rng.randint(0, 1439))


def _task(rng: random.Random, case: str, instance: str) -> dict[str, Any]:
    process, step = rng.choice(STEPS)
    created = _instant(rng)
    done = created + timedelta(hours=rng.randint(0, 80)) if rng.random() < 0.7 else None
    due = created + timedelta(hours=rng.randint(1, 400)) if rng.random() < 0.85 else None
    status = "completed" if done else rng.choice(["ready", "ready", "cancelled"])
    lane = rng.choice(LANES)
    return {"id": new_id(), "instance_id": instance, "case_id": case, "process_key": process, "element_id": step,
            "name": f"Step {step}", "lane": lane, "candidate_group": lane, "form_key": "f", "status": status,
            "personal": False, "created_at": created, "completed_at": done, "due_at": due,
            "sort_due": due or datetime(9999, 1, 1, tzinfo=UTC), "warn_at": None, "due_rule": None}


def _plain(db: Database) -> list[dict[str, Any]]:
    """The rows the summary covers, read plainly and summarised one at a time in Python."""
    with db.reading() as session:
        hidden = set(session.scalars(select(Case.id).where(Case.restricted.is_(True))))
        rows = session.execute(select(
            HumanTask.process_key, HumanTask.element_id, HumanTask.name, HumanTask.status, HumanTask.created_at,
            HumanTask.completed_at, HumanTask.due_at, HumanTask.case_id, HumanTask.candidate_group)).all()
    managed = access.managed_lanes(HEAD)
    wanted = [row[:7] for row in rows if START <= row.created_at < END and row.status != "cancelled"
              and row.case_id not in hidden and row.candidate_group in managed]
    return summary_of_rows(wanted, NOW, default_calendar())


def test_the_summary_grouped_in_sql_equals_a_per_row_computation_over_a_generated_year(db: Database) -> None:
    rng = random.Random(20261202)
    parents = _parents(db, 60)
    rows = [_task(rng, *rng.choice(parents)) for _ in range(3000)]
    with db.unit_of_work() as session:
        session.execute(insert(HumanTask), rows)
    with db.reading() as session:
        got = sla_summary(session, HEAD, START, END, NOW)
    expected = _plain(db)
    assert got == expected
    assert sum(step["completed"] for step in got) > 1000
    assert {step["process"] for step in got} == {process for process, _ in STEPS}


def test_the_database_reads_the_london_date_of_instants_either_side_of_both_clock_changes(db: Database) -> None:
    parents = _parents(db, 1)
    instants = [datetime(2026, 3, 29, 0, 59, tzinfo=UTC), datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
                datetime(2026, 6, 30, 22, 59, tzinfo=UTC), datetime(2026, 6, 30, 23, 0, tzinfo=UTC),
                datetime(2026, 10, 24, 23, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
                datetime(2026, 10, 25, 23, 30, tzinfo=UTC), datetime(2026, 12, 31, 23, 59, tzinfo=UTC)]
    rng = random.Random(1)
    with db.unit_of_work() as session:
        for at in instants:
            session.execute(insert(HumanTask), [{**_task(rng, *parents[0]), "created_at": at}])
    with db.reading() as session:
        dialect = session.get_bind().dialect.name
        day = london_date(HumanTask.created_at, dialect, report_years(START, END))
        got = session.execute(select(HumanTask.created_at, day).order_by(HumanTask.created_at)).all()
    assert [(at, as_date(value)) for at, value in got] == [(at, at.astimezone(LONDON).date()) for at in instants]


def test_a_percentile_of_counted_values_is_the_percentile_of_the_values_listed() -> None:
    from collections import Counter

    from engine.queries.indicators import percentile
    rng = random.Random(5)
    for _ in range(200):
        values = [rng.randint(-3, 40) for _ in range(rng.randint(1, 60))]
        for share in (0.5, 0.9, 0.99):
            assert counted_percentile(Counter(values), share) == percentile(values, share)
    assert counted_percentile(Counter(), 0.5) is None


def test_a_restricted_case_is_left_out_of_the_summary_unless_the_manager_may_see_it(db: Database) -> None:
    (case, instance), = _parents(db, 1)
    row = {**_task(random.Random(2), case, instance), "candidate_group": "mash_screener",
           "created_at": datetime(2026, 5, 5, 10, 0, tzinfo=UTC), "status": "ready"}
    with db.unit_of_work() as session:
        session.execute(insert(HumanTask), [row])
        session.execute(update(Case).where(Case.id == case).values(restricted=True))
    with db.reading() as session:
        assert sla_summary(session, Actor("maya", frozenset({"mash_manager"})), START, END, NOW) == []
        opened = Actor("maya", frozenset({"mash_manager"}), opened_cases=frozenset({case}))
        assert [step["open"] for step in sla_summary(session, opened, START, END, NOW)] == [1]
