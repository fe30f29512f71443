"""The dated facts the statutory returns count, projected from the forms that record them (`case_event`).

Written in the transaction of the submission (or of the case's opening), so the CIN census and Annex A
read indexed rows and never load a workflow. One function per form.

Per form:
- case opened from a referral form that gives a contact source: `contact` on the day received (London);
- mash_decision: `referral` (dated the contact) unless the decision is nfa/advice_signpost without
  `referral_nfa`; `closed` RC8 when `referral_nfa`, RC9 for early help;
- early_help_lead_professional / team_around_the_family: `early_help_started` / `early_help_completed`;
- assessment_allocation / child_seen: `assessment_started` (team, worker) / `child_seen` (seen alone?);
- cin_assessment_outcome: `assessment_authorised` (primary need, factors, needs CSC support), and
  `closed` RC8 (nfa) or RC9 (early help);
- emergency_response: `emergency_protection` when police protection or an EPO was used;
- strategy_discussion: `s47_started` (s47 single agency, joint, or legal action), ICPC target +15 WD (T10);
- s47_outcome: `s47_concluded` (an ICPC is not required unless continuing risk of significant harm);
- cp_conference_record: initial: `icpc`, with `cp_plan_started` (or `closed` RC8 for nfa), flagged
  `second_or_subsequent_plan` when a child of the case had an earlier plan in any case; review: `cp_review`
  (flagged `plan_over_two_years` when the plan started 24 months or more before it), with `cp_plan_ended`
  and `closed` (RC2/RC5/RC7) when no CIN plan follows (engine/plan_flags.py);
- cin_plan_agreement / cin_plan_review: `cin_plan_started` / `cin_plan_ended` and `closed` (its reason,
  RC7 if none).

Assumptions (the domain does not settle them; VERIFY with the process owner): the referral date is the
day the contact was received; a MASH decision of early help closes the referral as RC9 on the decision
day; an ICPC deciding nfa closes as RC8; a CP plan ending with no CIN plan closes as RC7 (RC2 if the
child died, RC5 if they moved to another local authority).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.calendar import LONDON, default_calendar
from engine.models import CaseEvent
from engine.plan_flags import current_plan_started, months_before, previous_plans
from engine.rows import Task

Fact = tuple[str, date, dict[str, Any]]


class EventKind(StrEnum):
    CONTACT = "contact"
    REFERRAL = "referral"
    EARLY_HELP_STARTED = "early_help_started"
    EARLY_HELP_COMPLETED = "early_help_completed"
    ASSESSMENT_STARTED = "assessment_started"
    CHILD_SEEN = "child_seen"
    ASSESSMENT_AUTHORISED = "assessment_authorised"
    EMERGENCY_PROTECTION = "emergency_protection"
    S47_STARTED = "s47_started"
    S47_CONCLUDED = "s47_concluded"
    ICPC = "icpc"
    CP_PLAN_STARTED = "cp_plan_started"
    CP_REVIEW = "cp_review"
    CP_PLAN_ENDED = "cp_plan_ended"
    CIN_PLAN_STARTED = "cin_plan_started"
    CIN_PLAN_ENDED = "cin_plan_ended"
    CLOSED = "closed"


K = EventKind
NOT_REFERRALS = ("nfa", "advice_signpost")
S47_DECISIONS = ("s47_single_agency", "s47_joint", "legal_action")
CLOSURE_FOR_PLAN_END = {"died": "RC2", "moved_to_another_la": "RC5"}


def london_day(value: str | datetime) -> date:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(LONDON).date()


def record_contact(session: Session, case_id: str, source: str, now: datetime) -> None:
    """The contact that opened a case (Annex A list 1)."""
    session.add(CaseEvent(case_id=case_id, kind=K.CONTACT, on_date=london_day(now), details={"source": source},
                          source="case_opened", recorded_at=now))


def has_case_events(form_key: str) -> bool:
    """Whether a submission of this form records any statutory fact."""
    return form_key in _PROJECTIONS


def record_case_events(session: Session, task: Task, data: dict[str, Any], now: datetime) -> None:
    """Project the statutory facts one submitted form records (nothing for forms that record none)."""
    project = _PROJECTIONS.get(task.form_key)
    if project is None:
        return
    for kind, on_date, details in project(session, task.case_id, data, now):
        session.add(CaseEvent(case_id=task.case_id, kind=kind, on_date=on_date, details=details,
                              source=task.form_key, task_id=task.id, recorded_at=now))


def _day(data: dict[str, Any], name: str, now: datetime) -> date:
    value = data.get(name)
    if isinstance(value, str) and "T" in value:
        return london_day(value)
    return date.fromisoformat(value) if isinstance(value, str) else london_day(now)


def _contact(session: Session, case_id: str) -> CaseEvent | None:
    query = (select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == K.CONTACT)
             .order_by(CaseEvent.on_date.desc(), CaseEvent.id.desc()).limit(1))
    return session.scalar(query)


def _mash_decision(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    nfa = bool(data.get("referral_nfa"))
    if data["decision"] in NOT_REFERRALS and not nfa:
        return []
    contact = _contact(session, case_id)
    referral_day = contact.on_date if contact else london_day(now)
    source = contact.details.get("source") if contact else None
    facts: list[Fact] = [(K.REFERRAL, referral_day, {"source": source, "nfa": nfa})]
    if nfa:
        facts.append((K.CLOSED, referral_day, {"reason": "RC8"}))
    elif data["decision"] == "early_help":
        facts.append((K.CLOSED, london_day(now), {"reason": "RC9"}))
    return facts


def _early_help_started(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    return [(K.EARLY_HELP_STARTED, _day(data, "assessment_started_on", now),
             {"organisation": data.get("organisation")})]


def _early_help_completed(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    return [(K.EARLY_HELP_COMPLETED, _day(data, "assessment_completed_on", now), {})]


def _assessment_started(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    return [(K.ASSESSMENT_STARTED, _day(data, "assessment_started_on", now),
             {"team": data.get("team"), "worker": data.get("allocated_worker")})]


def _child_seen(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    return [(K.CHILD_SEEN, _day(data, "seen_on", now), {"seen_alone": data.get("seen_alone")})]


def _assessment_authorised(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    day = _day(data, "authorised_on", now)
    facts: list[Fact] = [(K.ASSESSMENT_AUTHORISED, day, {
        "primary_need_code": data.get("primary_need_code"), "factors": list(data.get("assessment_factors") or []),
        "needs_csc_support": data.get("needs_csc_support"), "outcome": data.get("assessment_outcome")})]
    closure = {"nfa": "RC8", "early_help": "RC9"}.get(str(data.get("assessment_outcome")))
    if closure:
        facts.append((K.CLOSED, day, {"reason": closure}))
    return facts


def _emergency(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    used = {"police_protection", "emergency_protection_order"} & set(data.get("actions") or [])
    if not used:
        return []
    day = _day(data, "police_protection_started_at", now) if "police_protection" in used else london_day(now)
    return [(K.EMERGENCY_PROTECTION, day, {"actions": sorted(used)})]


def _strategy_discussion(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    if data.get("decision") not in S47_DECISIONS:
        return []
    held = datetime.fromisoformat(data["strategy_discussion_at"])
    target = default_calendar().add_working_days(held, 15)
    return [(K.S47_STARTED, london_day(held), {"icpc_target": london_day(target).isoformat(),
                                              "decision": data["decision"]})]


def _s47_outcome(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    outcome = data.get("outcome")
    return [(K.S47_CONCLUDED, london_day(now),
             {"outcome": outcome, "icpc_not_required": outcome != "continuing_risk_of_significant_harm"})]


def _conference(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    day = _day(data, "date", now)
    category = data.get("category")
    if data.get("type") == "review":
        started = current_plan_started(session, case_id, day)
        long_plan = started is not None and started <= months_before(day, 24)
        return _review(day, data, category, long_plan)
    facts: list[Fact] = [(K.ICPC, day, {"decision": data.get("decision"), "category": category})]
    if data.get("decision") == "cp_plan":
        second = any(count > 0 for count in previous_plans(session, case_id, day).values())
        facts.append((K.CP_PLAN_STARTED, day, {"category": category, "second_or_subsequent_plan": second}))
    elif data.get("decision") == "nfa":
        facts.append((K.CLOSED, day, {"reason": "RC8"}))
    return facts


def _review(day: date, data: dict[str, Any], category: str | None, long_plan: bool) -> list[Fact]:
    facts: list[Fact] = [(K.CP_REVIEW, day, {"review_decision": data.get("review_decision"), "category": category,
                                             "plan_over_two_years": long_plan})]
    if data.get("review_decision") != "end_plan":
        return facts
    reason = data.get("end_plan_reason")
    facts.append((K.CP_PLAN_ENDED, day, {"reason": reason, "post_plan": data.get("post_plan")}))
    if data.get("post_plan") != "cin_plan":
        facts.append((K.CLOSED, day, {"reason": CLOSURE_FOR_PLAN_END.get(str(reason), "RC7")}))
    return facts


def _cin_plan_started(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    if data.get("family_response") != "agreed":
        return []
    return [(K.CIN_PLAN_STARTED, _day(data, "plan_started_on", now), {})]


def _cin_plan_review(session: Session, case_id: str, data: dict[str, Any], now: datetime) -> list[Fact]:
    if data.get("cin_review_decision") != "close":
        return []
    day = _day(data, "plan_ended_on", now) if data.get("plan_ended_on") else _day(data, "reviewed_on", now)
    return [(K.CIN_PLAN_ENDED, day, {}), (K.CLOSED, day, {"reason": data.get("reason_for_closure") or "RC7"})]


_PROJECTIONS: dict[str, Callable[[Session, str, dict[str, Any], datetime], list[Fact]]] = {
    "mash_decision": _mash_decision,
    "early_help_lead_professional": _early_help_started,
    "team_around_the_family": _early_help_completed,
    "assessment_allocation": _assessment_started,
    "child_seen": _child_seen,
    "cin_assessment_outcome": _assessment_authorised,
    "emergency_response": _emergency,
    "strategy_discussion": _strategy_discussion,
    "s47_outcome": _s47_outcome,
    "cp_conference_record": _conference,
    "cin_plan_agreement": _cin_plan_started,
    "cin_plan_review": _cin_plan_review,
}
