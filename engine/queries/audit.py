"""Audit reads for auditors: who looked at a case and when, a case's chronology, break-glass openings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor, Permission
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
