"""Process owners in the browser: the modeler (relabel a task, check with a problem pinned to its element, fix
it, deploy version 2), the same without JavaScript by upload, incidents with retry; and the case page showing
the position on each diagram and the scaling chart. axe and a screenshot on each page type."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from engine import runtime
from engine.access import Actor
from engine.models import ProcessDefinition
from tests.api.cases.test_records import conference_case
from tests.factories import BPMN_DIR, referral, subject
from tests.web.browser.conftest import LiveServer
from tests.web.pages.test_process_owner_pages import RELABELLED, WITHOUT_FORM_KEY, handoff_incident

CHECK_TIMEOUT_MS = 60_000  # a check dry-runs the whole diagram; the machine is shared


def deployed_xml(live_server: LiveServer, version: int) -> str:
    with live_server.db.reading() as session:
        return session.scalars(select(ProcessDefinition.bpmn_xml).where(
            ProcessDefinition.key == "mash_screening", ProcessDefinition.version == version)).one()


def open_group(page: Any, group: str, field: str) -> Any:
    """The properties panel's `group` opened (a click toggles it), and its `field`."""
    entry = page.locator(f"#bio-properties-panel-{field}")
    if not entry.is_visible():
        page.click(f"[data-group-id=group-{group}] .bio-properties-panel-group-header")
    expect(entry).to_be_visible()
    return entry


def select_element(page: Any, element_id: str) -> None:
    page.locator(f".djs-element[data-element-id={element_id}] .djs-hit").first.dispatch_event("click")
    expect(page.locator(".bio-properties-panel-header-label")).to_be_visible()


def test_a_process_owner_relabels_a_task_checks_it_fixes_the_pinned_problem_and_deploys_version_2(
        page: Any, live_server: LiveServer, deployed: Any, sign_in: Any, axe_check: Any,
        screenshot: Any) -> None:
    deployed()
    sign_in(page, "process_owner")
    page.goto("/process-definitions")
    axe_check(page, "processes")
    screenshot(page, "process-definitions")

    page.click("#processes tr[data-key=mash_screening] a:has-text('in the modeler')")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "yes")
    select_element(page, "screen_contact")
    open_group(page, "general", "name").fill("Screen the contact")
    form = open_group(page, "sosflow", "sosflow-form")
    expect(form).to_have_value("mash_screening")
    expect(page.locator("#bio-properties-panel-sosflow-due_rule")).to_have_value("T1")
    axe_check(page, "modeler")
    screenshot(page, "process-modeler")

    form.fill("")
    page.wait_for_timeout(400)  # the panel writes a field after its debounce
    page.click("#check-diagram")
    pinned = page.locator(".sosflow-problem-overlay[data-element-id=screen_contact]")
    expect(pinned).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    expect(page.locator(".djs-element.sosflow-problem[data-element-id=screen_contact]")).to_have_count(1)
    summary = page.locator("#modeler-problems .govuk-error-summary")
    expect(summary).to_contain_text("screen_contact")
    expect(summary).to_contain_text("names no form")
    axe_check(page, "modeler with a pinned problem")
    screenshot(page, "process-modeler-problem")

    page.click("#modeler-problems a[data-element-id=screen_contact]")
    open_group(page, "sosflow", "sosflow-form").fill("mash_screening")
    page.wait_for_timeout(400)
    page.click("#check-diagram")
    expect(page.locator("#modeler-status")).to_have_text(re.compile("^No problems found"), timeout=CHECK_TIMEOUT_MS)
    expect(pinned).to_have_count(0)

    page.click("#deploy-diagram")
    page.wait_for_url(re.compile(r"/process-definitions/mash_screening/versions/2\?deployed=new"),
                      timeout=CHECK_TIMEOUT_MS)
    expect(page.locator("#deployed")).to_contain_text("Version 2 of mash_screening is deployed")
    expect(page.locator("#diagram.sosflow-diagram--shown")).to_have_count(1)
    axe_check(page, "a deployed version")
    screenshot(page, "process-version")
    xml = deployed_xml(live_server, 2)
    assert 'name="Screen the contact"' in xml
    assert '<spiffworkflow:property name="form" value="mash_screening" />' in xml
    assert deployed_xml(live_server, 1) == (BPMN_DIR / "mash_screening.bpmn").read_text()


