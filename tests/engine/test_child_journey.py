"""One child's whole journey through the three case-work diagrams, in one case, by hand-offs alone.

A referral comes into the MASH, is screened and decided "strategy discussion (s47)"; the strategy discussion on
Thu 17 Dec 2026 starts a section 47 enquiry that finds a continuing risk of significant harm; the ICPC request
hands the case to the child protection conference, held within 15 working days (Tue 12 Jan 2027, T10); the child
goes on a plan, the first core group meets within 10 working days (T13) and two review conferences follow
(3 months, T15; then 6 months, T16) before the second review ends the plan. Every deadline on the way is checked
against the calendar (domain.md §1), and the case shows the chain of instances MASH → strategy discussion →
child protection conference.

The whole journey (issue 11) runs one case through all six case-work diagrams: a referral decided early help;
early help steps up with a new referral in the same case; MASH decides a child and family assessment, which
passes 45 working days (T8) so its lateness is explained before it concludes "child in need plan"; the plan's
review steps up to a strategy discussion, s47, ICPC and a child protection plan; the review that ends the plan
starts a child in need plan, which closes. After every step exactly the expected tasks, in the expected process
and lane, hold the case: nobody holds it only when the last plan has closed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
    case.complete("check_quorum", filled("conference_quorum"), london(2027, 1, 7, 15))
    assert case.deadline("hold_conference") == (london(2027, 1, 12), "T10")
    case.complete("hold_conference", filled("cp_conference_record", date=ICPC_HELD.isoformat(), decision="cp_plan"),
                  london(2027, 1, 11, 13))

    # T13: the first core group within 10 WD of Mon 11 Jan 2027; the first review's clock (T15) runs beside it.
    assert case.ready_elements() == ["book_first_review", "first_core_group"]
    assert case.deadline("first_core_group") == (london(2027, 1, 25), "T13")
    case.complete("first_core_group", filled("core_group_record", meeting_date="2027-01-21"), london(2027, 1, 21, 16))
    # T14: each core group within 30 WD of the one before (Thu 4 Mar 2027), whatever the reviews are doing.
    assert case.deadline("core_group_meeting") == (london(2027, 3, 4), "T14")
    # T15: 3 months after 11 Jan 2027 is Sun 11 Apr, so the first review is due on Fri 9 Apr 2027.
    assert case.deadline("book_first_review") == (london(2027, 4, 9), "T15")
    case.complete("book_first_review", filled("conference_booking", 1), london(2027, 2, 1, 10))
    case.complete("core_group_meeting", filled("core_group_record", meeting_date="2027-03-02"), london(2027, 3, 2, 16))
    assert case.deadline("core_group_meeting") == (london(2027, 4, 15), "T14")  # over Easter 2027
    assert case.deadline("hold_first_review") == (london(2027, 4, 9), "T15")
    case.complete("hold_first_review", review_record(FIRST_REVIEW_HELD, "continue_plan"), london(2027, 4, 9, 13))

    # T16: 6 months after Fri 9 Apr 2027 is Sat 9 Oct, so the next review is due on Fri 8 Oct 2027.
    assert case.deadline("book_review") == (london(2027, 10, 8), "T16")
    case.complete("core_group_meeting", filled("core_group_record", meeting_date="2027-04-14"), london(2027, 4, 14, 16))
    assert case.deadline("core_group_meeting") == (london(2027, 5, 27), "T14")
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



# ---------------------------------------------------------------------------------------------------------------
# The whole journey through all six case-work diagrams (issue 11): early help, a step-up, a late assessment, a
# child in need plan stepped up to a child protection plan, and back to a child in need plan that closes.

NOT_IN_DANGER: dict[str, Any] = {"partner_checks": [], "immediate_danger": False}
MASH_DECISION = {"early_help": 1, "cin_assessment_s17": 2}  # mash_decision examples
Held = list[tuple[str, str, str]]


@pytest.fixture
def all_deployed(db: Database, clock: Clock) -> Database:
    deploy(db, name="mash_screening.bpmn", now=clock())  # with every diagram its hand-offs reach, directly or not
    return db


def held_by(case: CaseDriver) -> Held:
    """Who holds the case now: (process, task, lane) of every ready task."""
    return sorted((task.process_key, task.element_id, task.lane) for task in case.ready())


def step(case: CaseDriver, element_id: str, data: dict[str, Any], at: datetime, then: Held) -> None:
    """Complete a task, then check exactly which tasks hold the case, in which process and lane."""
    case.complete(element_id, data, at)
    assert held_by(case) == sorted(then), f"after {element_id}"


def screened(case: CaseDriver, day: datetime, decision: str, first_task: tuple[str, str, str]) -> None:
    """MASH screens the referral on `day` and decides; the next process starts beside the referrer's feedback."""
    step(case, "screen_contact", filled("mash_screening", **NOT_IN_DANGER), day.replace(hour=12),
         [("mash_screening", "screening_decision", "mash_manager")])
    step(case, "screening_decision", filled("mash_decision", MASH_DECISION[decision]), day.replace(hour=15),
         [first_task, ("mash_screening", "feedback_to_referrer", "mash_business_support")])
    step(case, "feedback_to_referrer", filled("referrer_feedback"), day.replace(hour=16), [first_task])


