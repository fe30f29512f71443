"""Path tests for bpmn/lado_allegation.bpmn, driven through engine.runtime with a fixed clock.

Together they take every sequence flow of the diagram (tests/bpmn/test_path_coverage.py checks it):
both threshold routes, the T21 escalation, every strand and the empty-strand default, the s47 hand-off
that continues to the join, both outcome routes (DBS referral when the person was removed from regulated
activity, whatever the outcome), every "closed as" end and the whole T26 monitoring branch.

Dates: the referral arrives on Friday 22 May 2026, 10:30 London (tests/conftest.py FIXED_NOW); Monday 25 May
and Monday 31 August 2026 are bank holidays; 22 August 2026 and 22 May 2027 are Saturdays.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

import forms
from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.definitions import parsed_specs
from engine.errors import DiagramInvalid, FormInvalid
from engine.models import (
    AuditEvent,
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
    Timer,
)
from engine.state import load_workflow
from tests.conftest import FIXED_NOW, Clock
from tests.factories import BPMN_DIR, deploy, filled, form_data

PROCESS = "lado_allegation"
ACTORS = {
    group: Actor(username, frozenset({group}))
    for group, username in [
        ("employer_case_manager", "emp"),
        ("lado", "lado"),
        ("lado_manager", "lado_mgr"),
        ("mash_partner_police", "dc_nair"),
        ("hr", "hr_adviser"),
    ]
}
EMPLOYER = ACTORS["employer_case_manager"]


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


# Deadlines (domain §1 and §2), from the referral on Fri 22 May 2026 10:30.
T21_DUE = london(2026, 5, 26, 17, 0)  # 1 WD: Mon 25 May is a bank holiday
T21_REVIEW_DUE = london(2026, 5, 27, 17, 0)  # the manager's review: 2 WD
SUSPENSION_DECIDED = london(2026, 5, 26, 9, 0)
T22_DUE = london(2026, 6, 1, 17, 0)  # 5 WD after the threshold decision on Fri 22 May (Mon 25 May a bank holiday)
T26_ONE_MONTH = london(2026, 6, 22, 17, 0)  # Mon 22 June is a working day
T26_THREE_MONTHS = london(2026, 8, 21, 17, 0)  # Sat 22 Aug -> the working day before, Fri 21 Aug
T26_TWELVE_MONTHS = london(2027, 5, 21, 17, 0)  # Sat 22 May 2027 -> Fri 21 May 2027
OUTCOME_DECIDED = london(2026, 7, 31, 11, 0)
T28_DUE = london(2026, 8, 28, 17, 0)  # 1 month after Fri 31 July: Mon 31 Aug is a bank holiday -> Fri 28 Aug


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def case_id(db: Database, clock: Clock) -> str:
    """A deployed diagram and an allegation notified by the employer at FIXED_NOW."""
    deploy(db, name=f"{PROCESS}.bpmn", now=clock())
    return runtime.open_case(db, process=PROCESS, subject={"name": "Mark Ellis"},
                             data=form_data("lado_referral"), actor=EMPLOYER, now=clock())


def ready_tasks(db: Database) -> list[HumanTask]:
    with db.reading() as session:
        query = select(HumanTask).where(HumanTask.status == TaskStatus.READY)
        return list(session.scalars(query.order_by(HumanTask.created_at, HumanTask.element_id)))


# The informing branch runs beside the allegation from the threshold decision on; `ready` leaves it out so a
# test of the main route lists that route's tasks, and the informing tests look at it with `all_ready`.
INFORMING = frozenset({"police_disclosure_agreement", "inform_accused", "inform_parents"})


def all_ready(db: Database) -> list[str]:
    return [task.element_id for task in ready_tasks(db)]


def ready(db: Database) -> list[str]:
    return [name for name in all_ready(db) if name not in INFORMING]


def task(db: Database, element_id: str) -> HumanTask:
    (found,) = [t for t in ready_tasks(db) if t.element_id == element_id]
    return found


def do(db: Database, at: datetime, element_id: str, without: tuple[str, ...] = (), example: int = 0,
       **overrides: Any) -> HumanTask:
    """Complete the ready task `element_id` at `at` as a member of its lane, with its form's example (the first)."""
    todo = task(db, element_id)
    data = filled(todo.form_key, example, without=without, **overrides)
    runtime.complete_task(db, todo.id, data, ACTORS[todo.candidate_group], at)
    return todo


