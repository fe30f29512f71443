"""Every path through the strategy discussion and section 47 diagram, driven through the engine.

Each test opens a case (directly, as a team manager, or by a hand-off from MASH screening), completes the
ready tasks with their forms' examples and checks the outcome, the hand-off and every deadline with the
domain §2 rule that set it. Together they take every sequence flow (tests/bpmn/test_path_coverage.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON, default_calendar
from engine.db import Database
from engine.errors import Forbidden, FormInvalid
from engine.models import AuditEvent, HumanTask, ProcessDefinition, ProcessInstance, Timer
from tests.conftest import Clock
from tests.factories import deploy, form_data, referral, subject

TEAM_MANAGER = Actor("tess", frozenset({"team_manager"}))
SOCIAL_WORKER = Actor("sol", frozenset({"social_worker"}))
POLICE = Actor("pc_police", frozenset({"mash_partner_police"}))

# The domain's worked examples (§1): a strategy discussion on Thu 17 Dec 2026 puts the ICPC (T10) on
# Tue 12 Jan 2027 (25 and 28 Dec and 1 Jan are bank holidays); one on Mon 2 Nov 2026 puts it on Mon 23 Nov 2026.
DEC_OPENED = datetime(2026, 12, 17, 9, 0, tzinfo=LONDON)
DEC_DISCUSSION = "2026-12-17T11:00:00+00:00"
DEC_T10 = datetime(2027, 1, 12, 17, 0, tzinfo=LONDON)
NOV_OPENED = datetime(2026, 11, 2, 9, 0, tzinfo=LONDON)
NOV_DISCUSSION = "2026-11-02T10:00:00+00:00"
NOV_T10 = datetime(2026, 11, 23, 17, 0, tzinfo=LONDON)


@pytest.fixture
def deployed(db: Database, clock: Clock) -> None:
    deploy(db, name="strategy_discussion.bpmn", now=clock())


# Steps -------------------------------------------------------------------------------------------


def open_directly(db: Database, clock: Clock) -> str:
    return runtime.open_case(db, process="strategy_discussion", subject=subject(), data={}, actor=TEAM_MANAGER,
                             now=clock())


def ready_tasks(db: Database, case_id: str) -> list[HumanTask]:
    with db.reading() as session:
        query = select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.status == "ready")
        return list(session.scalars(query.order_by(HumanTask.element_id)))


def ready_task(db: Database, case_id: str, element_id: str) -> HumanTask:
    (task,) = [t for t in ready_tasks(db, case_id) if t.element_id == element_id]
    return task


def complete(db: Database, clock: Clock, case_id: str, element_id: str, actor: Actor, **overrides: Any) -> None:
    """Submit the task's form: its first example, with overrides."""
    task = ready_task(db, case_id, element_id)
    assert task.candidate_group in actor.groups
    runtime.complete_task(db, task.id, form_data(task.form_key, **overrides), actor, clock())


def hold_discussion(db: Database, clock: Clock, case_id: str, decision: str, at: str = DEC_DISCUSSION,
                    **overrides: Any) -> None:
    complete(db, clock, case_id, "hold_strategy_discussion", TEAM_MANAGER, strategy_discussion_at=at,
             decision=decision, **overrides)


def instance(db: Database, case_id: str, process: str = "strategy_discussion") -> ProcessInstance:
    with db.reading() as session:
        query = (select(ProcessInstance).join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                 .where(ProcessInstance.case_id == case_id, ProcessDefinition.key == process))
        return session.scalars(query).one()


def route(db: Database, case_id: str) -> list[str]:
    return [step["id"] for step in instance(db, case_id).route]


def deadline(task: HumanTask) -> tuple[datetime | None, str | None]:
    return task.due_at, task.due_rule


def timers(db: Database, case_id: str) -> list[Timer]:
    with db.reading() as session:
        return list(session.scalars(select(Timer).where(Timer.case_id == case_id)))


def icpc_timers(db: Database, case_id: str) -> list[Timer]:
    """The T10 timer on the enquiry (the ladder's timers on other steps aside)."""
    return [timer for timer in timers(db, case_id) if timer.element_id == "timer_icpc_deadline"]


