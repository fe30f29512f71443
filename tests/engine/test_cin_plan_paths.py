"""Every path of the child in need plan diagram, driven through the runtime.

A plan declined (or not needed) ends at once; an agreed plan is reviewed by the date each review sets,
again and again, until it closes with its CIN census reason or steps up to a strategy discussion in the
same case. Together they take every sequence flow of bpmn/cin_plan.bpmn (tests/bpmn/test_path_coverage.py).
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


@pytest.fixture
def case(db: Database, clock: Clock) -> CaseDriver:
    deploy(db, name="cin_plan.bpmn", now=clock())
    case_id = runtime.open_case(db, process="cin_plan", subject=subject(), data=filled("cin_plan_request"),
                                actor=TEAM_MANAGER, now=clock())
    return CaseDriver(db, case_id)


def route_of(case: CaseDriver) -> list[str]:
    return [step["id"] for step in case.instances()[0].route]


@pytest.mark.parametrize("example", [1, 2], ids=["declined", "not_needed"])
def test_a_plan_the_family_declines_or_that_is_not_needed_ends_without_reviews(
    case: CaseDriver, clock: Clock, example: int
) -> None:
    case.complete("agree_plan", filled("cin_plan_agreement", example), clock.advance(days=2))

    (plan,) = case.instances()
    assert (plan.status, plan.outcome) == (InstanceStatus.COMPLETED, "cin_plan_not_agreed")
    assert route_of(case)[-1] == "end_no_plan"
    assert case.ready_elements() == []


def test_an_agreed_plan_is_reviewed_by_each_date_set_until_it_closes(case: CaseDriver, clock: Clock) -> None:
    case.complete("agree_plan", filled("cin_plan_agreement", 0, next_review_by="2026-08-20"), clock.advance(days=2))
    assert case.deadline("review_plan") == (datetime(2026, 8, 20, 17, 0, tzinfo=LONDON), "CIN_REVIEW")
    case.complete("review_plan", filled("cin_plan_review", 1, next_review_by="2026-11-19"), clock.advance(days=80))
    assert case.deadline("review_plan") == (datetime(2026, 11, 19, 17, 0, tzinfo=LONDON), "CIN_REVIEW")
    case.complete("review_plan", filled("cin_plan_review", 0), clock.advance(days=90))

    (plan,) = case.instances()
    assert (plan.status, plan.outcome) == (InstanceStatus.COMPLETED, "cin_plan_closed")
    assert route_of(case).count("review_plan") == 2 and route_of(case)[-1] == "end_plan_closed"


def test_a_review_that_finds_significant_harm_steps_up_to_a_strategy_discussion_in_the_same_case(
    case: CaseDriver, clock: Clock
) -> None:
    case.complete("agree_plan", filled("cin_plan_agreement", 0), clock.advance(days=2))
    case.complete("review_plan", filled("cin_plan_review", 2), clock.advance(days=30))

    plan, strategy = case.instances()
    assert (plan.status, plan.outcome, plan.starts_process) == (InstanceStatus.COMPLETED, "stepped_up",
                                                                "strategy_discussion")
    assert strategy.parent_instance_id == plan.id
    assert case.ready_elements() == ["hold_strategy_discussion"]
