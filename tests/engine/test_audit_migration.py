"""Migration 0005: an existing chain (payloads hashed whole) is checked, then re-hashed over digests."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from alembic import command
from sqlalchemy import text

from engine.audit import verify_chain
from engine.db import Database
from engine.migrate import alembic_config, upgrade
from engine.models import AuditPayload

OLD_EVENTS = [
    {"seq": 1, "actor": "rita", "action": "case_opened", "payload": {"reference": "MASH-2026-000001"}},
    {"seq": 2, "actor": "sam", "action": "task_completed", "payload": {"data": {"rag": "red"}}},
]


def _old_chain(at: str = "2026-05-22T09:30:00.000000+00:00") -> list[dict]:
    prev, rows = "0" * 64, []
    for event in OLD_EVENTS:
        body = {**event, "at": at, "case_id": None, "instance_id": None, "task_id": None}
        digest = hashlib.sha256(prev.encode() + orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()
        rows.append({**event, "payload": orjson.dumps(event["payload"]).decode(), "prev_hash": prev, "hash": digest})
        prev = digest
    return rows


def _database_before_audit_migration(tmp_path: Path, rows: list[dict]) -> Database:
    db = Database.from_url(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(db.engine.url.render_as_string(hide_password=False))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        for row in rows:
            connection.execute(text(
                "INSERT INTO audit_event (seq, at, actor, action, payload, prev_hash, hash) "
                "VALUES (:seq, '2026-05-22 09:30:00.000000', :actor, :action, :payload, :prev_hash, :hash)"), row)
        connection.execute(text("UPDATE audit_head SET seq = :seq, hash = :hash"), rows[-1])
    return db


def test_an_intact_old_chain_is_rehashed_over_payload_digests_and_verifies(tmp_path: Path) -> None:
    db = _database_before_audit_migration(tmp_path, _old_chain())
    upgrade(db)
    with db.reading() as session:
        assert verify_chain(session, full=True).intact
        assert session.get_one(AuditPayload, 2).payload == {"data": {"rag": "red"}}
    db.engine.dispose()


def test_a_broken_old_chain_is_not_rehashed(tmp_path: Path) -> None:
    rows = _old_chain()
    rows[1]["payload"] = orjson.dumps({"data": {"rag": "green"}}).decode()
    db = _database_before_audit_migration(tmp_path, rows)
    with pytest.raises(RuntimeError, match="broken at seq 2"):
        upgrade(db)
    db.engine.dispose()