def timers(db: Database) -> dict[str, Timer]:
    with db.reading() as session:
        return {t.element_id: t for t in session.scalars(select(Timer))}


def instance(db: Database, process: str = PROCESS) -> ProcessInstance:
    with db.reading() as session:
        query = select(ProcessInstance).join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
        return session.scalars(query.where(ProcessDefinition.key == process)).one()


def route(db: Database) -> list[str]:
    return [step["id"] for step in instance(db).route]


def events(db: Database, action: str) -> list[AuditEvent]:
    with db.reading() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def workflow_data(db: Database) -> dict[str, Any]:
    row = instance(db)
    with db.reading() as session:
        definition = session.get_one(ProcessDefinition, row.definition_id)
    return dict(load_workflow(row.state, *parsed_specs(definition)).data)


def consider(db: Database, at: datetime = FIXED_NOW, **overrides: Any) -> None:
    do(db, at, "initial_consideration", **overrides)


def below_threshold(db: Database, at: datetime = FIXED_NOW) -> None:
    consider(db, at, threshold_met=False, threshold_criteria=[], route="not_lado_threshold",
             low_level_concern=True, advice_given="Handle under the low-level concerns policy.")


def to_strands(db: Database, strands: list[str]) -> None:
    """Threshold met, suspension decided on Tue 26 May, AMM held on Fri 29 May with these strands."""
    consider(db)
    do(db, SUSPENSION_DECIDED, "suspension_decision")
    do(db, london(2026, 5, 29, 12, 0), "allegation_management_meeting", strands=strands)


OUTCOME_FIELDS: dict[str, dict[str, Any]] = {
    "substantiated": {"removed_from_regulated_activity": True, "personnel_file_action": "summary_kept"},
    "false": {"personnel_file_action": "removed"},
    "malicious": {"personnel_file_action": "removed_with_consent_kept",
                  "action_against_maker": "Pupil disciplined under the behaviour policy."},
    "unsubstantiated": {"personnel_file_action": "summary_kept"},
    "unfounded": {"personnel_file_action": "summary_kept"},
}


def determine(db: Database, outcome: str, at: datetime = OUTCOME_DECIDED) -> None:
    do(db, at, "determine_outcome", outcome=outcome, **OUTCOME_FIELDS[outcome])


def assert_closed_as(db: Database, outcome: str) -> None:
    closed = instance(db)
    assert closed.status == InstanceStatus.COMPLETED
    assert (closed.outcome, closed.outcome_name) == (outcome, f"Allegation closed: {outcome}")  # five kept apart
    assert route(db)[-1] == f"end_closed_{outcome}"
    assert "determine_outcome" not in ready(db) and "close_allegation" not in ready(db)
    assert workflow_data(db)["outcome"] == outcome


# --- the journey -----------------------------------------------------------------------------------


