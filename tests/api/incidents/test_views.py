"""The incident resource: process owners and administrators list incidents, read one and retry it after the
fix; other roles are refused; the case view lists the case's incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from engine import runtime
from engine.calendar import LONDON
from engine.db import Database
from engine.models import Incident, ProcessInstance
from tests.api.helpers import complete, open_referral, screen
from tests.api_client import ApiClient
from tests.conftest import Clock
from tests.factories import BPMN_DIR, create_user, deploy, store_unverified

AFTER_T1 = datetime(2026, 5, 26, 17, 1, tzinfo=LONDON)
UNKNOWN = "00000000-0000-4000-8000-000000000000"
BROKEN_STRATEGY = (BPMN_DIR / "strategy_discussion.bpmn").read_text().replace(
    'value="add_working_days(process_started_at, 1)"', 'value="add_working_days(strategy_requested_at, 1)"')


@pytest.fixture
def admin(api: ApiClient, db: Database, clock: Clock) -> str:
    api.tokens["ada"] = create_user(db, username="ada", groups=["administrator"], now=clock())
    return "ada"


def damage(db: Database, case_id: str) -> bytes:
    """Overwrite a case's stored workflow with bytes that do not load; returns what was there."""
    with db.unit_of_work() as session:
        instance = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).one()
        good = instance.state
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id).values(state=b"\x00"))
    runtime.WORKFLOWS.clear()
    return good


def repair(db: Database, case_id: str, state: bytes) -> None:
    with db.unit_of_work() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.case_id == case_id).values(state=state))
    runtime.WORKFLOWS.clear()


def handoff_incident(api: ApiClient, db: Database, clock: Clock) -> dict[str, Any]:
    """A MASH case whose hand-off to a broken strategy discussion failed; the manager's completion still 200."""
    store_unverified(db, xml=BROKEN_STRATEGY, key="strategy_discussion", now=clock())
    case = open_referral(api)
    screen(api, agencies=[], immediate_danger=True)
    complete(api, "maya", "emergency_response")
    return case


def test_the_users_completion_that_reaches_a_failing_hand_off_succeeds_and_the_case_shows_the_incident(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    case = handoff_incident(api, db, clock)
    view = api.get(f"/api/v1/cases/{case['id']}", "audrey")
    (incident,) = view["incidents"]
    assert (incident["kind"], incident["status"], incident["element_id"]) == ("handoff", "open",
                                                                              "end_immediate_protection")
    assert incident["process"] == "mash_screening" and incident["case_reference"] == case["reference"]
    assert incident["error"] == "NameError" and "strategy_requested_at" in incident["message"]
    assert incident["tries"] == 1 and "retry" not in incident
    assert [i["process"] for i in view["instances"]] == ["mash_screening"]


@pytest.mark.parametrize("user", ["owen", "ada"])
def test_process_owners_and_administrators_list_read_and_retry_an_incident(
    api: ApiClient, db: Database, clock: Clock, admin: str, user: str
) -> None:
    case = handoff_incident(api, db, clock)
    (listed,) = api.get("/api/v1/incidents", user)["items"]
    assert api.get(f"/api/v1/incidents/{listed['id']}", user) == listed

    failed = api.post(f"/api/v1/incidents/{listed['id']}/retry", user, 422)
    assert failed["error"] == "retry_failed"
    assert failed["details"]["element_id"] == "end_immediate_protection"
    assert "end_immediate_protection" in failed["message"] and "strategy_requested_at" in failed["message"]
    assert api.get(f"/api/v1/incidents/{listed['id']}", user)["tries"] == 2

    deploy(db, name="strategy_discussion.bpmn", now=clock())
    resolved = api.post(f"/api/v1/incidents/{listed['id']}/retry", user)
    assert (resolved["status"], resolved["resolved_by"], resolved["tries"]) == ("resolved", user, 3)
    assert api.get("/api/v1/incidents", user)["items"] == []
    assert [i["id"] for i in api.get("/api/v1/incidents", user, query_string={"status": "resolved"})["items"]] == [
        listed["id"]]
    processes = sorted(i["process"] for i in api.get(f"/api/v1/cases/{case['id']}", "audrey")["instances"])
    assert processes == ["mash_screening", "strategy_discussion"]
    assert api.post(f"/api/v1/incidents/{listed['id']}/retry", user, 409)["error"] == "conflict"


@pytest.mark.parametrize("user", ["sam", "maya", "audrey", "rita"])
def test_other_roles_may_not_list_read_or_retry_incidents(
    api: ApiClient, db: Database, clock: Clock, user: str
) -> None:
    handoff_incident(api, db, clock)
    with db.reading() as session:
        incident_id = session.scalars(select(Incident.id)).one()
    assert api.get("/api/v1/incidents", user, 403)["error"] == "forbidden"
    assert api.get(f"/api/v1/incidents/{incident_id}", user, 403)["error"] == "forbidden"
    assert api.post(f"/api/v1/incidents/{incident_id}/retry", user, 403)["error"] == "forbidden"
    with db.reading() as session:
        assert session.scalars(select(Incident.tries)).one() == 1


def test_an_unknown_incident_is_404(api: ApiClient, admin: str) -> None:
    assert api.get(f"/api/v1/incidents/{UNKNOWN}", "owen", 404)["error"] == "not_found"
    assert api.post(f"/api/v1/incidents/{UNKNOWN}/retry", admin, 404)["error"] == "not_found"


def test_incidents_are_filtered_by_process_and_paged_oldest_first(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    first, second = open_referral(api), open_referral(api)
    damage(db, first["id"]), damage(db, second["id"])
    runtime.fire_due_timers(db, AFTER_T1)

    page = api.get("/api/v1/incidents", "owen", query_string={"limit": 1})
    (oldest,) = page["items"]
    rest = api.get("/api/v1/incidents", "owen", query_string={"limit": 1, "cursor": page["next_cursor"]})
    assert rest["next_cursor"] is None
    assert {oldest["case_id"], rest["items"][0]["case_id"]} == {first["id"], second["id"]}
    assert (oldest["kind"], oldest["element_id"]) == ("stored_state", "timer_screening_overdue")
    assert len(api.get("/api/v1/incidents", "owen", query_string={"process": "mash_screening"})["items"]) == 2
    assert api.get("/api/v1/incidents", "owen", query_string={"process": "lado_allegation"})["items"] == []


def test_a_retry_after_the_stored_workflow_is_repaired_fires_the_timer_due_by_then(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    case = open_referral(api)
    good = damage(db, case["id"])
    runtime.fire_due_timers(db, AFTER_T1)
    (incident,) = api.get(f"/api/v1/cases/{case['id']}", "audrey")["incidents"]
    repair(db, case["id"], good)
    clock.now = AFTER_T1

    assert api.post(f"/api/v1/incidents/{incident['id']}/retry", "owen")["status"] == "resolved"
    (review,) = api.get("/api/v1/tasks", "maya")["items"]
    assert review["name"] == "Review overdue screening"


@pytest.mark.parametrize("query", [{"status": "broken"}, {"limit": 0}, {"cursor": "not-a-cursor"}])
def test_bad_list_queries_are_422_naming_the_field(api: ApiClient, query: dict[str, Any]) -> None:
    body = api.get("/api/v1/incidents", "owen", 422, query_string=query)
    assert body["details"]
