"""The audit chain: intact after real work, refused edits through the application, and tampering by a
database administrator (triggers suspended) found at the right sequence number."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from engine.audit import payload_digest, verify_chain
from engine.db import Database
from engine.models import AuditCheckpoint, AuditEvent, AuditPayload
from tests.api.conftest import ApiClient
from tests.api.helpers import complete, open_referral
from tests.db_admin import audit_triggers_suspended


def _verify(api: ApiClient) -> dict:
    return api.get("/api/v1/audit/verify", "audrey")


def _some_work(api: ApiClient) -> None:
    open_referral(api)
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False)
    open_referral(api)


def _completion_seq(db: Database) -> int:
    with db.reading() as session:
        return session.scalars(select(AuditEvent.seq).where(AuditEvent.action == "task_completed")).one()


def test_the_chain_is_intact_after_real_work(api: ApiClient) -> None:
    _some_work(api)
    report = _verify(api)
    assert report["intact"] is True
    assert report["first_broken_seq"] is None
    assert report["events_checked"] > 10


def test_the_chain_covers_a_digest_of_each_payload_kept_beside_the_event(api: ApiClient, db: Database) -> None:
    _some_work(api)
    seq = _completion_seq(db)
    with db.reading() as session:
        event = session.get_one(AuditEvent, seq)
        stored = session.get_one(AuditPayload, seq)
    assert event.payload == stored.payload and event.payload is not None
    assert event.payload_sha256 == payload_digest(stored.payload)


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET actor = 'someone-else' WHERE seq = 1",
    "DELETE FROM audit_event WHERE seq = 1",
    "DELETE FROM audit_event",
    "UPDATE audit_payload SET payload = '{}' WHERE seq = 1",
])
def test_the_database_refuses_to_change_or_delete_audit_events(api: ApiClient, db: Database, statement: str) -> None:
    _some_work(api)
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))
    assert _verify(api)["intact"] is True


def test_the_database_refuses_to_change_or_delete_a_checkpoint(api: ApiClient, db: Database) -> None:
    _some_work(api)
    with db.engine.begin() as connection:
        connection.execute(text("INSERT INTO audit_checkpoint (seq, hash, signature, created_at) "
                                "VALUES (1, 'h', 's', '2026-05-22 09:30:00+00:00')"))
    for statement in (update(AuditCheckpoint).values(hash="x"), delete(AuditCheckpoint)):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as connection:
            connection.execute(statement)


def test_the_orm_cannot_edit_an_event_either(api: ApiClient, db: Database) -> None:
    _some_work(api)
    with pytest.raises(DBAPIError, match="append-only"), db.unit_of_work() as session:
        session.get_one(AuditEvent, 2).actor = "someone-else"


def test_changing_a_stored_payload_by_hand_is_found_at_its_sequence_number(api: ApiClient, db: Database) -> None:
    _some_work(api)
    seq = _completion_seq(db)
    with audit_triggers_suspended(db) as connection:
        connection.execute(update(AuditPayload).where(AuditPayload.seq == seq).values(payload={"data": {"rag": "x"}}))
    report = _verify(api)
    assert report["intact"] is False
    assert report["first_broken_seq"] == seq
    assert "digest" in report["reason"]


def test_a_payload_removed_without_a_retention_record_is_found(api: ApiClient, db: Database) -> None:
    _some_work(api)
    seq = _completion_seq(db)
    with db.engine.begin() as connection:  # deleting a payload is not refused: retention does it
        connection.execute(delete(AuditPayload).where(AuditPayload.seq == seq))
    report = _verify(api)
    assert (report["intact"], report["first_broken_seq"]) == (False, seq)
    assert "retention" in report["reason"]


def test_changing_the_actor_of_an_early_event_is_found_there_not_later(api: ApiClient, db: Database) -> None:
    _some_work(api)
    with audit_triggers_suspended(db) as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone-else"))
    assert _verify(api)["first_broken_seq"] == 3


def test_deleting_an_event_is_found_at_the_missing_sequence_number(api: ApiClient, db: Database) -> None:
    _some_work(api)
    with audit_triggers_suspended(db) as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    report = _verify(api)
    assert (report["intact"], report["first_broken_seq"]) == (False, 5)


def test_deleting_the_last_event_is_found(api: ApiClient, db: Database) -> None:
    _some_work(api)
    with db.reading() as session:
        total = verify_chain(session).events_checked
    with audit_triggers_suspended(db) as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.seq == total))
    with db.reading() as session:
        report = verify_chain(session)
    assert (report.intact, report.first_broken_seq) == (False, total)
