"""Retention (domain T27, §9.3): what is past its keeping date, and removing or anonymising it with every
step audited and the audit chain still verifying."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from api.cli import cli
from engine import runtime
from engine.audit import verify_chain
from engine.audit_watch import watch_audit_chain
from engine.calendar import LONDON
from engine.db import Database
from engine.models import AuditEvent, AuditPayload, Case, ProcessInstance
from engine.retention import ANONYMOUS_SUBJECT, apply_retention, list_past_retention, state_pension_age
from tests.api.conftest import ApiClient
from tests.api.helpers import complete, open_referral, row_counts, screen
from tests.conftest import FIXED_NOW, Clock
from tests.engine.test_lado_paths import EMPLOYER, PROCESS, below_threshold
from tests.factories import deploy, form_data


def _closed_child_case(api: ApiClient) -> str:
    case_id: str = open_referral(api)["id"]
    screen(api, agencies=[])
    complete(api, "maya", "mash_decision", decision="nfa")
    complete(api, "bea", "referrer_feedback")
    return case_id


def _closed_allegation(db: Database, clock: Clock, **person: object) -> str:
    deploy(db, name=f"{PROCESS}.bpmn", now=clock())
    referral = form_data("lado_referral")
    referral["person"] = {key: value for key, value in {**referral["person"], **person}.items() if value is not None}
    case_id = runtime.open_case(db, process=PROCESS, subject={"name": "Mark Ellis"}, data=referral, actor=EMPLOYER,
                                now=clock())
    below_threshold(db)
    return case_id


def _due(db: Database, on: date) -> list[tuple[str, date]]:
    with db.reading() as session:
        moment = datetime(on.year, on.month, on.day, 12, tzinfo=LONDON)
        return [(due.kind, due.kept_until) for due in list_past_retention(session, moment)]


def _payloads_of(db: Database, case_id: str) -> int:
    with db.reading() as session:
        events = select(AuditEvent.seq).where(AuditEvent.case_id == case_id)
        return session.scalar(select(func.count()).select_from(AuditPayload).where(AuditPayload.seq.in_(events))) or 0


def test_a_closed_allegation_is_kept_until_the_persons_pension_age_when_that_is_later(db: Database,
                                                                                     clock: Clock) -> None:
    _closed_allegation(db, clock)  # the example referral: born 14 July 1986, incident on 21 May 2026
    assert state_pension_age(date(1986, 7, 14)) == 68
    assert _due(db, date(2036, 6, 1)) == []
    assert _due(db, date(2054, 7, 13)) == []
    assert _due(db, date(2054, 7, 14)) == [("allegation", date(2054, 7, 14))]


def test_an_allegation_without_a_date_of_birth_is_kept_ten_years_from_the_allegation(db: Database,
                                                                                   clock: Clock) -> None:
    _closed_allegation(db, clock, dob=None)
    assert _due(db, date(2036, 5, 20)) == []
    assert _due(db, date(2036, 5, 21)) == [("allegation", date(2036, 5, 21))]


def test_a_person_past_pension_age_is_kept_ten_years_from_the_allegation(db: Database, clock: Clock) -> None:
    _closed_allegation(db, clock, dob="1950-01-01")
    assert _due(db, date(2036, 5, 21)) == [("allegation", date(2036, 5, 21))]


def test_a_case_with_a_running_process_is_never_due(api: ApiClient, db: Database) -> None:
    open_referral(api)
    assert _due(db, date(2126, 1, 1)) == []


def test_a_closed_child_case_is_kept_the_configured_years_from_its_closure(
    api: ApiClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOSFLOW_RETENTION", json.dumps({"child": {"years": 2}}))
    _closed_child_case(api)
    assert _due(db, date(2028, 5, 21)) == []
    assert _due(db, date(2028, 5, 22)) == [("child", date(2028, 5, 22))]


def test_a_child_case_is_kept_for_decades_by_default(api: ApiClient, db: Database) -> None:
    _closed_child_case(api)
    assert _due(db, date(2065, 1, 1)) == []


def test_removing_a_case_deletes_its_records_and_payloads_audits_it_and_the_chain_still_verifies(
    api: ApiClient, db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOSFLOW_RETENTION", json.dumps({"child": {"years": 1}}))
    removed = _closed_child_case(api)
    kept = open_referral(api)["id"]
    watch_audit_chain(db, clock(), every=5)  # checkpoints cover events whose payloads are about to go
    later = datetime(2027, 6, 1, 9, tzinfo=LONDON)
    with db.reading() as session:
        due = list_past_retention(session, later)
    assert [d.case_id for d in due] == [removed]
    apply_retention(db, later, due, actor="records-officer")
    with db.reading() as session:
        assert session.get(Case, removed) is None and session.get(Case, kept) is not None
        assert session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == removed)).all() == []
        remaining = session.scalars(select(AuditEvent).where(AuditEvent.case_id == removed)
                                    .order_by(AuditEvent.seq)).all()
        assert all(event.payload is None for event in remaining[:-1]) and len(remaining) > 5
        assert (remaining[-1].action, remaining[-1].actor) == ("case_removed_by_retention", "records-officer")
        assert remaining[-1].payload is not None and remaining[-1].payload["payloads_removed"] == len(remaining) - 1
        assert verify_chain(session, full=True).intact
    assert _payloads_of(db, kept) > 0
    assert watch_audit_chain(db, later, every=5).intact


def test_anonymising_keeps_the_case_skeleton_without_the_person_or_form_data(
    api: ApiClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOSFLOW_RETENTION", json.dumps({"child": {"years": 1, "action": "anonymise"}}))
    case_id = _closed_child_case(api)
    later = datetime(2027, 6, 1, 9, tzinfo=LONDON)
    with db.reading() as session:
        due = list_past_retention(session, later)
    apply_retention(db, later, due, actor="records-officer")
    with db.reading() as session:
        case = session.get_one(Case, case_id)
        (instance,) = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id)).all()
        assert verify_chain(session, full=True).intact
        assert list_past_retention(session, later) == []
    assert case.subject == ANONYMOUS_SUBJECT and case.restricted
    assert (instance.outcome, instance.state) == ("nfa", b"")
    assert _payloads_of(db, case_id) == 1  # only the retention event's own
    assert api.get(f"/api/v1/cases/{case_id}", "audrey")["instances"][0]["outcome"] == "nfa"


def test_sosflow_retention_run_lists_and_only_with_apply_removes_in_batches(
    api: ApiClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOSFLOW_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SOSFLOW_RETENTION", json.dumps({"child": {"years": 0}}))
    first, second = _closed_child_case(api), _closed_child_case(api)
    before = row_counts(db)
    listed = CliRunner().invoke(cli, ["retention", "run"])
    assert listed.exit_code == 0 and "2 case(s) past retention" in listed.output
    assert row_counts(db) == before
    applied = CliRunner().invoke(cli, ["retention", "run", "--apply", "--batch-size", "1"])
    assert applied.exit_code == 0, applied.output
    with db.reading() as session:
        assert session.get(Case, first) is None and session.get(Case, second) is None
        assert session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "case_removed_by_retention")) == 2
        assert verify_chain(session, full=True).intact
    assert FIXED_NOW.year == 2026  # `years: 0` is due now because the cases closed in the past
