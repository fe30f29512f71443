"""A referral's first day in a browser: a partner agency refers a child, a MASH screener screens the contact
through the form (fixing a mistake from the GOV.UK error summary), the MASH manager decides, and the case page
shows where the case now is. The same journey again with JavaScript off. Every page type on the way is checked
with axe-core; the run with JavaScript saves the screenshots shown in the README."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CHILD = "Ava Brown"


@dataclass
class Visit:
    """What each page of the journey is checked for: with JavaScript, axe and a screenshot; without, nothing more
    (test_accessibility.py runs axe on pages without JavaScript)."""

    axe_check: Callable[..., Any]
    screenshot: Callable[[Any, str], Any]
    javascript: bool

    def __call__(self, page: Any, name: str) -> None:
        if self.javascript:
            self.axe_check(page, name)
            self.screenshot(page, name)


def _choose(page: Any, name: str, value: str) -> None:
    page.check(f"input[name='{name}'][value='{value}']")


def make_referral(page: Any, sign_in: Callable[..., None], visit: Visit) -> str:
    """The referrer's part: the form (with a date of birth missing its month), check answers, send."""
    sign_in(page, "referrer")
    visit(page, "home")
    page.click(".govuk-service-navigation a:has-text('Make a referral')")
    visit(page, "make-a-referral")
    page.fill("#field-referrer-name", "Jo Evans")
    page.fill("#field-referrer-role", "Designated safeguarding lead")
    page.fill("#field-referrer-agency", "Oakfield Primary School")
    page.select_option("#field-referrer-contact_source", "2A")
    page.fill("#field-children-0-name", CHILD)
    page.fill("#field-children-0-dob-day", "4")
    page.fill("#field-children-0-dob-year", "2018")
    _choose(page, "/children/0/sex", "female")
    page.fill("#field-concern-what_happened", "Ava came to school with a bruised arm and said her stepdad did it.")
    _choose(page, "/concern/source", "direct")
    page.fill("#field-concern-worried_about", "Ava may be hurt again at home tonight.")
    page.fill("#field-concern-working_well", "Ava's grandmother collects her most days and Ava trusts her.")
    page.fill("#field-concern-needs_to_happen", "Ava needs to be safe at home; the MASH to check with police.")
    _choose(page, "/concern/immediate_protection_needed", "false")
    _choose(page, "/consent/parents_aware", "true")
    _choose(page, "/consent/consent", "given")
    page.click("#continue")

    summary = page.locator(".govuk-error-summary")
    assert "Date of birth must include a month" in summary.inner_text()
    assert page.title().startswith("Error: ")
    visit(page, "make-a-referral-error")
    summary.get_by_role("link", name="Date of birth must include a month").click()
    assert page.evaluate("() => document.activeElement.id") == "field-children-0-dob-month"
    page.fill("#field-children-0-dob-month", "3")
    page.click("#continue")

    assert page.locator("h1").inner_text() == "Check your answers before sending your referral"
    assert CHILD in page.locator("#answers").inner_text()
    visit(page, "check-your-answers")
    page.click("#send")
    reference = page.locator("#case-reference").inner_text().strip()
    assert re.fullmatch(r"MASH-\d{4}-\d{6}", reference), reference
    visit(page, "referral-sent")
    page.click("a:has-text('See your referrals')")
    assert reference in page.locator("#referrals").inner_text()
    visit(page, "my-referrals")
    return reference