def test_journey_amm_with_police_and_disciplinary_strands_closes_unsubstantiated(
    db: Database, case_id: str
) -> None:
    (consideration,) = ready_tasks(db)
    assert (consideration.element_id, consideration.candidate_group) == ("initial_consideration", "lado")
    assert (consideration.due_at, consideration.due_rule) == (T21_DUE, "T21")
    overdue = timers(db)["timer_consideration_overdue"]
    assert (overdue.fires_at, overdue.rule) == (T21_DUE, "T21")

    consider(db, london(2026, 5, 22, 14, 10), route="allegation_management_meeting")
    assert timers(db)["timer_consideration_overdue"].cancelled_at is not None
    suspension = task(db, "suspension_decision")
    assert (suspension.candidate_group, suspension.due_at) == ("employer_case_manager", None)
    monitoring = timers(db)["timer_open_1_month"]
    assert (monitoring.fires_at, monitoring.rule) == (T26_ONE_MONTH, "T26")

    do(db, SUSPENSION_DECIDED, "suspension_decision")
    amm = task(db, "allegation_management_meeting")
    assert (amm.candidate_group, amm.due_at, amm.due_rule) == ("lado", T22_DUE, "T22")

    do(db, london(2026, 5, 29, 12, 0), "allegation_management_meeting", strands=["police", "disciplinary"])
    assert sorted((t.element_id, t.candidate_group) for t in ready_tasks(db) if t.element_id not in INFORMING) == [
        ("disciplinary_strand", "hr"), ("police_strand", "mash_partner_police")]

    do(db, london(2026, 6, 19, 15, 0), "police_strand", outcome="nfa")
    assert ready(db) == ["disciplinary_strand"]  # the join waits for the other strand

    assert runtime.fire_due_timers(db, T26_ONE_MONTH) == 1
    assert task(db, "progress_report_1_month").candidate_group == "lado_manager"
    do(db, london(2026, 6, 23, 9, 30), "progress_report_1_month")
    assert timers(db)["timer_open_3_months"].fires_at == T26_THREE_MONTHS

    do(db, london(2026, 7, 10, 16, 0), "disciplinary_strand", outcome="management_advice")
    assert ready(db) == ["determine_outcome"]
    determine(db, "unsubstantiated", london(2026, 7, 14, 11, 0))
    assert ready(db) == ["close_allegation"]  # not substantiated: no DBS referral task
    do(db, london(2026, 7, 17, 15, 0), "close_allegation")

    assert_closed_as(db, "unsubstantiated")
    assert {"police_strand", "disciplinary_strand", "determine_outcome", "close_allegation"} <= set(route(db))
    assert "dbs_referral" not in route(db)
    (recorded,) = [e for e in events(db, "task_completed") if e.payload["form"] == "lado_outcome"]
    assert recorded.payload["data"]["outcome"] == "unsubstantiated"
    # Closing is a terminate end: the waiting 3-month timer is cancelled, the 12-month one never started.
    left = timers(db)
    assert left["timer_open_3_months"].cancelled_at == london(2026, 7, 17, 15, 0)
    assert "timer_open_12_months" not in left
    assert runtime.fire_due_timers(db, T26_TWELVE_MONTHS) == 0


# --- threshold not met and the T21 escalation ---------------------------------------------------------


def test_below_threshold_ends_with_advice_and_starts_no_monitoring(db: Database, case_id: str) -> None:
    below_threshold(db)

    ended = instance(db)
    assert ended.status == InstanceStatus.COMPLETED
    assert (ended.outcome, ended.outcome_name) == ("not_lado_threshold", "Advice given: below threshold")
    assert route(db)[-1] == "end_below_threshold"
    assert ready(db) == []
    assert set(timers(db)) == {"timer_consideration_overdue"}


def test_a_late_initial_consideration_escalates_to_the_lado_manager(db: Database, case_id: str) -> None:
    assert runtime.fire_due_timers(db, london(2026, 5, 26, 16, 59)) == 0
    assert runtime.fire_due_timers(db, london(2026, 5, 26, 17, 1)) == 1

    review = task(db, "review_overdue_consideration")
    assert (review.candidate_group, review.due_at, review.due_rule) == ("lado_manager", T21_REVIEW_DUE, "T21")
    assert "initial_consideration" in ready(db)  # the LADO keeps the task
    (fired,) = events(db, "timer_fired")
    assert (fired.payload["element_id"], fired.payload["rule"]) == ("timer_consideration_overdue", "T21")

    do(db, london(2026, 5, 27, 9, 0), "review_overdue_consideration")
    assert "end_overdue_reviewed" in route(db)
    assert instance(db).status == InstanceStatus.RUNNING
    below_threshold(db, london(2026, 5, 27, 10, 0))
    assert instance(db).status == InstanceStatus.COMPLETED


