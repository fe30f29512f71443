"""Append-only, hash-chained audit events and the check that the chain is intact.

hash(n) = sha256(hash(n-1) + canonical JSON of event n). Appends lock the one-row `audit_head`,
so sequence numbers are gapless and the chain is linear even with many writers on PostgreSQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import AuditEvent, AuditHead

GENESIS_HASH = "0" * 64


def canonical_body(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: every field but the hashes, keys sorted."""
    body = {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "case_id": event.case_id,
        "instance_id": event.instance_id,
        "task_id": event.task_id,
        "payload": event.payload,
    }
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_body(event)).hexdigest()


def record_event(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    payload: dict[str, Any] | None = None,
    case_id: str | None = None,
    instance_id: str | None = None,
    task_id: str | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction."""
    head = session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update()).scalar_one()
    event = AuditEvent(
        seq=head.seq + 1,
        at=at.astimezone(UTC),
        actor=actor,
        action=action,
        case_id=case_id,
        instance_id=instance_id,
        task_id=task_id,
        payload=payload or {},
        prev_hash=head.hash,
    )
    event.hash = event_hash(head.hash, event)
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    return event


@dataclass(frozen=True)
class ChainReport:
    """What verify_chain found: intact, or the first sequence number that does not check out."""

    intact: bool
    events_checked: int
    first_broken_seq: int | None = None
    reason: str | None = None


def verify_chain(session: Session, batch: int = 1000) -> ChainReport:
    """Recompute every hash in sequence order; report the first event that breaks the chain."""
    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    query = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)
    for event in session.scalars(query):
        reason = _break_reason(event, expected_seq, prev_hash)
        if reason:
            return ChainReport(False, checked, expected_seq if "missing" in reason else event.seq, reason)
        prev_hash, expected_seq, checked = event.hash, event.seq + 1, checked + 1
    head = session.get(AuditHead, 1)
    if head is not None and (head.seq != checked or head.hash != prev_hash):
        return ChainReport(False, checked, checked + 1, "events at the end of the chain are missing")
    return ChainReport(True, checked)


def _break_reason(event: AuditEvent, expected_seq: int, prev_hash: str) -> str | None:
    if event.seq != expected_seq:
        return f"event {expected_seq} is missing"
    if event.prev_hash != prev_hash:
        return "prev_hash does not match the previous event's hash"
    if event_hash(prev_hash, event) != event.hash:
        return "the event's content does not match its hash"
    return None
