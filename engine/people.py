"""Record & match (domain §3 step 2): the people a referral names, found among those already known or recorded.

The match rule, in order, for each person a referral names:
1. the same NHS number (valid by its modulus-11 check digit) → that person;
2. else the same name and the same date of birth, exactly: the name compared lower-cased with runs of
   spaces made one (no fuzzy or phonetic matching: a near miss makes a new person, which a later merge
   can fix; a wrong match would join two children's records), and only when exactly one person has
   that name and date of birth and their NHS number, if both have one, is the same;
3. else a new person.
A matched person gains the identifiers they lacked (an NHS number, a UPN, codes); known ones are kept.
A person without a date of birth (an adult named only by name) is never matched by name.

Called inside the unit of work that opens the case, so the links and the case commit together; the
case's `case_opened` audit event lists each link (the person, their part, and the rule that found them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from engine.errors import FieldProblem, FormInvalid
from engine.models import Case, CaseEvent, CaseKind, CasePerson, InstanceStatus, Person, PersonRole, ProcessInstance
from engine.unit_of_work import UnitOfWork
from forms.formats import is_nhs_number

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Named:
    """One person as a referral names them, with the JSON pointer of where (for a 422)."""

    role: str
    name: str
    pointer: str
    dob: date | None = None
    expected_dob: date | None = None
    nhs_number: str | None = None
    relationship: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)


def match_key(name: str) -> str:
    return _SPACES.sub(" ", name.strip()).lower()


def check_nhs_number(value: str | None, pointer: str) -> None:
    """FormInvalid (422) naming the field when an NHS number fails its modulus-11 check."""
    if value is not None and not is_nhs_number(value):
        problem = FieldProblem(pointer, "Enter a valid NHS number: 10 digits whose last is its check digit",
                               "format")
        raise FormInvalid("the NHS number is not valid", [problem])


def people_named(kind: str, subject: dict[str, Any], referral: dict[str, Any]) -> list[Named]:
    """Everyone a referral names: its children (the subject among them), household, the adult accused."""
    named = [_child(child, f"/data/children/{i}") for i, child in enumerate(_dicts(referral.get("children")))]
    if kind == CaseKind.ALLEGATION:
        accused = referral.get("person")
        if isinstance(accused, dict):
            named.append(_adult(accused, "/data/person", PersonRole.SUBJECT_OF_ALLEGATION))
    elif not any(_same(each, _child(subject, "/subject")) for each in named):
        named.insert(0, _child(subject, "/subject"))
    for i, member in enumerate(_dicts(referral.get("household"))):
        named.append(_adult(member, f"/data/household/{i}", PersonRole.HOUSEHOLD_MEMBER))
    return [each for each in named if each.name.strip()]  # no one is recorded without a name


def link_people(uow: UnitOfWork, case_id: str, named: list[Named], actor: str) -> list[dict[str, str]]:
    """Match or record each named person and link them to the case: for the audit event of the opening,
    each link's person id, part and how the person was found ("nhs_number", "name_and_dob" or "new")."""
    for each in named:
        check_nhs_number(each.nhs_number, each.pointer + "/nhs_number")
    links: list[dict[str, str]] = []
    for each in named:
        person, rule = _match(uow.session, each)
        if person is None:
            person, rule = _new_person(uow, each, actor), "new"
        else:
            _fill_in(person, each, uow)
        if uow.session.get(CasePerson, (case_id, person.id, each.role)) is None:
            uow.session.add(CasePerson(case_id=case_id, person_id=person.id, role=each.role,
                                       relationship=each.relationship, linked_at=uow.now))
            uow.session.flush()
            links.append({"person_id": person.id, "role": each.role, "matched_by": rule})
    return links