# --- T26 monitoring ------------------------------------------------------------------------------------


def test_monitoring_reports_at_one_three_and_twelve_calendar_months(db: Database, case_id: str) -> None:
    consider(db)
    for element, due in [("timer_open_1_month", T26_ONE_MONTH), ("timer_open_3_months", T26_THREE_MONTHS),
                         ("timer_open_12_months", T26_TWELVE_MONTHS)]:
        timer = timers(db)[element]
        assert (timer.fires_at, timer.rule) == (due, "T26")
        assert runtime.fire_due_timers(db, due.replace(minute=0, hour=16)) == 0
        assert runtime.fire_due_timers(db, due) == 1
        report = element.replace("timer_open", "progress_report")
        assert task(db, report).candidate_group == "lado_manager"
        do(db, due, report)

    assert route(db)[-1] == "end_monitoring_complete"
    still_open = instance(db)
    assert (still_open.status, still_open.outcome) == (InstanceStatus.RUNNING, None)
    assert ready(db) == ["suspension_decision"]


# --- outcomes --------------------------------------------------------------------------------------


def test_substantiated_goes_to_dbs_referral_and_closing_cancels_an_open_report(db: Database, case_id: str) -> None:
    to_strands(db, [])
    assert ready(db) == ["determine_outcome"]  # no strand: straight through the join
    assert runtime.fire_due_timers(db, T26_ONE_MONTH) == 1
    determine(db, "substantiated")

    dbs = task(db, "dbs_referral")
    assert (dbs.candidate_group, dbs.due_at, dbs.due_rule) == ("employer_case_manager", T28_DUE, "T28")
    do(db, london(2026, 8, 3, 10, 0), "dbs_referral")
    do(db, london(2026, 8, 4, 10, 0), "close_allegation", referrals_made=["dbs"])

    assert_closed_as(db, "substantiated")
    assert "dbs_referral" in route(db)
    with db.reading() as session:
        report = session.scalars(select(HumanTask).where(HumanTask.element_id == "progress_report_1_month")).one()
    assert report.status == TaskStatus.CANCELLED  # the terminate end closes the monitoring branch too
    assert timers(db)["timer_open_1_month"].fired_at == T26_ONE_MONTH


@pytest.mark.parametrize("outcome", ["false", "malicious", "unfounded"])
def test_each_other_outcome_closes_without_a_dbs_referral(db: Database, case_id: str, outcome: str) -> None:
    to_strands(db, [])
    determine(db, outcome, london(2026, 6, 5, 11, 0))
    assert ready(db) == ["close_allegation"]
    do(db, london(2026, 6, 8, 10, 0), "close_allegation")

    assert_closed_as(db, outcome)
    assert "dbs_referral" not in route(db)


@pytest.mark.parametrize(("outcome", "removed", "next_task"), [
    ("substantiated", False, "close_allegation"),  # kept in post with safeguards: no DBS referral duty
    ("unsubstantiated", True, "dbs_referral"),  # removed all the same: the employer considers the referral
])
def test_removal_from_regulated_activity_not_the_outcome_brings_the_dbs_referral(
    db: Database, case_id: str, outcome: str, removed: bool, next_task: str
) -> None:
    to_strands(db, [])
    do(db, OUTCOME_DECIDED, "determine_outcome", outcome=outcome,
       **{**OUTCOME_FIELDS[outcome], "removed_from_regulated_activity": removed})
    assert next_task in ready(db) and ("dbs_referral" in ready(db)) == removed  # beside the T26 report
    if removed:
        assert (task(db, "dbs_referral").due_at, task(db, "dbs_referral").due_rule) == (T28_DUE, "T28")
        do(db, london(2026, 8, 3, 10, 0), "dbs_referral")
    do(db, london(2026, 8, 4, 10, 0), "close_allegation")

    assert_closed_as(db, outcome)
    assert ("dbs_referral" in route(db)) == removed