def handoffs(db: Database, instance_id: str) -> list[dict[str, Any]]:
    with db.reading() as session:
        query = select(AuditEvent.payload).where(AuditEvent.instance_id == instance_id,
                                                 AuditEvent.action == "handoff_recorded")
        return list(session.scalars(query))


FIRST_TASKS = {"cin_plan": ["agree_plan"], "cin_assessment": ["allocate_assessment"],
               "cp_conference": ["book_conference"]}


def assert_ended(db: Database, case_id: str, outcome: str, end_event: str, starts_process: str | None) -> None:
    ended = instance(db, case_id)
    assert (ended.status, ended.outcome, ended.starts_process) == ("completed", outcome, starts_process)
    assert ended.route[-1]["id"] == end_event
    expected = [{"process": starts_process, "from_element": end_event, "deployed": True}] if starts_process else []
    assert handoffs(db, ended.id) == expected
    # No dead end: the process handed on to waits on its first task in the same case.
    assert [task.element_id for task in ready_tasks(db, case_id)] == FIRST_TASKS.get(starts_process, [])


# Opening -----------------------------------------------------------------------------------------


def test_a_team_manager_opens_a_strategy_discussion_due_within_one_working_day(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = open_directly(db, clock)  # Fri 22 May 2026 10:30; Mon 25 May is a bank holiday

    (task,) = ready_tasks(db, case_id)
    assert (task.element_id, task.candidate_group, task.form_key) == (
        "hold_strategy_discussion", "team_manager", "strategy_discussion")
    assert deadline(task) == (datetime(2026, 5, 26, 17, 0, tzinfo=LONDON), "T6")
    (timer,) = timers(db, case_id)  # its breach timer, the first rung of the ladder
    assert (timer.element_id, timer.rule, timer.fires_at) == (
        "breach_hold_strategy_discussion", "T6", datetime(2026, 5, 26, 17, 0, tzinfo=LONDON))


def test_only_a_team_manager_may_open_a_strategy_discussion_directly(
    db: Database, clock: Clock, deployed: None
) -> None:
    with pytest.raises(Forbidden):
        runtime.open_case(db, process="strategy_discussion", subject=subject(), data={}, actor=SOCIAL_WORKER,
                          now=clock())


def test_a_mash_hand_off_starts_the_strategy_discussion_at_the_decision_due_a_working_day_later_t6(
    db: Database, clock: Clock, deployed: None
) -> None:
    deploy(db, name="mash_screening.bpmn", now=clock())
    mash = {name: Actor(name, frozenset({group})) for name, group in (
        ("rita", "referrer"), ("sam", "mash_screener"), ("maya", "mash_manager"), ("bea", "mash_business_support"))}
    case_id = runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(),
                                actor=mash["rita"], now=clock())
    complete(db, clock, case_id, "screen_contact", mash["sam"], partner_checks=[], immediate_danger=False)
    decided_at = clock.advance(hours=6)  # Fri 22 May 16:30; the next working day is Tue 26 May
    complete(db, clock, case_id, "screening_decision", mash["maya"], decision="strategy_discussion_s47")

    # The T6 clock starts at the decision, not when business support gets round to the feedback.
    assert instance(db, case_id, "mash_screening").starts_process == "strategy_discussion"
    strategy = instance(db, case_id)
    assert strategy.parent_instance_id == instance(db, case_id, "mash_screening").id
    assert strategy.started_at == decided_at
    tasks = {task.element_id: task for task in ready_tasks(db, case_id)}
    assert sorted(tasks) == ["feedback_to_referrer", "hold_strategy_discussion"]
    assert deadline(tasks["hold_strategy_discussion"]) == (datetime(2026, 5, 26, 17, 0, tzinfo=LONDON), "T6")
    clock.advance(hours=1)
    complete(db, clock, case_id, "feedback_to_referrer", mash["bea"])
    assert instance(db, case_id, "mash_screening").status == "completed"

    hold_discussion(db, clock, case_id, "s47_single_agency")
    assert [t.element_id for t in ready_tasks(db, case_id)] == ["s47_enquiry"]


# Strategy decisions that end the process ---------------------------------------------------------


def finish_police_only_investigation(db: Database, clock: Clock, case_id: str, **overrides: Any) -> None:
    complete(db, clock, case_id, "police_only_investigation", POLICE, **overrides)