def early_help_stepped_up(case: CaseDriver) -> None:
    step(case, "offer_assessment", filled("early_help_consent"), london(2027, 2, 3, 10),
         [("early_help", "allocate_lead_professional", "team_manager")])
    step(case, "allocate_lead_professional", filled("early_help_lead_professional"), london(2027, 2, 4, 10),
         [("early_help", "team_around_family", "social_worker")])
    step(case, "team_around_family", filled("team_around_the_family"), london(2027, 2, 11, 10),
         [("early_help", "review_early_help", "social_worker")])
    step(case, "review_early_help", filled("early_help_review", 2), london(2027, 2, 26, 10),  # step up
         [("early_help", "step_up_referral", "team_manager")])
    # Mon 1 Mar 2027 10:00: the new referral in the same case; its own MASH clock starts at once.
    step(case, "step_up_referral", referral(), london(2027, 3, 1, 10),
         [("mash_screening", "screen_contact", "mash_screener")])


def assessment_concluded_late(case: CaseDriver) -> None:
    step(case, "allocate_assessment", filled("assessment_allocation"), london(2027, 3, 2, 10),
         [("cin_assessment", "see_child", "social_worker")])
    step(case, "see_child", filled("child_seen"), london(2027, 3, 5, 10),
         [("cin_assessment", "conclude_assessment", "social_worker")])
    # T8 runs from the step-up referral (Mon 1 Mar 2027), not the first one: 45 WD, skipping Good Friday,
    # Easter Monday and 3 May, is Thu 6 May 2027.
    assert case.deadline("conclude_assessment") == (london(2027, 5, 6, 17), "T8")
    assert case.fire_timers(london(2027, 5, 6, 17, 1)) == 1
    assert held_by(case) == [("cin_assessment", "conclude_assessment", "social_worker"),
                             ("cin_assessment", "record_assessment_delay", "team_manager")]
    step(case, "record_assessment_delay", filled("overdue_review", 1), london(2027, 5, 7, 9),
         [("cin_assessment", "conclude_assessment", "social_worker")])
    step(case, "conclude_assessment", filled("cin_assessment_outcome", 0), london(2027, 5, 10, 9),  # CIN plan
         [("cin_plan", "agree_plan", "social_worker")])


def cin_plan_stepped_up_to_a_cp_plan(case: CaseDriver) -> None:
    step(case, "agree_plan", filled("cin_plan_agreement", 0, next_review_by="2027-06-10"), london(2027, 5, 12, 10),
         [("cin_plan", "review_plan", "social_worker")])
    step(case, "review_plan", filled("cin_plan_review", 2), london(2027, 6, 9, 10),  # significant harm: step up
         [("strategy_discussion", "hold_strategy_discussion", "team_manager")])
    step(case, "hold_strategy_discussion", filled("strategy_discussion", decision="s47_single_agency",
                                                  strategy_discussion_at=london(2027, 6, 9, 14).isoformat()),
         london(2027, 6, 9, 15), [("strategy_discussion", "s47_enquiry", "social_worker")])
    assert case.deadline("s47_enquiry") == (london(2027, 6, 30, 17), "T10")
    step(case, "s47_enquiry", filled("s47_outcome", outcome="continuing_risk_of_significant_harm"),
         london(2027, 6, 21, 15), [("strategy_discussion", "request_icpc", "team_manager")])
    step(case, "request_icpc", filled("icpc_request", conference_type="initial"), london(2027, 6, 21, 16),
         [("cp_conference", "book_conference", "cp_unit")])
    step(case, "book_conference", filled("conference_booking"), london(2027, 6, 22, 10),
         [("cp_conference", "prepare_reports", "social_worker")])
    step(case, "prepare_reports", filled("sos_map"), london(2027, 6, 24, 15),
         [("cp_conference", "check_quorum", "cp_chair")])
    step(case, "check_quorum", filled("conference_quorum"), london(2027, 6, 28, 10),
         [("cp_conference", "hold_conference", "cp_chair")])
    step(case, "hold_conference", filled("cp_conference_record", date=london(2027, 6, 28, 10).isoformat(),
                                         decision="cp_plan"),
         london(2027, 6, 28, 13), [("cp_conference", "book_first_review", "cp_unit"),
                                   ("cp_conference", "first_core_group", "core_group")])


