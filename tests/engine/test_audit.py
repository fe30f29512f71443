"""The audit chain: intact after real work, and tampering found at the right sequence number."""

from __future__ import annotations

from sqlalchemy import delete, text, update

from engine.audit import verify_chain
from engine.db import Database
from engine.models import AuditEvent
from tests.api.conftest import ApiClient
from tests.api.helpers import complete, open_referral


def _verify(api: ApiClient) -> dict:
    return api.get("/api/v1/audit/verify", "audrey")


def _some_work(api: ApiClient) -> None:
    open_referral(api)
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False)
    open_referral(api)


def test_the_chain_is_intact_after_real_work(api: ApiClient) -> None:
    _some_work(api)
    report = _verify(api)
    assert report["intact"] is True
    assert report["first_broken_seq"] is None
    assert report["events_checked"] > 10


def test_changing_a_stored_payload_by_hand_is_found_at_its_sequence_number(api: ApiClient, db: Database) -> None:
    _some_work(api)
    with db.engine.begin() as connection:
        seq = connection.execute(text("SELECT seq FROM audit_event WHERE action = 'task_completed'")).scalar_one()
        connection.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(payload={"data": {"rag": "green"}}))
    report = _verify(api)
    assert report["intact"] is False
    assert report["first_broken_seq"] == seq
    assert "hash" in report["reason"]


def test_changing_the_actor_of_an_early_event_is_found_there_not_later(api: ApiClient, db: Database) -> None:
    _some_work(api)
    with db.engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone-else"))
    assert _verify(api)["first_broken_seq"] == 3


def test_deleting_an_event_is_found_at_the_missing_sequence_number(api: ApiClient, db: Database) -> None:
    _some_work(api)
    with db.engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    report = _verify(api)
    assert (report["intact"], report["first_broken_seq"]) == (False, 5)


def test_deleting_the_last_event_is_found(api: ApiClient, db: Database) -> None:
    _some_work(api)
    with db.reading() as session:
        total = verify_chain(session).events_checked
    with db.engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.seq == total))
    with db.reading() as session:
        report = verify_chain(session)
    assert (report.intact, report.first_broken_seq) == (False, total)
