"""The CIN census 2026-27 and the Annex A lists for the same year, against the hand-built caseload of
tests/engine/returns_fixture.py (23 children), checked row by row: every non-blank value of every row, the
rows' order, and each row's case id and reference."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import cli
from engine.db import Database
from engine.models import Case, CaseEvent, Person
from engine.queries.annex_a import HEADINGS, list_annex_a_rows
from engine.queries.cin_census import COLUMNS, census_year, list_cin_census_rows
from engine.queries.returns import Episode
from tests.conftest import Clock
from tests.engine.returns_fixture import Caseload, build
from tests.factories import deploy

FIRST, LAST = date(2026, 4, 1), date(2027, 3, 31)
CHILD = {  # PersonBirthDate, GenderCurrent, Ethnicity, Disabilities
    "Ava": ("2016-02-10", "2", "WBRI", "NONE"), "Cara": ("2013-01-20", "2", "AIND", "LD;AUT"),
    "Dan": ("2011-07-07", "1", "WBRI", "NONE"), "Eve": ("2018-05-05", "2", "WBRI", "NONE"),
    "Finn": ("2015-01-01", "1", "WBRI", "NONE"), "Gus": ("2012-12-12", "1", "BAFR", "NONE"),
    "Hana": ("2017-04-04", "2", "WBRI", "NONE"), "Ivy": ("2020-08-08", "2", "WBRI", "NONE"),
    "Kai": ("2009-09-09", "1", "WBRI", "NONE"), "Max": ("2019-03-03", "1", "WBRI", "NONE"),
    "Nia": ("2016-06-16", "2", "WBRI", "NONE"), "Oli": ("2012-02-02", "1", "WBRI", "NONE"),
    "Pip": ("2021-01-01", "2", "WBRI", "NONE"), "Rae": ("2015-06-01", "9", "", ""),
    "Sol": ("2014-04-14", "1", "WBRI", "NONE"), "Tia": ("2010-10-10", "2", "WBRI", "NONE"),
    "Uma": ("2013-03-13", "2", "CHNE", "NONE"),
}
ASSESSED = "AssessmentActualStartDate", "AssessmentAuthorisationDate"
S47 = "S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"
PLAN = "CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse", "NumberOfPreviousCPP"


def episode(referred: str, source: str, need: str, nfa: str, closed: str = "", reason: str = "") -> dict[str, str]:
    return {"CINreferralDate": referred, "ReferralSource": source, "PrimaryNeedCode": need, "ReferralNFA": nfa,
            "CINclosureDate": closed, "ReasonForClosure": reason}


# (child, case index among the child's cases) -> the row's values; blank columns are left out.
CIN_CENSUS: list[tuple[str, int, dict[str, str]]] = [
    ("Oli", 0, {**episode("2025-11-03", "2A", "N0", "0", "2027-01-15", "RC7"),
                "CINPlanStartDate": "2026-08-12", "CINPlanEndDate": "2027-01-15",
                **dict(zip(S47, ("2025-11-04", "2025-11-25", "2025-11-20", "0"), strict=True)),
                **dict(zip(PLAN, ("2025-11-20", "2026-08-10", "SAB", "SAB", "0"), strict=True)),
                "CPPreviewDate": "2026-02-18;2026-08-10"}),
    ("Kai", 0, {**episode("2026-03-20", "2A", "N9", "0", "2026-04-10", "RC8"),
                **dict(zip(ASSESSED, ("2026-03-23", "2026-04-10"), strict=True))}),
    ("Ava", 0, episode("2026-04-06", "2A", "N0", "1", "2026-04-06", "RC8")),
    ("Cara", 0, {**episode("2026-04-08", "6", "N4", "0", "2026-05-20", "RC8"),
                 **dict(zip(ASSESSED, ("2026-04-09", "2026-05-20"), strict=True)), "AssessmentFactors": "3A,4B"}),
    ("Gus", 0, episode("2026-04-10", "6", "N0", "1", "2026-04-10", "RC8")),
    ("Dan", 0, {**episode("2026-05-01", "3A", "N1", "0", "2026-12-01", "RC7"),
                **dict(zip(ASSESSED, ("2026-05-02", "2026-06-10"), strict=True)),
                "CINPlanStartDate": "2026-06-15", "CINPlanEndDate": "2026-12-01"}),
    ("Sol", 0, {**episode("2026-05-05", "2A", "N0", "0", "2026-08-20", "RC2"),
                **dict(zip(S47, ("2026-05-06", "2026-05-28", "2026-05-20", "0"), strict=True)),  # 25 May: holiday
                **dict(zip(PLAN, ("2026-05-20", "2026-08-20", "NEG", "NEG", "0"), strict=True)),
                "CPPreviewDate": "2026-08-20"}),
    ("Eve", 0, {**episode("2026-06-01", "2A", "N0", "0"),
                **dict(zip(S47, ("2026-06-02", "2026-06-23", "2026-06-20", "0"), strict=True)),
                **dict(zip(PLAN, ("2026-06-20", "", "NEG", "EMO", "0"), strict=True)), "CPPreviewDate": "2026-09-18"}),
    ("Finn", 1, {**episode("2026-07-01", "6", "N0", "0"),
                 **dict(zip(S47, ("2026-07-01", "2026-07-22", "2026-07-20", "0"), strict=True)),
                 **dict(zip(PLAN, ("2026-07-20", "", "PHY", "PHY", "1"), strict=True))}),
    ("Hana", 0, {**episode("2026-08-03", "1A", "N0", "0"), "AssessmentActualStartDate": "2026-08-04"}),
    ("Ivy", 0, {**episode("2026-08-03", "1A", "N0", "0"), "AssessmentActualStartDate": "2026-08-04"}),
    ("Max", 0, episode("2026-09-01", "2B", "N0", "0", "2026-09-01", "RC9")),
    ("Nia", 0, {**episode("2026-10-05", "3E", "N1", "0", "2026-10-20", "RC8"),
                **dict(zip(ASSESSED, ("2026-10-06", "2026-10-20"), strict=True)),
                "S47ActualStartDate": "2026-10-06", "InitialCPCtarget": "2026-10-27", "ICPCnotRequired": "1"}),
    ("Gus", 1, episode("2026-10-10", "6", "N0", "1", "2026-10-10", "RC8")),
    ("Pip", 0, {**episode("2026-11-02", "6", "N0", "0"),
                **dict(zip(S47, ("2026-11-03", "2026-11-24", "2026-11-20", "0"), strict=True)),
                **dict(zip(PLAN, ("2026-11-20", "", "PHY", "PHY", "0"), strict=True))}),
    ("Quinn", 0, {"ExpectedPersonBirthDate": "2027-01-15", "GenderCurrent": "2", "Ethnicity": "NOBT",
                  **episode("2026-11-10", "3B", "N0", "0"), "AssessmentActualStartDate": "2026-11-11"}),
    ("Rae", 0, episode("2026-12-01", "9", "N0", "1", "2026-12-01", "RC8")),
    ("Tia", 0, {**episode("2026-12-15", "5D", "N5", "0", "2027-01-20", "RC9"),
                **dict(zip(ASSESSED, ("2026-12-16", "2027-01-20"), strict=True))}),
    ("Uma", 0, {**episode("2027-02-01", "8", "N0", "0"), "AssessmentActualStartDate": "2027-02-02"}),
]


@pytest.fixture
def caseload(db: Database, clock: Clock) -> Caseload:
    deploy(db, name="mash_screening.bpmn", now=clock())
    deploy(db, name="lado_allegation.bpmn", now=clock())
    return build(db)


def _ids(db: Database) -> tuple[dict[str, str], dict[str, str]]:
    """Person id -> name, case id -> reference."""
    with db.reading() as session:
        people = {p.id: p.name for p in session.scalars(select(Person))}
        cases = {c.id: c.reference for c in session.scalars(select(Case))}
    return people, cases


def _in_order(db: Database, names: list[str]) -> list[str]:
    """`names` with the siblings Hana and Ivy (one case, one referral) in their ids' order, as rows are."""
    ids = {name: pid for pid, name in _ids(db)[0].items()}
    pair = iter(sorted(["Hana", "Ivy"], key=ids.__getitem__))
    return [next(pair) if name in ("Hana", "Ivy") else name for name in names]


