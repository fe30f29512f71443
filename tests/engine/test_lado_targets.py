"""The LADO reporting targets T23–T25 read what the engine recorded: an allegation driven through the diagram
projects its disciplinary outcome and its LADO outcome as case events, and the indicators count it by route.
(The hand-computed fixture with on-time and late cases of each is in tests/api/test_sla.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import runtime
from engine.access import Actor
from engine.db import Database
from engine.models import CaseEvent
from engine.queries.indicators import compute_indicators
from tests.conftest import Clock
from tests.engine.test_lado_paths import (
    EMPLOYER,
    PROCESS,
    SUSPENSION_DECIDED,
    consider,
    determine,
    do,
    london,
    to_strands,
)
from tests.factories import deploy, form_data

LADO_MANAGER = Actor("lou", frozenset({"lado_manager"}))
YEAR = (london(2026, 1, 1, 0, 0), london(2027, 1, 1, 0, 0))


@pytest.fixture
def allegation(db: Database, clock: Clock) -> str:
    """An allegation notified on Fri 22 May 2026 10:30 (FIXED_NOW) and considered then: T23 is due Mon 1 June
    17:00 (5 WD, Mon 25 May a bank holiday), T25 Mon 15 June 17:00 (15 WD)."""
    deploy(db, name=f"{PROCESS}.bpmn", now=clock())
    return runtime.open_case(db, process=PROCESS, subject={"name": "Mark Ellis"},
                             data=form_data("lado_referral"), actor=EMPLOYER, now=clock())


def _figures(db: Database) -> dict[str, tuple[int, int, list[str]]]:
    with db.reading() as session:
        indicators = compute_indicators(session, LADO_MANAGER, *YEAR)
    return {i["key"]: (i["numerator"], i["denominator"], [c["case_id"] for c in i["cases"]])
            for i in indicators if i["key"] in ("T23", "T24", "T25")}


def _facts(db: Database, case_id: str) -> list[tuple[str, dict[str, object]]]:
    with db.reading() as session:
        rows = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id))
        return [(row.kind, row.details) for row in rows if row.kind.startswith("lado_")]


def test_a_false_allegation_closed_without_investigation_within_five_working_days_counts_for_t23(
    db: Database, allegation: str
) -> None:
    to_strands(db, [])  # threshold met, AMM on Fri 29 May with no strand
    determine(db, "false", london(2026, 5, 29, 13, 0))
    do(db, london(2026, 5, 29, 15, 0), "close_allegation")

    assert _facts(db, allegation) == [("lado_outcome", {"outcome": "false"})]
    assert _figures(db) == {"T23": (1, 1, [allegation]), "T24": (0, 0, []), "T25": (0, 0, [])}


def test_a_disciplinary_hearing_after_fifteen_working_days_counts_late_for_t25_and_the_case_not_for_t23(
    db: Database, allegation: str
) -> None:
    to_strands(db, ["disciplinary"])
    do(db, london(2026, 7, 9, 10, 0), "disciplinary_strand", outcome="management_advice", hearing_date="2026-07-08")
    determine(db, "unfounded", london(2026, 7, 10, 10, 0))
    do(db, london(2026, 7, 10, 15, 0), "close_allegation")

    assert _facts(db, allegation) == [
        ("lado_disciplinary", {"outcome": "management_advice", "hearing_date": "2026-07-08", "action": None}),
        ("lado_outcome", {"outcome": "unfounded"})]
    # Due Mon 15 June 17:00 (15 WD from Fri 22 May); held 8 July. Management advice after a hearing is not T24.
    assert _figures(db) == {"T23": (0, 0, []), "T24": (0, 0, []), "T25": (0, 1, [allegation])}


def _employer_route(db: Database, done_at: tuple[int, int, int, int], **investigation: str) -> None:
    """The employer route (no meeting): the employer's own investigation, then an unfounded outcome, closed."""
    consider(db, route="employer_investigation", threshold_criteria=[4])
    do(db, SUSPENSION_DECIDED, "suspension_decision")
    do(db, london(*done_at, 0), "employer_investigation", **investigation)
    determine(db, "unfounded", london(2026, 7, 20, 10, 0))
    do(db, london(2026, 7, 20, 15, 0), "close_allegation")


def test_on_the_employer_route_management_advice_within_three_working_days_counts_on_time_for_t24(
    db: Database, allegation: str
) -> None:
    # Considered Fri 22 May 10:30; 3 WD (Mon 25 May a bank holiday) is Wed 27 May 10:30.
    _employer_route(db, (2026, 5, 27, 9), action="no_formal_action", outcome="management_advice",
                    without=("hearing_date",))

    assert _facts(db, allegation)[0] == ("lado_disciplinary", {"outcome": "management_advice", "hearing_date": None,
                                                               "action": "no_formal_action"})
    # The employer's investigation was an investigation of a kind, so the case is not "closed without one" (T23).
    assert _figures(db) == {"T23": (0, 0, []), "T24": (1, 1, [allegation]), "T25": (0, 0, [])}


def test_on_the_employer_route_a_hearing_without_investigation_within_fifteen_working_days_counts_for_t25(
    db: Database, allegation: str
) -> None:
    _employer_route(db, (2026, 6, 12, 16), action="hearing_without_investigation", outcome="final_warning",
                    hearing_date="2026-06-12")

    assert _figures(db) == {"T23": (0, 0, []), "T24": (0, 0, []), "T25": (1, 1, [allegation])}


def test_an_employer_investigation_counts_for_neither_t24_nor_t25(db: Database, allegation: str) -> None:
    _employer_route(db, (2026, 7, 10, 16), action="investigation", outcome="no_action", without=("hearing_date",))

    assert _figures(db) == {"T23": (0, 0, []), "T24": (0, 0, []), "T25": (0, 0, [])}
