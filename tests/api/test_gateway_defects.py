"""The four gateway defects of issue 7, through the HTTP API: schema-valid data never crashes a gateway
(no 5xx) and never routes on a value an earlier task or an earlier review left behind."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from engine.db import Database
from tests.api.conftest import ApiClient
from tests.api.helpers import only_task, open_referral, row_counts
from tests.conftest import Clock
from tests.engine.test_child_journey import (
    hold_the_strategy_discussion_and_find_continuing_risk,
    refer_to_the_mash_and_decide_on_a_strategy_discussion,
)
from tests.engine.test_cp_conference_paths import london, review_record
from tests.factories import CaseDriver, create_user, deploy, filled

GROUPS = ["referrer", "mash_screener", "mash_manager", "mash_business_support", "social_worker", "cp_unit",
          "cp_chair", "core_group", "team_manager", "auditor"]


@pytest.fixture
def client(app: Flask, db: Database, clock: Clock) -> ApiClient:
    tokens = {group: create_user(db, username=f"user_{group}", groups=[group], now=clock()) for group in GROUPS}
    for name in ("mash_screening.bpmn", "strategy_discussion.bpmn", "cp_conference.bpmn"):
        deploy(db, name=name, now=clock())
    return ApiClient(app.test_client(), tokens)


def _submit(client: ApiClient, group: str, element: str, data: dict[str, Any], expected: int) -> Any:
    (task,) = [t for t in client.get("/api/v1/tasks", group)["items"] if t["element_id"] == element]
    return client.post(f"/api/v1/tasks/{task['id']}/complete", group, expected, json={"data": data})


def _elements(client: ApiClient, group: str) -> list[str]:
    return sorted(t["element_id"] for t in client.get("/api/v1/tasks", group)["items"])


def test_screening_without_the_optional_partner_checks_goes_straight_to_the_decision(client: ApiClient) -> None:
    client.tokens["rita"] = client.tokens["referrer"]
    open_referral(client)
    screening = filled("mash_screening", 1)
    assert "partner_checks" not in screening, "the form's second example leaves the optional field out"
    _submit(client, "mash_screener", "screen_contact", screening, 200)
    assert _elements(client, "mash_manager") == ["screening_decision"]


def _conference_from_a_strategy_discussion(db: Database) -> CaseDriver:
    case = refer_to_the_mash_and_decide_on_a_strategy_discussion(db)
    hold_the_strategy_discussion_and_find_continuing_risk(case)
    case.complete("book_conference", filled("conference_booking"), london(2027, 1, 6, 10))
    case.complete("prepare_reports", filled("sos_map"), london(2027, 1, 7, 15))
    case.complete("check_quorum", filled("conference_quorum"), london(2027, 1, 7, 15))
    return case


def test_an_initial_conference_cannot_be_recorded_as_a_review_nor_route_on_the_strategy_decision(
    client: ApiClient, db: Database
) -> None:
    _conference_from_a_strategy_discussion(db)
    before = row_counts(db)
    held = london(2027, 1, 11, 10).isoformat()
    as_review = review_record(london(2027, 1, 11, 10), "continue_plan")
    error = _submit(client, "cp_chair", "hold_conference", as_review, 422)
    assert [d["pointer"] for d in error["details"]] == ["/data/type"]
    no_decision = filled("cp_conference_record", date=held, without=("decision",))
    error = _submit(client, "cp_chair", "hold_conference", no_decision, 422)
    assert [d["pointer"] for d in error["details"]] == ["/data/decision"]
    assert row_counts(db) == before
    _submit(client, "cp_chair", "hold_conference", filled("cp_conference_record", date=held, decision="cp_plan"), 200)
    assert _elements(client, "core_group") == ["first_core_group"]


def _plan_at_first_review(db: Database) -> CaseDriver:
    case = _conference_from_a_strategy_discussion(db)
    case.complete("hold_conference", filled("cp_conference_record", date=london(2027, 1, 11, 10).isoformat(),
                                            decision="cp_plan"), london(2027, 1, 11, 13))
    case.complete("first_core_group", filled("core_group_record", meeting_date="2027-01-21"), london(2027, 1, 21, 16))
    case.complete("book_first_review", filled("conference_booking", 1), london(2027, 2, 1, 10))
    return case


def test_the_first_review_opens_as_a_review_with_no_decision_and_submitting_it_as_prefilled_is_a_422(
    client: ApiClient, db: Database
) -> None:
    _plan_at_first_review(db)
    task = only_task(client, "cp_chair")
    prefilled = client.get(f"/api/v1/tasks/{task['id']}", "cp_chair")["data"]
    assert prefilled["type"] == "review"
    assert "review_decision" not in prefilled and "decision" not in prefilled
    before = row_counts(db)
    error = client.post(f"/api/v1/tasks/{task['id']}/complete", "cp_chair", 422, json={"data": prefilled})
    assert "/data/review_decision" in [d["pointer"] for d in error["details"]]
    assert row_counts(db) == before


def test_a_later_review_never_reuses_the_previous_reviews_decision(client: ApiClient, db: Database) -> None:
    case = _plan_at_first_review(db)
    case.complete("hold_first_review", review_record(london(2027, 4, 9, 10), "continue_plan"), london(2027, 4, 9, 13))
    case.complete("core_group_meeting", filled("core_group_record", meeting_date="2027-05-20"), london(2027, 5, 20, 16))
    case.complete("book_review", filled("conference_booking", 1), london(2027, 6, 1, 10))
    chair_says_nfa = {**review_record(london(2027, 10, 8, 10), "continue_plan"), "decision": "nfa"}
    chair_says_nfa.pop("review_decision")
    before = row_counts(db)
    error = _submit(client, "cp_chair", "hold_review", chair_says_nfa, 422)
    assert {"/data/review_decision", "/data/decision"} <= {d["pointer"] for d in error["details"]}
    assert row_counts(db) == before
    _submit(client, "cp_chair", "hold_review", review_record(london(2027, 10, 8, 10), "end_plan"), 200)
    (conference,) = [i for i in case.instances() if i.outcome == "plan_ended"]
    assert conference.status == "completed"