def _expected_cin_row(load: Caseload, name: str, index: int, values: dict[str, str]) -> dict[str, str]:
    dob, gender, ethnicity, disabilities = CHILD.get(name, ("", "", "", ""))
    base = {"PersonBirthDate": dob, "GenderCurrent": gender, "Ethnicity": ethnicity, "Disabilities": disabilities}
    return {k: v for k, v in {**base, **values}.items() if v} | {"CaseID": load.cases[name][index]}


def test_the_cin_census_has_one_row_per_child_episode_open_in_the_year_with_its_values(
    caseload: Caseload, db: Database,
) -> None:
    people, cases = _ids(db)
    with db.reading() as session:
        rows = [dict(zip(COLUMNS, row, strict=True)) for row in list_cin_census_rows(session, FIRST, LAST)]
    got = [(people[row["LAchildID"]], row) for row in rows]
    assert [name for name, _ in got] == _in_order(db, [name for name, _, _ in CIN_CENSUS])
    expected = {(name, caseload.cases[name][index]): _expected_cin_row(caseload, name, index, values)
                for name, index, values in CIN_CENSUS}
    for name, row in got:
        assert row["CaseReference"] == cases[row["CaseID"]]
        filled = {k: v for k, v in row.items() if v and k not in ("LAchildID", "CaseReference")}
        assert filled == expected[(name, row["CaseID"])], name
    assert len(caseload.children) >= 20
    _children_outside_the_year_and_allegations_are_not_in_the_census(db)