def test_the_outcome_form_refuses_to_keep_a_false_allegation_on_the_personnel_file(
    db: Database, case_id: str
) -> None:
    to_strands(db, [])
    with pytest.raises(FormInvalid) as refused:
        do(db, OUTCOME_DECIDED, "determine_outcome", outcome="false", personnel_file_action="summary_kept")
    assert [(p.pointer, p.validator) for p in refused.value.problems] == [("/data/personnel_file_action", "enum")]
    assert ready(db) == ["determine_outcome"]


def test_a_met_threshold_needs_a_criterion_and_a_lado_route(db: Database, case_id: str) -> None:
    with pytest.raises(FormInvalid) as refused:
        consider(db, threshold_criteria=[], route="not_lado_threshold", advice_given="None needed.")
    assert sorted((p.pointer, p.validator) for p in refused.value.problems) == [
        ("/data/route", "enum"), ("/data/threshold_criteria", "minItems")]


# --- the s47 strand ---------------------------------------------------------------------------------


def test_s47_strand_hands_off_and_the_join_still_waits_for_the_police(db: Database, case_id: str) -> None:
    to_strands(db, ["s47", "police"])

    (handoff,) = events(db, "handoff_recorded")
    assert handoff.payload == {"process": "strategy_discussion", "from_element": "end_referred_s47",
                               "deployed": True}
    assert ready(db) == ["hold_strategy_discussion", "police_strand"]
    running = instance(db)
    assert (running.status, running.outcome, running.starts_process) == (
        InstanceStatus.RUNNING, None, "strategy_discussion")

    do(db, london(2026, 6, 19, 15, 0), "police_strand", outcome="charged", summary="Charged with assault.")
    assert ready(db) == ["hold_strategy_discussion", "determine_outcome"]


def test_an_s47_only_strand_does_not_leave_the_join_waiting(db: Database, case_id: str) -> None:
    to_strands(db, ["s47"])

    assert ready(db) == ["determine_outcome", "hold_strategy_discussion"]
    assert "end_referred_s47" in route(db)
    determine(db, "false")
    do(db, london(2026, 8, 3, 10, 0), "close_allegation")
    assert_closed_as(db, "false")


def test_s47_strand_starts_a_strategy_discussion_in_the_same_case(
    db: Database, clock: Clock, case_id: str
) -> None:
    if not (BPMN_DIR / "strategy_discussion.bpmn").exists():
        pytest.skip("bpmn/strategy_discussion.bpmn is not written yet")
    try:
        deploy(db, name="strategy_discussion.bpmn", now=clock())
    except DiagramInvalid as exc:
        pytest.skip(f"strategy_discussion.bpmn does not deploy yet: {exc.problems}")
    to_strands(db, ["s47"])

    (handoff,) = events(db, "handoff_recorded")
    assert handoff.payload["deployed"] is True
    lado, strategy = instance(db), instance(db, "strategy_discussion")
    assert strategy.case_id == lado.case_id == case_id
    assert strategy.parent_instance_id == lado.id
    assert "determine_outcome" in ready(db)


def test_routing_to_childrens_social_care_starts_a_strategy_discussion_at_once(
    db: Database, clock: Clock, case_id: str
) -> None:
    deploy(db, name="strategy_discussion.bpmn", now=clock())
    consider(db, route="refer_csc_s47")

    (handoff,) = events(db, "handoff_recorded")
    assert handoff.payload == {"process": "strategy_discussion", "from_element": "end_referred_csc_at_consideration",
                               "deployed": True}
    lado, strategy = instance(db), instance(db, "strategy_discussion")
    assert strategy.case_id == lado.case_id == case_id and strategy.parent_instance_id == lado.id
    assert {"suspension_decision", "hold_strategy_discussion"} <= set(ready(db))