def test_a_police_led_enquiry_offers_a_cin_plan_while_the_police_investigate_alone(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "police_only")

    # Children's social care support starts at once (Knowsley: a CIN plan until the police finish).
    tasks = {t.element_id: t for t in ready_tasks(db, case_id)}
    assert sorted(tasks) == ["agree_plan", "police_only_investigation"]
    assert (tasks["police_only_investigation"].candidate_group, tasks["police_only_investigation"].form_key) == (
        "mash_partner_police", "police_only_investigation")
    assert instance(db, case_id).outcome == "police_only"
    assert handoffs(db, instance(db, case_id).id) == [
        {"process": "cin_plan", "from_element": "end_police_only", "deployed": True}]

    finish_police_only_investigation(db, clock, case_id)

    ended = instance(db, case_id)
    assert (ended.status, ended.outcome) == ("completed", "police_only")
    assert [s["id"] for s in ended.route][-3:] == ["police_only_investigation", "gw_police_only_investigation_result",
                                                   "end_police_only_investigation_concluded"]
    assert "end_police_only" in [s["id"] for s in ended.route]
    assert all(timer.cancelled_at is not None for timer in timers(db, case_id))  # done in time: nothing fired


@pytest.mark.parametrize(
    ("support", "end_event", "starts_process", "first_task"),
    [
        ("cin_assessment_s17", "end_police_only_cin_assessment", "cin_assessment", ["allocate_assessment"]),
        ("nfa", "end_police_only_nfa", None, []),
    ],
)
def test_a_police_led_enquiry_may_offer_an_assessment_or_no_support_instead(
    db: Database, clock: Clock, deployed: None, support: str, end_event: str, starts_process: str | None,
    first_task: list[str],
) -> None:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "police_only", police_only_support=support)

    assert sorted(t.element_id for t in ready_tasks(db, case_id)) == sorted([*first_task, "police_only_investigation"])
    expected = [{"process": starts_process, "from_element": end_event, "deployed": True}] if starts_process else []
    assert handoffs(db, instance(db, case_id).id) == expected
    finish_police_only_investigation(db, clock, case_id)
    ended = instance(db, case_id)
    assert (ended.status, ended.outcome) == ("completed", "police_only")
    assert end_event in [s["id"] for s in ended.route]


def test_police_who_now_suspect_significant_harm_start_a_new_strategy_discussion(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "police_only", police_only_support="nfa")
    clock.advance(days=10)
    reported = clock()
    finish_police_only_investigation(db, clock, case_id, significant_harm_suspected=True,
                                concerns_for_csc="The uncle stays at weekends despite bail conditions.")

    with db.reading() as session:
        query = (select(ProcessInstance).join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                 .where(ProcessInstance.case_id == case_id, ProcessDefinition.key == "strategy_discussion")
                 .order_by(ProcessInstance.started_at))
        first, second = session.scalars(query).all()
    assert (first.status, first.outcome, first.route[-1]["id"]) == (
        "completed", "police_only", "end_police_refer_strategy_discussion")
    assert (second.status, second.parent_instance_id, second.started_at) == ("running", first.id, reported)
    (task,) = ready_tasks(db, case_id)
    assert task.element_id == "hold_strategy_discussion"
    assert deadline(task) == (datetime(2026, 6, 2, 17, 0, tzinfo=LONDON), "T6")  # its own clock: 1 WD on


def test_police_who_suspect_significant_harm_must_say_what_worries_them(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "police_only")
    task = ready_task(db, case_id, "police_only_investigation")

    with pytest.raises(FormInvalid) as refused:
        runtime.complete_task(db, task.id, form_data("police_only_investigation", significant_harm_suspected=True),
                              POLICE, clock())

    assert [p.pointer for p in refused.value.problems] == ["/data/concerns_for_csc"]


@pytest.mark.parametrize(
    ("no_s47_route", "outcome", "end_event", "starts_process"),
    [
        ("cin_assessment_s17", "no_s47", "end_no_s47_cin_assessment", "cin_assessment"),
        ("nfa", "no_s47_nfa", "end_no_s47_nfa", None),
    ],
)
def test_no_s47_ends_on_the_route_chosen(
    db: Database, clock: Clock, deployed: None, no_s47_route: str, outcome: str, end_event: str,
    starts_process: str | None,
) -> None:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "no_s47", no_s47_route=no_s47_route)

    assert_ended(db, case_id, outcome, end_event, starts_process)
    assert route(db, case_id)[-2:] == ["gw_no_s47_route", end_event]


