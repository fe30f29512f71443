"""Every list is served by an index in order: the database's own plan never sorts the rows or reads the
whole table (SQLite: no `USE TEMP B-TREE FOR ORDER BY`, no full `SCAN`; PostgreSQL, with sequential scans
priced out: no Sort, no Seq Scan). A list over several lanes is planned as it is sent: one UNION ALL of
index-ordered, limited ranges (`ranges_union`). The timer sweep and the reminder and outbox sweeps read only their
partial indexes, so fired, cancelled or sent history is never walked. Runs on whichever database the
suite uses (SOSFLOW_TEST_DATABASE_URL), so CI checks both."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import CompoundSelect, Select, select
from sqlalchemy.sql import Executable

from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.models import AuditEvent, HumanTask
from engine.notifications.outbox import outbox_query
from engine.notifications.reads import notifications_query
from engine.notifications.reminders import reminders_query
from engine.queries.audit import audit_search_query
from engine.queries.sla import SlaFilter, at_risk_queries, breach_queries, open_queries, open_work_query
from engine.queries.tasks import TaskFilter, queue_queries, ranges_union
from engine.runtime.timers import due_timers_query
from tests.query_plans import plan_of, planning_session, sorts_or_scans

NOW = datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)
AFTER = (NOW, "7f3c2a8e-0000-4000-8000-000000000000")
SCREENER = Actor("sam", frozenset({"mash_screener", "mash_manager", "social_worker"}))
HEAD = Actor("hos", frozenset({"head_of_service"}))
MASH_MANAGER = Actor("maya", frozenset({"mash_manager"}))

QUEUE_FILTERS = {
    "all my groups": TaskFilter(),
    "one group": TaskFilter(group="mash_screener"),
    "assigned to me": TaskFilter(assigned_to_me=True),
    "one process": TaskFilter(process="mash_screening"),
    "overdue": TaskFilter(overdue=True),
    "group, process and overdue": TaskFilter(group="mash_screener", process="mash_screening", overdue=True),
    "completed": TaskFilter(status="completed"),
}
SLA_FILTERS = {
    "every lane": SlaFilter(),
    "one group": SlaFilter(group="mash_screener"),
    "process": SlaFilter(process="mash_screening"),
    "step": SlaFilter(step="screen_contact"),
    "assignee": SlaFilter(assignee="sam"),
    "level 2": SlaFilter(level=2),
    "level 3": SlaFilter(level=3),
}


def _as_sent(queries: list[Select[HumanTask]]) -> list[Executable]:
    """What `first_rows` sends: a single range as it is, several as one UNION ALL of their keys."""
    return list(queries) if len(queries) == 1 else [ranges_union(queries)]


def _lists() -> dict[str, list[Executable]]:
    lists: dict[str, list[Executable]] = {}
    for name, wanted in QUEUE_FILTERS.items():
        for page, after in (("first page", None), ("later page", AFTER)):
            lists[f"queue, {name}, {page}"] = _as_sent(queue_queries(SCREENER, wanted, NOW, 51, after))
    for name, sla in SLA_FILTERS.items():
        lists[f"breaches, {name}"] = _as_sent(breach_queries(HEAD, sla, NOW, 51, AFTER))
        lists[f"at risk, {name}"] = _as_sent(at_risk_queries(HEAD, sla, NOW, 51, AFTER))
        lists[f"open tasks, {name}"] = _as_sent(open_queries(HEAD, sla, 51, AFTER))
    lists["breaches, a MASH manager's lanes, first page"] = _as_sent(breach_queries(MASH_MANAGER, SlaFilter(), NOW, 51))
    lists["at risk, a MASH manager's lanes, first page"] = _as_sent(at_risk_queries(MASH_MANAGER, SlaFilter(), NOW, 51))
    lists["open-work counts, every lane"] = [open_work_query(HEAD, NOW)]
    lists["notifications"] = [notifications_query(SCREENER, False, 51)]
    lists["unread notifications"] = [notifications_query(SCREENER, True, 51)]
    lists["case history"] = [select(AuditEvent).where(AuditEvent.case_id == AFTER[1]).order_by(AuditEvent.seq)]
    for name, condition in AUDIT_SEARCHES.items():
        lists[f"audit search, {name}"] = [audit_search_query([condition], 51, 1000)]
    return lists


AUDIT_SEARCHES = {
    "by case": AuditEvent.case_id == AFTER[1],
    "by person": AuditEvent.actor == "sam",
    "by action": AuditEvent.action == "case_viewed",
}


@pytest.mark.parametrize("name", sorted(_lists()))
def test_each_list_is_read_in_index_order_without_sorting_or_scanning(db: Database, name: str) -> None:
    audit = name == "case history" or name.startswith("audit")
    table = "audit_event" if audit else "notification" if "notification" in name else "human_task"
    with planning_session(db) as session:
        for query in _lists()[name]:
            plan = plan_of(session, query)
            assert sorts_or_scans(plan, table) == [], plan
            assert any("ix_" in line or "pk" in line.lower() for line in plan), plan


def test_the_open_work_counts_read_only_their_covering_index_in_its_order(db: Database) -> None:
    with planning_session(db) as session:
        plan = plan_of(session, open_work_query(HEAD, NOW))
    assert any("ix_human_task_open_work" in line for line in plan), plan
    if not db.is_postgres:
        assert any("COVERING INDEX ix_human_task_open_work" in line for line in plan), plan
        assert not any("TEMP B-TREE" in line for line in plan), plan


def test_a_list_over_several_lanes_is_one_union_of_index_ordered_ranges() -> None:
    (union,) = _lists()["breaches, every lane"]
    assert isinstance(union, CompoundSelect) and len(union.selects) > 10


@pytest.mark.parametrize("query, index", [
    (due_timers_query(NOW, 100), "ix_timer_waiting"),
    (reminders_query(NOW, 100), "ix_human_task_to_remind"),
    (outbox_query(NOW), "ix_notification_outbox"),
], ids=["timer sweep", "reminder sweep", "outbox"])
def test_each_sweep_reads_only_its_partial_index_never_the_history(db: Database, query: Executable,
                                                                   index: str) -> None:
    with planning_session(db) as session:
        plan = plan_of(session, query)
    assert any(index in line for line in plan), plan
    assert not [line for line in plan if line.strip() in ("SCAN timer", "SCAN human_task", "SCAN notification")
                or "Seq Scan" in line], plan
