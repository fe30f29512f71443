"""The person page: who a child is (identifiers in words), the cases of theirs I may see with their part in
each, re-referrals and child protection plans, hiding a restricted case exactly as the API does; the case
page lists its people, each linking to their page."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from engine import runtime
from engine.db import Database
from engine.models import CasePerson, Person
from tests.conftest import Clock
from tests.engine.returns_fixture import MANAGER, Caseload
from tests.web.conftest import PageRequest

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def caseload(db: Database, clock: Clock, web_users: Any) -> Caseload:
    from tests.factories import deploy

    deploy(db, name="mash_screening.bpmn", now=clock())
    load = Caseload(db)
    load.child("Ava Stone", dob="2016-02-10", upn="A123456789012", ethnicity="MWBA", disabilities=("HEAR", "LD"))
    # Referrals on working days in office hours: on a bank holiday (6 April 2026) the EDT would hold them.
    first = load.refer("2026-04-08", ["Ava Stone"])
    load.decide(first, "2026-04-08", "nfa", nfa=True)
    second = load.refer("2026-06-01", ["Ava Stone"])
    load.decide(second, "2026-06-01", "strategy_discussion_s47")
    load.icpc(second, "2026-06-20", category="neglect")
    load.child("Zoe Hidden", dob="2017-01-01")
    load.refer("2026-04-07", ["Zoe Hidden"])
    assert first != second
    return load


def _person_id(db: Database, name: str) -> str:
    with db.reading() as session:
        return str(session.scalars(select(Person.id).where(Person.name == name)).one())


def _restrict(db: Database, clock: Clock, case_id: str) -> None:
    runtime.restrict_case(db, case_id, reason="A relative works in the MASH", team="social_worker", actor=MANAGER,
                          now=clock())


def test_a_person_page_shows_their_identifiers_cases_re_referrals_and_plans(
        page_request: PageRequest, db: Database, caseload: Caseload) -> None:
    first, second = caseload.cases["Ava Stone"]
    page_request.web.sign_in("sam")

    page = page_request.get("person_pages.person", person_id=_person_id(db, "Ava Stone"))

    assert page.text("h1") == "Ava Stone"
    details = dict(zip([k.text.strip() for k in page.select("#person-details dt")],
                       [v.text.strip() for v in page.select("#person-details dd")], strict=True))
    assert details["Date of birth"] == "10 February 2016"
    assert details["NHS number"].count(" ") == 2 and len(details["NHS number"]) == 12  # 3-3-4
    assert details["NHS number"].replace(" ", "") == caseload.children["Ava Stone"]["nhs_number"]
    assert details["Unique pupil number (UPN)"] == "A123456789012"
    assert details["Ethnicity"] == "White and Black African (MWBA)"
    assert details["Disability"] == "Hearing (HEAR), Learning (LD)"
    links = [a.get("href") for a in page.select("#person-cases a")]
    assert links == [f"/cases/{first}", f"/cases/{second}"]
    assert page.text("#person-cases tbody tr:first-child td:nth-child(3)") == "Child"
    assert "1 re-referral" in page.text("#re-referrals")
    assert [page.text(f"#person-referrals tbody tr:nth-child({n}) td:nth-child(3)") for n in (1, 2)] == [
        "No", "Re-referral"]
    assert "20 June 2026" in page.text("#person-plans") and "Neglect" in page.text("#person-plans")


def test_a_restricted_case_is_hidden_from_the_person_page_and_a_person_only_in_it_is_not_found(
        page_request: PageRequest, db: Database, clock: Clock, caseload: Caseload) -> None:
    first, second = caseload.cases["Ava Stone"]
    _restrict(db, clock, first)
    _restrict(db, clock, caseload.cases["Zoe Hidden"][0])
    page_request.web.sign_in("sam")

    page = page_request.get("person_pages.person", person_id=_person_id(db, "Ava Stone"))

    assert [a.get("href") for a in page.select("#person-cases a")] == [f"/cases/{second}"]
    assert first not in page.response.get_data(as_text=True)
    assert "0 re-referrals" in page.text("#re-referrals")  # counted over the cases I may see, as the API does
    page_request.get("person_pages.person", 404, person_id=_person_id(db, "Zoe Hidden"))
    page_request.get("person_pages.person", 404, person_id=UNKNOWN)


def test_a_referrer_may_not_open_a_person_page(page_request: PageRequest, db: Database,
                                               caseload: Caseload) -> None:
    page_request.web.sign_in("rita")
    page_request.get("person_pages.person", 403, person_id=_person_id(db, "Ava Stone"))


def test_the_case_page_lists_its_people_each_linking_to_their_page(
        page_request: PageRequest, db: Database, caseload: Caseload) -> None:
    case_id = caseload.cases["Ava Stone"][0]
    page_request.web.sign_in("sam")

    page = page_request.get("case_pages.case", case_id=case_id)

    with db.reading() as session:
        people = session.scalars(select(CasePerson.person_id).where(CasePerson.case_id == case_id)).all()
    assert [a.get("href") for a in page.select("#case-people a")] == [f"/people/{p}" for p in people]
    assert "Ava Stone" in page.text("#case-people") and "child" in page.text("#case-people")