def test_no_s47_without_a_route_is_refused_and_changes_nothing(db: Database, clock: Clock, deployed: None) -> None:
    case_id = open_directly(db, clock)
    task = ready_task(db, case_id, "hold_strategy_discussion")
    data = form_data("strategy_discussion", decision="no_s47")
    data.pop("no_s47_route", None)

    with pytest.raises(FormInvalid) as refused:
        runtime.complete_task(db, task.id, data, TEAM_MANAGER, clock())

    assert [p.pointer for p in refused.value.problems] == ["/data/no_s47_route"]
    assert [t.id for t in ready_tasks(db, case_id)] == [task.id]


# Section 47 enquiries ----------------------------------------------------------------------------


def test_a_single_agency_enquiry_is_due_fifteen_working_days_after_the_strategy_discussion(
    db: Database, clock: Clock, deployed: None
) -> None:
    clock.now = DEC_OPENED
    case_id = open_directly(db, clock)
    assert deadline(ready_task(db, case_id, "hold_strategy_discussion")) == (
        datetime(2026, 12, 18, 17, 0, tzinfo=LONDON), "T6")
    clock.advance(hours=3)
    hold_discussion(db, clock, case_id, "s47_single_agency")

    (task,) = ready_tasks(db, case_id)
    assert (task.element_id, task.candidate_group, task.form_key) == ("s47_enquiry", "social_worker", "s47_outcome")
    assert deadline(task) == (DEC_T10, "T10")
    (timer,) = icpc_timers(db, case_id)
    assert (timer.element_id, timer.rule, timer.fires_at) == ("timer_icpc_deadline", "T10", DEC_T10)

    clock.now = datetime(2027, 1, 6, 15, 0, tzinfo=LONDON)
    complete(db, clock, case_id, "s47_enquiry", SOCIAL_WORKER, outcome="not_substantiated")

    assert_ended(db, case_id, "not_substantiated", "end_not_substantiated", "cin_plan")
    assert "police_enquiry_update" not in route(db, case_id)
    (timer,) = icpc_timers(db, case_id)
    assert timer.cancelled_at is not None and timer.fired_at is None


def test_a_joint_enquiry_waits_for_the_police_before_its_outcome_and_hands_off_to_a_cin_plan(
    db: Database, clock: Clock, deployed: None
) -> None:
    clock.now = DEC_OPENED
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "s47_joint")

    tasks = {t.element_id: t for t in ready_tasks(db, case_id)}
    assert sorted(tasks) == ["police_enquiry_update", "s47_enquiry"]
    assert (tasks["police_enquiry_update"].candidate_group, tasks["police_enquiry_update"].form_key) == (
        "mash_partner_police", "police_enquiry_update")
    assert deadline(tasks["police_enquiry_update"]) == deadline(tasks["s47_enquiry"]) == (DEC_T10, "T10")

    complete(db, clock, case_id, "s47_enquiry", SOCIAL_WORKER, outcome="substantiated_no_continuing_risk")
    assert instance(db, case_id).status == "running"
    assert [t.element_id for t in ready_tasks(db, case_id)] == ["police_enquiry_update"]

    complete(db, clock, case_id, "police_enquiry_update", POLICE)

    assert_ended(db, case_id, "cin_plan", "end_cin_plan", "cin_plan")
    assert {"s47_enquiry", "police_enquiry_update", "gw_enquiry_join"} <= set(route(db, case_id))


def test_continuing_risk_needs_danger_statements_and_an_interim_safety_plan(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "s47_single_agency")
    task = ready_task(db, case_id, "s47_enquiry")
    data = form_data("s47_outcome", outcome="continuing_risk_of_significant_harm")
    del data["danger_statements"], data["interim_safety_plan"]

    with pytest.raises(FormInvalid) as refused:
        runtime.complete_task(db, task.id, data, SOCIAL_WORKER, clock())

    assert [p.pointer for p in refused.value.problems] == ["/data/danger_statements", "/data/interim_safety_plan"]
    assert [t.id for t in ready_tasks(db, case_id)] == [task.id]


