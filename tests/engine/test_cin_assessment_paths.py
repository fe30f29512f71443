"""Every path of the child and family assessment (s17) diagram, driven through the runtime.

Allocated, the child seen, concluded within 45 working days of the referral (T8) with each outcome, each
handing on to the process that follows in the same case; and an assessment still open after 45 working
days, whose lateness the team manager explains while the assessment carries on with its due date unchanged.
Together they take every sequence flow of bpmn/cin_assessment.bpmn (tests/bpmn/test_path_coverage.py).
"""

from __future__ import annotations

from datetime import datetime

import pytest

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.models import InstanceStatus
from tests.conftest import Clock
from tests.factories import CaseDriver, deploy, filled, subject

TEAM_MANAGER = Actor("tess", frozenset({"team_manager"}))
# Opened Fri 22 May 2026 10:30 (the fixed clock): 45 working days, skipping the 25 May bank holiday, is
# Mon 27 Jul 2026 (T8).
T8_DUE = datetime(2026, 7, 27, 17, 0, tzinfo=LONDON)
OUTCOMES = {"cin_plan": 0, "nfa": 1, "early_help": 2, "strategy_discussion": 3}  # cin_assessment_outcome examples


@pytest.fixture
def case(db: Database, clock: Clock) -> CaseDriver:
    deploy(db, name="cin_assessment.bpmn", now=clock())
    case_id = runtime.open_case(db, process="cin_assessment", subject=subject(),
                                data=filled("cin_assessment_request"), actor=TEAM_MANAGER, now=clock())
    return CaseDriver(db, case_id)


def allocate_and_see(case: CaseDriver, clock: Clock) -> None:
    assert case.ready_elements() == ["allocate_assessment"]
    case.complete("allocate_assessment", filled("assessment_allocation"), clock.advance(hours=2))
    case.complete("see_child", filled("child_seen"), clock.advance(days=3))


@pytest.mark.parametrize(("outcome", "end_event", "starts_process", "next_tasks"), [
    ("nfa", "end_assessment_nfa", None, []),
    ("early_help", "end_assessment_early_help", "early_help", ["offer_assessment"]),
    ("cin_plan", "end_assessment_cin_plan", "cin_plan", ["agree_plan"]),
    ("strategy_discussion", "end_assessment_strategy", "strategy_discussion", ["hold_strategy_discussion"]),
])
def test_an_assessment_concluded_in_time_hands_the_case_on_by_its_outcome(
    case: CaseDriver, clock: Clock, outcome: str, end_event: str, starts_process: str | None, next_tasks: list[str]
) -> None:
    allocate_and_see(case, clock)
    assert case.deadline("conclude_assessment") == (T8_DUE, "T8")
    case.complete("conclude_assessment", filled("cin_assessment_outcome", OUTCOMES[outcome]), clock.advance(days=20))

    assessment, *following = case.instances()
    assert (assessment.status, assessment.outcome, assessment.starts_process) == (
        InstanceStatus.COMPLETED, outcome, starts_process)
    assert assessment.route[-1]["id"] == end_event
    assert [i.parent_instance_id for i in following] == ([assessment.id] if starts_process else [])
    assert case.ready_elements() == next_tasks
    assert case.fired_rules() == []


def test_an_assessment_late_after_45_working_days_has_its_reason_recorded_and_carries_on(
    case: CaseDriver, clock: Clock
) -> None:
    allocate_and_see(case, clock)
    assert case.fire_timers(datetime(2026, 7, 27, 16, 59, tzinfo=LONDON)) == 0
    assert case.fire_timers(datetime(2026, 7, 27, 17, 1, tzinfo=LONDON)) == 1

    assert case.ready_elements() == ["conclude_assessment", "record_assessment_delay"]
    assert case.deadline("record_assessment_delay") == (datetime(2026, 7, 28, 17, 0, tzinfo=LONDON), "T8")
    assert case.deadline("conclude_assessment") == (T8_DUE, "T8")  # escalation never moves the due date
    case.complete("record_assessment_delay", filled("overdue_review", 1), datetime(2026, 7, 28, 9, tzinfo=LONDON))
    case.complete("conclude_assessment", filled("cin_assessment_outcome", 1), datetime(2026, 7, 29, 9, tzinfo=LONDON))

    (assessment,) = case.instances()
    assert (assessment.status, assessment.outcome) == (InstanceStatus.COMPLETED, "nfa")
    assert "end_delay_recorded" in [step["id"] for step in assessment.route]
    assert case.fired_rules() == ["T8"]
