"""The statutory facts are projected from real task completions, in the completing transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.db import Database
from engine.models import CaseEvent
from tests.conftest import Clock
from tests.engine.test_child_journey import (
    ICPC_HELD,
    hold_the_strategy_discussion_and_find_continuing_risk,
    refer_to_the_mash_and_decide_on_a_strategy_discussion,
)
from tests.engine.test_cp_conference_paths import london
from tests.factories import deploy, filled


@pytest.fixture
def deployed(db: Database, clock: Clock) -> Database:
    deploy(db, name="mash_screening.bpmn", now=clock())
    return db


def _facts(db: Database, case_id: str) -> list[tuple[str, str, dict]]:
    with db.reading() as session:
        query = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
        return [(e.kind, e.on_date.isoformat(), e.details) for e in session.scalars(query)]


def test_a_referral_to_a_child_protection_plan_records_each_fact_the_returns_count(deployed: Database) -> None:
    case = refer_to_the_mash_and_decide_on_a_strategy_discussion(deployed)
    hold_the_strategy_discussion_and_find_continuing_risk(case)
    case.complete("book_conference", filled("conference_booking"), london(2027, 1, 6, 10))
    case.complete("prepare_reports", filled("sos_map"), london(2027, 1, 7, 15))
    case.complete("check_quorum", filled("conference_quorum"), london(2027, 1, 7, 15))
    case.complete("hold_conference", filled("cp_conference_record", date=ICPC_HELD.isoformat(), decision="cp_plan",
                                            category="neglect"), london(2027, 1, 11, 13))
    assert _facts(deployed, case.case_id) == [
        ("contact", "2026-12-16", {"source": "2A"}),
        ("referral", "2026-12-16", {"source": "2A", "nfa": False}),
        ("s47_started", "2026-12-17", {"icpc_target": "2027-01-12", "decision": "s47_single_agency"}),
        ("s47_concluded", "2027-01-05", {"outcome": "continuing_risk_of_significant_harm",
                                         "icpc_not_required": False}),
        ("icpc", "2027-01-11", {"decision": "cp_plan", "category": "neglect"}),
        ("cp_plan_started", "2027-01-11", {"category": "neglect", "second_or_subsequent_plan": False}),
    ]