def screen_contact(page: Any, sign_in: Callable[..., None], visit: Visit, javascript: bool) -> None:
    """The screener's part: claim the contact, answer the screening form, leave out the RAG rationale, fix it
    from the error summary's link, complete."""
    sign_in(page, "mash_screener")
    assert page.locator(".account-open-tasks").inner_text().strip() == "1 open task"
    page.click(".govuk-service-navigation a:has-text('Tasks')")
    visit(page, "task-queue")
    page.click("#task-queue a:has-text('Screen and RAG-rate contact')")
    page.click("button:has-text('Claim this task')")
    page.fill("#field-referral_summary", "School reports bruising to Ava's arm; Ava says her stepdad did it.")
    page.fill("#field-referrer_worries", "Ava may be hurt again at home.")
    page.fill("#field-what_is_working_well", "Grandmother is involved and Ava trusts her.")
    page.fill("#field-what_needs_to_happen", "Police and health checks; talk to Ava's mother.")
    page.fill("#field-family_network_at_first_contact-0-name", "Mary Brown")
    page.fill("#field-family_network_at_first_contact-0-relationship", "Grandmother")
    _choose(page, "/level_of_need", "3")
    _choose(page, "/rag", "amber")
    _choose(page, "/immediate_danger", "false")
    _choose(page, "/consent", "given")
    _choose(page, "/decision", "advice_signpost")
    page.fill("#field-decision_rationale", "No one is in immediate danger; advice to the school and family.")
    page.fill("#field-decided_by", "Sam Screener")
    page.click("#complete")

    link = page.locator(".govuk-error-summary a[href='#field-rag_rationale']")
    assert link.inner_text().strip() == "Enter the RAG rationale"
    assert "Enter the RAG rationale" in page.locator("#field-rag_rationale-error").inner_text()
    visit(page, "task-error")
    link.click()
    if javascript:  # GOV.UK's error summary script moves the focus to the field; without it the link jumps there
        assert page.evaluate("() => document.activeElement.id") == "field-rag_rationale"
    else:
        assert page.url.endswith("#field-rag_rationale")
    page.fill("#field-rag_rationale", "Bruising with a disclosure, no current danger: amber.")
    page.click("#complete")
    assert "Screen and RAG-rate contact" in page.locator(".govuk-notification-banner").inner_text()


def decide(page: Any, sign_in: Callable[..., None], visit: Visit) -> str:
    """The manager's part: the screening decision, agreeing with the screener; returns the case page's path."""
    sign_in(page, "mash_manager")
    page.goto("/tasks")
    page.click("#task-queue a:has-text('Screening decision')")
    visit(page, "task")
    case_path = page.locator(".app-case-summary a").get_attribute("href")
    _choose(page, "/decision", "advice_signpost")
    page.fill("#field-decision_rationale", "Agree: advice and signposting for the school and family.")
    _choose(page, "/agrees_with_screener", "true")
    page.click("#complete")
    assert "Screening decision" in page.locator(".govuk-notification-banner").inner_text()
    return str(case_path)


def show_case(page: Any, case_path: str, reference: str, visit: Visit, javascript: bool) -> None:
    """The manager opens the case: it is now at the feedback to the referrer, in the list and on the diagram."""
    page.goto(case_path)
    if javascript:  # bpmn-js draws the diagram: the steps passed shaded, the current one outlined
        diagram = page.locator(".sosflow-diagram")
        diagram.locator(".sosflow-current").first.wait_for()
        assert diagram.locator(".sosflow-current[data-element-id='feedback_to_referrer']").count() == 1
        passed = diagram.locator(".sosflow-completed").evaluate_all("(all) => all.map(e => e.dataset.elementId)")
        assert {"start_contact_received", "screen_contact", "screening_decision"} <= set(passed)
    assert page.locator("h1").inner_text() == reference
    chain = page.locator("#process-chain").inner_text()
    assert "mash_screening" in chain and "In progress" in chain and "Feedback to referrer" in chain
    assert "Feedback to referrer" in page.locator("#open-tasks").inner_text()
    history = page.locator("#history").inner_text()
    assert "Referral received" in history and "Task completed" in history
    visit(page, "case")


def run_journey(new_page: Callable[..., Any], sign_in: Callable[..., None], visit: Visit, javascript: bool) -> None:
    reference = make_referral(new_page(javascript=javascript), sign_in, visit)
    screen_contact(new_page(javascript=javascript), sign_in, visit, javascript)
    manager = new_page(javascript=javascript)
    case_path = decide(manager, sign_in, visit)
    show_case(manager, case_path, reference, visit, javascript)


def test_a_referral_is_made_screened_and_decided_in_the_browser(
        live_server: Any, deployed: Callable[..., None], new_page: Callable[..., Any], sign_in: Callable[..., None],
        axe_check: Callable[..., Any], screenshot: Callable[[Any, str], Any]) -> None:
    deployed("mash_screening.bpmn")

    run_journey(new_page, sign_in, Visit(axe_check, screenshot, javascript=True), javascript=True)


def test_the_same_journey_works_with_javascript_off(
        live_server: Any, deployed: Callable[..., None], new_page: Callable[..., Any], sign_in: Callable[..., None],
        axe_check: Callable[..., Any], screenshot: Callable[[Any, str], Any]) -> None:
    deployed("mash_screening.bpmn")

    run_journey(new_page, sign_in, Visit(axe_check, screenshot, javascript=False), javascript=False)
