"""One path test per MASH screening outcome, driven through the HTTP API from referral to end."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from engine import runtime
from engine.calendar import LONDON
from engine.db import Database
from tests.api.conftest import ApiClient
from tests.api.helpers import complete, only_task, open_referral, screen
from tests.conftest import Clock
from tests.factories import create_user, form_data


def decide(api: ApiClient, decision: str) -> None:
    extra = {"cin_assessment_s17": {"assessment_team": "Assessment team 2"},
             "early_help": {"early_help_provider": "North family hub"}}.get(decision, {})
    complete(api, "maya", "mash_decision", decision=decision, **extra)
    complete(api, "bea", "referrer_feedback")


def case_instance(api: ApiClient, case_id: str) -> dict[str, Any]:
    case = api.get(f"/api/v1/cases/{case_id}", "audrey")
    (instance,) = [i for i in case["instances"] if i["process"] == "mash_screening"]
    return instance


@pytest.mark.parametrize(
    ("decision", "end_event", "starts_process"),
    [
        ("nfa", "end_nfa", None),
        ("advice_signpost", "end_advice_signpost", None),
        ("early_help", "end_early_help", "early_help"),
        ("cin_assessment_s17", "end_cin_assessment", "cin_assessment"),
        ("strategy_discussion_s47", "end_strategy_discussion", "strategy_discussion"),
        ("immediate_protection", "end_manager_immediate_protection", "strategy_discussion"),
    ],
)
def test_each_screening_decision_ends_the_case_on_its_outcome_and_shows_the_route(
    api: ApiClient, decision: str, end_event: str, starts_process: str | None
) -> None:
    case = open_referral(api)
    assert case["reference"] == "MASH-2026-000001"
    screen(api, agencies=["police", "health"])
    complete(api, "pc_police", "partner_check", agency="police")
    complete(api, "hv_health", "partner_check", agency="health")
    decide(api, decision)

    instance = case_instance(api, case["id"])
    assert instance["status"] == "completed"
    assert instance["outcome"] == decision
    assert instance["starts_process"] == starts_process
    route = [step["id"] for step in instance["route"]]
    assert route[0] == "start_contact_received"
    assert end_event in route  # acted on at the decision; the referrer's feedback runs beside it and ends last
    assert route[-1] == "end_feedback_given"
    assert {"screen_contact", "partner_check_police", "partner_check_health", "screening_decision",
            "feedback_to_referrer"} <= set(route)
    assert "partner_check_education" not in route


def test_immediate_danger_goes_to_emergency_response_and_immediate_protection(api: ApiClient) -> None:
    case = open_referral(api)
    screen(api, agencies=[], immediate_danger=True)
    complete(api, "maya", "emergency_response")

    instance = case_instance(api, case["id"])
    assert instance["outcome"] == "immediate_protection"
    assert instance["route"][-1]["id"] == "end_immediate_protection"
    assert "screening_decision" not in [step["id"] for step in instance["route"]]


def test_without_partner_checks_the_referral_goes_straight_to_the_manager(api: ApiClient) -> None:
    case = open_referral(api)
    screen(api, agencies=[])
    decide(api, "nfa")

    instance = case_instance(api, case["id"])
    assert instance["outcome"] == "nfa"
    assert not [s for s in instance["route"] if s["id"].startswith("partner_check")]


def test_other_agencies_check_goes_to_the_other_partners_lane(api: ApiClient) -> None:
    open_referral(api)
    screen(api, agencies=["housing"])
    task = only_task(api, "ola_other")
    assert task["lane"] == "mash_partner_other"
    assert api.get("/api/v1/tasks", "pc_police")["items"] == []


def test_all_four_partner_checks_are_worked_before_the_decision(api: ApiClient) -> None:
    case = open_referral(api)
    screen(api, agencies=["police", "health", "education", "probation"])
    for user, agency in [("pc_police", "police"), ("hv_health", "health"), ("dsl_school", "education"),
                         ("ola_other", "probation")]:
        assert api.get("/api/v1/tasks", "maya")["items"] == []
        complete(api, user, "partner_check", agency=agency)
    decide(api, "early_help")
    instance = case_instance(api, case["id"])
    assert instance["outcome"] == "early_help"
    assert {"partner_check_education", "partner_check_other"} <= {s["id"] for s in instance["route"]}


def test_an_overdue_screening_is_reviewed_by_the_manager_and_the_case_still_ends(api: ApiClient, db: Database) -> None:
    case = open_referral(api)
    assert runtime.fire_due_timers(db, datetime(2026, 5, 26, 17, 5, tzinfo=LONDON)) == 1
    review = only_task(api, "maya")
    assert review["name"] == "Review overdue screening"
    complete(api, "maya", "overdue_review")
    screen(api, agencies=[])
    decide(api, "nfa")
    instance = case_instance(api, case["id"])
    assert instance["status"] == "completed"
    assert instance["outcome"] == "nfa"
    assert "end_escalation_reviewed" in {s["id"] for s in instance["route"]}


def test_immediate_danger_raised_from_the_screening_task_goes_to_the_manager_and_head_of_service_at_once(
        api: ApiClient, db: Database, clock: Clock) -> None:
    for name, group in (("hos", "head_of_service"), ("tess", "team_manager")):
        api.tokens[name] = create_user(db, username=name, groups=[group], now=clock())
    case = open_referral(api)
    screening = only_task(api, "sam")

    bad = api.post(f"/api/v1/tasks/{screening['id']}/immediate-danger", "sam", 422, json={"data": {}})
    assert "/data/what_is_happening" in {d["pointer"] for d in bad["details"]}
    change = api.post(f"/api/v1/tasks/{screening['id']}/immediate-danger", "sam",
                      json={"data": form_data("immediate_danger_raised")})

    assert change["status"] == "cancelled"
    assert api.get("/api/v1/tasks", "sam")["items"] == []
    response = only_task(api, "maya")
    assert (response["name"], response["form"]) == ("Emergency response to immediate danger", "emergency_response")
    assert only_task(api, "hos")["form"] == "immediate_danger_review"
    again = api.post(f"/api/v1/tasks/{response['id']}/immediate-danger", "maya", 409,
                     json={"data": form_data("immediate_danger_raised")})
    assert again["error"] == "conflict"

    complete(api, "maya", "emergency_response")
    complete(api, "hos", "immediate_danger_review")
    instance = case_instance(api, case["id"])
    assert (instance["status"], instance["outcome"], instance["starts_process"]) == (
        "completed", "immediate_protection", "strategy_discussion")
    discussion = only_task(api, "tess")
    elsewhere = api.post(f"/api/v1/tasks/{discussion['id']}/immediate-danger", "tess", 409,
                         json={"data": form_data("immediate_danger_raised")})
    assert "cannot be raised" in elsewhere["message"]
