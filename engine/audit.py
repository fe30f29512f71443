"""Append-only, hash-chained audit events and the check that the chain is intact.

hash(n) = sha256(hash(n-1) + canonical JSON of event n), where the event carries the SHA-256 of its
payload, not the payload: payloads live in `audit_payload`, so retention can remove one and the
chain still verifies. A transaction's events are appended together just before it commits
(`append_events`), locking the one-row `audit_head` once, so sequence numbers are gapless and the
chain is linear even with many writers on PostgreSQL. A database trigger refuses UPDATE and DELETE
on `audit_event` and `audit_checkpoint`.

Verification is incremental: it starts from the newest signed checkpoint (`audit_checkpoint`, see
engine/audit_watch.py, which writes them) and recomputes only the events after it; `full=True`
starts from the first event. Either way every checkpoint passed must still match the chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from engine.audit_keys import checkpoint_signed
from engine.models import AuditCheckpoint, AuditEvent, AuditHead, AuditPayload
from engine.rows import run, table_of

GENESIS_HASH = "0" * 64
CHECKPOINT_EVERY = 1000
# Actions after which a case's earlier payloads may be absent (engine/retention.py writes them).
PAYLOADS_REMOVED_ACTIONS = ("case_removed_by_retention", "case_anonymised_by_retention")


def payload_digest(payload: dict[str, Any]) -> str:
    """SHA-256 of a payload's canonical JSON: what the chain covers in its place."""
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def canonical_body(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: every field but the hashes (the payload by its digest), keys sorted."""
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


_EVENTS, _PAYLOADS, _HEAD = table_of(AuditEvent), table_of(AuditPayload), table_of(AuditHead)
_READ_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_INSERT_EVENTS, _INSERT_PAYLOADS = insert(_EVENTS), insert(_PAYLOADS)
_WRITE_HEAD = update(_HEAD).where(_HEAD.c.id == 1).values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
_HASHED = ("seq", "at", "actor", "action", "case_id", "instance_id", "task_id", "payload_sha256")


def append_events(connection: Connection, pending: list[PendingEvent]) -> None:
    """Append a transaction's events to the chain at once: the head is locked, read and written once."""
    if not pending:
        return
    seq, prev_hash = run(connection, _READ_HEAD, {}).one()
    rows, payloads = [], []
    for each in pending:
        seq += 1
        row = {"seq": seq, "at": each.at.astimezone(UTC), "actor": each.actor, "action": each.action,
               "case_id": each.case_id, "instance_id": each.instance_id, "task_id": each.task_id,
               "payload_sha256": payload_digest(each.payload)}
        row["prev_hash"], row["hash"] = prev_hash, _hash(prev_hash, _canonical(row))
        prev_hash = row["hash"]
        rows.append(row)
        payloads.append({"seq": seq, "payload": each.payload})
    run(connection, _INSERT_EVENTS, rows)
    run(connection, _INSERT_PAYLOADS, payloads)
    run(connection, _WRITE_HEAD, {"new_seq": seq, "new_hash": prev_hash})



@dataclass(frozen=True)
class ChainReport:
    """What verify_chain found: intact, or the first sequence number that does not check out.

    `from_seq` is where this run started (0 = the first event); `events_checked` counts the events it
    read; `checkpoint_due` lists (seq, hash) of every multiple of CHECKPOINT_EVERY it verified, for
    the watch to sign.
    """

    intact: bool
    events_checked: int
    first_broken_seq: int | None = None
    reason: str | None = None
    from_seq: int = 0
    checkpoint_due: list[tuple[int, str]] = field(default_factory=list)


def verify_chain(session: Session, *, full: bool = False, batch: int = 1000,
                 every: int = CHECKPOINT_EVERY) -> ChainReport:
    """Recompute the hashes after the newest checkpoint (after none with `full`); report the first break.

    The head is read first and the walk stops there, so events committed meanwhile (PostgreSQL reads
    each statement afresh) are left to the next check rather than taken for a broken end.
    """
    head = session.get(AuditHead, 1)
    last_seq = head.seq if head is not None else None
    checkpoints = {c.seq: c for c in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq))}
    start = None if full or not checkpoints else checkpoints[max(checkpoints)]
    walk = _Walk(session, checkpoints, every, start)
    if start is not None:
        problem = walk.checkpoint_problem(start, session.get(AuditEvent, start.seq))
        if problem:
            return ChainReport(False, 0, start.seq, problem, start.seq)
    for event in _events_after(session, walk.expected_seq - 1, last_seq, batch):
        reason = walk.step(event)
        if reason:
            broken = walk.expected_seq if "missing" in reason else event.seq
            return ChainReport(False, walk.checked, broken, reason, walk.from_seq)
    return walk.finish(head)


