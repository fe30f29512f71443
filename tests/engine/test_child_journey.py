"""One child's whole journey through the three case-work diagrams, in one case, by hand-offs alone.

A referral comes into the MASH, is screened and decided "strategy discussion (s47)"; the strategy discussion on
Thu 17 Dec 2026 starts a section 47 enquiry that finds a continuing risk of significant harm; the ICPC request
hands the case to the child protection conference, held within 15 working days (Tue 12 Jan 2027, T10); the child
goes on a plan, the first core group meets within 10 working days (T13) and two review conferences follow
(3 months, T15; then 6 months, T16) before the second review ends the plan. Every deadline on the way is checked
against the calendar (domain.md §1), and the case shows the chain of instances MASH → strategy discussion →
child protection conference.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import runtime
from engine.access import Actor
from engine.db import Database
from engine.models import AuditEvent, Case, InstanceStatus, ProcessDefinition, ProcessInstance
from tests.conftest import Clock
from tests.engine.test_cp_conference_paths import london, review_record
from tests.factories import CaseDriver, deploy, filled, referral, subject

REFERRER = Actor("rita", frozenset({"referrer"}))
STRATEGY_DISCUSSION = london(2026, 12, 17, 11)
ICPC_HELD = london(2027, 1, 11, 10)
FIRST_REVIEW_HELD = london(2027, 4, 9, 10)


@pytest.fixture
def deployed(db: Database, clock: Clock) -> Database:
    for name in ("mash_screening.bpmn", "strategy_discussion.bpmn", "cp_conference.bpmn"):
        deploy(db, name=name, now=clock())
    return db


def chain(db: Database, case_id: str) -> list[tuple[str, ProcessInstance]]:
    """The case's instances in the order they started, each with its process key."""
    with db.reading() as session:
        query = (select(ProcessDefinition.key, ProcessInstance)
                 .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                 .where(ProcessInstance.case_id == case_id).order_by(ProcessInstance.started_at))
        return [(key, instance) for key, instance in session.execute(query).all()]


def handoffs(db: Database, case_id: str) -> list[str]:
    with db.reading() as session:
        query = select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == "handoff_recorded")
        return [event.payload["process"] for event in session.scalars(query.order_by(AuditEvent.seq))]


def refer_to_the_mash_and_decide_on_a_strategy_discussion(db: Database) -> CaseDriver:
    received = london(2026, 12, 16, 10)
    case = CaseDriver(db, runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(),
                                            actor=REFERRER, now=received))
    case.complete("screen_contact", filled("mash_screening", partner_checks=[], immediate_danger=False),
                  london(2026, 12, 16, 12))
    assert case.deadline("screening_decision") == (london(2026, 12, 17), "T1")
    case.complete("screening_decision", filled("mash_decision"), london(2026, 12, 16, 15))
    case.complete("feedback_to_referrer", filled("referrer_feedback"), london(2026, 12, 16, 16))
    return case


def hold_the_strategy_discussion_and_find_continuing_risk(case: CaseDriver) -> None:
    case.complete("hold_strategy_discussion", filled("strategy_discussion", decision="s47_single_agency",
                                                     strategy_discussion_at=STRATEGY_DISCUSSION.isoformat()),
                  london(2026, 12, 17, 12))
    # 15 WD from Thu 17 Dec 2026, skipping 25 and 28 Dec and 1 Jan: Tue 12 Jan 2027 (T10).
    assert case.deadline("s47_enquiry") == (london(2027, 1, 12), "T10")
    case.complete("s47_enquiry", filled("s47_outcome", outcome="continuing_risk_of_significant_harm"),
                  london(2027, 1, 5, 15))
    case.complete("request_icpc", filled("icpc_request", conference_type="initial"), london(2027, 1, 5, 16))


def test_a_referral_becomes_a_child_protection_plan_reviewed_twice_then_ended(deployed: Database) -> None:
    case = refer_to_the_mash_and_decide_on_a_strategy_discussion(deployed)
    hold_the_strategy_discussion_and_find_continuing_risk(case)

    # The ICPC request handed the case to the conference: booked and held by the same T10 date.
    assert case.ready_elements() == ["book_conference"]
    assert case.deadline("book_conference") == (london(2027, 1, 12), "T10")
    case.complete("book_conference", filled("conference_booking"), london(2027, 1, 6, 10))
    case.complete("prepare_reports", filled("sos_map"), london(2027, 1, 7, 15))
    assert case.deadline("hold_conference") == (london(2027, 1, 12), "T10")
    case.complete("hold_conference", filled("cp_conference_record", date=ICPC_HELD.isoformat(), decision="cp_plan"),
                  london(2027, 1, 11, 13))

    # T13: the first core group within 10 WD of Mon 11 Jan 2027.
    assert case.deadline("first_core_group") == (london(2027, 1, 25), "T13")
    case.complete("first_core_group", filled("core_group_record", meeting_date="2027-01-21"), london(2027, 1, 21, 16))
    # T15: 3 months after 11 Jan 2027 is Sun 11 Apr, so the first review is due on Fri 9 Apr 2027.
    assert case.deadline("book_first_review") == (london(2027, 4, 9), "T15")
    case.complete("book_first_review", filled("conference_booking", 1), london(2027, 2, 1, 10))
    assert case.deadline("hold_first_review") == (london(2027, 4, 9), "T15")
    case.complete("hold_first_review", review_record(FIRST_REVIEW_HELD, "continue_plan"), london(2027, 4, 9, 13))

    # T14: 30 WD after the review (31 May 2027 is a bank holiday, after the date); T16: 6 months after
    # Fri 9 Apr 2027 is Sat 9 Oct, so the next review is due on Fri 8 Oct 2027.
    assert case.deadline("core_group_meeting") == (london(2027, 5, 24), "T14")
    case.complete("core_group_meeting", filled("core_group_record", meeting_date="2027-05-20"), london(2027, 5, 20, 16))
    assert case.deadline("book_review") == (london(2027, 10, 8), "T16")
    case.complete("book_review", filled("conference_booking", 1), london(2027, 6, 1, 10))
    assert case.deadline("hold_review") == (london(2027, 10, 8), "T16")
    case.complete("hold_review", review_record(london(2027, 10, 8, 10), "end_plan"), london(2027, 10, 8, 13))

    assert case.ready() == []
    (mash_key, mash), (strategy_key, strategy), (conference_key, conference) = chain(deployed, case.case_id)
    assert (mash_key, strategy_key, conference_key) == ("mash_screening", "strategy_discussion", "cp_conference")
    assert (mash.parent_instance_id, strategy.parent_instance_id, conference.parent_instance_id) == (
        None, mash.id, strategy.id)
    assert [(i.outcome, i.starts_process) for i in (mash, strategy, conference)] == [
        ("strategy_discussion_s47", "strategy_discussion"), ("icpc_requested", "cp_conference"), ("plan_ended", None)]
    assert {i.status for i in (mash, strategy, conference)} == {InstanceStatus.COMPLETED}
    assert handoffs(deployed, case.case_id) == ["strategy_discussion", "cp_conference"]
    with deployed.reading() as session:
        assert session.get_one(Case, case.case_id).reference == "MASH-2026-000001"

