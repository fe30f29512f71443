"""People reads: a person with the cases they are in, a case's people, and the history measures of a child.

A person is visible when at least one of their cases is (engine.access.case_visible), and their view
lists only the cases the actor may see, so a restricted case or an allegation never shows, not even as
a count: re-referrals and previous plans on these pages are counted over the visible cases. The
statutory returns (engine/queries/returns.py) count over every case.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor
from engine.errors import NotFound
from engine.models import Case, CaseEvent, CasePerson, Person, PersonRole
from engine.plan_flags import months_before, plan_flags
from engine.statutory import EventKind, london_day


def re_referral_flags(referral_days: list[date]) -> list[bool]:
    """For referrals in date order: whether each came within 12 months of an earlier one (national measure)."""
    return [i > 0 and referral_days[i - 1] >= months_before(day, 12) for i, day in enumerate(referral_days)]


def person_dict(person: Person) -> dict[str, Any]:
    return {
        "id": person.id, "name": person.name, "aliases": list(person.aliases or []),
        "dob": _iso(person.dob), "expected_dob": _iso(person.expected_dob), "death_date": _iso(person.death_date),
        "sex": person.sex, "ethnicity": person.ethnicity, "disabilities": list(person.disabilities or []),
        "nhs_number": person.nhs_number, "upn": person.upn,
    }


def get_person(session: Session, actor: Actor, person_id: str) -> dict[str, Any]:
    """A person, the cases of theirs the actor may see (with their part), referrals and CP plans in them."""
    person = session.get(Person, person_id)
    links = _links(session, [person_id]) if person else []
    visible = [(link, case) for link, case in links if access.case_visible(session, actor, case)]
    if person is None or not visible:
        raise NotFound("person not found")
    case_ids = sorted({case.id for _, case in visible})
    referrals = _events(session, case_ids, EventKind.REFERRAL)
    flags = re_referral_flags([event.on_date for event in referrals])
    plans = _events(session, case_ids, EventKind.CP_PLAN_STARTED)
    return {
        **person_dict(person),
        "cases": [_case_link(link, case) for link, case in visible],
        "referrals": [{"case_id": e.case_id, "on": e.on_date.isoformat(), "re_referral": flag}
                      for e, flag in zip(referrals, flags, strict=True)],
        "re_referrals": sum(flags),
        "cp_plans": [{"case_id": e.case_id, "started_on": e.on_date.isoformat(), "number": i + 1,
                      "category": e.details.get("category")} for i, e in enumerate(plans)],
    }


def list_case_people(session: Session, actor: Actor, case_id: str) -> list[dict[str, Any]]:
    """Everyone the case is about or names, children first, with their part in it."""
    access.require_case_visible(session, actor, session.get(Case, case_id))
    query = (select(CasePerson, Person).join(Person, Person.id == CasePerson.person_id)
             .where(CasePerson.case_id == case_id).order_by(CasePerson.linked_at, Person.name, Person.id))
    rows = sorted(session.execute(query).all(), key=lambda row: row[0].role != PersonRole.CHILD)
    return [{**person_dict(person), "role": link.role, "relationship": link.relationship} for link, person in rows]


def case_plan_flags(session: Session, actor: Actor, case_id: str, now: datetime) -> dict[str, Any]:
    """The case's child protection plan today, with its two flags for the chair and managers: a second or
    subsequent plan for one of its children (counted over the cases the actor may see), lasting two years."""
    case = access.require_case_visible(session, actor, session.get(Case, case_id))

    def visible(other_case_id: str) -> bool:
        return other_case_id == case.id or access.case_visible(session, actor, session.get_one(Case, other_case_id))

    return plan_flags(session, case.id, london_day(now), visible)


def _links(session: Session, person_ids: Iterable[str]) -> list[tuple[CasePerson, Case]]:
    query = (select(CasePerson, Case).join(Case, Case.id == CasePerson.case_id)
             .where(CasePerson.person_id.in_(list(person_ids))).order_by(Case.created_at, Case.reference))
    return [(link, case) for link, case in session.execute(query).all()]


def _events(session: Session, case_ids: list[str], kind: str) -> list[CaseEvent]:
    query = (select(CaseEvent).where(CaseEvent.case_id.in_(case_ids), CaseEvent.kind == kind)
             .order_by(CaseEvent.on_date, CaseEvent.id))
    return list(session.scalars(query))


def _case_link(link: CasePerson, case: Case) -> dict[str, Any]:
    return {"case_id": case.id, "reference": case.reference, "kind": case.kind, "role": link.role,
            "opened_at": case.created_at.isoformat()}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
