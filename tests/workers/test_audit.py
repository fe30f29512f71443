"""The nightly audit check is a named, scheduled task that verifies through the engine."""

from __future__ import annotations

from sqlalchemy import select

from engine.db import Database
from engine.models import AuditCheckpoint
from tests.api.helpers import open_referral
from tests.api_client import ApiClient
from tests.conftest import Clock
from workers.app import celery
from workers.audit import verify_audit_chain
from workers.schedule import BEAT_SCHEDULE


def test_the_audit_chain_is_verified_every_night_and_in_full_every_week() -> None:
    nightly = [entry for entry in BEAT_SCHEDULE.values() if entry["task"] == "verify-audit-chain"]
    assert sorted(entry.get("kwargs", {}).get("full", False) for entry in nightly) == [False, True]
    assert "verify-audit-chain" in celery.tasks


def test_the_task_verifies_the_chain_of_the_configured_database(
    api: ApiClient, db: Database, clock: Clock, monkeypatch
) -> None:
    monkeypatch.setenv("SOSFLOW_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    open_referral(api)
    assert verify_audit_chain.apply(kwargs={"now": clock().isoformat()}).get() is True
    with db.reading() as session:
        assert session.scalars(select(AuditCheckpoint)).all() == []  # fewer events than one checkpoint's worth
