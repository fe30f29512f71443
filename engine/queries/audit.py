"""Audit reads for auditors: who looked at a case and when, a case's chronology, break-glass openings, and a
search of the whole event log by case, person, action and time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, select, tuple_
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor, Permission
from engine.errors import InvalidInput
from engine.models import AuditEvent, BreakGlass, Case
from engine.queries.keyset import decode_cursor, encode_cursor

READ_ACTIONS = ("case_viewed", "task_viewed", "break_glass_opened")


def list_case_access_log(session: Session, actor: Actor, case_id: str) -> list[AuditEvent]:
    """Every read of the case (its record, history, exports, task forms) and every break-glass, in order."""
    case = _reviewable_case(session, actor, case_id)
    query = select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.action.in_(READ_ACTIONS))
    return list(session.scalars(query.order_by(AuditEvent.seq)))


def get_case_chronology(session: Session, actor: Actor, case_id: str) -> tuple[Case, list[AuditEvent]]:
    """The case and all its audit events in sequence: what the chronology export is made from."""
    case = _reviewable_case(session, actor, case_id)
    events = session.scalars(select(AuditEvent).where(AuditEvent.case_id == case.id).order_by(AuditEvent.seq))
    return case, list(events)


def _reviewable_case(session: Session, actor: Actor, case_id: str) -> Case:
    access.require(actor, Permission.REVIEW_ACCESS)
    return access.require_case_visible(session, actor, session.get(Case, case_id))


@dataclass(frozen=True)
class OpeningPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def list_break_glass_openings(session: Session, actor: Actor, now: datetime, limit: int = 50,
                              cursor: str | None = None) -> OpeningPage:
    """Every break-glass opening, newest first, with its case reference and whether it is still open."""
    access.require(actor, Permission.REVIEW_ACCESS)
    query = select(BreakGlass, Case.reference).join(Case, Case.id == BreakGlass.case_id)
    if cursor:
        at, opening_id = decode_cursor(cursor)
        query = query.where(tuple_(BreakGlass.opened_at, BreakGlass.id) < tuple_(at, opening_id))
    rows = session.execute(query.order_by(BreakGlass.opened_at.desc(), BreakGlass.id.desc()).limit(limit + 1)).all()
    page = rows[:limit]
    items = [{"id": o.id, "case_id": o.case_id, "reference": reference, "username": o.username, "reason": o.reason,
              "opened_at": o.opened_at, "expires_at": o.expires_at, "active": o.expires_at > now}
             for o, reference in page]
    last = page[-1][0] if page else None
    return OpeningPage(items, encode_cursor(last.opened_at, last.id) if last and len(rows) > limit else None)


@dataclass(frozen=True)
class AuditSearch:
    """What an auditor narrows the event log to; every field is optional and they combine with AND.

    `start`/`end` bound the event time as [start, end)."""

    case_reference: str | None = None
    actor: str | None = None
    action: str | None = None
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class EventPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def search_audit_events(session: Session, actor: Actor, wanted: AuditSearch, limit: int = 50,
                        cursor: str | None = None) -> EventPage:
    """Audit events matching `wanted`, newest first, keyset-paginated on `seq` (the cursor is the last seq
    shown). A case is found by its reference; one that does not exist matches nothing."""
    access.require(actor, Permission.REVIEW_ACCESS)
    query = audit_search_query(_search_conditions(session, wanted), limit + 1, _seq_of(cursor) if cursor else None)
    rows = session.execute(query).all()
    page = rows[:limit]
    items = [{"event": event, "reference": reference} for event, reference in page]
    return EventPage(items, str(page[-1][0].seq) if len(rows) > limit and page else None)


def audit_search_query(conditions: list[ColumnElement[bool]], limit: int,
                       before_seq: int | None = None) -> Select[AuditEvent, str]:
    """Events meeting every condition, newest first, with their case's reference: with a case, a person or an
    action, one range of its (…, seq) index read backwards, so a page costs O(page)."""
    query = select(AuditEvent, Case.reference).outerjoin(Case, Case.id == AuditEvent.case_id).where(*conditions)
    if before_seq is not None:
        query = query.where(AuditEvent.seq < before_seq)
    return query.order_by(AuditEvent.seq.desc()).limit(limit)


def _search_conditions(session: Session, wanted: AuditSearch) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if wanted.case_reference:
        case_id = session.scalar(select(Case.id).where(Case.reference == wanted.case_reference.strip().upper()))
        conditions.append(AuditEvent.case_id == (case_id or ""))
    if wanted.actor:
        conditions.append(AuditEvent.actor == wanted.actor.strip())
    if wanted.action:
        conditions.append(AuditEvent.action == wanted.action.strip())
    if wanted.start:
        conditions.append(AuditEvent.at >= wanted.start)
    if wanted.end:
        conditions.append(AuditEvent.at < wanted.end)
    return conditions


def _seq_of(cursor: str) -> int:
    try:
        return int(cursor)
    except ValueError as exc:
        raise InvalidInput("the cursor is not one this service issued", details=[{"pointer": "/cursor"}]) from exc