def test_legal_action_plans_alongside_a_joint_enquiry_which_leads_to_an_icpc_request(
    db: Database, clock: Clock, deployed: None
) -> None:
    clock.now = NOV_OPENED
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "legal_action", at=NOV_DISCUSSION, legal_action_enquiry="s47_joint")

    # Legal planning does not replace or hold up the enquiry: all three start together.
    tasks = {t.element_id: t for t in ready_tasks(db, case_id)}
    assert sorted(tasks) == ["legal_planning", "police_enquiry_update", "s47_enquiry"]
    assert (tasks["legal_planning"].candidate_group, tasks["legal_planning"].form_key) == ("team_manager",
                                                                                           "legal_planning")
    assert deadline(tasks["s47_enquiry"]) == deadline(tasks["police_enquiry_update"]) == (NOV_T10, "T10")
    complete(db, clock, case_id, "legal_planning", TEAM_MANAGER)
    assert "end_legal_planning_recorded" in route(db, case_id)
    assert instance(db, case_id).status == "running"

    clock.now = datetime(2026, 11, 12, 14, 0, tzinfo=LONDON)  # Thu: the request is due by Fri 13 Nov (T9)
    complete(db, clock, case_id, "police_enquiry_update", POLICE)
    complete(db, clock, case_id, "s47_enquiry", SOCIAL_WORKER, outcome="continuing_risk_of_significant_harm")

    (request,) = ready_tasks(db, case_id)
    assert (request.element_id, request.candidate_group, request.form_key) == ("request_icpc", "team_manager",
                                                                              "icpc_request")
    assert deadline(request) == (datetime(2026, 11, 13, 17, 0, tzinfo=LONDON), "T9")
    complete(db, clock, case_id, "request_icpc", TEAM_MANAGER)

    assert_ended(db, case_id, "icpc_requested", "end_icpc_requested", "cp_conference")
    assert {"gw_legal_action", "legal_planning", "gw_enquiry_join"} <= set(route(db, case_id))


def test_legal_action_with_a_single_agency_enquiry_asks_nothing_of_the_police(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "legal_action", legal_action_enquiry="s47_single_agency")

    assert [t.element_id for t in ready_tasks(db, case_id)] == ["legal_planning", "s47_enquiry"]
    complete(db, clock, case_id, "s47_enquiry", SOCIAL_WORKER, outcome="not_substantiated")
    assert instance(db, case_id).status == "running"  # legal planning still to record
    assert [t.element_id for t in ready_tasks(db, case_id)] == ["agree_plan", "legal_planning"]  # CIN plan offered
    complete(db, clock, case_id, "legal_planning", TEAM_MANAGER, order_sought="none")
    ended = instance(db, case_id)
    assert (ended.status, ended.outcome, ended.starts_process) == ("completed", "not_substantiated", "cin_plan")
    assert [s["id"] for s in ended.route][-2:] == ["legal_planning", "end_legal_planning_recorded"]


def test_a_single_agency_enquiry_stays_single_agency_whatever_else_the_form_says(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "s47_single_agency", legal_action_enquiry="s47_joint",
                    police_only_support="nfa")

    assert [t.element_id for t in ready_tasks(db, case_id)] == ["s47_enquiry"]


def test_legal_action_without_saying_which_enquiry_runs_alongside_is_refused(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = open_directly(db, clock)
    task = ready_task(db, case_id, "hold_strategy_discussion")

    with pytest.raises(FormInvalid) as refused:
        runtime.complete_task(db, task.id, form_data("strategy_discussion", decision="legal_action"), TEAM_MANAGER,
                              clock())

    assert [p.pointer for p in refused.value.problems] == ["/data/legal_action_enquiry"]
    assert [t.id for t in ready_tasks(db, case_id)] == [task.id]


# The ICPC deadline (T10) -------------------------------------------------------------------------


def test_an_enquiry_still_open_at_the_icpc_deadline_escalates_to_the_team_manager_without_being_taken_away(
    db: Database, clock: Clock, deployed: None
) -> None:
    clock.now = NOV_OPENED
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "s47_single_agency", at=NOV_DISCUSSION)

    assert runtime.fire_due_timers(db, datetime(2026, 11, 23, 16, 59, tzinfo=LONDON)) == 0
    clock.now = datetime(2026, 11, 23, 17, 1, tzinfo=LONDON)
    assert runtime.fire_due_timers(db, clock()) == 1

    tasks = {t.element_id: t for t in ready_tasks(db, case_id)}
    assert sorted(tasks) == ["review_icpc_delay", "s47_enquiry"]
    review = tasks["review_icpc_delay"]
    assert (review.candidate_group, review.form_key) == ("team_manager", "overdue_review")
    assert deadline(review) == (datetime(2026, 11, 24, 17, 0, tzinfo=LONDON), "T11")
    assert deadline(tasks["s47_enquiry"]) == (NOV_T10, "T10")  # escalation never moves the due date
    (timer,) = icpc_timers(db, case_id)
    assert timer.fired_at is not None and timer.rule == "T10"

    clock.now = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON)
    complete(db, clock, case_id, "review_icpc_delay", TEAM_MANAGER)
    assert instance(db, case_id).status == "running"
    complete(db, clock, case_id, "s47_enquiry", SOCIAL_WORKER, outcome="not_substantiated")

    assert_ended(db, case_id, "not_substantiated", "end_not_substantiated", "cin_plan")
    assert {"timer_icpc_deadline", "review_icpc_delay", "end_icpc_delay_reviewed"} <= set(route(db, case_id))


