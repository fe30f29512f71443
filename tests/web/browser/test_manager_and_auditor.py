"""In chromium: the auditor finds a case in the event search and reads its timeline, and verifies the chain; the
manager dashboard draws its charts (and, without JavaScript, shows the same figures as tables); a screener reads
and clears a notification. axe-core on every page type, and a screenshot of each for the README."""

from __future__ import annotations

from typing import Any

import pytest

from engine import runtime
from engine.access import Actor
from engine.models import Case
from engine.notifications import send_reminders
from tests.factories import CaseDriver, deploy, filled, referral, subject
from tests.web.browser.conftest import LiveServer

REFERRER = Actor("referrer", frozenset({"referrer"}))


@pytest.fixture
def cases(live_server: LiveServer) -> dict[str, str]:
    """Friday 22 May 2026: one referral left unscreened, one screened and decided within the day (T1 on time);
    its screeners are reminded on the Tuesday; then Wednesday 27 May at noon, when the first is breached."""
    db, clock = live_server.db, live_server.clock
    deploy(db, name="mash_screening.bpmn", now=clock())
    late = runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(), actor=REFERRER,
                             now=clock())
    decided = CaseDriver(db, runtime.open_case(db, process="mash_screening", subject=subject(name="Child B"),
                                               data=referral(), actor=REFERRER, now=clock()))
    decided.complete("screen_contact", filled("mash_screening", partner_checks=[], immediate_danger=False),
                     clock.advance(hours=1))
    decided.complete("screening_decision", filled("mash_decision"), clock.advance(hours=1))
    send_reminders(db, clock.now.replace(day=26, hour=14, minute=0))
    clock.now = clock.now.replace(day=27, hour=12, minute=0)
    with db.reading() as session:
        case = session.get(Case, late)
        assert case is not None
        return {"late": late, "late_ref": case.reference}


def test_the_auditor_finds_a_case_in_search_and_sees_its_timeline(page: Any, sign_in: Any, cases: dict[str, str],
                                                                   axe_check: Any, screenshot: Any) -> None:
    sign_in(page, "auditor")
    page.click(".govuk-service-navigation a:has-text('Audit')")
    page.fill("#search-case", cases["late_ref"])
    page.click("#search")
    page.wait_for_selector("#audit-events .audit-row")
    assert "Opened case " + cases["late_ref"] in page.text_content("#audit-events")
    axe_check(page, "audit search")
    screenshot(page, "audit-search")

    page.click("#audit-events a.case-link >> nth=0")
    page.wait_for_selector("#chronology")
    assert page.text_content("h1").strip() == cases["late_ref"]
    titles = page.locator("#chronology .moj-timeline__title").all_text_contents()
    assert titles[0] == "Read the case (chronology)" and titles[-1].startswith("Opened case " + cases["late_ref"])
    assert "auditor" in page.text_content("#access-log")
    axe_check(page, "case chronology")
    screenshot(page, "audit-case-chronology")


def test_the_auditor_verifies_the_chain_with_a_button(page: Any, sign_in: Any, cases: dict[str, str],
                                                      axe_check: Any, screenshot: Any) -> None:
    sign_in(page, "auditor")
    page.goto("/audit")
    page.check("#verify-full")
    page.click("#verify")
    page.wait_for_selector("#chain-result[data-intact=yes]")
    assert page.text_content("h1").strip() == "The audit chain is intact"
    axe_check(page, "chain verified")
    screenshot(page, "audit-verify")


def test_the_dashboard_draws_its_charts_and_a_figure_leads_to_its_cases(page: Any, sign_in: Any,
                                                                        cases: dict[str, str], axe_check: Any,
                                                                        screenshot: Any) -> None:
    sign_in(page, "mash_manager")
    page.click(".govuk-service-navigation a:has-text('Deadlines')")
    for chart in ("teams", "steps", "weeks"):
        page.wait_for_selector(f"#chart-{chart}[data-drawn]")
        assert page.is_visible(f"#chart-{chart}")
        assert page.evaluate(f"() => document.querySelector('#chart-{chart}').getBoundingClientRect().height") > 100
    assert int(page.get_attribute("#chart-weeks", "data-drawn")) == 12
    assert page.get_attribute("#teams-table th[aria-sort] button", "data-index") is not None  # MOJ sortable table
    axe_check(page, "manager dashboard")
    screenshot(page, "manager-dashboard")

    page.click("#teams-table tr[data-group=mash_screener] td.level_1 a")
    page.wait_for_selector("#sla-tasks")
    assert cases["late_ref"] in page.text_content("#sla-tasks")
    axe_check(page, "breached tasks")
    screenshot(page, "manager-breaches")

    page.goto("/dashboard")
    page.click("#indicators-table tr[data-key=T1] a")
    page.wait_for_selector("#indicator-cases")
    axe_check(page, "indicator cases")
    screenshot(page, "manager-indicator")


def test_without_javascript_the_dashboard_shows_its_figures_as_tables(no_js_page: Any, sign_in: Any,
                                                                      cases: dict[str, str], axe_check: Any) -> None:
    sign_in(no_js_page, "mash_manager")
    no_js_page.goto("/dashboard")
    assert not no_js_page.is_visible("#chart-teams")
    assert no_js_page.is_visible("#teams-table") and no_js_page.is_visible("#weeks-table")
    no_js_page.click("#teams-table tr[data-group=mash_screener] td.level_1 a")
    assert cases["late_ref"] in no_js_page.text_content("#sla-tasks")
    axe_check(no_js_page, "breached tasks without JavaScript")


def test_a_screener_reads_a_notification_and_marks_it_read(page: Any, sign_in: Any, cases: dict[str, str],
                                                           axe_check: Any, screenshot: Any) -> None:
    sign_in(page, "mash_screener")
    assert page.text_content(".account-notifications").strip() == "1 unread notification"
    page.click(".account-notifications")
    page.wait_for_selector("#notifications .notification--unread")
    axe_check(page, "notifications")
    screenshot(page, "notifications")
    page.click("#notifications button:has-text('Mark as read')")
    page.wait_for_selector(".govuk-notification-banner")
    assert page.text_content(".account-notifications").strip() == "Notifications"
    assert page.locator("#notifications .notification--unread").count() == 0


def test_a_notification_leads_to_the_task_it_is_about(page: Any, sign_in: Any, cases: dict[str, str]) -> None:
    sign_in(page, "mash_screener")
    page.goto("/notifications")
    page.click("#notifications a.notification-task")
    page.wait_for_selector("#task-form")
    assert "/tasks/" in page.url
