"""Opening and reading cases through the API, including who may see them."""

from __future__ import annotations

from engine.db import Database
from tests.api.conftest import ApiClient
from tests.api.helpers import only_task, open_referral, row_counts
from tests.factories import referral, subject


def test_a_referral_opens_a_case_with_a_readable_reference_and_a_running_instance(api: ApiClient) -> None:
    first = open_referral(api)
    second = open_referral(api)
    assert (first["reference"], second["reference"]) == ("MASH-2026-000001", "MASH-2026-000002")
    assert (first["status"], first["outcome"]) == ("open", None)
    assert "instances" not in first and "open_tasks" not in first  # the referrer sees their referral only
    first = api.get(f"/api/v1/cases/{first['id']}", "sam")
    (instance,) = first["instances"]
    assert instance["process"] == "mash_screening"
    assert instance["status"] == "running"
    assert instance["position"] == ["Screen and RAG-rate contact"]
    assert [t["name"] for t in first["open_tasks"]] == ["Screen and RAG-rate contact"]
    assert [t["name"] for t in instance["waiting_timers"]] == ["Screening decision overdue"]


def test_an_invalid_referral_is_422_with_pointers_and_opens_nothing(api: ApiClient, db: Database) -> None:
    data = referral()
    del data["concern"]["what_happened"]
    data["children"][0]["nhs_number"] = "1234567890"
    before = row_counts(db)
    body = api.post("/api/v1/cases", "rita", 422, json={"process": "mash_screening", "subject": subject(),
                                                         "data": data})
    pointers = {d["pointer"] for d in body["details"]}
    assert {"/data/concern/what_happened", "/data/children/0/nhs_number"} <= pointers
    assert row_counts(db) == before


def test_a_subject_without_a_name_is_422_naming_it(api: ApiClient, db: Database) -> None:
    before = row_counts(db)
    body = api.post("/api/v1/cases", "rita", 422,
                    json={"process": "mash_screening", "subject": {"dob": "2019-01-01"}, "data": referral()})
    assert "/subject/name" in {d["pointer"] for d in body["details"]}
    assert row_counts(db) == before


def test_an_unknown_process_is_404(api: ApiClient) -> None:
    body = api.post("/api/v1/cases", "rita", 404, json={"process": "nope", "subject": subject(), "data": {}})
    assert body["error"] == "not_found"


def test_only_the_start_lanes_group_may_open_a_case(api: ApiClient, db: Database) -> None:
    before = row_counts(db)
    body = api.post("/api/v1/cases", "sam", 403,
                    json={"process": "mash_screening", "subject": subject(), "data": referral()})
    assert body["error"] == "forbidden"
    assert row_counts(db) == before


def test_a_case_is_404_to_a_user_with_no_part_in_it(api: ApiClient) -> None:
    case = open_referral(api)
    api.get(f"/api/v1/cases/{case['id']}", "pc_police", 404)
    api.get(f"/api/v1/cases/{case['id']}/history", "pc_police", 404)
    assert api.get(f"/api/v1/cases/{case['id']}", "sam")["reference"] == case["reference"]
    api.get(f"/api/v1/cases/{case['id']}", "rita", 404)  # the referrer has /referrals instead


def test_every_read_of_a_case_is_audited(api: ApiClient) -> None:
    case = open_referral(api)
    only_task(api, "sam")
    api.get(f"/api/v1/cases/{case['id']}", "sam")
    events = api.get(f"/api/v1/cases/{case['id']}/history", "audrey")["events"]
    reads = [(e["actor"], e["payload"]["what"]) for e in events if e["action"] == "case_viewed"]
    assert reads == [("sam", "case"), ("audrey", "history")]