def test_a_not_substantiated_enquiry_may_close_with_no_further_action_instead_of_offering_a_cin_plan(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = open_directly(db, clock)
    clock.advance(hours=3)
    hold_discussion(db, clock, case_id, "s47_single_agency")
    clock.advance(days=5)
    complete(db, clock, case_id, "s47_enquiry", SOCIAL_WORKER, outcome="not_substantiated",
             after_not_substantiated="nfa")

    assert_ended(db, case_id, "not_substantiated_nfa", "end_not_substantiated_nfa", None)
    assert "gw_not_substantiated" in route(db, case_id)


# The follow-up strategy meeting after an urgent telephone discussion (T7) -------------------------

# A call on Mon 21 Dec 2026: 5 working days on (25 and 28 Dec are bank holidays) is Wed 30 Dec 2026.
CALL_OPENED = datetime(2026, 12, 21, 9, 0, tzinfo=LONDON)
CALL_AT = "2026-12-21T10:00:00+00:00"
T7_DUE = datetime(2026, 12, 30, 17, 0, tzinfo=LONDON)


def hold_urgent_call(db: Database, clock: Clock, decision: str = "s47_joint", **overrides: Any) -> str:
    clock.now = CALL_OPENED
    case_id = open_directly(db, clock)
    clock.advance(hours=2)
    hold_discussion(db, clock, case_id, decision, at=CALL_AT, held_as="urgent_telephone_discussion", **overrides)
    return case_id


def ladder_tasks(db: Database, case_id: str, element_id: str) -> dict[str, HumanTask]:
    with db.reading() as session:
        tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case_id))
        return {t.element_id: t for t in tasks if t.element_id.endswith(f"_{element_id}")
                and t.element_id.startswith("escalate")}


