"""The person page and the statutory returns pages in a browser: axe-core finds no serious or critical
problem, they work without JavaScript, and their screenshots are taken for the README."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.engine.returns_fixture import Caseload
from tests.web.browser.conftest import LiveServer


@pytest.fixture
def caseload(live_server: LiveServer, deployed: Callable[..., None]) -> Caseload:
    deployed()
    load = Caseload(live_server.db)
    load.child("Ava Stone", dob="2016-02-10", upn="A123456789012", ethnicity="MWBA", disabilities=("HEAR",))
    # Referrals on working days in office hours: on a bank holiday (6 April 2026) the EDT would hold them.
    first = load.refer("2026-04-08", ["Ava Stone"])
    load.decide(first, "2026-04-08", "nfa", nfa=True)
    second = load.refer("2026-06-01", ["Ava Stone"])
    load.decide(second, "2026-06-01", "strategy_discussion_s47")
    load.s47(second, "2026-06-03")
    load.icpc(second, "2026-06-20", category="neglect")
    load.child("Ben Cole", sex="male", dob="2014-09-09")
    load.decide(load.refer("2026-05-01", ["Ben Cole"]), "2026-05-01", "nfa", nfa=True)
    return load


def test_a_person_page_from_the_case_page_passes_axe_without_javascript(
        no_js_page: Any, sign_in: Callable[..., None], caseload: Caseload, axe_check: Callable[..., Any],
        screenshot: Callable[[Any, str], Any]) -> None:
    sign_in(no_js_page, "mash_screener")
    no_js_page.goto(f"/cases/{caseload.cases['Ava Stone'][1]}")

    no_js_page.locator("#case-people").get_by_role("link", name="Ava Stone").click()

    assert no_js_page.locator("h1").inner_text() == "Ava Stone"
    assert no_js_page.locator("#person-cases tbody tr").count() == 2
    assert "1 re-referral" in no_js_page.locator("#re-referrals").inner_text()
    axe_check(no_js_page, "person")
    screenshot(no_js_page, "person")


def test_a_manager_reaches_the_returns_from_the_dashboard_without_javascript_and_they_pass_axe(
        no_js_page: Any, sign_in: Callable[..., None], caseload: Caseload, axe_check: Callable[..., Any],
        screenshot: Callable[[Any, str], Any]) -> None:
    sign_in(no_js_page, "mash_manager")
    no_js_page.goto("/dashboard")
    no_js_page.locator("#returns-link").click()
    axe_check(no_js_page, "statutory returns")
    screenshot(no_js_page, "returns")

    no_js_page.select_option("#year", "2026-27")
    no_js_page.click("#show-census")

    assert no_js_page.locator("h1").inner_text() == "Children in need census 2026-27"
    assert no_js_page.locator("#census tbody tr").count() == 3  # one per child per referral episode
    axe_check(no_js_page, "children in need census")
    screenshot(no_js_page, "returns-cin-census")

    no_js_page.goto("/returns")
    no_js_page.fill("#from", "1/4/2026")
    no_js_page.fill("#to", "30/6/2026")
    no_js_page.click("#show-annex-a")

    assert no_js_page.locator("#list-7 tbody tr").count() == 1
    links = no_js_page.locator("#list-3 tbody th a")
    assert sorted(links.evaluate_all("(all) => all.map(a => a.getAttribute('href'))")) == sorted(
        f"/cases/{case}" for ids in caseload.cases.values() for case in ids)  # the record rules decide the rest
    axe_check(no_js_page, "Annex A lists")
    screenshot(no_js_page, "returns-annex-a")
