"""Task queue, claim/unclaim and completion through the API, including every refusal."""

from __future__ import annotations

from datetime import datetime

from engine.calendar import LONDON
from engine.db import Database
from tests.api.conftest import ApiClient
from tests.api.helpers import complete, only_task, open_referral, row_counts, screen
from tests.conftest import Clock
from tests.factories import form_data


def test_a_referral_puts_its_first_task_in_the_screeners_queue_due_one_working_day_later(api: ApiClient) -> None:
    case = open_referral(api)
    task = only_task(api, "sam")
    assert task["name"] == "Screen and RAG-rate contact"
    assert task["case_id"] == case["id"]
    assert task["candidate_group"] == "mash_screener"
    # Friday 22 May 2026 referral; Monday 25 May is a bank holiday: due Tuesday 26 May, 17:00 London (T1).
    assert datetime.fromisoformat(task["due_at"]) == datetime(2026, 5, 26, 17, 0, tzinfo=LONDON)
    assert task["due_rule"] == "T1"
    assert api.get("/api/v1/tasks", "maya")["items"] == []


def test_task_detail_carries_the_form_json_schema(api: ApiClient) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    detail = api.get(f"/api/v1/tasks/{task['id']}", "sam")
    assert detail["task"]["id"] == task["id"]
    assert detail["form_schema"]["title"]
    assert "decision" in detail["form_schema"]["properties"]
    assert detail["case_reference"] == "MASH-2026-000001"


def test_queue_is_sorted_by_due_date_and_paginated_by_cursor(api: ApiClient, clock: Clock) -> None:
    for day in (22, 26, 27, 28, 29):  # working days in office hours: out of hours a referral goes to EDT first
        clock.now = datetime(2026, 5, day, 10, 30, tzinfo=LONDON)
        open_referral(api)
    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/tasks", "sam", query_string=query)
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and len({t["id"] for t in seen}) == 5
    dues = [t["due_at"] for t in seen]
    assert dues == sorted(dues)


def test_queue_filters_by_assignee_group_process_and_overdue(api: ApiClient, clock: Clock) -> None:
    open_referral(api)
    open_referral(api)
    first = api.get("/api/v1/tasks", "sam")["items"][0]
    api.post(f"/api/v1/tasks/{first['id']}/claim", "sam")
    mine = api.get("/api/v1/tasks", "sam", query_string={"assignee": "me"})["items"]
    assert [t["id"] for t in mine] == [first["id"]]
    assert api.get("/api/v1/tasks", "pat", query_string={"assignee": "me"})["items"] == []
    assert len(api.get("/api/v1/tasks", "sam", query_string={"group": "mash_screener"})["items"]) == 2
    assert api.get("/api/v1/tasks", "sam", query_string={"process": "lado_allegation"})["items"] == []
    assert api.get("/api/v1/tasks", "sam", query_string={"overdue": "true"})["items"] == []
    clock.now = datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)
    assert len(api.get("/api/v1/tasks", "sam", query_string={"overdue": "true"})["items"]) == 2


def test_asking_for_another_groups_queue_is_forbidden(api: ApiClient) -> None:
    body = api.get("/api/v1/tasks", "sam", 403, query_string={"group": "mash_manager"})
    assert body["error"] == "forbidden"


def test_claim_then_unclaim_returns_the_task_to_the_group(api: ApiClient) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    claimed = api.post(f"/api/v1/tasks/{task['id']}/claim", "sam")
    assert claimed["assignee"] == "sam"
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "pat", 409)["error"] == "conflict"
    assert api.post(f"/api/v1/tasks/{task['id']}/unclaim", "pat", 409)["error"] == "conflict"
    assert api.post(f"/api/v1/tasks/{task['id']}/unclaim", "sam")["assignee"] is None
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "pat")["assignee"] == "pat"


def test_completing_a_task_claimed_by_someone_else_is_409_and_changes_nothing(api: ApiClient, db: Database) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    api.post(f"/api/v1/tasks/{task['id']}/claim", "pat")
    before = row_counts(db)
    body = api.post(f"/api/v1/tasks/{task['id']}/complete", "sam", 409,
                    json={"data": form_data("mash_screening")})
    assert body["error"] == "conflict"
    assert row_counts(db) == before


