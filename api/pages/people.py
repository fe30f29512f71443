"""The person page: a child or adult with the cases of theirs the user may see (their part in each),
referrals with re-referrals, and child protection plans, read like the API's `GET /api/v1/people/<id>` (the
same read, the same audit record, the same 404 for a person in no case the user may see)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from api import context
from api.auth import current_actor
from engine import runtime
from engine.calendar import LONDON
from engine.queries.people import get_person

person_pages = Blueprint("person_pages", __name__)

ETHNICITIES = {
    "WBRI": "White British", "WIRI": "White Irish", "WIRT": "Traveller of Irish heritage",
    "WOTH": "Any other White background", "WROM": "Gypsy/Roma", "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African", "MWAS": "White and Asian", "MOTH": "Any other Mixed background",
    "AIND": "Indian", "APKN": "Pakistani", "ABAN": "Bangladeshi", "AOTH": "Any other Asian background",
    "BCRB": "Caribbean", "BAFR": "African", "BOTH": "Any other Black background", "CHNE": "Chinese",
    "OOTH": "Any other ethnic group", "REFU": "Refused", "NOBT": "Information not yet obtained",
}
DISABILITIES = {
    "NONE": "No disability", "MOB": "Mobility", "HAND": "Hand function", "PC": "Personal care",
    "INC": "Incontinence", "COMM": "Communication", "LD": "Learning", "HEAR": "Hearing", "VIS": "Vision",
    "BEH": "Behaviour", "CON": "Consciousness", "AUT": "Autism or Asperger syndrome",
    "DDA": "Other disability under the Equality Act 2010",
}
ROLES = {"child": "Child", "household_member": "Household member", "subject_of_allegation": "Subject of the allegation"}
KINDS = {"child": "Child's case", "allegation": "Allegation against an adult"}


@person_pages.route("/people/<uuid:person_id>")
def person(person_id: UUID) -> ResponseReturnValue:
    actor, db = current_actor(), context.db()
    runtime.record_person_read(db, str(person_id), actor, context.now())
    with db.reading() as session:
        found = get_person(session, actor, str(person_id))
    references = {case["case_id"]: case["reference"] for case in found["cases"]}
    return render_template("pages/people/person.html", person=found, details=details(found),
                           references=references, role=role_name, kind=kind_name, day=day,
                           opened=opened)


def details(person: dict[str, Any]) -> list[tuple[str, str]]:
    """The summary list's rows: what is recorded about the person, in words."""
    dob = day(person["dob"]) if person["dob"] else (
        f"Expected {day(person['expected_dob'])}" if person["expected_dob"] else "Not recorded")
    codes = person["disabilities"]
    return [
        ("Date of birth", dob),
        ("NHS number", nhs_number(person["nhs_number"])),
        ("Unique pupil number (UPN)", person["upn"] or "Not recorded"),
        ("Ethnicity", _coded(person["ethnicity"], ETHNICITIES)),
        ("Disability", ", ".join(_coded(code, DISABILITIES) for code in codes) if codes else "Not recorded"),
    ]


def nhs_number(value: str | None) -> str:
    """"9434765919" → "943 476 5919" (the NHS's 3-3-4 grouping); anything else as recorded."""
    if not value:
        return "Not recorded"
    digits = value.replace(" ", "")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 and digits.isdigit() else value


def day(iso: str) -> str:
    """"2018-03-04" → "4 March 2018" (a calendar date: the day it is in London, with no time to convert)."""
    on = date.fromisoformat(iso)
    return f"{on.day} {on.strftime('%B %Y')}"


def opened(iso: str) -> str:
    """The day a case was opened, in London."""
    return day(datetime.fromisoformat(iso).astimezone(LONDON).date().isoformat())


def role_name(role: str) -> str:
    return ROLES.get(role, role.replace("_", " ").capitalize())


def kind_name(kind: str) -> str:
    return KINDS.get(kind, kind.replace("_", " ").capitalize())


def _coded(code: str | None, names: dict[str, str]) -> str:
    if not code:
        return "Not recorded"
    return f"{names[code]} ({code})" if code in names else code
