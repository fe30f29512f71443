"""Record & match: the people a referral names are found among those known (NHS number, else exact name and
date of birth) or recorded, linked to the case in its opening transaction, and counted across cases."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from engine import runtime
from engine.access import Actor
from engine.db import Database
from engine.errors import FormInvalid
from engine.models import AuditEvent, Case, CaseEvent, CasePerson, Person
from engine.people import check_nhs_number
from engine.queries.people import get_person, list_case_people, months_before, re_referral_flags
from engine.retention import RetentionDue, apply_retention
from forms.formats import is_nhs_number
from tests.conftest import Clock
from tests.engine.test_cp_conference_paths import london
from tests.factories import CaseDriver, deploy, filled, referral, subject

REFERRER = Actor("rita", frozenset({"referrer"}))
AUDITOR = Actor("audrey", frozenset({"auditor"}))
LEO_NHS = "9434765919"  # the referral form's example child


def nhs_check_digit(nine: str) -> int:
    """Modulus 11 over the first nine digits, weights 10 down to 2; 11 → 0; 10 means no valid number."""
    remainder = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True)) % 11
    return 0 if remainder == 0 else 11 - remainder


@pytest.fixture
def mash(db: Database, clock: Clock) -> Database:
    deploy(db, name="mash_screening.bpmn", now=clock())
    return db


def refer(db: Database, at: datetime, decision: str = "strategy_discussion_s47", **children: object) -> CaseDriver:
    """A MASH referral about the form's example children, screened and decided."""
    data = referral(**children) if children else referral()
    case = CaseDriver(db, runtime.open_case(db, process="mash_screening", subject=subject(name="Leo Hughes",
                                            dob="2018-11-14", nhs_number=LEO_NHS), data=data, actor=REFERRER, now=at))
    case.complete("screen_contact", filled("mash_screening", partner_checks=[], immediate_danger=False), at)
    case.complete("screening_decision", filled("mash_decision", decision=decision), at)
    return case


def people_of(db: Database, case_id: str) -> dict[str, tuple[str, str]]:
    with db.reading() as session:
        return {p["name"]: (p["id"], p["role"]) for p in list_case_people(session, AUDITOR, case_id)}


# NHS number --------------------------------------------------------------------------------------------

@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_an_nhs_number_is_valid_exactly_when_its_last_digit_is_the_modulus_11_check_digit(nine: str) -> None:
    check = nhs_check_digit(nine)
    for last in "0123456789":
        assert is_nhs_number(nine + last) == (check != 10 and int(last) == check)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(0, 9), st.integers(1, 9))
def test_changing_any_one_digit_of_a_valid_nhs_number_makes_it_invalid(ten: str, position: int, shift: int) -> None:
    check = nhs_check_digit(ten[:9])
    if check == 10:
        return
    valid = ten[:9] + str(check)
    wrong = valid[:position] + str((int(valid[position]) + shift) % 10) + valid[position + 1:]
    assert is_nhs_number(valid) and not is_nhs_number(wrong)


def test_a_bad_nhs_number_on_the_subject_is_refused_naming_the_field_and_nothing_is_written(mash: Database) -> None:
    with pytest.raises(FormInvalid) as refused:
        runtime.open_case(mash, process="mash_screening", subject=subject(nhs_number="9434765918"), data=referral(),
                          actor=REFERRER, now=london(2026, 6, 1, 10))
    assert [p.pointer for p in refused.value.problems] == ["/subject/nhs_number"]
    with mash.reading() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_check_nhs_number_accepts_none_and_valid_numbers() -> None:
    check_nhs_number(None, "/x")
    check_nhs_number(LEO_NHS, "/x")
    with pytest.raises(FormInvalid):
        check_nhs_number("1234567890", "/x")


# Record & match ----------------------------------------------------------------------------------------

def test_a_second_referral_for_the_same_child_links_to_the_same_person_and_counts_as_a_re_referral(
    mash: Database,
) -> None:
    first = refer(mash, london(2026, 6, 1, 10))
    second = refer(mash, london(2026, 9, 14, 10))

    leo_first, leo_second = people_of(mash, first.case_id)["Leo Hughes"], people_of(mash, second.case_id)["Leo Hughes"]
    assert leo_first == leo_second and leo_first[1] == "child"
    with mash.reading() as session:
        leo = get_person(session, AUDITOR, leo_first[0])
        assert session.scalar(select(func.count()).select_from(Person).where(Person.nhs_number == LEO_NHS)) == 1
    assert [c["case_id"] for c in leo["cases"]] == [first.case_id, second.case_id]
    assert [(r["on"], r["re_referral"]) for r in leo["referrals"]] == [("2026-06-01", False), ("2026-09-14", True)]
    assert leo["re_referrals"] == 1


def test_a_referral_more_than_12_months_after_the_last_is_not_a_re_referral(mash: Database) -> None:
    first = refer(mash, london(2026, 6, 1, 10))
    refer(mash, london(2027, 6, 2, 10))
    with mash.reading() as session:
        leo = get_person(session, AUDITOR, people_of(mash, first.case_id)["Leo Hughes"][0])
    assert [r["re_referral"] for r in leo["referrals"]] == [False, False]


