"""The two flags of a child protection plan (domain §4 RCPC): a second or subsequent plan for a child, found
through the child's person record across cases, and a plan lasting two years, flagged on its review."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from engine import runtime
from engine.db import Database
from engine.models import CaseEvent
from engine.plan_flags import plan_flags
from tests.conftest import Clock
from tests.engine.test_cp_conference_paths import (
    CP_UNIT,
    ICPC_HELD,
    book_and_prepare,
    conference_record,
    london,
    review_record,
)
from tests.factories import CaseDriver, deploy, filled

LEO = {"name": "Leo Hughes", "dob": "2018-11-14", "nhs_number": "9434765919"}


def conference_case(db: Database, subject: dict[str, str], at_year: int = 2026) -> CaseDriver:
    """A conference about `subject` held in November of `at_year`, deciding a child protection plan."""
    opened = london(at_year, 11, 9, 15)
    data = filled("cp_conference_request", strategy_discussion_at=opened.replace(year=at_year, hour=14).isoformat())
    case = CaseDriver(db, runtime.open_case(db, process="cp_conference", subject=subject, data=data, actor=CP_UNIT,
                                            now=opened))
    book_and_prepare(case, "book_conference", london(at_year, 11, 10, 11))
    held = ICPC_HELD.replace(year=at_year)
    case.complete("hold_conference", conference_record(held, "cp_plan"), held)
    return case


def events(db: Database, case: CaseDriver, kind: str) -> list[dict[str, object]]:
    with db.reading() as session:
        query = select(CaseEvent).where(CaseEvent.case_id == case.case_id, CaseEvent.kind == kind)
        return [event.details for event in session.scalars(query.order_by(CaseEvent.id))]


def flags(db: Database, case: CaseDriver, on: date) -> dict[str, object]:
    with db.reading() as session:
        return plan_flags(session, case.case_id, on)


def test_a_child_with_an_earlier_plan_in_another_case_is_flagged_second_or_subsequent_plan(
    db: Database, clock: Clock,
) -> None:
    deploy(db, name="cp_conference.bpmn", now=clock())
    first = conference_case(db, LEO, 2026)
    assert events(db, first, "cp_plan_started")[0]["second_or_subsequent_plan"] is False
    assert flags(db, first, date(2027, 1, 4))["second_or_subsequent_plan"] is False

    second = conference_case(db, LEO, 2027)  # the same child (same NHS number): a new case a year later
    assert events(db, second, "cp_plan_started")[0]["second_or_subsequent_plan"] is True
    found = flags(db, second, date(2027, 12, 1))
    assert found["second_or_subsequent_plan"] is True
    assert found["children"] == [{"person_id": found["children"][0]["person_id"], "previous_cp_plans": 1}]


def test_a_different_child_is_not_flagged(db: Database, clock: Clock) -> None:
    deploy(db, name="cp_conference.bpmn", now=clock())
    conference_case(db, LEO, 2026)
    other = conference_case(db, {"name": "Ava Thompson", "dob": "2017-03-02"}, 2027)
    assert events(db, other, "cp_plan_started")[0]["second_or_subsequent_plan"] is False


def test_a_plan_lasting_two_years_flags_its_review_and_the_case(db: Database, clock: Clock) -> None:
    deploy(db, name="cp_conference.bpmn", now=clock())
    case = conference_case(db, LEO)  # plan started Mon 30 Nov 2026
    assert flags(db, case, date(2028, 11, 29))["plan_over_two_years"] is False
    found = flags(db, case, date(2028, 11, 30))
    assert (found["plan_started_on"], found["plan_over_two_years"], found["second_or_subsequent_plan"]) == (
        "2026-11-30", True, False)

    case.complete("book_first_review", filled("conference_booking", 1), london(2026, 12, 1, 10))
    # A review recorded as held on 1 Dec 2028 (the record's date), 2 years after the plan started.
    case.complete("hold_first_review", review_record(london(2028, 12, 1, 10), "continue_plan"), london(2026, 12, 2, 9))
    assert events(db, case, "cp_review")[0]["plan_over_two_years"] is True


def test_a_review_within_two_years_is_not_flagged_and_an_ended_plan_has_no_flags(db: Database, clock: Clock) -> None:
    deploy(db, name="cp_conference.bpmn", now=clock())
    case = conference_case(db, LEO)
    case.complete("book_first_review", filled("conference_booking", 1), london(2026, 12, 1, 10))
    case.complete("hold_first_review", review_record(london(2026, 12, 2, 10), "end_plan"), london(2026, 12, 2, 12))
    assert events(db, case, "cp_review")[0]["plan_over_two_years"] is False
    assert flags(db, case, date(2029, 1, 1))["plan_started_on"] is None
    assert flags(db, case, date(2029, 1, 1))["plan_over_two_years"] is False
