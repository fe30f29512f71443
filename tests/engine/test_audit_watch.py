"""Signed checkpoints: the nightly check reads only what is new, still notices edits before and after a
checkpoint, and a break raises one alert for auditors and administrators."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.cli import cli
from engine.audit import ChainReport, event_hash, payload_digest, verify_chain
from engine.audit_watch import watch_audit_chain
from engine.db import Database
from engine.models import Alert, AuditCheckpoint, AuditEvent, AuditHead, AuditPayload
from tests.api.conftest import ApiClient
from tests.api.helpers import complete, open_referral
from tests.conftest import Clock
from tests.db_admin import audit_triggers_suspended

EVERY = 4


def _some_work(api: ApiClient) -> None:
    open_referral(api)
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False)
    open_referral(api)


def _head(db: Database) -> int:
    with db.reading() as session:
        return session.get_one(AuditHead, 1).seq


def _checkpoints(db: Database) -> list[int]:
    with db.reading() as session:
        return list(session.scalars(select(AuditCheckpoint.seq).order_by(AuditCheckpoint.seq)))


def _watch(db: Database, clock: Clock, full: bool = False) -> ChainReport:
    return watch_audit_chain(db, clock(), full=full, every=EVERY)


def _rewrite_payload(db: Database, seq: int, payload: dict, *, rechain: bool) -> None:
    """An attacker with database-admin rights edits a payload; with `rechain` they also recompute every hash."""
    with audit_triggers_suspended(db) as connection:
        connection.execute(update(AuditPayload).where(AuditPayload.seq == seq).values(payload=payload))
        if not rechain:
            return
        with Session(bind=connection) as session:
            events = session.scalars(select(AuditEvent).where(AuditEvent.seq >= seq).order_by(AuditEvent.seq))
            prev = session.get_one(AuditEvent, seq - 1).hash
            for event in events:
                if event.seq == seq:
                    event.payload_sha256 = payload_digest(payload)
                event.prev_hash, event.hash = prev, event_hash(prev, event)
                prev = event.hash
            session.flush()
            session.execute(update(AuditHead).values(hash=prev))


def test_the_watch_signs_a_checkpoint_at_every_nth_event_of_an_intact_chain(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    _some_work(api)
    report = _watch(db, clock)
    assert report.intact and report.from_seq == 0
    assert _checkpoints(db) == list(range(EVERY, _head(db) + 1, EVERY))


def test_the_next_check_reads_only_the_events_after_the_newest_checkpoint(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    _some_work(api)
    _watch(db, clock)
    newest = _checkpoints(db)[-1]
    open_referral(api)
    report = _watch(db, clock)
    assert report.intact
    assert (report.from_seq, report.events_checked) == (newest, _head(db) - newest)
    assert _watch(db, clock, full=True).events_checked == _head(db)


def test_an_edit_after_the_newest_checkpoint_is_found_at_its_sequence_number(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    _some_work(api)
    _watch(db, clock)
    open_referral(api)
    edited = _head(db)
    _rewrite_payload(db, edited, {"forged": True}, rechain=False)
    report = _watch(db, clock)
    assert (report.intact, report.first_broken_seq) == (False, edited)


def test_an_edit_before_a_checkpoint_with_every_hash_recomputed_breaks_the_signed_checkpoint(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    _some_work(api)
    _watch(db, clock)
    first = _checkpoints(db)[0]
    _rewrite_payload(db, first - 1, {"forged": True}, rechain=True)
    for full in (False, True):
        report = _watch(db, clock, full=full)
        assert report.intact is False
        assert "rewritten" in (report.reason or "")


def test_an_edit_behind_a_checkpoint_is_left_to_the_full_check_which_finds_it_at_its_sequence_number(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    _some_work(api)
    _watch(db, clock)
    _rewrite_payload(db, 2, {"forged": True}, rechain=False)
    assert _watch(db, clock).intact is True  # the nightly check reads only what came after the checkpoint
    report = _watch(db, clock, full=True)
    assert (report.intact, report.first_broken_seq) == (False, 2)


def test_a_checkpoint_not_signed_with_the_audit_key_is_a_break(
    api: ApiClient, db: Database, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    _some_work(api)
    _watch(db, clock)
    monkeypatch.setenv("SOSFLOW_AUDIT_KEY", "another-key")
    with db.reading() as session:
        report = verify_chain(session)
    assert report.intact is False and "not signed" in (report.reason or "")


def test_a_break_raises_one_alert_for_auditors_and_administrators_and_is_audited(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    _some_work(api)
    _rewrite_payload(db, 3, {"forged": True}, rechain=False)
    _watch(db, clock)
    _watch(db, clock)  # the same break found again the next night: still one alert
    alerts = api.get("/api/v1/alerts", "audrey")["items"]
    assert [(a["kind"], a["details"]["first_broken_seq"]) for a in alerts] == [("audit_chain_broken", 3)]
    api.get("/api/v1/alerts", "sam", 403)
    with db.reading() as session:
        raised = session.scalars(select(AuditEvent).where(AuditEvent.action == "alert_raised")).one()
        assert raised.payload is not None and raised.payload["first_broken_seq"] == 3
        assert session.scalar(select(Alert.message)) == "the audit chain is broken at seq 3"


def test_sosflow_audit_verify_signs_checkpoints_and_exits_1_naming_a_break(
    api: ApiClient, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOSFLOW_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    _some_work(api)
    ok = CliRunner().invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    _rewrite_payload(db, 2, {"forged": True}, rechain=False)
    broken = CliRunner().invoke(cli, ["audit", "verify", "--full"])
    assert broken.exit_code == 1 and "seq 2" in broken.output