def test_completing_a_task_already_completed_is_409_and_changes_nothing(api: ApiClient, db: Database) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    data = {"data": form_data("mash_screening", partner_checks=[], immediate_danger=False)}
    api.post(f"/api/v1/tasks/{task['id']}/complete", "sam", json=data)
    before = row_counts(db)
    assert api.post(f"/api/v1/tasks/{task['id']}/complete", "pat", 409, json=data)["error"] == "conflict"
    assert row_counts(db) == before


def test_malformed_form_data_is_422_naming_each_field_and_changes_nothing(api: ApiClient, db: Database) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    bad = form_data("mash_screening", rag="purple", level_of_need=7)
    del bad["decision_rationale"]
    before = row_counts(db)
    body = api.post(f"/api/v1/tasks/{task['id']}/complete", "sam", 422, json={"data": bad})
    assert body["error"] == "form_invalid"
    pointers = {d["pointer"]: d for d in body["details"]}
    assert {"/data/rag", "/data/level_of_need", "/data/decision_rationale"} <= set(pointers)
    assert pointers["/data/decision_rationale"]["validator"] == "required"
    assert pointers["/data/rag"]["message"]
    assert row_counts(db) == before
    assert only_task(api, "sam")["status"] == "ready"


def test_a_danger_statement_is_required_before_a_strategy_discussion(api: ApiClient, db: Database) -> None:
    open_referral(api)
    screen(api, agencies=[])
    task = only_task(api, "maya")
    data = form_data("mash_decision", decision="strategy_discussion_s47")
    data.pop("draft_danger_statement", None)
    body = api.post(f"/api/v1/tasks/{task['id']}/complete", "maya", 422, json={"data": data})
    assert [d["pointer"] for d in body["details"]] == ["/data/draft_danger_statement"]


def test_a_body_without_data_is_422_naming_data(api: ApiClient, db: Database) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    body = api.post(f"/api/v1/tasks/{task['id']}/complete", "sam", 422, json={"form": {}})
    pointers = {d["pointer"] for d in body["details"]}
    assert "/data" in pointers and "/form" in pointers


def test_unknown_task_is_404_and_changes_nothing(api: ApiClient, db: Database) -> None:
    open_referral(api)
    before = row_counts(db)
    missing = "00000000-0000-4000-8000-000000000000"
    assert api.post(f"/api/v1/tasks/{missing}/complete", "sam", 404,
                    json={"data": form_data("mash_screening")})["error"] == "not_found"
    assert api.get(f"/api/v1/tasks/{missing}", "sam", 404)["error"] == "not_found"
    assert api.get("/api/v1/tasks/not-a-uuid", "sam", 404)["error"] == "not_found"
    assert row_counts(db) == before


def test_another_groups_task_is_404_for_every_verb_and_changes_nothing(api: ApiClient, db: Database) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    before = row_counts(db)
    assert api.get(f"/api/v1/tasks/{task['id']}", "maya", 404)["error"] == "not_found"
    for verb in ("claim", "unclaim"):
        api.post(f"/api/v1/tasks/{task['id']}/{verb}", "maya", 404)
    api.post(f"/api/v1/tasks/{task['id']}/complete", "pc_police", 404, json={"data": form_data("mash_screening")})
    assert row_counts(db) == before


def test_completion_is_recorded_with_its_form_data_in_the_history(api: ApiClient) -> None:
    case = open_referral(api)
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False, rag="amber")
    history = api.get(f"/api/v1/cases/{case['id']}/history", "audrey")["events"]
    actions = [e["action"] for e in history]
    assert actions[:3] == ["case_opened", "process_started", "task_completed"]
    completed = history[2]
    assert completed["actor"] == "sam"
    assert completed["payload"]["data"]["rag"] == "amber"
    assert completed["payload"]["data"]["author"] == "sam"
    assert [e["seq"] for e in history] == sorted(e["seq"] for e in history)