def test_without_javascript_a_process_owner_uploads_a_file_sees_its_problems_and_deploys_the_fix(
        no_js_page: Any, live_server: LiveServer, deployed: Any, sign_in: Any, axe_check: Any, screenshot: Any,
        tmp_path: Any) -> None:
    page = no_js_page
    deployed()
    broken, fixed = tmp_path / "broken.bpmn", tmp_path / "fixed.bpmn"
    broken.write_text(WITHOUT_FORM_KEY)
    fixed.write_text(RELABELLED)
    sign_in(page, "process_owner")
    page.goto("/process-definitions/mash_screening/versions/1/modeler")
    expect(page.locator("#modeler-no-js")).to_contain_text("needs JavaScript")

    page.goto("/process-definitions")
    page.set_input_files("#file", str(broken))
    page.click("#check-upload", timeout=CHECK_TIMEOUT_MS)  # the click waits for the check's answer
    expect(page.locator("#diagram-problems tr[data-element-id=screen_contact]")).to_contain_text("names no form")
    expect(page.locator(".govuk-error-summary__list a[href='#problem-1']")).to_contain_text("screen_contact")
    axe_check(page, "upload with problems")
    screenshot(page, "process-definitions-problems")

    page.set_input_files("#file", str(fixed))
    page.click("#deploy-upload", timeout=CHECK_TIMEOUT_MS)
    expect(page.locator("#deployed")).to_contain_text("Version 2 of mash_screening is deployed")
    assert 'name="Screen and RAG-rate the contact"' in deployed_xml(live_server, 2)


def test_the_case_page_shows_the_position_on_the_diagram(page: Any, live_server: LiveServer, deployed: Any,
                                                         sign_in: Any, axe_check: Any) -> None:
    db, clock = live_server.db, live_server.clock
    deployed()
    case_id = runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(),
                                actor=Actor("referrer", frozenset({"referrer"})), now=clock())
    sign_in(page, "mash_screener")
    page.goto(f"/cases/{case_id}")
    diagram = page.locator("#process-chain .sosflow-diagram--shown")
    expect(diagram).to_have_count(1)
    expect(diagram.locator(".djs-element.sosflow-current[data-element-id=screen_contact]")).to_have_count(1)
    expect(diagram.locator(".djs-element.sosflow-completed[data-element-id=start_contact_received]")).to_have_count(1)
    axe_check(page, "case page")


def test_the_case_page_draws_the_scaling_chart_per_danger_statement(page: Any, live_server: LiveServer,
                                                                    sign_in: Any, axe_check: Any,
                                                                    screenshot: Any) -> None:
    case = conference_case(live_server.db, live_server.clock)
    sign_in(page, "cp_chair")
    page.goto(f"/cases/{case.case_id}")
    expect(page.locator("#scale-chart")).to_be_visible()
    expect(page.locator("#scale-chart")).to_have_attribute("data-chart-ready", "2")
    expect(page.locator(".djs-element.sosflow-current")).not_to_have_count(0)
    axe_check(page, "case page with scaling")
    screenshot(page, "case-diagram-and-scaling")


def test_a_process_owner_retries_an_incident_and_sees_why_it_failed(page: Any, live_server: LiveServer,
                                                                    deployed: Any, sign_in: Any, axe_check: Any,
                                                                    screenshot: Any) -> None:
    deployed()
    handoff_incident(live_server.db, live_server.clock)
    sign_in(page, "process_owner")
    page.goto("/incidents")
    expect(page.locator("#incidents .incident-row")).to_have_count(1)
    axe_check(page, "incidents")
    screenshot(page, "incidents")
    page.click("#incidents button:has-text('Retry')")
    expect(page.locator(".govuk-error-summary")).to_contain_text("strategy_requested_at")
    expect(page.locator("#incidents")).to_contain_text("The retry failed again")
    axe_check(page, "incidents after a failed retry")