def test_a_contact_decided_nfa_at_the_mash_is_no_referral(mash: Database) -> None:
    case = refer(mash, london(2026, 6, 1, 10), decision="nfa")
    with mash.reading() as session:
        kinds = list(session.scalars(select(CaseEvent.kind).where(CaseEvent.case_id == case.case_id)))
    assert kinds == ["contact"]


def test_without_an_nhs_number_the_same_name_and_date_of_birth_match_and_gain_the_number(mash: Database) -> None:
    child = {"name": "Amy  Brown", "dob": "2019-01-02"}
    first = refer(mash, london(2026, 6, 1, 10), children=[child])
    second = refer(mash, london(2026, 7, 1, 10), children=[{"name": "amy brown", "dob": "2019-01-02",
                                                            "nhs_number": "4010232137"}])
    amy = people_of(mash, first.case_id)["Amy  Brown"][0]
    assert people_of(mash, second.case_id)["Amy  Brown"][0] == amy
    with mash.reading() as session:
        assert session.get_one(Person, amy).nhs_number == "4010232137"
        opened = session.scalars(select(AuditEvent).where(AuditEvent.case_id == second.case_id,
                                                          AuditEvent.action == "case_opened")).one()
        assert {"person_id": amy, "role": "child", "matched_by": "name_and_dob"} in opened.payload["people"]


def test_a_different_date_of_birth_or_nhs_number_makes_a_new_person(mash: Database) -> None:
    first = refer(mash, london(2026, 6, 1, 10), children=[{"name": "Amy Brown", "dob": "2019-01-02",
                                                           "nhs_number": "4010232137"}])
    other_dob = refer(mash, london(2026, 6, 2, 10), children=[{"name": "Amy Brown", "dob": "2019-01-03"}])
    other_nhs = refer(mash, london(2026, 6, 3, 10), children=[{"name": "Amy Brown", "dob": "2019-01-02",
                                                               "nhs_number": "9876543210"}])
    ids = {people_of(mash, case.case_id)["Amy Brown"][0] for case in (first, other_dob, other_nhs)}
    assert len(ids) == 3


def test_the_subject_named_among_the_children_is_linked_once_and_household_members_with_their_relationship(
    mash: Database,
) -> None:
    case = refer(mash, london(2026, 6, 1, 10))
    people = people_of(mash, case.case_id)
    assert people["Leo Hughes"][1] == "child" and people["Unborn baby Hughes"][1] == "child"
    assert people["Kelly Hughes"][1] == "household_member"
    with mash.reading() as session:
        links = session.scalars(select(CasePerson).where(CasePerson.case_id == case.case_id))
        assert sorted((link.role, link.relationship or "") for link in links) == [
            ("child", ""), ("child", ""), ("household_member", "Mother"), ("household_member", "Mother's partner")]


def test_an_adult_without_a_date_of_birth_is_never_matched_by_name(mash: Database) -> None:
    first, second = refer(mash, london(2026, 6, 1, 10)), refer(mash, london(2026, 6, 2, 10))
    assert people_of(mash, first.case_id)["Dean Walsh"] != people_of(mash, second.case_id)["Dean Walsh"]
    assert people_of(mash, first.case_id)["Kelly Hughes"] == people_of(mash, second.case_id)["Kelly Hughes"]


def test_an_allegation_links_the_accused_adult_and_the_children(db: Database, clock: Clock) -> None:
    deploy(db, name="lado_allegation.bpmn", now=clock())
    dsl = Actor("dsl_school", frozenset({"employer_case_manager", "dsl", "referrer"}))
    case_id = runtime.open_case(db, process="lado_allegation", subject={"name": "A teacher"},
                                data=filled("lado_referral"), actor=dsl, now=london(2026, 6, 1, 10))
    roles = sorted(role for _, role in people_of(db, case_id).values())
    assert "subject_of_allegation" in roles and "child" in roles
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id)) == 0


# Measures and retention ---------------------------------------------------------------------------------

def test_twelve_months_before_is_the_same_day_clamped_to_the_month_end() -> None:
    assert months_before(london(2027, 2, 28).date(), 12).isoformat() == "2026-02-28"
    assert months_before(london(2028, 2, 29).date(), 12).isoformat() == "2027-02-28"
    assert months_before(london(2027, 3, 31).date(), 1).isoformat() == "2027-02-28"
    days = [london(2026, 1, 10).date(), london(2027, 1, 10).date(), london(2028, 1, 11).date()]
    assert re_referral_flags(days) == [False, True, False]


def test_a_person_outlives_one_case_removed_under_retention_but_not_the_last(mash: Database) -> None:
    first, second = refer(mash, london(2026, 6, 1, 10)), refer(mash, london(2026, 7, 1, 10))
    leo = people_of(mash, first.case_id)["Leo Hughes"][0]
    dean_first = people_of(mash, first.case_id)["Dean Walsh"][0]
    due = RetentionDue(first.case_id, "MASH-2026-000001", "child", london(2066, 1, 1).date(), "delete")
    apply_retention(mash, london(2070, 1, 1, 10), [due], actor="retention")
    with mash.reading() as session:
        assert session.get(Person, leo) is not None  # still in the second case
        assert session.get(Person, dean_first) is None  # named by no other case
        assert session.scalar(select(func.count()).select_from(CaseEvent)
                              .where(CaseEvent.case_id == first.case_id)) == 0
    assert people_of(mash, second.case_id)["Leo Hughes"][0] == leo
