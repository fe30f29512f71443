"""Append-only, hash-chained audit events and the check that the chain is intact.

hash(n) = sha256(hash(n-1) + canonical JSON of event n). A transaction's events are appended together
just before it commits (`append_events`), locking the one-row `audit_head` once, so sequence numbers
are gapless and the chain is linear even with many writers on PostgreSQL.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from engine.models import AuditEvent, AuditHead
from engine.rows import run, table_of

GENESIS_HASH = "0" * 64


def canonical_body(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: every field but the hashes, keys sorted."""
    return _canonical({column: getattr(event, column) for column in _HASHED})


def _canonical(row: dict[str, Any]) -> bytes:
    body = {**row, "at": row["at"].astimezone(UTC).isoformat(timespec="microseconds")}
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    return _hash(prev_hash, canonical_body(event))


def _hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


@dataclass(frozen=True)
class PendingEvent:
    """An audit event collected during a transaction, before it has a place in the chain."""

    at: datetime
    actor: str
    action: str
    payload: dict[str, Any]
    case_id: str | None = None
    instance_id: str | None = None
    task_id: str | None = None


_EVENTS, _HEAD = table_of(AuditEvent), table_of(AuditHead)
_READ_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_EVENTS = insert(_EVENTS)
_WRITE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
_HASHED = ("seq", "at", "actor", "action", "case_id", "instance_id", "task_id", "payload")


def append_events(session: Session, pending: list[PendingEvent]) -> None:
    """Append a transaction's events to the chain at once: the head is locked, read and written once."""
    if not pending:
        return
    connection = session.connection()
    seq, prev_hash = run(connection, _READ_HEAD, {}).one()
    rows = []
    for each in pending:
        seq += 1
        row = {"seq": seq, "at": each.at.astimezone(UTC), "actor": each.actor, "action": each.action,
               "case_id": each.case_id, "instance_id": each.instance_id, "task_id": each.task_id,
               "payload": each.payload}
        row["prev_hash"], row["hash"] = prev_hash, _hash(prev_hash, _canonical(row))
        prev_hash = row["hash"]
        rows.append(row)
    run(connection, _INSERT_EVENTS, rows)
    run(connection, _WRITE_HEAD, {"new_seq": seq, "new_hash": prev_hash})


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