def test_a_process_owner_draws_a_new_process_is_signed_out_on_the_way_and_deploys_it_as_version_1(
        page: Any, live_server: LiveServer, deployed: Any, sign_in: Any, axe_check: Any, screenshot: Any) -> None:
    deployed()
    sign_in(page, "process_owner")
    page.goto("/process-definitions")
    page.click("#new-diagram")
    page.fill("#key", "Private fostering")
    page.click("#create-diagram")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Process ID must start with a lower-case letter")
    axe_check(page, "create a new diagram with an error")
    page.fill("#key", "private_fostering")
    page.fill("#name", "Private fostering")
    page.click("#create-diagram")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "yes")
    select_element(page, "start")
    open_group(page, "general", "name").fill("Notification received")
    page.wait_for_timeout(400)  # the panel writes a field after its debounce
    page.locator(".djs-context-pad [data-action='append.end-event']").dispatch_event("click")
    expect(page.locator(".djs-element.djs-shape[data-element-id^=Event_]")).to_have_count(1)

    page.context.clear_cookies()  # the session ends while the diagram is open
    page.click("#check-diagram")

    banner = page.locator("#signed-out-banner")
    expect(banner).to_be_visible(timeout=CHECK_TIMEOUT_MS)
    expect(banner).to_contain_text("You have been signed out")
    axe_check(page, "modeler, signed out")
    screenshot(page, "process-modeler-signed-out")
    banner.get_by_role("link", name="Sign in").click()
    page.fill("#username", "process_owner")
    page.fill("#password", "correct horse battery staple")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r"/process-definitions/new/modeler\?key=private_fostering"))
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "yes")
    expect(page.locator("#modeler-status")).to_contain_text("Your changes from before you were signed out are back")
    expect(page.locator(".djs-element[data-element-id=start_label]")).to_contain_text("Notification received")

    page.click("#check-diagram")
    expect(page.locator("#modeler-status")).to_have_text(re.compile("^No problems found"), timeout=CHECK_TIMEOUT_MS)
    page.click("#deploy-diagram")
    page.wait_for_url(re.compile(r"/process-definitions/private_fostering/versions/1\?deployed=new"),
                      timeout=CHECK_TIMEOUT_MS)
    with live_server.db.reading() as session:
        xml = session.scalars(select(ProcessDefinition.bpmn_xml).where(
            ProcessDefinition.key == "private_fostering")).one()
    assert 'name="Notification received"' in xml and "<bpmn:endEvent" in xml


def test_the_new_diagram_page_works_without_javascript(no_js_page: Any, sign_in: Any, axe_check: Any,
                                                       screenshot: Any) -> None:
    sign_in(no_js_page, "process_owner")
    no_js_page.goto("/process-definitions/new")
    axe_check(no_js_page, "create a new diagram")
    screenshot(no_js_page, "process-new-diagram")
    no_js_page.fill("#key", "private_fostering")
    no_js_page.fill("#name", "Private fostering")
    no_js_page.click("#create-diagram")
    expect(no_js_page.locator("#modeler-no-js")).to_contain_text("needs JavaScript")
    assert "/process-definitions/new/diagram.bpmn" in no_js_page.locator("#modeler-no-js a").first.get_attribute("href")


def _csp_violations(page: Any) -> list[str]:
    """Every Content Security Policy violation the page reports: console messages and `securitypolicyviolation`
    events (recorded from before the page's own scripts run)."""
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script("""document.addEventListener('securitypolicyviolation', (event) => {
        (window.__cspViolations = window.__cspViolations || []).push(
          `${event.violatedDirective} ${event.sourceFile}:${event.lineNumber}:${event.columnNumber} `
          + `${(event.target && event.target.outerHTML || '').slice(0, 300)}`) })""")
    return found


def test_the_modeler_breaks_no_content_security_policy_rule(page: Any, deployed: Any, sign_in: Any) -> None:
    console = _csp_violations(page)
    deployed()
    sign_in(page, "process_owner")

    page.goto("/process-definitions/mash_screening/versions/1/modeler")
    expect(page.locator("#modeler")).to_have_attribute("data-ready", "yes")
    select_element(page, "screen_contact")
    page.locator(".djs-element[data-element-id=screening_decision] .djs-hit").first.dispatch_event(
        "click", {"shiftKey": True})  # two elements selected: the align icons are drawn in the context pad
    page.locator(".djs-context-pad [data-action='align-elements']").dispatch_event("click")
    expect(page.locator(".djs-popup")).to_be_visible()
    expect(page.locator(".djs-popup svg line").first).to_have_attribute("stroke", "currentColor")

    events = page.evaluate("() => window.__cspViolations || []")
    assert (console, events) == ([], [])
