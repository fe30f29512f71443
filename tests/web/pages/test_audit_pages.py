"""Auditor pages on real audit events: search by case, person, action and dates (newest first, keyset-paged,
CSV), chain verification (intact, and broken when an event is altered outside the service), a case's
chronology and access log (the visit itself recorded) with CSV and PDF exports; 403 for everyone else and 404
for a case that does not exist; restricted cases stay open to auditors."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select as sql_select
from sqlalchemy import update

from engine import accounts, runtime
from engine.access import Actor
from engine.db import Database
from engine.models import AuditEvent, Case
from tests.conftest import Clock
from tests.db_admin import audit_triggers_suspended
from tests.factories import deploy, referral, subject
from tests.web.conftest import PASSWORD, PageRequest

REFERRER = Actor("rita", frozenset({"referrer"}))


@pytest.fixture
def case(db: Database, clock: Clock, web_users: Any) -> Case:
    """A referral opened on Friday 22 May 2026, read by sam on the Tuesday after; an auditor, ada."""
    accounts.create_user(db, "ada", ["auditor"], clock(), display_name="Ada", password=PASSWORD)
    deploy(db, name="mash_screening.bpmn", now=clock())
    case_id = runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(), actor=REFERRER,
                                now=clock())
    runtime.record_case_read(db, case_id, Actor("sam", frozenset({"mash_screener"})), clock.advance(days=4), "case")
    with db.reading() as session:
        found = session.get(Case, case_id)
        assert found is not None
        return found


def _seqs(page: Any) -> list[int]:
    return [int(row.get("data-seq")) for row in page.select("#audit-events .audit-row")]


def test_the_auditor_finds_a_case_by_reference_and_opens_its_timeline(page_request: PageRequest, case: Case) -> None:
    page_request.web.sign_in("ada")
    page = page_request.get("audit_pages.search", case=case.reference.lower())
    assert page.text("title") == "Audit events – sosflow"
    seqs = _seqs(page)
    assert seqs == sorted(seqs, reverse=True) and len(seqs) >= 3
    assert "Opened case " + case.reference in page.text("#audit-events")
    link = page.select("#audit-events a.case-link")[0]
    assert link.get("href") == f"/audit/cases/{case.id}"
    timeline = page_request.get("audit_pages.case", case_id=case.id)
    assert timeline.text("h1") == case.reference
    titles = [t.text for t in timeline.select("#chronology .moj-timeline__title")]
    assert titles[-1].startswith(f"Opened case {case.reference}")
    assert timeline.select(f"#exports a[href='/audit/cases/{case.id}/chronology.pdf']")


def test_search_narrows_by_person_action_and_dates(page_request: PageRequest, case: Case) -> None:
    page_request.web.sign_in("ada")
    by_sam = page_request.get("audit_pages.search", person="sam")
    assert {row.text for row in by_sam.select("#audit-events .audit-row td:nth-child(3)")} == {"sam"}
    read = page_request.get("audit_pages.search", action="case_viewed", case=case.reference)
    assert "Read the case (case)" in read.text("#audit-events")
    assert page_request.get("audit_pages.search", person="sam", to="25/5/2026").select("#no-events")
    assert _seqs(page_request.get("audit_pages.search", person="sam", **{"from": "2026-05-26", "to": "26/5/2026"}))
    assert page_request.get("audit_pages.search", case="MASH-1999-000000").select("#no-events")


def test_a_date_that_is_not_real_is_shown_in_the_error_summary(page_request: PageRequest, case: Case) -> None:
    page_request.web.sign_in("ada")
    page = page_request.get("audit_pages.search", _expected_status=422, **{"from": "31/2/2026"})
    assert page.text("title").startswith("Error: ")
    (link,) = page.select(".govuk-error-summary__list a")
    assert link.get("href") == "#search-from" and page.select("#search-from.govuk-input--error")
    assert "must be a real date" in page.text("#search-from-error")


def test_search_results_are_paged_by_sequence_and_exported_as_csv(
        page_request: PageRequest, case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.pages import audit

    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    page_request.web.sign_in("ada")
    first = page_request.get("audit_pages.search", case=case.reference)
    (older,) = first.select("a[rel=next]")
    assert parse_qs(urlsplit(older.get("href")).query)["case"] == [case.reference]
    second = page_request.web.page(older.get("href"))
    assert max(_seqs(second)) < min(_seqs(first))
    response = page_request.web.client.get(first.select("#export-csv")[0].get("href"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) >= 3 and rows[-1]["action"] == "case_opened"


def test_verifying_the_chain_reports_it_intact_then_broken_at_an_altered_event(
        page_request: PageRequest, case: Case, db: Database) -> None:
    page_request.web.sign_in("ada")
    assert page_request.get("audit_pages.search").select("form#verify-form[action='/audit/verify']")
    intact = page_request.post("audit_pages.verify", {"full": "yes"}, _expected_status=200)
    assert intact.select("#chain-result[data-intact=yes]") and intact.text("h1") == "The audit chain is intact"
    with db.reading() as session:
        first = session.scalars(sql_select(AuditEvent).order_by(AuditEvent.seq)).first()
        assert first is not None
    with audit_triggers_suspended(db) as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == first.seq).values(actor="mallory"))
    broken = page_request.post("audit_pages.verify", {"full": "yes"}, _expected_status=200)
    assert broken.select("#chain-result[data-intact=no]")
    assert str(first.seq) in broken.text("#chain-report")


def test_the_chronology_page_shows_the_access_log_and_records_its_own_read(
        page_request: PageRequest, case: Case, db: Database) -> None:
    page_request.web.sign_in("ada")
    page = page_request.get("audit_pages.case", case_id=case.id)
    people = [cell.text for cell in page.select("#access-log .access-row td:nth-child(2)")]
    assert people == ["ada", "sam"]
    assert "chronology" in page.text("#access-log")
    with db.reading() as session:
        reads = session.scalars(sql_select(AuditEvent).where(AuditEvent.actor == "ada",
                                                             AuditEvent.action == "case_viewed"))
        assert [r.payload["what"] for r in reads] == ["chronology"]


def test_the_chronology_exports_as_csv_and_pdf_each_recorded_as_a_read(
        page_request: PageRequest, case: Case, db: Database) -> None:
    page_request.web.sign_in("ada")
    client = page_request.web.client
    as_csv = client.get(page_request.url("audit_pages.chronology_as_csv", case_id=case.id))
    assert as_csv.status_code == 200 and as_csv.mimetype == "text/csv"
    assert f"{case.reference}-chronology.csv" in as_csv.headers["Content-Disposition"]
    assert "case_opened" in as_csv.get_data(as_text=True)
    as_pdf = client.get(page_request.url("audit_pages.chronology_as_pdf", case_id=case.id))
    assert as_pdf.status_code == 200 and as_pdf.data.startswith(b"%PDF-")
    assert f"Chronology of {case.reference}".encode() in as_pdf.data
    with db.reading() as session:
        whats = [e.payload["what"] for e in session.scalars(
            sql_select(AuditEvent).where(AuditEvent.actor == "ada", AuditEvent.action == "case_viewed")
            .order_by(AuditEvent.seq))]
    assert whats == ["chronology_csv", "chronology_pdf"]


def test_a_restricted_case_stays_open_to_the_auditor(page_request: PageRequest, case: Case, db: Database,
                                                     clock: Clock) -> None:
    runtime.restrict_case(db, case.id, reason="A member of staff is related", team=None,
                          actor=Actor("maya", frozenset({"mash_manager", "mash_screener"})), now=clock())
    page_request.web.sign_in("ada")
    page = page_request.get("audit_pages.case", case_id=case.id)
    assert "Restricted" in page.text("main") and page.select("#chronology .moj-timeline__item")
    page_request.web.sign_in("sam")
    page_request.get("case_pages.case", case_id=case.id, _expected_status=404)


@pytest.mark.parametrize("who", ["sam", "maya", "rita"])
def test_everyone_but_auditors_is_refused_the_audit_pages(page_request: PageRequest, case: Case, who: str) -> None:
    page_request.web.sign_in(who)
    assert page_request.get("audit_pages.search", _expected_status=403).text("h1")
    page_request.get("audit_pages.case", case_id=case.id, _expected_status=403)
    page_request.post("audit_pages.verify", _expected_status=403)
    assert "Audit" not in page_request.get("home.index").text(".govuk-service-navigation")


def test_a_case_that_does_not_exist_is_not_found(page_request: PageRequest, case: Case) -> None:
    page_request.web.sign_in("ada")
    page_request.get("audit_pages.case", case_id=uuid.uuid4(), _expected_status=404)
    assert page_request.web.client.get(f"/audit/cases/{uuid.uuid4()}/chronology.pdf").status_code == 404
    assert "Audit" in page_request.get("home.index").text(".govuk-service-navigation")