def test_a_case_referred_to_childrens_social_care_at_consideration_starts_no_second_strategy_discussion(
    db: Database, clock: Clock, case_id: str
) -> None:
    deploy(db, name="strategy_discussion.bpmn", now=clock())
    consider(db, route="refer_csc_s47")
    do(db, SUSPENSION_DECIDED, "suspension_decision")
    do(db, london(2026, 5, 29, 12, 0), "allegation_management_meeting", strands=["s47", "police"])

    assert [e.payload["from_element"] for e in events(db, "handoff_recorded")] == ["end_referred_csc_at_consideration"]
    assert "police_strand" in ready(db) and "gw_s47_handoff" not in route(db)


def test_an_immediate_risk_goes_to_childrens_social_care_at_once_whatever_the_route(
    db: Database, clock: Clock, case_id: str
) -> None:
    deploy(db, name="strategy_discussion.bpmn", now=clock())
    consider(db, route="police_investigation", immediate_risk=True)

    assert [e.payload["from_element"] for e in events(db, "handoff_recorded")] == ["end_referred_csc_at_consideration"]
    assert {"suspension_decision", "hold_strategy_discussion"} <= set(ready(db))
    do(db, SUSPENSION_DECIDED, "suspension_decision")
    assert "police_investigation" in ready(db)  # the route is kept: the police investigate
    do(db, london(2026, 6, 19, 15, 0), "police_investigation", employer_investigation_needed=False)
    do(db, OUTCOME_DECIDED, "determine_outcome", outcome_agreed=False, reconvene_reason="new_information",
       without=("outcome", "rationale", "removed_from_regulated_activity", "personnel_file_action"))
    do(db, london(2026, 8, 3, 10, 0), "review_meeting", strands=["s47"])
    assert len(events(db, "handoff_recorded")) == 1  # no second strategy discussion from the reconvened meeting
    assert "determine_outcome" in ready(db)


def test_an_immediate_risk_always_meets_the_threshold(db: Database, case_id: str) -> None:
    with pytest.raises(FormInvalid):
        consider(db, threshold_met=False, threshold_criteria=[], route="not_lado_threshold", immediate_risk=True,
                 advice_given="Handle under the low-level concerns policy.")


# --- the forms' conditional rules ---------------------------------------------------------------------

FORM_RULES = [
    ("lado_initial_consideration", 0, {"threshold_criteria": None}, [("/threshold_criteria", "required")]),
    ("lado_initial_consideration", 1, {"route": "police_investigation"}, [("/route", "enum")]),
    ("lado_initial_consideration", 1, {"advice_given": None}, [("/advice_given", "required")]),
    ("suspension_decision", 1, {"other_alternative": None}, [("/other_alternative", "required")]),
    ("allegation_management_meeting", 1, {"attendees": [{"name": "LADO", "agency": "LA"}]},
     [("/attendees", "minItems")]),
    ("lado_outcome", 1, {"action_against_maker": None}, [("/action_against_maker", "required")]),
    ("lado_outcome", 1, {"personnel_file_action": "not_applicable"}, [("/personnel_file_action", "enum")]),
    ("lado_outcome", 0, {"personnel_file_action": "removed"}, []),
    ("dbs_referral", 0, {"dbs_referred_at": None}, [("/dbs_referred_at", "required")]),
    ("dbs_referral", 1, {"reason_not_referred": None}, [("/reason_not_referred", "required")]),
]


@pytest.mark.parametrize(("key", "index", "changes", "expected"), FORM_RULES)
def test_the_lado_forms_conditional_rules(
    key: str, index: int, changes: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    data = {**forms.load_form(key)["examples"][index], **changes}
    data = {name: value for name, value in data.items() if value is not None}

    assert [(e.pointer, e.validator) for e in forms.validate_form(key, data)] == expected
