"""Every path of the early help diagram, driven through the runtime with the fixed clock.

Consent refused; consent given, a lead professional, the team around the family and reviews that carry
on and then close; and a step-up that makes a new referral in the same case, which MASH screening
starts on at once with its own clock (domain §1, §3). Together they take every sequence flow of
bpmn/early_help.bpmn (tests/bpmn/test_path_coverage.py).
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
from tests.factories import CaseDriver, deploy, filled, referral, subject

TEAM_MANAGER = Actor("tess", frozenset({"team_manager"}))


@pytest.fixture
def case(db: Database, clock: Clock) -> CaseDriver:
    deploy(db, name="early_help.bpmn", now=clock())
    case_id = runtime.open_case(db, process="early_help", subject=subject(), data=filled("early_help_request"),
                                actor=TEAM_MANAGER, now=clock())
    return CaseDriver(db, case_id)


def to_reviews(case: CaseDriver, clock: Clock) -> None:
    case.complete("offer_assessment", filled("early_help_consent"), clock.advance(days=1))
    case.complete("allocate_lead_professional", filled("early_help_lead_professional"), clock.advance(days=1))
    case.complete("team_around_family", filled("team_around_the_family"), clock.advance(days=7))


def test_a_family_that_refuses_consent_ends_early_help_with_the_reason_kept(case: CaseDriver, clock: Clock) -> None:
    assert case.ready_elements() == ["offer_assessment"]
    case.complete("offer_assessment", filled("early_help_consent", 1), clock.advance(days=1))

    (instance,) = case.instances()
    assert (instance.status, instance.outcome) == (InstanceStatus.COMPLETED, "early_help_declined")
    assert [step["id"] for step in instance.route][-2:] == ["gw_consent", "end_consent_refused"]
    assert case.ready_elements() == []


def test_with_consent_a_lead_professional_and_team_around_the_family_review_until_the_needs_are_met(
    case: CaseDriver, clock: Clock
) -> None:
    to_reviews(case, clock)
    assert case.ready_elements() == ["review_early_help"]
    case.complete("review_early_help", filled("early_help_review", 1), clock.advance(days=28))  # carry on
    assert case.ready_elements() == ["review_early_help"]
    case.complete("review_early_help", filled("early_help_review", 0), clock.advance(days=28))  # needs met

    (instance,) = case.instances()
    assert (instance.status, instance.outcome) == (InstanceStatus.COMPLETED, "early_help_closed")
    route = [step["id"] for step in instance.route]
    assert route.count("review_early_help") == 2 and route[-1] == "end_early_help_closed"


def test_a_step_up_is_a_new_referral_in_the_same_case_and_mash_screening_starts_on_its_own_clock(
    case: CaseDriver, clock: Clock
) -> None:
    to_reviews(case, clock)
    case.complete("review_early_help", filled("early_help_review", 2), clock.advance(days=20))
    assert case.ready_elements() == ["step_up_referral"]
    # Fri 3 Jul 2026 18:00, after office hours: the MASH clock starts Mon 6 Jul 09:00, screening due Tue 7 Jul.
    stepped_up_at = datetime(2026, 7, 3, 18, 0, tzinfo=LONDON)
    case.complete("step_up_referral", referral(), stepped_up_at)

    early_help, mash = case.instances()
    assert (early_help.status, early_help.outcome, early_help.starts_process) == (
        InstanceStatus.COMPLETED, "stepped_up", "mash_screening")
    assert (mash.parent_instance_id, mash.started_at) == (early_help.id, stepped_up_at)
    # Out of office hours the emergency duty team takes it first (domain §1), then MASH at Monday's opening.
    assert case.ready_elements() == ["edt_response"]
    case.complete("edt_response", filled("edt_response"), stepped_up_at.replace(hour=19))
    assert case.fire_timers(datetime(2026, 7, 6, 9, 0, tzinfo=LONDON)) == 1
    assert case.ready_elements() == ["screen_contact"]
    assert case.deadline("screen_contact") == (datetime(2026, 7, 7, 17, 0, tzinfo=LONDON), "T1")
