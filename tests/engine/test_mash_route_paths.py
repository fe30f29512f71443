"""The MASH routes before and around screening (domain §1, §3 steps 1, 2 and 5), driven through the runtime.

Record & match: a child already open to an allocated social worker goes to that worker, not to screening.
Out of hours: the Emergency Duty Team handles the urgent part, then MASH screens from the next working day.
Consent: sought (the answer recorded later), refused (no partner checks), or overridden with its basis.
Together with tests/api/test_mash_paths.py they take every sequence flow of bpmn/mash_screening.bpmn.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON, default_calendar
from engine.db import Database
from engine.definitions.cache import _SPECS
from engine.models import InstanceStatus, ProcessInstance
from tests.conftest import Clock
from tests.factories import CaseDriver, deploy, filled, referral
from tests.strategies import submissions

REFERRER = Actor("rita", frozenset({"referrer"}))
TEAM_MANAGER = Actor("tess", frozenset({"team_manager"}))
LEO = {"name": "Leo Hughes", "dob": "2018-11-14", "sex": "male", "nhs_number": "9434765919"}  # the referral's child
SATURDAY_NIGHT = datetime(2026, 5, 23, 2, 15, tzinfo=LONDON)
# Mon 25 May 2026 is a bank holiday: the MASH opens again on Tue 26 May at 09:00 (domain §1).
NEXT_OPENING = datetime(2026, 5, 26, 9, 0, tzinfo=LONDON)


@pytest.fixture
def deployed(db: Database, clock: Clock) -> None:
    deploy(db, name="mash_screening.bpmn", now=clock())


def refer(db: Database, at: datetime) -> CaseDriver:
    case_id = runtime.open_case(db, process="mash_screening", subject=dict(LEO), data=referral(), actor=REFERRER,
                                now=at)
    return CaseDriver(db, case_id)


def mash(case: CaseDriver) -> ProcessInstance:
    (instance,) = [i for i in case.instances() if i.route and i.route[0]["id"] == "start_contact_received"]
    return instance


def route(case: CaseDriver) -> list[str]:
    return [step["id"] for step in mash(case).route]


def screening(**overrides: Any) -> dict[str, Any]:
    checks = [{"agency": "police", "requested_at": "2026-05-22T10:45:00+01:00"}]
    return filled("mash_screening", **{"immediate_danger": False, "partner_checks": checks, **overrides})


# --- record & match ---------------------------------------------------------------------------------------


def test_a_child_open_to_an_allocated_worker_goes_to_that_worker_not_to_screening(
        db: Database, clock: Clock, deployed: None) -> None:
    deploy(db, name="cin_assessment.bpmn", now=clock())
    open_case_id = runtime.open_case(db, process="cin_assessment", subject=dict(LEO),
                                     data=filled("cin_assessment_request"), actor=TEAM_MANAGER, now=clock())
    CaseDriver(db, open_case_id).complete("allocate_assessment", filled("assessment_allocation"),
                                          clock.advance(hours=1))

    case = refer(db, clock.advance(hours=1))

    task = case.task("allocated_worker_review")
    assert (case.ready_elements(), task.candidate_group) == (["allocated_worker_review"], "social_worker")
    case.complete("allocated_worker_review", filled("allocated_worker_review"), clock.advance(hours=2))
    instance = mash(case)
    assert (instance.status, instance.outcome) == (InstanceStatus.COMPLETED, "open_to_allocated_worker")
    assert route(case) == ["start_contact_received", "gw_office_hours", "gw_hours_merge", "gw_open_case",
                           "allocated_worker_review", "end_open_case"]


def test_a_child_whose_only_other_case_has_no_allocated_worker_is_screened(
        db: Database, clock: Clock, deployed: None) -> None:
    refer(db, clock())  # Leo's first referral: open, but nobody allocated

    case = refer(db, clock.advance(hours=1))

    assert case.ready_elements() == ["screen_contact"]


# --- out of hours: the emergency duty team ---------------------------------------------------------------


def test_a_contact_out_of_hours_goes_to_edt_then_to_mash_on_the_next_working_day(
        db: Database, clock: Clock, deployed: None) -> None:
    case = refer(db, SATURDAY_NIGHT)
    assert [(t.element_id, t.candidate_group) for t in case.ready()] == [("edt_response", "edt")]

    case.complete("edt_response", filled("edt_response"), SATURDAY_NIGHT.replace(hour=3))
    assert case.ready_elements() == []
    assert case.fire_timers(datetime(2026, 5, 25, 12, 0, tzinfo=LONDON)) == 0  # bank holiday: still closed
    assert case.fire_timers(NEXT_OPENING) == 1

    assert case.ready_elements() == ["screen_contact"]
    assert case.deadline("screen_contact") == (datetime(2026, 5, 27, 17, 0, tzinfo=LONDON), "T1")
    assert route(case)[:6] == ["start_contact_received", "gw_office_hours", "edt_response", "gw_edt_danger",
                               "timer_next_working_day", "gw_hours_merge"]


def test_edt_finding_immediate_danger_starts_the_emergency_response_at_once(
        db: Database, deployed: None) -> None:
    case = refer(db, SATURDAY_NIGHT)
    case.complete("edt_response", filled("edt_response", 1), SATURDAY_NIGHT.replace(hour=3))

    assert case.ready_elements() == ["emergency_response"]
    case.complete("emergency_response", filled("emergency_response"), SATURDAY_NIGHT.replace(hour=4))
    assert mash(case).outcome == "immediate_protection"
    assert "screen_contact" not in route(case)


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(LONDON)))
def test_office_hours_are_exactly_when_the_mash_clock_starts_at_once(moment: datetime) -> None:
    calendar = default_calendar()
    assert calendar.in_office_hours(moment) == (calendar.clock_start(moment) == moment)


def test_a_contact_in_office_hours_skips_edt(db: Database, clock: Clock, deployed: None) -> None:
    case = refer(db, clock())
    assert case.ready_elements() == ["screen_contact"]
    assert "edt_response" not in route(case)


# --- consent as a gateway ----------------------------------------------------------------------------------


def test_a_refused_consent_goes_to_the_decision_without_partner_checks(
        db: Database, clock: Clock, deployed: None) -> None:
    case = refer(db, clock())
    case.complete("screen_contact", screening(consent="refused", without=("consent_override_reason",)),
                  clock.advance(hours=1))

    assert case.ready_elements() == ["screening_decision"]
    assert "gw_partner_checks_needed" not in route(case)


def test_consent_sought_waits_for_the_answer_and_a_given_consent_goes_to_partner_checks(
        db: Database, clock: Clock, deployed: None) -> None:
    case = refer(db, clock())
    case.complete("screen_contact", screening(consent="sought", without=("consent_override_reason",)),
                  clock.advance(hours=1))
    assert case.ready_elements() == ["record_consent"]
    assert case.deadline("record_consent") == (datetime(2026, 5, 26, 17, 0, tzinfo=LONDON), "T1")

    case.complete("record_consent", filled("consent_record"), clock.advance(hours=1))
    assert case.ready_elements() == ["partner_check_police"]


@pytest.mark.parametrize(("answer", "next_task"), [(1, "partner_check_police"), (None, "screening_decision")])
def test_a_refusal_after_consent_was_sought_is_overridden_with_its_basis_or_stops_the_checks(
        db: Database, clock: Clock, deployed: None, answer: int | None, next_task: str) -> None:
    case = refer(db, clock())
    case.complete("screen_contact", screening(consent="sought", without=("consent_override_reason",)),
                  clock.advance(hours=1))
    data = filled("consent_record", 1) if answer is not None else filled("consent_record", consent="refused")
    case.complete("record_consent", data, clock.advance(hours=1))

    assert case.ready_elements() == [next_task]
    assert route(case).count("gw_consent") == 2


def test_a_refusal_overridden_at_screening_goes_to_partner_checks(db: Database, clock: Clock, deployed: None) -> None:
    case = refer(db, clock())
    case.complete("screen_contact", screening(consent="refused_overridden",
                                              consent_override_basis="asking_would_put_child_at_risk"),
                  clock.advance(hours=1))
    assert case.ready_elements() == ["partner_check_police"]


def _next_after_consent(screened: dict[str, Any], answer: dict[str, Any] | None) -> list[str]:
    consent = answer["consent"] if answer else screened["consent"]
    if consent == "sought":
        return ["record_consent"]
    agencies = {check["agency"] for check in screened.get("partner_checks", [])}
    if consent == "refused" or not agencies:
        return ["screening_decision"]
    lanes = {"police": "police", "health": "health", "education": "education"}
    return sorted({f"partner_check_{lanes.get(agency, 'other')}" for agency in agencies})


def test_every_schema_valid_consent_answer_leads_on_and_a_refusal_never_reaches_partner_checks(
        db: Database, clock: Clock, deployed: None) -> None:
    @settings(max_examples=12, deadline=None, database=None, derandomize=True, phases=[Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(st.data())
    def walk(data: st.DataObject) -> None:
        case = refer(db, clock())
        screened = data.draw(submissions("mash_screening", {"immediate_danger": [False]}))
        case.complete("screen_contact", screened, clock())
        answer = None
        if screened["consent"] == "sought":
            assert case.ready_elements() == ["record_consent"]
            answer = data.draw(submissions("consent_record"))
            case.complete("record_consent", answer, clock())
        assert case.ready_elements() == _next_after_consent(screened, answer)

    walk()


# --- immediate danger, raised from any task -----------------------------------------------------------------


def raise_danger(case: CaseDriver, element_id: str, at: datetime) -> None:
    task = case.task(element_id)
    worker = Actor(f"{task.candidate_group}_worker", frozenset({task.candidate_group}))
    runtime.raise_immediate_danger(case.db, task.id, filled("immediate_danger_raised"), worker, at)


@pytest.mark.parametrize("raised_at", ["screen_contact", "partner_check_police", "screening_decision"])
def test_immediate_danger_raised_at_a_task_stops_the_screening_and_goes_to_emergency_response_and_head_of_service(
        db: Database, clock: Clock, deployed: None, raised_at: str) -> None:
    deploy(db, name="strategy_discussion.bpmn", now=clock())
    case = refer(db, clock())
    checks = [{"agency": a, "requested_at": "2026-05-22T10:45:00+01:00"} for a in ("police", "health")]
    if raised_at != "screen_contact":
        case.complete("screen_contact", screening(partner_checks=checks), clock.advance(hours=1))
    if raised_at == "screening_decision":
        case.complete("partner_check_police", filled("partner_check"), clock.advance(hours=1))
        case.complete("partner_check_health", filled("partner_check", agency="health"), clock.advance(hours=1))

    raise_danger(case, raised_at, clock.advance(minutes=5))
    _SPECS.clear()  # as a freshly started worker: the specs parsed again, the workflow read from its stored state
    runtime.WORKFLOWS.clear()

    assert [(t.element_id, t.candidate_group) for t in case.ready()] == [
        ("emergency_response_raised", "mash_manager"), ("head_of_service_immediate_danger", "head_of_service")]
    assert not [t for t in case.timers() if t.fired_at is None and t.cancelled_at is None]
    case.complete("emergency_response_raised", filled("emergency_response"), clock.advance(hours=1))
    case.complete("head_of_service_immediate_danger", filled("immediate_danger_review"), clock.advance(hours=1))
    instance = mash(case)
    assert (instance.status, instance.outcome, instance.starts_process) == (
        InstanceStatus.COMPLETED, "immediate_protection", "strategy_discussion")
    assert {"start_immediate_danger", "end_danger_protection", "end_head_of_service_informed"} <= set(route(case))
    assert "end_feedback_given" not in route(case)
    assert case.ready_elements() == ["hold_strategy_discussion"]