def _children_outside_the_year_and_allegations_are_not_in_the_census(db: Database) -> None:
    people, _ = _ids(db)
    with db.reading() as session:
        named = {people[row[0]] for row in list_cin_census_rows(session, FIRST, LAST)}
    assert {"Ben", "Jack", "Lia"} & named == set()
    assert "Vic Teacher" not in named and len(named) == 18  # Gus twice


def test_a_census_year_is_april_to_march() -> None:
    assert census_year("2026-27") == (date(2026, 4, 1), date(2027, 3, 31))
    for bad in ("2026", "2026-28", "26-27", "2026/27"):
        with pytest.raises(ValueError):
            census_year(bad)


def _annex(db: Database, number: int) -> list[tuple[str, dict[str, str]]]:
    people, cases = _ids(db)
    with db.reading() as session:
        found = list_annex_a_rows(session, number, FIRST, LAST)
        rows = [dict(zip(HEADINGS[number], row, strict=True)) for row in found]
    for row in rows:
        assert row["Case Reference"] == cases[row["Case ID"]]
    return [(people[row["Child Unique ID"]], row) for row in rows]


def _pick(rows: list[tuple[str, dict[str, str]]], *columns: str) -> list[tuple[str, ...]]:
    return [(name, *(row[c] for c in columns)) for name, row in rows]


def _list_1_lists_every_contact_of_the_period_with_its_source(db: Database) -> None:
    rows = _annex(db, 1)
    assert _pick(rows, "Date of Contact", "Contact Source")[:3] == [
        ("Ava", "06/04/2026", "e) 2A: Schools"), ("Ben", "07/04/2026", "b) 1B: Individual"),
        ("Cara", "08/04/2026", "q) 6: Police")]
    assert len(rows) == 18 and {name for name, _ in rows} >= {"Ben", "Rae", "Uma"}
    ava = dict(rows)["Ava"]
    assert (ava["Gender"], ava["Ethnicity"], ava["Date of Birth"], ava["Age of Child (Years)"]) == (
        "b) Female", "a) WBRI", "10/02/2016", "11")
    rae, quinn = dict(rows)["Rae"], dict(rows)["Quinn"]
    assert (rae["Gender"], rae["Ethnicity"], quinn["Date of Birth"], quinn["Age of Child (Years)"]) == (
        "d) Neither", "s) NOBT", "", "")


def _list_3_counts_referrals_in_the_last_12_months_across_cases(db: Database) -> None:
    rows = _pick(_annex(db, 3), "Date of referral", "Referral Source", "Referral NFA?",
                 "Number of Referrals in Last 12 Months", "Allocated Team")
    assert ("Gus", "10/04/2026", "q) 6: Police", "a) Yes", "1", "") in rows
    assert ("Gus", "10/10/2026", "q) 6: Police", "a) Yes", "2", "") in rows
    assert ("Cara", "08/04/2026", "q) 6: Police", "b) No", "1", "Assessment A") in rows
    assert ("Finn", "01/07/2026", "q) 6: Police", "b) No", "1", "") in rows  # the 2024 referral is older
    assert len(rows) == 17 and "Ben" not in {row[0] for row in rows}


