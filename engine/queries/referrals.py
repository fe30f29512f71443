"""A referrer's view of the referrals they made: reference, status, outcome and the feedback sent to them.

Nothing else of the case: not its tasks, its history nor its other processes (domain §9.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
from engine.models import AuditEvent, Case, HumanTask, InstanceStatus, ProcessInstance, TaskStatus
from engine.queries.keyset import decode_cursor, encode_cursor

FEEDBACK_FORM = "referrer_feedback"
# What the referrer is told. `parents_not_informed_reason` stays out: it is the service's safety
# reasoning about the family (e.g. a planned police visit), not feedback to the referrer.
FEEDBACK_FIELDS = ("referrer_informed_at", "method", "parents_informed")


class ReferralStatus:
    OPEN = "open"          # no outcome yet
    DECIDED = "decided"    # an outcome, and work on the case goes on
    CLOSED = "closed"      # every process of the case has ended


@dataclass(frozen=True)
class ReferralPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def list_referrals_made_by(session: Session, actor: Actor, limit: int = 50, cursor: str | None = None) -> ReferralPage:
    """The actor's referrals, newest first, keyset-paginated on (created_at, id)."""
    query = select(Case).where(Case.created_by == actor.username)
    if cursor:
        at, case_id = decode_cursor(cursor)
        query = query.where(tuple_(Case.created_at, Case.id) < tuple_(at, case_id))
    rows = list(session.scalars(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit + 1)))
    cases = rows[:limit]
    instances = _instances_by_case(session, [c.id for c in cases])
    items = [_summary(case, instances.get(case.id, [])) for case in cases]
    more = len(rows) > limit and cases
    return ReferralPage(items, encode_cursor(cases[-1].created_at, cases[-1].id) if more else None)


def get_referral(session: Session, actor: Actor, case_id: str) -> dict[str, Any]:
    """One referral the actor made, with the feedback sent to them (404 for anyone else's)."""
    case = access.require_referral_visible(actor, session.get(Case, case_id))
    summary = _summary(case, _instances_by_case(session, [case.id]).get(case.id, []))
    return {**summary, "feedback": _feedback(session, case.id)}


def _instances_by_case(session: Session, case_ids: list[str]) -> dict[str, list[ProcessInstance]]:
    found: dict[str, list[ProcessInstance]] = {}
    if not case_ids:
        return found
    query = (select(ProcessInstance).where(ProcessInstance.case_id.in_(case_ids))
             .order_by(ProcessInstance.started_at, ProcessInstance.id))
    for instance in session.scalars(query):
        found.setdefault(instance.case_id, []).append(instance)
    return found


def _summary(case: Case, instances: list[ProcessInstance]) -> dict[str, Any]:
    referral = next((i for i in instances if i.parent_instance_id is None), None)
    return {
        "case_id": case.id, "reference": case.reference, "kind": case.kind, "opened_at": case.created_at,
        "subject_name": (case.subject or {}).get("name"),
        "status": _status(referral, instances),
        "outcome": referral.outcome if referral else None,
        "outcome_name": referral.outcome_name if referral else None,
    }


def _status(referral: ProcessInstance | None, instances: list[ProcessInstance]) -> str:
    if all(i.status == InstanceStatus.COMPLETED for i in instances):
        return ReferralStatus.CLOSED
    if referral is None or referral.outcome is None:
        return ReferralStatus.OPEN
    return ReferralStatus.DECIDED


def _feedback(session: Session, case_id: str) -> list[dict[str, Any]]:
    feedback_tasks = select(HumanTask.id).where(HumanTask.case_id == case_id, HumanTask.form_key == FEEDBACK_FORM,
                                                HumanTask.status == TaskStatus.COMPLETED)
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == "task_completed",
                                 AuditEvent.task_id.in_(feedback_tasks)).order_by(AuditEvent.seq)
    )
    return [{"sent_at": event.at, **{k: ((event.payload or {}).get("data") or {}).get(k) for k in FEEDBACK_FIELDS}}
            for event in events]
