"""Restricting a case and breaking the glass on one: each a manager's reasoned, audited act."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from engine import access
from engine.access import Actor, Permission
from engine.db import Database
from engine.errors import InvalidInput, NotFound
from engine.models import BreakGlass, Case, CaseRestriction, Group
from engine.unit_of_work import unit_of_work

DEFAULT_BREAK_GLASS = timedelta(hours=8)


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput("give a reason", details=[{"pointer": "/reason", "message": "Enter a reason"}])
    return text


def restrict_case(db: Database, case_id: str, *, reason: str, team: str | None, actor: Actor,
                  now: datetime) -> dict[str, Any]:
    """Mark a case restricted: from now on only the named team, its workers and the LADO service (for an
    allegation) see it. Restricting again replaces the reason and the team; both are audited."""
    access.require(actor, Permission.RESTRICT_CASE)
    why = _reason(reason)
    with unit_of_work(db, now) as uow:
        session = uow.session
        case = access.require_case_visible(session, actor, session.get(Case, case_id, with_for_update=True))
        if team is not None and session.get(Group, team) is None:
            raise InvalidInput(f"there is no group {team}", details=[{"pointer": "/team", "message": "Select a team"}])
        restriction = session.get(CaseRestriction, case.id) or CaseRestriction(case_id=case.id)
        restriction.team, restriction.reason = team, why
        restriction.restricted_by, restriction.restricted_at = actor.username, now
        session.add(restriction)
        case.restricted = True
        uow.record("case_restricted", actor=actor.username, case_id=case.id, payload={"reason": why, "team": team})
        return {"case_id": case.id, "restricted": True, "team": team, "reason": why,
                "restricted_by": actor.username, "restricted_at": now}


def open_break_glass(db: Database, case_id: str, *, reason: str, actor: Actor, now: datetime,
                     duration: timedelta = DEFAULT_BREAK_GLASS) -> BreakGlass:
    """Give a manager read access to a case they cannot otherwise see, for `duration`, with a reason."""
    access.require(actor, Permission.BREAK_GLASS)
    why = _reason(reason)
    with unit_of_work(db, now) as uow:
        session = uow.session
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound("case not found")
        if access.case_visible(session, replace(actor, opened_cases=frozenset()), case):
            raise InvalidInput("you can already see this case: no break-glass is needed")
        opened_at = now.astimezone(UTC)
        opening = BreakGlass(case_id=case.id, username=actor.username, reason=why, opened_at=opened_at,
                             expires_at=opened_at + duration)
        session.add(opening)
        session.flush()
        uow.record("break_glass_opened", actor=actor.username, case_id=case.id,
                   payload={"reason": why, "expires_at": opening.expires_at.isoformat(), "opening_id": opening.id})
        return opening