def cp_plan_ended_into_a_cin_plan_that_closes(case: CaseDriver) -> None:
    step(case, "first_core_group", filled("core_group_record", meeting_date="2027-07-08"), london(2027, 7, 8, 16),
         [("cp_conference", "book_first_review", "cp_unit"), ("cp_conference", "core_group_meeting", "core_group")])
    step(case, "book_first_review", filled("conference_booking", 1), london(2027, 8, 2, 10),
         [("cp_conference", "core_group_meeting", "core_group"), ("cp_conference", "hold_first_review", "cp_chair")])
    step(case, "core_group_meeting", filled("core_group_record", meeting_date="2027-08-12"), london(2027, 8, 12, 16),
         [("cp_conference", "core_group_meeting", "core_group"), ("cp_conference", "hold_first_review", "cp_chair")])
    assert case.deadline("hold_first_review") == (london(2027, 9, 28, 17), "T15")
    step(case, "hold_first_review", {**review_record(london(2027, 9, 24, 10), "end_plan"), "post_plan": "cin_plan"},
         london(2027, 9, 24, 13), [("cin_plan", "agree_plan", "social_worker")])
    step(case, "agree_plan", filled("cin_plan_agreement", 0, next_review_by="2027-12-16"), london(2027, 9, 30, 10),
         [("cin_plan", "review_plan", "social_worker")])
    step(case, "review_plan", filled("cin_plan_review", 0), london(2027, 12, 16, 10), [])  # closed: nobody


def delay_reasons(db: Database, case_id: str) -> list[str]:
    with db.reading() as session:
        query = select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == "task_completed")
        payloads = [event.payload or {} for event in session.scalars(query.order_by(AuditEvent.seq))]
    return [p["data"]["reason_for_delay"] for p in payloads if p["element_id"] == "record_assessment_delay"]


def test_the_whole_journey_from_early_help_to_a_closed_child_in_need_plan_leaves_nobody_holding_it_only_at_the_end(
    all_deployed: Database,
) -> None:
    case = CaseDriver(all_deployed, runtime.open_case(
        all_deployed, process="mash_screening", subject=subject(), data=referral(), actor=REFERRER,
        now=london(2027, 2, 1, 10)))
    assert held_by(case) == [("mash_screening", "screen_contact", "mash_screener")]
    screened(case, london(2027, 2, 1), "early_help", ("early_help", "offer_assessment", "social_worker"))
    early_help_stepped_up(case)
    screened(case, london(2027, 3, 1), "cin_assessment_s17", ("cin_assessment", "allocate_assessment", "team_manager"))
    assessment_concluded_late(case)
    cin_plan_stepped_up_to_a_cp_plan(case)
    cp_plan_ended_into_a_cin_plan_that_closes(case)

    instances = chain(all_deployed, case.case_id)
    assert [(key, i.outcome, i.starts_process) for key, i in instances] == [
        ("mash_screening", "early_help", "early_help"), ("early_help", "stepped_up", "mash_screening"),
        ("mash_screening", "cin_assessment_s17", "cin_assessment"), ("cin_assessment", "cin_plan", "cin_plan"),
        ("cin_plan", "stepped_up", "strategy_discussion"), ("strategy_discussion", "icpc_requested", "cp_conference"),
        ("cp_conference", "plan_ended", "cin_plan"), ("cin_plan", "cin_plan_closed", None)]
    assert [i.parent_instance_id for _, i in instances] == [None, *(i.id for _, i in instances[:-1])]
    assert {i.status for _, i in instances} == {InstanceStatus.COMPLETED}
    assert handoffs(all_deployed, case.case_id) == [key for key, _ in instances[1:]]
    assert case.fired_rules() == ["T8"]
    assert delay_reasons(all_deployed, case.case_id) == [filled("overdue_review", 1)["reason_for_delay"]]