def test_an_urgent_telephone_discussion_asks_for_a_follow_up_strategy_meeting_within_five_working_days_t7(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = hold_urgent_call(db, clock)

    # The enquiry starts at once; the meeting runs beside it, due 5 WD after the call, over Christmas.
    tasks = {t.element_id: t for t in ready_tasks(db, case_id)}
    assert sorted(tasks) == ["hold_follow_up_strategy_meeting", "police_enquiry_update", "s47_enquiry"]
    meeting = tasks["hold_follow_up_strategy_meeting"]
    assert (meeting.candidate_group, meeting.form_key) == ("team_manager", "strategy_meeting")
    assert deadline(meeting) == (T7_DUE, "T7")
    assert deadline(tasks["s47_enquiry"])[1] == "T10"  # the conference clock runs from the call

    clock.now = datetime(2026, 12, 29, 11, 0, tzinfo=LONDON)
    complete(db, clock, case_id, "hold_follow_up_strategy_meeting", TEAM_MANAGER)
    assert runtime.fire_due_timers(db, datetime(2027, 1, 8, 17, 0, tzinfo=LONDON)) == 0  # done in time: no rung
    assert ladder_tasks(db, case_id, "hold_follow_up_strategy_meeting") == {}
    assert "end_follow_up_meeting_held" in route(db, case_id)
    assert instance(db, case_id).status == "running"  # the enquiry goes on

    complete(db, clock, case_id, "police_enquiry_update", POLICE)
    complete(db, clock, case_id, "s47_enquiry", SOCIAL_WORKER, outcome="substantiated_no_continuing_risk")
    assert_ended(db, case_id, "cin_plan", "end_cin_plan", "cin_plan")


def test_a_follow_up_meeting_not_held_in_time_climbs_the_ladder_one_working_day_a_rung(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = hold_urgent_call(db, clock, decision="police_only")
    element = "hold_follow_up_strategy_meeting"

    assert runtime.fire_due_timers(db, datetime(2026, 12, 30, 16, 59, 59, tzinfo=LONDON)) == 0
    assert ladder_tasks(db, case_id, element) == {}
    runtime.fire_due_timers(db, T7_DUE)
    rungs = ladder_tasks(db, case_id, element)
    assert [(t.element_id, t.candidate_group, t.due_rule) for t in rungs.values()] == [
        (f"escalate1_{element}", "team_manager", "T7")]
    # Level 2 one working day on (Thu 31 Dec), level 3 the next working day (Mon 4 Jan 2027; 1 Jan is a holiday).
    runtime.fire_due_timers(db, datetime(2026, 12, 31, 17, 0, tzinfo=LONDON))
    runtime.fire_due_timers(db, datetime(2027, 1, 4, 17, 0, tzinfo=LONDON))
    rungs = ladder_tasks(db, case_id, element)
    assert {e: (t.candidate_group, t.due_at) for e, t in rungs.items()} == {
        f"escalate1_{element}": ("team_manager", datetime(2026, 12, 31, 17, 0, tzinfo=LONDON)),
        f"escalate2_{element}": ("service_manager", datetime(2027, 1, 4, 17, 0, tzinfo=LONDON)),
        f"escalate3_{element}": ("head_of_service", datetime(2027, 1, 5, 17, 0, tzinfo=LONDON)),
    }
    assert deadline(ready_task(db, case_id, element)) == (T7_DUE, "T7")  # escalation never moves the deadline


def test_a_strategy_meeting_asks_for_no_follow_up_meeting(db: Database, clock: Clock, deployed: None) -> None:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "s47_single_agency", held_as="strategy_meeting")

    assert [t.element_id for t in ready_tasks(db, case_id)] == ["s47_enquiry"]
    assert "hold_follow_up_strategy_meeting" not in route(db, case_id)


# A partner agency's own request for a conference, and professional disagreement (domain §3, §7) -----

SERVICE_MANAGER = Actor("sian", frozenset({"service_manager"}))
HEAD_OF_SERVICE = Actor("hal", frozenset({"head_of_service"}))
PARTNER_REQUEST = {"agency": "education", "requested_by": "Ms Joy Adams, designated safeguarding lead",
                   "backed_by_senior_manager": True, "reason": "Missed meals and unwashed clothes over a term."}


def enquiry_with_partner_request(db: Database, clock: Clock, outcome: str = "not_substantiated") -> str:
    case_id = open_directly(db, clock)
    hold_discussion(db, clock, case_id, "s47_single_agency")
    clock.advance(days=5)
    complete(db, clock, case_id, "s47_enquiry", SOCIAL_WORKER, outcome=outcome,
             partner_icpc_request=PARTNER_REQUEST)
    return case_id


@pytest.mark.parametrize(
    ("request_decision", "outcome", "end_event", "starts_process"),
    [
        ("agreed", None, "end_icpc_requested", "cp_conference"),
        ("declined_partner_accepts", "not_substantiated", "end_not_substantiated", "cin_plan"),
    ],
)
def test_the_team_manager_decides_a_partner_agencys_request_for_a_conference(
    db: Database, clock: Clock, deployed: None, request_decision: str, outcome: str | None, end_event: str,
    starts_process: str,
) -> None:
    case_id = enquiry_with_partner_request(db, clock)

    (task,) = ready_tasks(db, case_id)
    assert (task.element_id, task.candidate_group, task.form_key) == (
        "decide_partner_icpc_request", "team_manager", "partner_icpc_request_decision")
    complete(db, clock, case_id, "decide_partner_icpc_request", TEAM_MANAGER, request_decision=request_decision)
    if request_decision == "agreed":  # the conference is requested as after a finding of continuing risk (T9)
        request = ready_task(db, case_id, "request_icpc")
        assert deadline(request)[1] == "T9"
        complete(db, clock, case_id, "request_icpc", TEAM_MANAGER)
        outcome = "icpc_requested"

    assert_ended(db, case_id, str(outcome), end_event, starts_process)
    assert "gw_partner_request_decided" in route(db, case_id)


def test_a_partner_request_needs_no_decision_when_the_enquiry_found_continuing_risk(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = enquiry_with_partner_request(db, clock, outcome="continuing_risk_of_significant_harm")

    assert [t.element_id for t in ready_tasks(db, case_id)] == ["request_icpc"]
    assert "decide_partner_icpc_request" not in route(db, case_id)


STAGES = [("disagreement_practitioners", "practitioners", "social_worker", SOCIAL_WORKER),
          ("disagreement_line_managers", "line_managers", "team_manager", TEAM_MANAGER),
          ("disagreement_senior_managers", "senior_managers", "service_manager", SERVICE_MANAGER),
          ("disagreement_independent_meeting", "independent_chaired_meeting", "head_of_service", HEAD_OF_SERVICE)]
WINDOWS: list[tuple[int, str] | None] = [(2, "ESC1"), (5, "ESC2"), (2, "ESC3"), None]


@pytest.mark.parametrize("resolutions", [
    ["decision_stands"],
    ["not_resolved", "decision_changed"],
    ["not_resolved", "not_resolved", "decision_stands"],
    ["not_resolved", "not_resolved", "not_resolved", "decision_changed"],
    ["not_resolved", "not_resolved", "not_resolved", "decision_stands"],
], ids=["practitioners", "line_managers", "senior_managers", "independent_changed", "independent_stands"])
def test_a_refused_request_escalates_stage_by_stage_until_resolved_then_rejoins_the_enquiry_route(
    db: Database, clock: Clock, deployed: None, resolutions: list[str]
) -> None:
    case_id = enquiry_with_partner_request(db, clock)
    complete(db, clock, case_id, "decide_partner_icpc_request", TEAM_MANAGER,
             request_decision="declined_partner_escalates")

    for (element_id, stage, lane, actor), resolution, window in zip(STAGES, resolutions, WINDOWS, strict=False):
        (task,) = ready_tasks(db, case_id)
        assert (task.element_id, task.candidate_group, task.form_key) == (element_id, lane,
                                                                         "professional_disagreement")
        # Each stage's window runs from the step before it (domain §7: 2, 5 and 2 working days).
        assert deadline(task) == ((default_calendar().add_working_days(clock(), window[0]), window[1]) if window
                                  else (None, None))
        clock.advance(days=1)
        complete(db, clock, case_id, element_id, actor, stage=stage, resolution=resolution)

    if resolutions[-1] == "decision_changed":  # the conference goes ahead after all, asked for 1 WD on (T9)
        assert deadline(ready_task(db, case_id, "request_icpc")) == (
            default_calendar().add_working_days(clock(), 1), "T9")
        complete(db, clock, case_id, "request_icpc", TEAM_MANAGER)
        assert_ended(db, case_id, "icpc_requested", "end_icpc_requested", "cp_conference")
    else:  # the refusal stands: back on the enquiry's own route
        assert_ended(db, case_id, "not_substantiated", "end_not_substantiated", "cin_plan")
    assert "gw_disagreement_outcome" in route(db, case_id)


def test_the_independent_chaired_meeting_must_settle_the_disagreement(
    db: Database, clock: Clock, deployed: None
) -> None:
    case_id = enquiry_with_partner_request(db, clock)
    complete(db, clock, case_id, "decide_partner_icpc_request", TEAM_MANAGER,
             request_decision="declined_partner_escalates")
    for element_id, stage, _, actor in STAGES[:3]:
        complete(db, clock, case_id, element_id, actor, stage=stage, resolution="not_resolved")
    task = ready_task(db, case_id, "disagreement_independent_meeting")

    with pytest.raises(FormInvalid) as refused:
        runtime.complete_task(db, task.id, form_data("professional_disagreement", stage="independent_chaired_meeting",
                                                     resolution="not_resolved"), HEAD_OF_SERVICE, clock())

    assert [p.pointer for p in refused.value.problems] == ["/data/resolution"]
    assert [t.id for t in ready_tasks(db, case_id)] == [task.id]
