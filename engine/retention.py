"""Retention (domain T27 and §9.3): which closed cases are past their keeping date, and removing them.

The schedule is per case kind and configurable (`SOSFLOW_RETENTION`, a JSON object kind → rule, merged
over the defaults). Defaults:
- allegation (LADO, T27): 10 years from the allegation, or until the accused person's normal pension
  age if that is later (when their date of birth was recorded);
- child: 40 years from the case's closure. VERIFY: children's social care files are kept for
  decades by the local authority's own retention schedule; set the local figure.
A case with a running process is never due. Removing a case deletes its records (or, with action
`anonymise`, keeps the case's skeleton — kind, dates, outcomes, task names, its dated statutory facts —
without the person or any form data), deletes the payloads of its audit events (the events and their
digests stay, so the chain still verifies), unlinks its people (a person no other case names is removed:
a person outlives one case, not all of them), and appends one audit event saying what was removed under
which rule.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from engine.calendar import LONDON
from engine.db import Database
from engine.models import (
    AuditEvent,
    AuditPayload,
    BreakGlass,
    Case,
    CaseEvent,
    CaseKind,
    CasePerson,
    CaseRestriction,
    FamilyNetwork,
    FormDraft,
    HumanTask,
    Incident,
    InstanceStatus,
    Notification,
    Person,
    ProcessInstance,
    ScaleRecord,
    Timer,
)
from engine.unit_of_work import UnitOfWork, unit_of_work

REMOVED = "case_removed_by_retention"
ANONYMISED = "case_anonymised_by_retention"
ANONYMOUS_SUBJECT = {"name": "Removed under the retention schedule"}


@dataclass(frozen=True)
class RetentionRule:
    """How long a kind of case is kept: `years` from `start` ("allegation" or "closure"), then `action`."""

    years: int
    start: str = "closure"
    until_pension_age: bool = False
    pension_age: int | None = None  # None: the state pension age for the person's date of birth
    action: str = "delete"  # or "anonymise"


DEFAULT_POLICY = {
    str(CaseKind.ALLEGATION): RetentionRule(years=10, start="allegation", until_pension_age=True),
    str(CaseKind.CHILD): RetentionRule(years=40, start="closure"),  # VERIFY with the local schedule
}


def retention_policy() -> dict[str, RetentionRule]:
    """The defaults with `SOSFLOW_RETENTION` laid over them (each kind's fields override its default)."""
    configured: dict[str, dict[str, Any]] = json.loads(os.environ.get("SOSFLOW_RETENTION") or "{}")
    policy = dict(DEFAULT_POLICY)
    for kind, fields in configured.items():
        base = asdict(policy.get(kind, RetentionRule(years=int(fields.get("years", 0)))))
        rule = RetentionRule(**{**base, **fields})
        if rule.action not in ("delete", "anonymise") or rule.start not in ("allegation", "closure"):
            raise ValueError(f"SOSFLOW_RETENTION[{kind!r}]: action is delete|anonymise, start allegation|closure")
        policy[kind] = rule
    return policy


def state_pension_age(dob: date) -> int:
    """UK state pension age by date of birth (Pensions Acts 2007/2014 timetable, rounded up to whole
    years so records are never removed early). VERIFY: the timetable is under review."""
    if dob < date(1960, 4, 6):
        return 66
    if dob < date(1977, 4, 6):
        return 67
    return 68


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class RetentionDue:
    """A case past its keeping date."""

    case_id: str
    reference: str
    kind: str
    kept_until: date
    action: str


def list_past_retention(session: Session, now: datetime, policy: dict[str, RetentionRule] | None = None
                        ) -> list[RetentionDue]:
    """Every case whose processes have all ended and whose keeping date has passed, oldest first."""
    rules = policy or retention_policy()
    today = now.astimezone(LONDON).date()
    running = func.sum(sql_case((ProcessInstance.status == InstanceStatus.RUNNING, 1), else_=0))
    rows = session.execute(
        select(Case, func.max(ProcessInstance.completed_at), func.coalesce(running, 0))
        .outerjoin(ProcessInstance, ProcessInstance.case_id == Case.id)
        .group_by(Case.id).order_by(Case.created_at, Case.id)
    ).all()
    due = []
    for case, closed_at, still_running in rows:
        rule = rules.get(case.kind)
        if rule is None or still_running or case.subject == ANONYMOUS_SUBJECT:
            continue
        kept_until = _kept_until(session, case, rule, closed_at)
        if kept_until <= today:
            due.append(RetentionDue(case.id, case.reference, case.kind, kept_until, rule.action))
    return sorted(due, key=lambda d: (d.kept_until, d.reference))


def _kept_until(session: Session, case: Case, rule: RetentionRule, closed_at: datetime | None) -> date:
    referral = _referral(session, case.id) if rule.start == "allegation" or rule.until_pension_age else {}
    if rule.start == "allegation":
        start = _allegation_date(referral) or case.created_at.astimezone(LONDON).date()
    else:
        start = (closed_at or case.created_at).astimezone(LONDON).date()
    kept_until = add_years(start, rule.years)
    dob = _person_dob(case, referral) if rule.until_pension_age else None
    if dob is not None:
        kept_until = max(kept_until, add_years(dob, rule.pension_age or state_pension_age(dob)))
    return kept_until


def _referral(session: Session, case_id: str) -> dict[str, Any]:
    """The referral as recorded when the case was opened (kept in the case_opened audit payload)."""
    query = select(AuditEvent).where(AuditEvent.case_id == case_id, AuditEvent.action == "case_opened")
    event = session.scalars(query.order_by(AuditEvent.seq).limit(1)).first()
    data = (event.payload or {}).get("data") if event is not None else None
    return data if isinstance(data, dict) else {}


def _allegation_date(referral: dict[str, Any]) -> date | None:
    allegation = referral.get("allegation") or {}
    dates = [date.fromisoformat(d) for d in allegation.get("incident_dates") or []]
    if allegation.get("became_aware_at"):
        dates.append(datetime.fromisoformat(allegation["became_aware_at"]).astimezone(LONDON).date())
    return min(dates) if dates else None


def _person_dob(case: Case, referral: dict[str, Any]) -> date | None:
    recorded = (referral.get("person") or {}).get("dob") or case.subject.get("dob")
    return date.fromisoformat(recorded) if recorded else None


def apply_retention(db: Database, now: datetime, batch: list[RetentionDue], *, actor: str) -> int:
    """Remove or anonymise one batch of cases in one transaction, each audited; returns payloads removed."""
    removed = 0
    with unit_of_work(db, now) as uow:
        for due in batch:
            removed += _retire(uow, due, actor)
    return removed


def _retire(uow: UnitOfWork, due: RetentionDue, actor: str) -> int:
    session = uow.session
    case_events = select(AuditEvent.seq).where(AuditEvent.case_id == due.case_id)
    payloads = session.execute(delete(AuditPayload).where(AuditPayload.seq.in_(case_events))).rowcount  # type: ignore[attr-defined]
    for model in (ScaleRecord, FamilyNetwork, BreakGlass, CaseRestriction, FormDraft):
        session.execute(delete(model).where(model.case_id == due.case_id))
    _unlink_people(session, due.case_id)
    if due.action == "anonymise":
        _anonymise(session, due.case_id)
    else:
        _delete(session, due.case_id)
    uow.record(ANONYMISED if due.action == "anonymise" else REMOVED, actor=actor, case_id=due.case_id,
               payload={"reference": due.reference, "kind": due.kind, "kept_until": due.kept_until.isoformat(),
                        "payloads_removed": payloads})
    return int(payloads)


def _unlink_people(session: Session, case_id: str) -> None:
    """A person outlives one case: the case's links go, and a person left in no other case goes with them."""
    linked = list(session.scalars(select(CasePerson.person_id).where(CasePerson.case_id == case_id).distinct()))
    session.execute(delete(CasePerson).where(CasePerson.case_id == case_id))
    still_linked = select(CasePerson.person_id).where(CasePerson.person_id.in_(linked))
    session.execute(delete(Person).where(Person.id.in_(linked), Person.id.not_in(still_linked))
                    .execution_options(synchronize_session=False))


def _anonymise(session: Session, case_id: str) -> None:
    session.execute(update(Case).where(Case.id == case_id).values(subject=ANONYMOUS_SUBJECT, restricted=True))
    # The stored workflow holds every form's data: keep the instance's projection, not its state.
    session.execute(update(ProcessInstance).where(ProcessInstance.case_id == case_id)
                    .values(state=b"")
                    .execution_options(synchronize_session=False))


def _delete(session: Session, case_id: str) -> None:
    for model in (Timer, HumanTask, Incident, Notification, CaseEvent):
        session.execute(delete(model).where(model.case_id == case_id))
    session.execute(update(ProcessInstance).where(ProcessInstance.case_id == case_id)
                    .values(parent_instance_id=None).execution_options(synchronize_session=False))
    session.execute(delete(ProcessInstance).where(ProcessInstance.case_id == case_id))
    session.execute(delete(Case).where(Case.id == case_id))
