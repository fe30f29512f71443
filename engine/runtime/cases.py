"""Opening a case from a referral, and the audited reading of a case record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine import access
from engine.access import Actor
from engine.calendar import LONDON, default_calendar
from engine.db import Database
from engine.errors import FieldProblem, FormInvalid, NotFound
from engine.models import Case, CaseKind, ProcessDefinition, ReferenceCounter
from engine.people import link_people, people_named
from engine.runtime.deploy import latest_definition
from engine.runtime.steps import start_instance, validated
from engine.statutory import record_contact
from engine.unit_of_work import unit_of_work

REFERENCE_PREFIXES = {"mash_screening": "MASH", "lado_allegation": "LADO"}
CASE_KINDS = {"lado_allegation": CaseKind.ALLEGATION}


def open_case(
    db: Database, *, process: str, subject: dict[str, Any], data: dict[str, Any], actor: Actor, now: datetime
) -> str:
    """Record a referral: a new case with a readable reference and a running instance of `process`."""
    with unit_of_work(db, now) as uow:
        session = uow.session
        definition = latest_definition(session, process)
        if definition is None:
            raise NotFound(f"no process '{process}' is deployed")
        access.require_can_start(actor, definition)
        referral = _start_data(definition, data)
        case = Case(reference=_next_reference(uow, process), kind=CASE_KINDS.get(process, CaseKind.CHILD),
                    subject=subject, created_by=actor.username, created_at=now)
        session.add(case)
        session.flush()
        people = link_people(uow, case.id, people_named(case.kind, subject, referral), actor.username)
        uow.record("case_opened", actor=actor.username, case_id=case.id,
                   payload={"reference": case.reference, "process": process, "subject": subject, "data": referral,
                            "people": people})
        source = _contact_source(referral)
        if case.kind == CaseKind.CHILD and source is not None:  # a front-door referral form: a contact
            record_contact(session, case.id, source, now)
        start_data = {
            **referral,
            "case_id": case.id, "case_reference": case.reference, "referral": referral, "subject": subject,
            "received_at": now.isoformat(), "clock_started_at": default_calendar().clock_start(now).isoformat(),
        }
        start_instance(uow, case, definition, start_data, actor)
        return case.id


def _start_data(definition: ProcessDefinition, data: dict[str, Any]) -> dict[str, Any]:
    """The referral, valid against the start form; a process without a start form takes no start data."""
    if definition.start_form:
        return validated(definition.start_form, data, pointer_prefix="/data")
    if data:
        problem = FieldProblem("/data", f"Leave the data empty: {definition.key} has no start form", "maxProperties")
        raise FormInvalid(f"process {definition.key} has no start form to fill in", [problem])
    return {}


def _contact_source(referral: dict[str, Any]) -> str | None:
    referrer = referral.get("referrer")
    return referrer.get("contact_source") if isinstance(referrer, dict) else None


def _next_reference(uow: Any, process: str) -> str:
    prefix = REFERENCE_PREFIXES.get(process, process[:4].upper())
    year = uow.now.astimezone(LONDON).year
    counter = uow.session.get(ReferenceCounter, (prefix, year), with_for_update=True)
    if counter is None:
        counter = ReferenceCounter(prefix=prefix, year=year, last=0)
        uow.session.add(counter)
    counter.last += 1
    return f"{prefix}-{year}-{counter.last:06d}"


def record_case_read(db: Database, case_id: str, actor: Actor, now: datetime, what: str) -> None:
    """Every read of a case record is an audit event (domain §9.3); unseen cases are 404.

    The visibility check reads without the writers' lock; only the append is a write.
    """
    with db.reading() as session:
        access.require_case_visible(session, actor, session.get(Case, case_id))
    with unit_of_work(db, now) as uow:
        uow.record("case_viewed", actor=actor.username, case_id=case_id, payload={"what": what})