def _lists_2_and_4_list_early_help_and_assessments(db: Database) -> None:
    assert _pick(_annex(db, 2), "Assessment start date", "Assessment completion date",
                 "Organisation completing assessment") == [("Max", "05/09/2026", "01/10/2026", "Family Hub North")]
    rows = _pick(_annex(db, 4), "Does the Child have a Disability", "Continuous Assessment Start Date",
                 "Child Seen During Continuous Assessment", "Continuous Assessment Date of Authorisation",
                 "Was the child assessed as requiring LA children's social care support?")
    expected = {
        "Kai": ("b) No", "23/03/2026", "b) No", "10/04/2026", "b) No"),
        "Cara": ("a) Yes", "09/04/2026", "a) Yes", "20/05/2026", "b) No"),
        "Dan": ("b) No", "02/05/2026", "b) No", "10/06/2026", "a) Yes"),
        "Hana": ("b) No", "04/08/2026", "b) No", "", ""),
        "Ivy": ("b) No", "04/08/2026", "b) No", "", ""),
        "Nia": ("b) No", "06/10/2026", "b) No", "20/10/2026", "b) No"),
        "Quinn": ("c) Unknown", "11/11/2026", "b) No", "", ""),
        "Tia": ("b) No", "16/12/2026", "b) No", "20/01/2027", "b) No"),
        "Uma": ("b) No", "02/02/2027", "b) No", "", ""),
    }
    assert rows == [(name, *expected[name]) for name in _in_order(db, list(expected))]


def _list_5_lists_each_section_47_enquiry_and_its_conference(db: Database) -> None:
    assert _pick(_annex(db, 5), "Strategy discussion initiating Section 47 Enquiry Start Date",
                 "Was an Initial Child Protection Conference deemed unnecessary?",
                 "Date of Initial Child Protection Conference",
                 "Did the Initial Child Protection Conference Result in a Child Protection Plan",
                 "Number of Section 47 Enquiries in the last 12 months", "Number of ICPCs in the last 12 months") == [
        ("Sol", "06/05/2026", "b) No", "20/05/2026", "a) Yes", "1", "1"),
        ("Eve", "02/06/2026", "b) No", "20/06/2026", "a) Yes", "1", "1"),
        ("Finn", "01/07/2026", "b) No", "20/07/2026", "a) Yes", "1", "1"),
        ("Nia", "06/10/2026", "a) Yes", "", "", "1", "0"),
        ("Pip", "03/11/2026", "b) No", "20/11/2026", "a) Yes", "1", "1"),
    ]


def _list_6_lists_children_in_need_open_in_the_period_with_their_status(db: Database) -> None:
    rows = _pick(_annex(db, 6), "CIN Start Date", "Primary Need Code", "Date Child Was Last Seen", "CIN Closure Date",
                 "Reason for Closure", "Case Status")
    closed, rc7, rc8 = "e) Closed episode", "RC7 - Services ceased for any other reason, including child no longer " \
        "in need", "RC8 - Case closed after assessment, no further action"
    assert rows[:8] == [
        ("Oli", "03/11/2025", "N0 - Not stated", "", "15/01/2027", rc7, closed),
        ("Kai", "20/03/2026", "N9 - Cases other than children in need", "", "10/04/2026", rc8, closed),
        ("Ava", "06/04/2026", "N0 - Not stated", "", "06/04/2026", rc8, closed),
        ("Cara", "08/04/2026", "N4 - Family in acute stress", "15/04/2026", "20/05/2026", rc8, closed),
        ("Gus", "10/04/2026", "N0 - Not stated", "", "10/04/2026", rc8, closed),
        ("Dan", "01/05/2026", "N1 - Abuse or neglect", "", "01/12/2026", rc7, closed),
        ("Sol", "05/05/2026", "N0 - Not stated", "", "20/08/2026", "RC2 - Died", closed),
        ("Eve", "01/06/2026", "N0 - Not stated", "", "", "", "b) Child Protection plan"),
    ]
    statuses = {row[0]: row[-1] for row in rows}
    assert (statuses["Hana"], statuses["Quinn"], statuses["Pip"], statuses["Max"]) == (
        "d) Open assessment", "d) Open assessment", "b) Child Protection plan", closed)
    assert len(rows) == 19


