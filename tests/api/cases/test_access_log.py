"""Every read is reviewable: auditors list who read a case and when, and export its chronology as CSV and PDF."""

from __future__ import annotations

import csv
import io

from engine.db import Database
from tests.api.access_scenes import mash_case_at_decision, task_of
from tests.api.conftest import ApiClient
from tests.conftest import Clock


def _reads(api: ApiClient, case_id: str) -> list[tuple[str, str, str]]:
    log = api.get(f"/api/v1/cases/{case_id}/access-log", "audrey")
    assert log["case_id"] == case_id
    return [(r["actor"], r["action"], r["what"]) for r in log["reads"]]


def test_reading_a_task_form_is_an_audit_event_on_its_case(api: ApiClient) -> None:
    case_id = mash_case_at_decision(api)
    decision = task_of(api, "maya", "screening_decision", case_id)
    api.get(f"/api/v1/tasks/{decision['id']}", "maya")
    assert ("maya", "task_viewed", "Screening decision") in _reads(api, case_id)


def test_a_task_outside_my_lanes_is_404_and_no_read_is_recorded(api: ApiClient) -> None:
    case_id = mash_case_at_decision(api)
    decision = task_of(api, "maya", "screening_decision", case_id)
    api.get(f"/api/v1/tasks/{decision['id']}", "sam", 404)
    assert [read for read in _reads(api, case_id) if read[0] == "sam"] == []


def test_an_auditor_lists_who_read_the_case_and_when_in_order(api: ApiClient, clock: Clock) -> None:
    case_id = mash_case_at_decision(api)
    api.get(f"/api/v1/cases/{case_id}", "sam")
    clock.advance(minutes=5)
    decision = task_of(api, "maya", "screening_decision", case_id)
    api.get(f"/api/v1/tasks/{decision['id']}", "maya")
    api.get(f"/api/v1/referrals/{case_id}", "rita")
    api.get(f"/api/v1/cases/{case_id}/history", "audrey")
    log = api.get(f"/api/v1/cases/{case_id}/access-log", "audrey")["reads"]
    assert [(r["actor"], r["what"]) for r in log] == [
        ("sam", "case"), ("maya", "Screening decision"), ("rita", "referral"), ("audrey", "history"),
        ("audrey", "access_log"),
    ]
    assert log[0]["at"] < log[1]["at"]
    assert log[1]["task_id"] == decision["id"]


def test_only_auditors_review_access_and_export_chronologies(api: ApiClient) -> None:
    case_id = mash_case_at_decision(api)
    for user in ("maya", "sam", "rita", "owen"):
        for path in ("access-log", "chronology.csv", "chronology.pdf"):
            assert api.get(f"/api/v1/cases/{case_id}/{path}", user, 403)["error"] == "forbidden"


def test_the_chronology_exports_as_csv_in_order_with_a_sentence_per_event(api: ApiClient) -> None:
    case_id = mash_case_at_decision(api)
    response = api.client.get(f"/api/v1/cases/{case_id}/chronology.csv",
                              headers={"Authorization": f"Bearer {api.tokens['audrey']}"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "MASH-2026-000001-chronology.csv" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert list(rows[0]) == ["seq", "at", "actor", "action", "summary", "instance_id", "task_id", "details"]
    assert [int(r["seq"]) for r in rows] == sorted(int(r["seq"]) for r in rows)
    assert (rows[0]["actor"], rows[0]["action"]) == ("rita", "case_opened")
    assert rows[0]["summary"] == "Opened case MASH-2026-000001 (mash_screening)"
    assert rows[0]["at"] == "2026-05-22 10:30:00 BST"
    completed = [r["summary"] for r in rows if r["action"] == "task_completed"]
    assert completed == ["Completed 'Screen and RAG-rate contact' (form mash_screening)",
                         "Completed 'Police check' (form partner_check)"]
    assert rows[-1]["action"] == "case_viewed" and '"chronology_csv"' in rows[-1]["details"]


def test_the_chronology_exports_as_a_pdf_naming_the_case(api: ApiClient, db: Database) -> None:
    case_id = mash_case_at_decision(api)
    response = api.client.get(f"/api/v1/cases/{case_id}/chronology.pdf",
                              headers={"Authorization": f"Bearer {api.tokens['audrey']}"})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF")
    assert b"MASH-2026-000001" in pdf
    assert b"Completed 'Police check'" in pdf
    assert ("audrey", "case_viewed", "chronology_pdf") in _reads(api, case_id)


def test_exports_of_a_missing_case_are_404(api: ApiClient) -> None:
    for path in ("access-log", "chronology.csv", "chronology.pdf"):
        api.get(f"/api/v1/cases/00000000-0000-4000-8000-000000000000/{path}", "audrey", 404)
