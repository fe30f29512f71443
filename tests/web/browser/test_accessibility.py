"""axe-core on the page types the journeys do not reach (the accessibility statement, the sign-in page with an
error, an error page) and on the biggest form without JavaScript (every conditional question shown); the footer's
credit and accessibility link on every page, signed in or not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CREDIT = "Signs of Safety® is a registered trademark of Elia, used by authorities under their own licence"
SIGNED_IN_PAGES = ["/", "/tasks", "/referrals", "/referrals/new"]
PUBLIC_PAGES = ["/sign-in", "/accessibility"]


def _footer(page: Any) -> tuple[str, str | None]:
    footer = page.locator(".govuk-footer")
    return footer.locator(".sosflow-credit").inner_text().strip(), \
        footer.get_by_role("link", name="Accessibility statement").get_attribute("href")


def test_every_page_carries_the_credit_and_links_the_accessibility_statement(
        page: Any, sign_in: Callable[..., None], axe_check: Callable[..., Any],
        screenshot: Callable[[Any, str], Any]) -> None:
    for path in PUBLIC_PAGES:
        page.goto(path)
        assert _footer(page) == (CREDIT, "/accessibility"), path
    sign_in(page, "mash_screener")
    for path in SIGNED_IN_PAGES:
        page.goto(path)
        assert _footer(page) == (CREDIT, "/accessibility"), path

    page.locator(".govuk-footer").get_by_role("link", name="Accessibility statement").click()

    assert page.locator("h1").inner_text() == "Accessibility statement for sosflow"
    axe_check(page, "accessibility statement")
    screenshot(page, "accessibility-statement")


def test_a_failed_sign_in_shows_the_error_summary_and_passes_axe(
        page: Any, live_server: Any, axe_check: Callable[..., Any], screenshot: Callable[[Any, str], Any]) -> None:
    page.goto("/sign-in")
    page.fill("#username", "mash_screener")
    page.fill("#password", "not the password")
    page.click("button:has-text('Sign in')")

    assert page.locator(".govuk-error-summary").inner_text().endswith("Enter a correct username and password")
    page.locator(".govuk-error-summary a").click()
    assert page.evaluate("() => document.activeElement.id") == "username"
    axe_check(page, "sign in with an error")
    screenshot(page, "sign-in-error")


def test_a_page_that_is_not_there_is_a_gov_uk_page_that_passes_axe(
        page: Any, sign_in: Callable[..., None], axe_check: Callable[..., Any],
        screenshot: Callable[[Any, str], Any]) -> None:
    sign_in(page, "mash_screener")

    response = page.goto("/cases/00000000-0000-4000-8000-000000000000")

    assert response.status == 404
    assert page.locator(".govuk-footer .sosflow-credit").is_visible()
    axe_check(page, "not found")
    screenshot(page, "not-found")


def test_the_referral_form_without_javascript_shows_every_question_and_passes_axe(
        no_js_page: Any, sign_in: Callable[..., None], axe_check: Callable[..., Any]) -> None:
    sign_in(no_js_page, "referrer")

    no_js_page.goto("/referrals/new")

    assert no_js_page.locator("#field-consent-not_sought_reason").is_visible()  # revealed only by JavaScript
    axe_check(no_js_page, "make a referral without JavaScript")