def _list_7_lists_plans_open_in_the_period_with_previous_plans_and_police_powers(db: Database) -> None:
    assert _pick(_annex(db, 7), "Child Protection Plan Start Date", "Initial Category of Abuse",
                 "Latest Category of Abuse", "Date of latest review conference", "Child Protection Plan End Date",
                 "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six Months (Y/N)",
                 "Number of Previous Child Protection Plans") == [
        ("Oli", "20/11/2025", "c) Sexual abuse", "c) Sexual abuse", "10/08/2026", "10/08/2026", "b) No", "0"),
        ("Sol", "20/05/2026", "a) Neglect", "a) Neglect", "20/08/2026", "20/08/2026", "b) No", "0"),
        ("Eve", "20/06/2026", "a) Neglect", "d) Emotional abuse", "18/09/2026", "", "b) No", "0"),
        ("Finn", "20/07/2026", "b) Physical abuse", "b) Physical abuse", "", "", "b) No", "1"),
        ("Pip", "20/11/2026", "b) Physical abuse", "b) Physical abuse", "", "", "a) Yes", "0"),
    ]


def test_annex_a_lists_1_to_4_hold_the_contacts_referrals_early_help_and_assessments_of_the_period(
    caseload: Caseload, db: Database,
) -> None:
    _list_1_lists_every_contact_of_the_period_with_its_source(db)
    _lists_2_and_4_list_early_help_and_assessments(db)
    _list_3_counts_referrals_in_the_last_12_months_across_cases(db)


def test_annex_a_lists_5_to_7_hold_the_enquiries_children_in_need_and_plans_of_the_period(
    caseload: Caseload, db: Database,
) -> None:
    _list_5_lists_each_section_47_enquiry_and_its_conference(db)
    _list_6_lists_children_in_need_open_in_the_period_with_their_status(db)
    _list_7_lists_plans_open_in_the_period_with_previous_plans_and_police_powers(db)


@pytest.fixture
def runner(db: Database, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("SOSFLOW_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    return CliRunner()


def test_the_cli_writes_the_census_and_the_seven_lists(caseload: Caseload, runner: CliRunner, tmp_path: Any) -> None:
    census = runner.invoke(cli, ["returns", "cin-census", "--year", "2026-27", "--out", str(tmp_path / "cin.csv")])
    assert census.exit_code == 0, census.output
    lines = (tmp_path / "cin.csv").read_text().splitlines()
    assert lines[0].split(",")[:3] == ["LAchildID", "UPN", "PersonBirthDate"] and len(lines) == 1 + len(CIN_CENSUS)
    lists = runner.invoke(cli, ["returns", "annex-a", "--from", "2026-04-01", "--to", "2027-03-31",
                                "--out", str(tmp_path / "annex")])
    assert lists.exit_code == 0, lists.output
    assert sorted(p.name for p in (tmp_path / "annex").iterdir()) == [f"annex-a-list-{n}.csv" for n in range(1, 8)]
    assert (tmp_path / "annex" / "annex-a-list-2.csv").read_text().count("Family Hub North") == 1
    refused = runner.invoke(cli, ["returns", "cin-census", "--year", "2026"])
    assert refused.exit_code == 2 and "2026-27" in refused.output


def _event(kind: str, on: str, **details: Any) -> CaseEvent:
    return CaseEvent(case_id="c", kind=kind, on_date=date.fromisoformat(on), details=details)


@pytest.mark.parametrize(("later", "expected"), [
    ([], True),
    ([("icpc_requested", "2027-01-08")], False),  # a partner's request agreed, or a disagreement won
    ([("s47_started", "2027-02-01"), ("icpc_requested", "2027-02-20")], True),  # that request is the next s47's
])
def test_an_icpc_asked_for_after_an_outcome_that_needed_none_is_reported_as_required(
    later: list[tuple[str, str]], expected: bool,
) -> None:
    concluded = _event("s47_concluded", "2027-01-05", outcome="not_substantiated", icpc_not_required=True)
    events = [_event("s47_started", "2026-12-17"), concluded, *(_event(kind, on) for kind, on in later)]
    ep = Episode(person=None, case=None, referral=events[0], events=events)  # type: ignore[arg-type]

    assert ep.icpc_not_required(concluded) is expected
    assert ep.icpc_not_required(None) is None