def _events_after(session: Session, seq: int, last_seq: int | None, batch: int) -> Iterator[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq)
    if last_seq is not None:
        query = query.where(AuditEvent.seq <= last_seq)
    return iter(session.scalars(query.execution_options(yield_per=batch)))


class _Walk:
    """The state of one verification pass along the chain."""

    def __init__(self, session: Session, checkpoints: dict[int, AuditCheckpoint], every: int,
                 start: AuditCheckpoint | None) -> None:
        self.session, self.checkpoints, self.every = session, checkpoints, every
        self.from_seq = start.seq if start else 0
        self.prev_hash = start.hash if start else GENESIS_HASH
        self.expected_seq, self.checked = self.from_seq + 1, 0
        self.due: list[tuple[int, str]] = []
        self._payloads_removed: dict[str, int | None] = {}

    def step(self, event: AuditEvent) -> str | None:
        reason = self._link_problem(event) or self._payload_problem(event)
        if reason is None and event.seq in self.checkpoints:
            reason = self.checkpoint_problem(self.checkpoints[event.seq], event)
        if reason:
            return reason
        if event.seq % self.every == 0 and event.seq not in self.checkpoints:
            self.due.append((event.seq, event.hash))
        self.prev_hash, self.expected_seq, self.checked = event.hash, event.seq + 1, self.checked + 1
        return None

    def finish(self, head: AuditHead | None) -> ChainReport:
        last = self.expected_seq - 1
        if head is not None and (head.seq != last or head.hash != self.prev_hash):
            return ChainReport(False, self.checked, last + 1, "events at the end of the chain are missing",
                               self.from_seq)
        return ChainReport(True, self.checked, from_seq=self.from_seq, checkpoint_due=self.due)

    def checkpoint_problem(self, checkpoint: AuditCheckpoint, event: AuditEvent | None) -> str | None:
        if not checkpoint_signed(checkpoint.seq, checkpoint.hash, checkpoint.signature):
            return f"the checkpoint at seq {checkpoint.seq} is not signed with the audit key"
        if event is None:
            return f"event {checkpoint.seq}, which a checkpoint covers, is missing"
        if event.hash != checkpoint.hash:
            return f"events up to the checkpoint at seq {checkpoint.seq} were rewritten after it was signed"
        return None

    def _link_problem(self, event: AuditEvent) -> str | None:
        if event.seq != self.expected_seq:
            return f"event {self.expected_seq} is missing"
        if event.prev_hash != self.prev_hash:
            return "prev_hash does not match the previous event's hash"
        if event_hash(self.prev_hash, event) != event.hash:
            return "the event's content does not match its hash"
        return None

    def _payload_problem(self, event: AuditEvent) -> str | None:
        if event.payload is not None:
            if payload_digest(event.payload) != event.payload_sha256:
                return "the event's payload does not match its digest"
            return None
        if event.case_id is not None and self._removal_recorded(event.case_id, event.seq):
            return None
        return "the event's payload was removed without a retention record"

    def _removal_recorded(self, case_id: str, seq: int) -> bool:
        if case_id not in self._payloads_removed:
            query = select(func.max(AuditEvent.seq)).where(AuditEvent.case_id == case_id,
                                                           AuditEvent.action.in_(PAYLOADS_REMOVED_ACTIONS))
            self._payloads_removed[case_id] = self.session.scalar(query)
        removed_at = self._payloads_removed[case_id]
        return removed_at is not None and seq < removed_at
