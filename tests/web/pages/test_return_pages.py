"""The statutory returns pages: the CIN census for a year and the Annex A lists for a period as tables whose
rows link to their case, and the same CSV files as `sosflow returns` and the API, for managers only."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from engine.db import Database
from engine.queries.annex_a import HEADINGS, annex_a_csv
from engine.queries.cin_census import cin_census_csv
from tests.conftest import Clock
from tests.engine.returns_fixture import Caseload
from tests.factories import deploy
from tests.web.conftest import PageRequest


@pytest.fixture
def caseload(db: Database, clock: Clock, web_users: Any) -> Caseload:
    deploy(db, name="mash_screening.bpmn", now=clock())
    load = Caseload(db)
    load.child("Ava Stone", dob="2016-02-10")
    first = load.refer("2026-04-06", ["Ava Stone"])
    load.decide(first, "2026-04-06", "nfa", nfa=True)
    load.child("Ben Cole", sex="male", dob="2014-09-09")
    second = load.refer("2026-05-01", ["Ben Cole"])
    load.decide(second, "2026-05-01", "strategy_discussion_s47")
    load.s47(second, "2026-05-03")
    load.icpc(second, "2026-05-20")
    return load


def _case_links(page: Any, table: str) -> list[str]:
    return [a.get("href") for a in page.select(f"#{table} tbody th a")]


def test_the_dashboard_links_a_manager_to_the_returns(page_request: PageRequest) -> None:
    page_request.web.sign_in("maya")
    page = page_request.get("dashboard_pages.dashboard")
    assert page.select("#returns-link")[0].get("href") == "/returns"
    assert page_request.get("return_pages.index").select("select#year option")


def test_the_census_shows_a_row_per_child_episode_linking_to_its_case_and_downloads_the_same_csv(
        page_request: PageRequest, db: Database, caseload: Caseload) -> None:
    page_request.web.sign_in("maya")

    page = page_request.get("return_pages.cin_census", year="2026-27")

    cases = [caseload.cases["Ava Stone"][0], caseload.cases["Ben Cole"][0]]
    assert sorted(_case_links(page, "census")) == sorted(f"/cases/{case}" for case in cases)
    assert "LAchildID" in page.text("#census thead") and "CaseID" not in page.text("#census thead")
    download = page_request.web.client.get(page.select("#census-csv")[0].get("href"))
    with db.reading() as session:
        assert download.get_data(as_text=True) == cin_census_csv(session, "2026-27")
    assert download.headers["Content-Disposition"] == 'attachment; filename="cin-census-2026-27.csv"'


def test_the_annex_a_page_has_a_table_per_list_and_each_list_downloads_as_the_api_writes_it(
        page_request: PageRequest, db: Database, caseload: Caseload) -> None:
    page_request.web.sign_in("maya")

    page = page_request.get("return_pages.annex_a", **{"from": "1/4/2026", "to": "30/6/2026"})

    assert [h.text for h in page.select("h2")][:7] == [f"List {n}: " + t for n, t in [
        (1, "Contacts"), (2, "Early help assessments"), (3, "Referrals"), (4, "Assessments"),
        (5, "Section 47 enquiries and initial child protection conferences"), (6, "Children in need"),
        (7, "Children subject to a child protection plan")]]
    assert sorted(_case_links(page, "list-3")) == sorted(f"/cases/{c[0]}" for c in caseload.cases.values())
    assert _case_links(page, "list-5") == [f"/cases/{caseload.cases['Ben Cole'][0]}"]
    for number in HEADINGS:
        body = page_request.web.client.get(page.select(f"#list-{number}-csv")[0].get("href")).get_data(as_text=True)
        with db.reading() as session:
            assert body == annex_a_csv(session, number, date(2026, 4, 1), date(2026, 6, 30)), number


@pytest.mark.parametrize(("args", "field", "message"), [
    ({"from": "31/2/2026", "to": "30/6/2026"}, "from", "Start date must be a real date"),
    ({"from": "1/7/2026", "to": "30/6/2026"}, "to", "End date must be the same as or after the start date"),
    ({"to": "30/6/2026"}, "from", "Enter the start date"),
])
def test_a_wrong_period_is_named_in_the_error_summary(page_request: PageRequest, args: dict[str, str], field: str,
                                                       message: str) -> None:
    page_request.web.sign_in("maya")

    page = page_request.get("return_pages.annex_a", 422, **args)

    assert message in page.text(".govuk-error-summary")
    assert page.select(".govuk-error-summary a")[0].get("href") == f"#{field}"
    assert message in page.text(f"#{field}-error")


def test_a_census_year_that_is_not_one_is_named(page_request: PageRequest) -> None:
    page_request.web.sign_in("maya")
    page = page_request.get("return_pages.cin_census", 422, year="2026-28")
    assert "Select a census year" in page.text(".govuk-error-summary")


def test_a_screener_may_not_see_the_returns(page_request: PageRequest) -> None:
    page_request.web.sign_in("sam")
    page_request.get("return_pages.index", 403)
    page_request.get("return_pages.cin_census_csv", 403, year="2026-27")
    assert "returns-link" not in page_request.web.client.get("/").get_data(as_text=True)
