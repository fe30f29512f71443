"""Restricting a case and breaking the glass on one: managers only, a reason always, every act audited."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask

from api.app import create_app
from engine.db import Database
from tests.api.access_scenes import ACCESS_USERS, add_users, mash_case_at_decision, restrict
from tests.api.conftest import ApiClient
from tests.api.helpers import row_counts
from tests.conftest import Clock


@pytest.fixture
def staff(api: ApiClient, db: Database, clock: Clock) -> ApiClient:
    add_users(api, db, clock, ACCESS_USERS)
    return api


def _events(api: ApiClient, case_id: str, action: str) -> list[dict]:  # type: ignore[type-arg]
    history = api.get(f"/api/v1/cases/{case_id}/history", "audrey")["events"]
    return [e for e in history if e["action"] == action]


def test_a_manager_restricts_a_case_with_a_reason_and_the_group_no_longer_opens_it(staff: ApiClient) -> None:
    case_id = mash_case_at_decision(staff)
    assert staff.get(f"/api/v1/cases/{case_id}", "mo")["case"]["restricted"] is False
    body = restrict(staff, case_id, team="social_worker")
    assert (body["restricted"], body["team"], body["restricted_by"]) == (True, "social_worker", "maya")
    (event,) = _events(staff, case_id, "case_restricted")
    assert (event["actor"], event["payload"]) == ("maya", {"reason": "The child's parent works in the MASH",
                                                           "team": "social_worker"})
    staff.get(f"/api/v1/cases/{case_id}", "mo", 404)  # a MASH manager by group only
    assert staff.get(f"/api/v1/cases/{case_id}", "sue")["case"]["restricted"] is True  # the named team


def test_a_restriction_needs_a_manager_a_visible_case_a_reason_and_a_real_team(staff: ApiClient, db: Database) -> None:
    case_id = mash_case_at_decision(staff)
    before = row_counts(db)
    staff.post(f"/api/v1/cases/{case_id}/restriction", "sam", 403, json={"reason": "r"})
    staff.post(f"/api/v1/cases/{case_id}/restriction", "lou", 404, json={"reason": "r"})  # a manager who cannot see it
    for reason in ("", "   "):
        staff.post(f"/api/v1/cases/{case_id}/restriction", "maya", 422, json={"reason": reason})
    body = staff.post(f"/api/v1/cases/{case_id}/restriction", "maya", 422, json={"reason": "r", "team": "nobody"})
    assert body["details"][0]["pointer"] == "/team"
    assert row_counts(db) == before


def _restricted_case(staff: ApiClient) -> str:
    case_id = mash_case_at_decision(staff)
    restrict(staff, case_id)
    staff.get(f"/api/v1/cases/{case_id}", "mo", 404)
    return case_id


def test_break_glass_needs_a_reason_then_opens_the_case_audited_and_listed_for_auditors(
    staff: ApiClient, clock: Clock
) -> None:
    case_id = _restricted_case(staff)
    url = f"/api/v1/cases/{case_id}/break-glass"
    staff.post(url, "mo", 422, json={})
    staff.post(url, "mo", 422, json={"reason": "  "})
    staff.get(f"/api/v1/cases/{case_id}", "mo", 404)

    opening = staff.post(url, "mo", 201, json={"reason": "Out-of-hours call from police about the child"})
    assert opening["expires_at"] > opening["opened_at"]
    assert staff.get(f"/api/v1/cases/{case_id}", "mo")["id"] == case_id
    assert staff.get(f"/api/v1/cases/{case_id}/history", "mo")["case_id"] == case_id

    (event,) = _events(staff, case_id, "break_glass_opened")
    assert (event["actor"], event["payload"]["reason"]) == ("mo", "Out-of-hours call from police about the child")
    (listed,) = staff.get("/api/v1/audit/break-glass", "audrey")["items"]
    assert (listed["username"], listed["case_id"], listed["active"]) == ("mo", case_id, True)
    assert listed["reference"] == "MASH-2026-000001"
    staff.get("/api/v1/audit/break-glass", "maya", 403)


def test_break_glass_expires_after_the_configured_time(staff: ApiClient, clock: Clock) -> None:
    case_id = _restricted_case(staff)
    staff.post(f"/api/v1/cases/{case_id}/break-glass", "mo", 201, json={"reason": "Police enquiry"})
    clock.advance(hours=7, minutes=59)
    staff.get(f"/api/v1/cases/{case_id}", "mo")
    clock.advance(minutes=2)
    staff.get(f"/api/v1/cases/{case_id}", "mo", 404)
    (listed,) = staff.get("/api/v1/audit/break-glass", "audrey")["items"]
    assert listed["active"] is False


def test_the_break_glass_time_is_configurable(staff: ApiClient, db: Database, clock: Clock) -> None:
    case_id = _restricted_case(staff)
    short: Flask = create_app(db, clock=clock, SOSFLOW_BREAK_GLASS_HOURS=1)
    client = ApiClient(short.test_client(), staff.tokens)
    opening = client.post(f"/api/v1/cases/{case_id}/break-glass", "mo", 201, json={"reason": "Police enquiry"})
    assert datetime.fromisoformat(opening["expires_at"]) == clock() + timedelta(hours=1)


def test_only_managers_break_the_glass_and_only_on_a_case_they_cannot_see(staff: ApiClient, db: Database) -> None:
    case_id = _restricted_case(staff)
    before = row_counts(db)
    staff.post(f"/api/v1/cases/{case_id}/break-glass", "pat", 403, json={"reason": "curious"})
    staff.post(f"/api/v1/cases/{case_id}/break-glass", "audrey", 403, json={"reason": "curious"})
    body = staff.post(f"/api/v1/cases/{case_id}/break-glass", "maya", 422, json={"reason": "already mine"})
    assert "already see" in body["message"]
    staff.post("/api/v1/cases/00000000-0000-4000-8000-000000000000/break-glass", "mo", 404, json={"reason": "x"})
    assert row_counts(db) == before
    assert staff.get("/api/v1/audit/break-glass", "audrey")["items"] == []


def test_break_glass_opens_an_allegation_to_a_manager_outside_the_lado_service(
    staff: ApiClient, db: Database, clock: Clock
) -> None:
    from tests.api.access_scenes import lado_case_at_strands

    case_id = lado_case_at_strands(staff, db, clock)
    staff.get(f"/api/v1/cases/{case_id}", "tom", 404)
    staff.post(f"/api/v1/cases/{case_id}/break-glass", "tom", 201, json={"reason": "Allegation names my team"})
    assert staff.get(f"/api/v1/cases/{case_id}", "tom")["reference"] == "LADO-2026-000001"
