"""Every path of the child protection conference diagram, driven through the runtime with a fixed clock.

Together these tests take every sequence flow of bpmn/cp_conference.bpmn: each conference type (initial,
pre-birth, transfer-in), each conference decision, a plan with three reviews (so the review loop runs twice),
and every overdue-timer escalation, and a core group asking for the review to be brought forward (agreed or
declined by the chair); and they check each deadline and the rule that set it, including the
domain's calendar-month cases (domain.md §1: 3 months after 30 Nov 2026 is Sun 28 Feb 2027, so Fri 26 Feb;
6 months after 31 Aug 2027 is Tue 29 Feb 2028).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.errors import FormInvalid
from engine.models import AuditEvent, CasePerson, InstanceStatus, Person, PersonRole
from tests.conftest import Clock
from tests.factories import CaseDriver, deploy, filled

CP_UNIT = Actor("cpu", frozenset({"cp_unit"}))


def london(year: int, month: int, day: int, hour: int = 17, minute: int = 0) -> datetime:
    """A London wall-clock time; deadlines fall at 17:00, hence the default."""
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def conference_record(at: datetime, decision: str, **overrides: Any) -> dict[str, Any]:
    """An initial, pre-birth or transfer-in conference record (F9) held at `at` with `decision`."""
    return filled("cp_conference_record", date=at.isoformat(), decision=decision, **overrides)


def review_record(at: datetime, review_decision: str) -> dict[str, Any]:
    """A review conference record held at `at`: continue the plan (category neglect) or end it."""
    if review_decision == "continue_plan":
        return filled("cp_conference_record", 1, without=("end_plan_reason", "post_plan"), date=at.isoformat(),
                      review_decision="continue_plan", category="neglect")
    return filled("cp_conference_record", 1, date=at.isoformat(), review_decision=review_decision)


def open_conference(db: Database, at: datetime, example: int = 0, **request: Any) -> CaseDriver:
    """The CP unit opens a conference case with request example `example` (0 initial, 1 pre-birth, 2 transfer-in)."""
    case_id = runtime.open_case(db, process="cp_conference", subject={"name": "Child C"},
                                data=filled("cp_conference_request", example, **request), actor=CP_UNIT, now=at)
    return CaseDriver(db, case_id)


@pytest.fixture
def deployed(db: Database, clock: Clock) -> Database:
    deploy(db, name="cp_conference.bpmn", now=clock())
    return db


def book_and_prepare(case: CaseDriver, booking: str, at: datetime) -> None:
    """Book, prepare the reports and find the conference quorate (children's social care and two agencies)."""
    case.complete(booking, filled("conference_booking"), at)
    case.complete("prepare_reports", filled("sos_map"), at)
    case.complete("check_quorum", filled("conference_quorum"), at)


def core_groups_until(case: CaseDriver, day: datetime) -> int:
    """Hold each core group on the day it falls due (T14), until the next one is due after `day`."""
    held = 0
    while (due := case.deadline("core_group_meeting")[0]) is not None and due < day:
        case.complete("core_group_meeting", filled("core_group_record", meeting_date=due.date().isoformat()),
                      due.replace(hour=15))
        held += 1
    return held


# ICPC 30 Nov 2026 after a strategy discussion on Mon 9 Nov 2026: 15 working days later is Mon 30 Nov (T10).
STRATEGY_DISCUSSION = london(2026, 11, 9, 14)
ICPC_DUE = london(2026, 11, 30)
ICPC_HELD = london(2026, 11, 30, 10)


def hold_icpc_with_a_plan(case: CaseDriver) -> None:
    book_and_prepare(case, "book_conference", london(2026, 11, 10, 11))
    assert case.deadline("hold_conference") == (ICPC_DUE, "T10")
    case.complete("hold_conference", conference_record(ICPC_HELD, "cp_plan"), ICPC_HELD)
    # The core groups and the reviews start together: neither waits for the other.
    assert case.ready_elements() == ["book_first_review", "first_core_group"]
    assert case.deadline("first_core_group") == (london(2026, 12, 14), "T13")  # 10 WD after the ICPC
    case.complete("first_core_group", filled("core_group_record", meeting_date="2026-12-10"), london(2026, 12, 10, 15))
    # T14: the next core group within 30 WD of this one, over Christmas 2026.
    assert case.deadline("core_group_meeting") == (london(2027, 1, 26), "T14")


def test_an_initial_conference_plan_reviewed_three_times_takes_every_review_deadline(deployed: Database) -> None:
    case = open_conference(deployed, london(2026, 11, 9, 15), strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    assert case.ready_elements() == ["book_conference"]
    assert case.deadline("book_conference") == (ICPC_DUE, "T10")
    hold_icpc_with_a_plan(case)

    # T15: 3 months after Mon 30 Nov 2026 is Sun 28 Feb 2027, so the review is due on Fri 26 Feb.
    assert case.deadline("book_first_review") == (london(2027, 2, 26), "T15")
    case.complete("book_first_review", filled("conference_booking", 1), london(2027, 1, 11, 10))
    assert case.deadline("hold_first_review") == (london(2027, 2, 26), "T15")
    assert core_groups_until(case, london(2027, 3, 2)) == 1  # Tue 26 Jan 2027
    assert case.fire_timers(london(2027, 2, 26, 16, 59)) == 0
    assert case.fire_timers(london(2027, 3, 1, 9)) == 1
    assert case.ready_elements() == ["core_group_meeting", "hold_first_review", "review_overdue_review"]
    assert case.deadline("review_overdue_review") == (london(2027, 3, 1), "ESC")
    case.complete("review_overdue_review", filled("overdue_review"), london(2027, 3, 1, 9, 30))
    case.complete("hold_first_review", review_record(london(2027, 3, 1, 10), "continue_plan"), london(2027, 3, 1, 12))

    assert case.deadline("book_review") == (london(2027, 9, 1), "T16")  # 6 months after Mon 1 Mar 2027
    core_groups_until(case, london(2027, 7, 1, 10))
    case.complete("book_review", filled("conference_booking", 1), london(2027, 7, 1, 10))
    core_groups_until(case, london(2027, 8, 31, 12))
    case.complete("hold_review", review_record(london(2027, 8, 31, 10), "continue_plan"), london(2027, 8, 31, 12))

    # T16: 6 months after Tue 31 Aug 2027 is 31 Feb 2028, clamped to Tue 29 Feb (a leap year).
    assert case.deadline("book_review") == (london(2028, 2, 29), "T16")
    core_groups_until(case, london(2028, 1, 10, 10))
    case.complete("book_review", filled("conference_booking", 1), london(2028, 1, 10, 10))
    assert case.deadline("hold_review") == (london(2028, 2, 29), "T16")
    core_groups_until(case, london(2028, 3, 2))
    assert case.fire_timers(london(2028, 3, 1, 9)) == 1
    assert case.deadline("review_overdue_review") == (london(2028, 3, 1), "ESC")
    case.complete("review_overdue_review", filled("overdue_review", 1), london(2028, 3, 1, 9, 30))
    case.complete("hold_review", review_record(london(2028, 3, 2, 10), "end_plan"), london(2028, 3, 2, 12))

    (instance,) = case.instances()
    assert (instance.status, instance.outcome, instance.outcome_name) == (
        InstanceStatus.COMPLETED, "plan_ended", "Plan ended")
    assert [step["id"] for step in instance.route].count("hold_review") == 2
    assert case.fired_rules() == ["T15", "T16"]
    assert case.ready() == []  # the plan's end ended the core group cycle too


def test_an_initial_conference_held_late_asks_for_the_delay_reason_and_can_end_in_no_further_action(
    deployed: Database,
) -> None:
    case = open_conference(deployed, london(2026, 11, 9, 15), strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    book_and_prepare(case, "book_conference", london(2026, 11, 10, 11))
    (timer,) = [t for t in case.timers() if t.cancelled_at is None]  # the booking's breach timer is cancelled
    assert (timer.element_id, timer.rule, timer.fires_at) == ("timer_icpc_overdue", "T10", ICPC_DUE)

    assert case.fire_timers(london(2026, 12, 1, 9)) == 1
    assert case.ready_elements() == ["hold_conference", "record_icpc_delay_reason"]
    assert case.deadline("record_icpc_delay_reason") == (london(2026, 12, 1), "T11")
    assert case.deadline("hold_conference") == (ICPC_DUE, "T10")  # escalation never moves the due date
    case.complete("record_icpc_delay_reason", filled("overdue_review"), london(2026, 12, 1, 10))
    case.complete("hold_conference", conference_record(london(2026, 12, 2, 10), "nfa"), london(2026, 12, 2, 12))

    (instance,) = case.instances()
    assert (instance.status, instance.outcome) == (InstanceStatus.COMPLETED, "nfa")
    assert instance.route[-1]["id"] == "end_nfa"
    assert case.fired_rules() == ["T10"]


def test_a_transfer_in_conference_runs_on_the_t18_clock_over_christmas_and_can_end_in_a_cin_plan(
    deployed: Database,
) -> None:
    case = open_conference(deployed, london(2026, 12, 9, 11), 2,
                           notification_accepted_at=london(2026, 12, 9, 10).isoformat())
    # 15 WD from Wed 9 Dec 2026 skip 25 and 28 Dec and 1 Jan: Mon 4 Jan 2027 (T18, not T10).
    t18_due = london(2027, 1, 4)
    assert case.ready_elements() == ["book_transfer_in_conference"]
    assert case.deadline("book_transfer_in_conference") == (t18_due, "T18")
    book_and_prepare(case, "book_transfer_in_conference", london(2026, 12, 10, 11))
    assert case.deadline("hold_transfer_in_conference") == (t18_due, "T18")

    assert case.fire_timers(london(2027, 1, 5, 9)) == 1
    assert case.deadline("record_icpc_delay_reason") == (london(2027, 1, 5), "T11")
    case.complete("record_icpc_delay_reason", filled("overdue_review", 1), london(2027, 1, 5, 14))  # in its time
    case.complete("hold_transfer_in_conference",
                  conference_record(london(2027, 1, 6, 10), "cin_plan", type="transfer_in"), london(2027, 1, 6, 12))

    instance, plan = case.instances()
    assert (instance.status, instance.outcome, instance.starts_process) == (InstanceStatus.COMPLETED, "cin_plan",
                                                                            "cin_plan")
    assert "end_cin_plan" in [step["id"] for step in instance.route]
    assert (plan.parent_instance_id, case.ready_elements()) == (instance.id, ["agree_plan"])
    assert case.fired_rules() == ["T18"]


def test_a_pre_birth_plan_is_reviewed_20_working_days_after_an_early_birth_and_can_end_in_a_cin_plan_there(
    deployed: Database,
) -> None:
    case = open_conference(deployed, london(2026, 11, 9, 15), 1, strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    book_and_prepare(case, "book_conference", london(2026, 11, 10, 11))
    case.complete("hold_conference", conference_record(ICPC_HELD, "cp_plan", type="pre_birth"), ICPC_HELD)
    case.complete("first_core_group", filled("core_group_record", 1, meeting_date="2026-12-11"),
                  london(2026, 12, 11, 15))

    # The booking records the birth (Mon 7 Dec 2026). T17: the earlier of 3 months after the conference
    # (Fri 26 Feb 2027) and 20 WD after the birth (Thu 7 Jan 2027).
    assert case.ready_elements() == ["book_pre_birth_review", "core_group_meeting"]
    assert case.deadline("book_pre_birth_review") == (london(2027, 2, 26), "T17")
    case.complete("book_pre_birth_review", filled("conference_booking", 2, birth_date="2026-12-07"),
                  london(2026, 12, 14, 10))
    assert case.deadline("hold_pre_birth_review") == (london(2027, 1, 7), "T17")
    assert case.fire_timers(london(2027, 1, 8, 9)) == 1
    assert case.deadline("review_overdue_review") == (london(2027, 1, 8), "ESC")
    case.complete("review_overdue_review", filled("overdue_review"), london(2027, 1, 8, 10))
    ended = {**review_record(london(2027, 1, 11, 10), "end_plan"), "post_plan": "cin_plan"}
    case.complete("hold_pre_birth_review", ended, london(2027, 1, 11, 12))

    instance, plan = case.instances()
    assert (instance.status, instance.outcome, instance.starts_process) == (InstanceStatus.COMPLETED, "plan_ended",
                                                                            "cin_plan")
    assert [step["id"] for step in instance.route][-2:] == ["gw_post_plan", "end_plan_ended_cin_plan"]
    assert "hold_review" not in [step["id"] for step in instance.route]
    # The plan ends into a child in need plan in the same case: no dead end.
    assert (plan.parent_instance_id, case.ready_elements()) == (instance.id, ["agree_plan"])
    assert case.fired_rules() == ["T17"]


def test_a_pre_birth_plan_with_no_birth_recorded_keeps_the_three_month_review_date(deployed: Database) -> None:
    case = open_conference(deployed, london(2026, 11, 9, 15), 1, strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    book_and_prepare(case, "book_conference", london(2026, 11, 10, 11))
    case.complete("hold_conference", conference_record(ICPC_HELD, "cp_plan", type="pre_birth"), ICPC_HELD)
    case.complete("first_core_group", filled("core_group_record"), london(2026, 12, 11, 15))

    assert case.deadline("book_pre_birth_review") == (london(2027, 2, 26), "T17")
    case.complete("book_pre_birth_review", filled("conference_booking"), london(2026, 12, 14, 10))
    assert case.deadline("hold_pre_birth_review") == (london(2027, 2, 26), "T17")


def plan_reviewed_once(db: Database) -> CaseDriver:
    """An initial conference plan whose first review (Mon 1 Mar 2027) continued it: the next review is to book."""
    case = open_conference(db, london(2026, 11, 9, 15), strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    hold_icpc_with_a_plan(case)
    case.complete("book_first_review", filled("conference_booking", 1), london(2027, 1, 11, 10))
    core_groups_until(case, london(2027, 3, 1, 12))
    case.complete("hold_first_review", review_record(london(2027, 3, 1, 10), "continue_plan"), london(2027, 3, 1, 12))
    core_groups_until(case, london(2027, 4, 7, 15))
    return case


FORWARD_ASKED = filled("core_group_record", 1, meeting_date="2027-04-07")


@pytest.mark.parametrize("booked", [False, True], ids=["booking_waiting", "booked_review_waiting"])
@pytest.mark.parametrize(("decision", "review_due", "route_step"), [
    (filled("review_forward_decision", 0, review_forward_by="2027-05-14"), london(2027, 5, 14), "bring_review_forward"),
    (filled("review_forward_decision", 1), london(2027, 9, 1), None),  # declined: 6 months after Mon 1 Mar 2027
    # A date later than the 6-month one never delays the review (T16).
    (filled("review_forward_decision", 0, review_forward_by="2027-10-29"), london(2027, 9, 1), "bring_review_forward"),
], ids=["agreed", "declined", "agreed_later_date"])
def test_a_core_group_may_ask_the_chair_to_bring_a_waiting_review_forward_and_the_review_runs_to_the_chairs_date(
    deployed: Database, decision: dict[str, Any], review_due: datetime, route_step: str | None, booked: bool,
) -> None:
    case = plan_reviewed_once(deployed)
    if booked:
        case.complete("book_review", filled("conference_booking", 1), london(2027, 3, 10, 10))
    case.complete("core_group_meeting", FORWARD_ASKED, london(2027, 4, 7, 15))
    # The waiting booking (or booked review) is interrupted; the core groups go on.
    assert case.ready_elements() == ["core_group_meeting", "decide_review_forward"]
    assert case.task("decide_review_forward").lane == "cp_chair"
    case.complete("decide_review_forward", decision, london(2027, 4, 8, 11))

    assert case.deadline("book_review") == (review_due, "T16")
    case.complete("book_review", filled("conference_booking", 1), london(2027, 4, 9, 10))
    assert case.deadline("hold_review") == (review_due, "T16")
    case.complete("hold_review", review_record(london(2027, 5, 13, 10), "end_plan"), london(2027, 5, 13, 12))
    (instance,) = case.instances()
    route = [step["id"] for step in instance.route]
    assert f"forward_asked_{'hold' if booked else 'book'}_review" in route
    assert ("bring_review_forward" in route) == (route_step is not None)
    assert (instance.outcome, case.ready()) == ("plan_ended", [])


@pytest.mark.parametrize("booked", [False, True], ids=["booking_waiting", "booked_review_waiting"])
def test_a_first_review_can_be_brought_forward_too(deployed: Database, booked: bool) -> None:
    case = open_conference(deployed, london(2026, 11, 9, 15), strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    hold_icpc_with_a_plan(case)
    if booked:
        case.complete("book_first_review", filled("conference_booking", 1), london(2027, 1, 11, 10))
    case.complete("core_group_meeting", FORWARD_ASKED, london(2027, 1, 20, 15))
    case.complete("decide_review_forward", filled("review_forward_decision", 0, review_forward_by="2027-02-05"),
                  london(2027, 1, 21, 11))
    assert case.deadline("book_review") == (london(2027, 2, 5), "T16")
    route = [step["id"] for step in case.instances()[0].route]
    assert f"forward_asked_{'hold' if booked else 'book'}_first_review" in route


@pytest.mark.parametrize("booked", [False, True], ids=["booking_waiting", "booked_review_waiting"])
def test_a_pre_birth_review_can_be_brought_forward_after_the_birth(deployed: Database, booked: bool) -> None:
    case = open_conference(deployed, london(2026, 11, 9, 15), 1, strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    book_and_prepare(case, "book_conference", london(2026, 11, 10, 11))
    case.complete("hold_conference", conference_record(ICPC_HELD, "cp_plan", type="pre_birth"), ICPC_HELD)
    case.complete("first_core_group", filled("core_group_record", meeting_date="2026-12-10"), london(2026, 12, 10, 15))
    if booked:
        case.complete("book_pre_birth_review", filled("conference_booking"), london(2026, 12, 14, 10))
    case.complete("core_group_meeting", FORWARD_ASKED, london(2027, 1, 20, 15))
    assert case.ready_elements() == ["core_group_meeting", "decide_review_forward"]
    case.complete("decide_review_forward", filled("review_forward_decision", 0, review_forward_by="2027-02-05"),
                  london(2027, 1, 21, 11))
    assert case.deadline("book_review") == (london(2027, 2, 5), "T16")
    route = [step["id"] for step in case.instances()[0].route]
    assert f"forward_asked_{'hold' if booked else 'book'}_pre_birth_review" in route


def test_a_core_group_that_does_not_ask_leaves_the_review_booking_waiting(deployed: Database) -> None:
    case = plan_reviewed_once(deployed)
    case.complete("core_group_meeting", filled("core_group_record", meeting_date="2027-04-07"), london(2027, 4, 7, 15))
    assert case.ready_elements() == ["book_review", "core_group_meeting"]
    assert "decide_review_forward" not in [step["id"] for step in case.instances()[0].route]


def test_reviews_still_fall_due_and_fire_while_the_core_groups_are_overdue(deployed: Database) -> None:
    case = open_conference(deployed, london(2026, 11, 9, 15), strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    book_and_prepare(case, "book_conference", london(2026, 11, 10, 11))
    case.complete("hold_conference", conference_record(ICPC_HELD, "cp_plan"), ICPC_HELD)
    # No core group is ever recorded: T13 climbs its ladder, and the review clock runs regardless.
    case.fire_timers(london(2027, 1, 4, 9))
    assert case.fired_rules() == ["T13", "T13", "T13"]  # T13 breach (14 Dec), level 2 and level 3
    case.complete("book_first_review", filled("conference_booking", 1), london(2027, 1, 11, 10))
    assert case.fire_timers(london(2027, 3, 1, 9)) == 1  # T15: the first review is overdue all the same
    assert case.fired_rules() == ["T13", "T13", "T13", "T15"]
    assert case.ready_elements() == ["escalate1_first_core_group", "escalate2_first_core_group",
                                     "escalate3_first_core_group", "first_core_group", "hold_first_review",
                                     "review_overdue_review"]
    case.complete("hold_first_review", review_record(london(2027, 3, 2, 10), "continue_plan"), london(2027, 3, 2, 12))
    assert case.deadline("book_review") == (london(2027, 9, 2), "T16")
    assert "first_core_group" in case.ready_elements()  # still waiting for its record


def test_a_core_group_overdue_climbs_its_ladder_from_the_last_core_group_not_from_the_review(
    deployed: Database,
) -> None:
    case = open_conference(deployed, london(2026, 11, 9, 15), strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    hold_icpc_with_a_plan(case)  # first core group Thu 10 Dec 2026: the next is due Tue 26 Jan 2027
    assert case.fire_timers(london(2027, 1, 26, 16, 59)) == 0
    assert case.fire_timers(london(2027, 1, 27, 9)) == 1
    assert case.fired_rules() == ["T14"]
    assert [(t.element_id, t.lane) for t in case.ready() if t.element_id.startswith("escalate")] == [
        ("escalate1_core_group_meeting", "team_manager")]


@pytest.mark.parametrize(("quorum", "next_step"), [
    (filled("conference_quorum", 1), "book_conference"),  # adjourned: rebooked against the same T10 date
    (filled("conference_quorum", 1, without=("if_not_quorate", "chair_reason")), "book_conference"),
    (filled("conference_quorum", 0, chair_present=False), "book_conference"),
    (filled("conference_quorum", 2), "hold_conference"),  # the chair proceeds, with the reason
], ids=["adjourned", "no_decision_adjourns", "no_chair", "proceeds"])
def test_an_inquorate_conference_is_adjourned_and_rebooked_unless_the_chair_proceeds(
    deployed: Database, quorum: dict[str, Any], next_step: str,
) -> None:
    case = open_conference(deployed, london(2026, 11, 9, 15), strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    case.complete("book_conference", filled("conference_booking"), london(2026, 11, 10, 11))
    case.complete("prepare_reports", filled("sos_map"), london(2026, 11, 20, 11))
    assert case.task("check_quorum").lane == "cp_chair"
    case.complete("check_quorum", quorum, london(2026, 11, 23, 10))
    assert case.ready_elements() == [next_step]
    if next_step == "book_conference":
        assert case.deadline("book_conference") == (ICPC_DUE, "T10")  # still the strategy discussion's T10
        book_and_prepare(case, "book_conference", london(2026, 11, 23, 11))
        assert case.ready_elements() == ["hold_conference"]
    case.complete("hold_conference", conference_record(ICPC_HELD, "nfa"), ICPC_HELD)
    (instance,) = case.instances()
    route = [step["id"] for step in instance.route]
    assert route.count("check_quorum") == (2 if next_step == "book_conference" else 1)
    assert instance.outcome == "nfa"


def siblings_case(db: Database) -> tuple[CaseDriver, str, str]:
    """A conference about Leo (the subject) and his sister Ava, both children of the case; at the conference."""
    case = open_conference(db, london(2026, 11, 9, 15), strategy_discussion_at=STRATEGY_DISCUSSION.isoformat())
    with db.unit_of_work() as session:
        ava = Person(name="Ava Hughes", match_key="ava hughes", created_by="test", created_at=ICPC_HELD,
                     updated_at=ICPC_HELD)
        session.add(ava)
        session.flush()
        session.add(CasePerson(case_id=case.case_id, person_id=ava.id, role=PersonRole.CHILD, linked_at=ICPC_HELD))
        ava_id = ava.id
    with db.reading() as session:
        (leo_id,) = session.scalars(select(CasePerson.person_id).where(
            CasePerson.case_id == case.case_id, CasePerson.person_id != ava_id))
    book_and_prepare(case, "book_conference", london(2026, 11, 10, 11))
    return case, leo_id, ava_id


def test_a_conference_about_siblings_must_decide_for_each_child_or_nothing_is_kept(deployed: Database) -> None:
    case, leo, ava = siblings_case(deployed)
    leo_only = [{"child_id": leo, "decision": "cp_plan", "category": "neglect"}]
    both = [*leo_only, {"child_id": ava, "decision": "nfa"}]
    for record, pointer in [
        (conference_record(ICPC_HELD, "cp_plan", child_decisions=leo_only), "/data/child_decisions"),  # Ava lost
        (conference_record(ICPC_HELD, "cp_plan", child_decisions=[*both, both[1]]), "/data/child_decisions"),
        (conference_record(ICPC_HELD, "nfa", child_decisions=both), "/data/decision"),  # Leo is on a plan
    ]:
        with pytest.raises(FormInvalid) as refused:
            case.complete("hold_conference", record, ICPC_HELD)
        assert [problem.pointer for problem in refused.value.problems] == [pointer]
        assert case.ready_elements() == ["hold_conference"]


def test_siblings_one_on_a_plan_and_one_on_a_child_in_need_plan_each_get_their_plan(deployed: Database) -> None:
    case, leo, ava = siblings_case(deployed)
    decisions = [{"child_id": leo, "decision": "cp_plan", "category": "neglect"},
                 {"child_id": ava, "decision": "cin_plan"}]
    case.complete("hold_conference", conference_record(ICPC_HELD, "cp_plan", child_decisions=decisions), ICPC_HELD)

    conference, cin_plan = case.instances()
    assert (conference.status, cin_plan.parent_instance_id) == (InstanceStatus.RUNNING, conference.id)
    assert "end_cin_plan_children" in [step["id"] for step in conference.route]
    assert case.ready_elements() == ["agree_plan", "book_first_review", "first_core_group"]
    with deployed.reading() as session:
        started = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.case_id,
                                                           AuditEvent.action == "handoff_recorded")).one()
    assert started.payload["from_element"] == "end_cin_plan_children"


@pytest.mark.parametrize("per_child", [True, False], ids=["each_child", "one_decision_for_all"])
def test_siblings_all_decided_alike_need_no_second_plan(deployed: Database, per_child: bool) -> None:
    case, leo, ava = siblings_case(deployed)
    decisions = [{"child_id": leo, "decision": "nfa"}, {"child_id": ava, "decision": "nfa"}]
    record = conference_record(ICPC_HELD, "nfa", **({"child_decisions": decisions} if per_child else {}))
    case.complete("hold_conference", record, ICPC_HELD)
    (instance,) = case.instances()
    assert (instance.outcome, case.ready()) == ("nfa", [])