def open_allocation(session: Session, case_id: str) -> dict[str, Any]:
    """Is a child of this case already open to an allocated social worker in another case? (domain §3 step 2)

    Open = that case has a running process instance; allocated = its latest assessment allocation names a
    worker. The answer is start data of every instance (`record_and_match`), so the MASH can route the
    contact to that worker and their team instead of screening it.
    """
    mine, theirs = aliased(CasePerson), aliased(CasePerson)
    running = (select(ProcessInstance.id).where(ProcessInstance.case_id == theirs.case_id,
                                                ProcessInstance.status == InstanceStatus.RUNNING.value).exists())
    query = (select(CaseEvent.details, Case.reference)
             .join(theirs, theirs.case_id == CaseEvent.case_id).join(Case, Case.id == theirs.case_id)
             .join(mine, (mine.person_id == theirs.person_id) & (mine.case_id == case_id))
             .where(mine.role == PersonRole.CHILD, theirs.role == PersonRole.CHILD, theirs.case_id != case_id,
                    CaseEvent.kind == "assessment_started", running)
             .order_by(CaseEvent.on_date.desc(), CaseEvent.id.desc()).limit(1))
    found = session.execute(query).first()
    details = dict(found[0]) if found else {}
    if not details.get("worker"):
        return {"open_to_allocated_worker": False}
    return {"open_to_allocated_worker": True, "allocated_worker": details["worker"],
            "allocated_team": details.get("team"), "open_case_reference": found[1] if found else None}


def _match(session: Session, named: Named) -> tuple[Person | None, str]:
    if named.nhs_number:
        found = session.scalar(select(Person).where(Person.nhs_number == named.nhs_number))
        if found is not None:
            return found, "nhs_number"
    if named.dob is None:
        return None, "new"
    candidates = list(session.scalars(
        select(Person).where(Person.match_key == match_key(named.name), Person.dob == named.dob).limit(2)))
    if len(candidates) != 1:
        return None, "new"
    found = candidates[0]
    if named.nhs_number and found.nhs_number and found.nhs_number != named.nhs_number:
        return None, "new"
    return found, "name_and_dob"


def _new_person(uow: UnitOfWork, named: Named, actor: str) -> Person:
    person = Person(name=named.name.strip(), match_key=match_key(named.name), dob=named.dob,
                    expected_dob=named.expected_dob, nhs_number=named.nhs_number, created_by=actor,
                    created_at=uow.now, updated_at=uow.now, aliases=[], disabilities=[])
    _apply_facts(person, named.facts)
    uow.session.add(person)
    uow.session.flush()
    return person


def _fill_in(person: Person, named: Named, uow: UnitOfWork) -> None:
    """Identifiers the person lacked are added; what is already recorded stays."""
    if person.nhs_number is None and named.nhs_number:
        person.nhs_number = named.nhs_number
    if person.dob is None and named.dob is not None:
        person.dob = named.dob
    if person.expected_dob is None and named.expected_dob is not None:
        person.expected_dob = named.expected_dob
    _apply_facts(person, {k: v for k, v in named.facts.items() if not getattr(person, k)})
    person.updated_at = uow.now


def _apply_facts(person: Person, facts: dict[str, Any]) -> None:
    for name, value in facts.items():
        setattr(person, name, value)


def _child(data: dict[str, Any], pointer: str) -> Named:
    facts = {key: data[key] for key in ("sex", "ethnicity", "upn", "aliases", "disabilities") if data.get(key)}
    return Named(role=PersonRole.CHILD, name=str(data.get("name", "")), pointer=pointer, dob=_date(data.get("dob")),
                 expected_dob=_date(data.get("expected_dob")), nhs_number=data.get("nhs_number"), facts=facts)


def _adult(data: dict[str, Any], pointer: str, role: str) -> Named:
    facts = {key: data[key] for key in ("sex",) if data.get(key)}
    return Named(role=role, name=str(data.get("name", "")), pointer=pointer, dob=_date(data.get("dob")),
                 nhs_number=data.get("nhs_number"), relationship=data.get("relationship"), facts=facts)


def _same(a: Named, b: Named) -> bool:
    if a.nhs_number and b.nhs_number:
        return a.nhs_number == b.nhs_number
    compatible = a.dob is None or b.dob is None or a.dob == b.dob
    return match_key(a.name) == match_key(b.name) and compatible


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if isinstance(value, str) and value else None
