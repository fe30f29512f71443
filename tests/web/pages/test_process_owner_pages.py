"""Process owners' pages through `page_request`: deployed diagrams and versions, the XML download, the modeler
page, a diagram checked and deployed by upload (without JavaScript) and by the modeler's JSON requests with
each problem pinned to its element, incidents with retry; other roles are refused."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import func, select

from engine import accounts, runtime
from engine.access import Actor
from engine.db import Database
from engine.models import Incident, ProcessDefinition
from tests.conftest import Clock
from tests.factories import BPMN_DIR, CaseDriver, deploy, form_data, referral, store_unverified, subject
from tests.web.conftest import PASSWORD, PageRequest

MASH = (BPMN_DIR / "mash_screening.bpmn").read_text()
FORM_KEY = '<spiffworkflow:property name="form" value="mash_screening" />'
WITHOUT_FORM_KEY = MASH.replace(FORM_KEY, "")
RELABELLED = MASH.replace('name="Screen and RAG-rate contact"', 'name="Screen and RAG-rate the contact"')


@pytest.fixture
def owner(page_request: PageRequest, db: Database, clock: Clock) -> PageRequest:
    """Olive, a process owner, signed in, with the MASH diagrams deployed."""
    accounts.create_user(db, "olive", ["process_owner"], clock(), display_name="Olive", password=PASSWORD)
    accounts.create_user(db, "ada", ["administrator"], clock(), display_name="Ada", password=PASSWORD)
    deploy(db, name="mash_screening.bpmn", now=clock())
    page_request.web.sign_in("olive")
    return page_request


def versions(db: Database, key: str = "mash_screening") -> int:
    with db.reading() as session:
        return session.scalar(select(func.count()).select_from(ProcessDefinition).where(ProcessDefinition.key == key))


def upload(owner: PageRequest, endpoint: str, xml: str, expected: int, **headers: str) -> Any:
    data = {"csrf_token": owner.csrf(), "file": (BytesIO(xml.encode()), "mash_screening.bpmn")}
    response = owner.web.client.post(owner.url(endpoint), data=data, content_type="multipart/form-data",
                                     headers=headers)
    assert response.status_code == expected, response.get_data(as_text=True)[:2000]
    return response


def test_the_processes_page_lists_each_deployed_process_with_its_versions_and_the_upload_form(
        owner: PageRequest) -> None:
    page = owner.get("definition_pages.index")
    assert page.text("title") == "Processes – sosflow"
    keys = [row.get("data-key") for row in page.select("#processes .process-row")]
    assert "mash_screening" in keys and "strategy_discussion" in keys
    assert page.select("#processes a[href='/process-definitions/mash_screening/versions/1']")
    assert page.select("#processes a[href='/process-definitions/mash_screening/versions/1/modeler']")
    assert page.select("form#upload-form[enctype='multipart/form-data'] input[type=file][name=file]")
    assert page.select("#check-upload[formaction='/process-definitions/check']")
    assert "Processes" in page.text(".govuk-service-navigation") and "Incidents" in page.text(
        ".govuk-service-navigation")


def test_a_version_page_shows_its_deploy_details_its_diagram_and_the_xml_download(
        owner: PageRequest) -> None:
    page = owner.get("definition_pages.version", key="mash_screening", version=1)
    assert page.text("h1") == "MASH referral screening – version 1"
    assert "by owner" in page.text("#version-summary") or "Deployed" in page.text("#version-summary")
    (diagram,) = page.select("#diagram[data-bpmn-url='/process-definitions/mash_screening/versions/1/bpmn']")
    assert diagram.get("role") == "figure" and diagram.get("aria-label")
    assert page.select("script[src='/static/vendor/version.js']")
    xml = owner.web.client.get(diagram.get("data-bpmn-url"))
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert xml.get_data(as_text=True) == MASH
    assert 'filename="mash_screening-v1.bpmn"' in xml.headers["Content-Disposition"]
    owner.get("definition_pages.version", _expected_status=404, key="mash_screening", version=9)


def test_the_modeler_page_loads_the_version_and_posts_to_check_and_deploy_with_the_csrf_token(
        owner: PageRequest) -> None:
    page = owner.get("definition_pages.modeler", key="mash_screening", version=1)
    (form,) = page.select("form#modeler-form")
    assert form.get("data-bpmn-url") == "/process-definitions/mash_screening/versions/1/bpmn"
    assert (form.get("data-check-url"), form.get("data-deploy-url")) == ("/process-definitions/check",
                                                                          "/process-definitions/deploy")
    assert page.select("#modeler[hidden] #modeler-canvas") and page.select("#modeler-properties")
    assert "needs JavaScript" in page.text("#modeler-no-js")
    assert page.select("script[src='/static/vendor/modeler.js']")
    assert page.select("link[href='/static/vendor/properties-panel.css']")


def test_an_uploaded_diagram_that_passes_the_check_is_not_stored(owner: PageRequest, db: Database) -> None:
    response = upload(owner, "definition_pages.check", RELABELLED, 200)
    assert "No problems found" in response.get_data(as_text=True)
    assert versions(db) == 1


def test_an_uploaded_diagram_without_a_task_form_lists_the_problem_at_its_element(
        owner: PageRequest, db: Database) -> None:
    from tests.web.conftest import Page, parse_html

    response = upload(owner, "definition_pages.check", WITHOUT_FORM_KEY, 422)
    page = Page(response, parse_html(response.get_data(as_text=True)))
    assert page.text("title").startswith("Error: ")
    (row,) = page.select("#diagram-problems tr[data-element-id='screen_contact']")
    assert "names no form" in "".join(row.itertext())
    (link,) = page.select(".govuk-error-summary__list a")
    assert link.get("href") == f"#{row.get('id')}" and "screen_contact" in link.text
    assert versions(db) == 1


def test_the_modelers_check_answers_json_with_each_problem_pinned_to_its_element_id(
        owner: PageRequest, db: Database) -> None:
    data = {"csrf_token": owner.csrf(), "xml": WITHOUT_FORM_KEY, "file_name": "mash_screening.bpmn"}
    answer = owner.web.client.post("/process-definitions/check", data=data, headers={"Accept": "application/json"})
    assert answer.status_code == 422
    (problem,) = answer.get_json()["problems"]
    assert (problem["element_id"], problem["tag"]) == ("screen_contact", "userTask")
    assert "names no form" in problem["message"]
    data["xml"] = RELABELLED
    fixed = owner.web.client.post("/process-definitions/check", data=data, headers={"Accept": "application/json"})
    assert fixed.get_json() == {"ok": True, "key": "mash_screening", "problems": []}
    assert versions(db) == 1


def test_deploying_from_the_modeler_stores_version_2_and_points_at_its_page(owner: PageRequest,
                                                                            db: Database) -> None:
    data = {"csrf_token": owner.csrf(), "xml": RELABELLED, "file_name": "mash_screening.bpmn"}
    answer = owner.web.client.post("/process-definitions/deploy", data=data, headers={"Accept": "application/json"})
    assert answer.get_json() == {"ok": True, "key": "mash_screening", "version": 2, "created": True,
                                 "url": "/process-definitions/mash_screening/versions/2?deployed=new"}
    page = owner.get("definition_pages.version", key="mash_screening", version=2, deployed="new")
    assert "Version 2 of mash_screening is deployed" in page.text("#deployed")


def test_deploying_an_upload_redirects_to_the_new_version_and_the_same_file_again_deploys_nothing(
        owner: PageRequest, db: Database) -> None:
    response = upload(owner, "definition_pages.deploy", RELABELLED, 303)
    assert response.headers["Location"] == "/process-definitions/mash_screening/versions/2?deployed=new"
    again = upload(owner, "definition_pages.deploy", RELABELLED, 303)
    assert again.headers["Location"] == "/process-definitions/mash_screening/versions/2?deployed=same"
    assert versions(db) == 2
    assert owner.get("definition_pages.index").select("#processes a[href$='/mash_screening/versions/2']")


def test_deploying_a_diagram_with_a_problem_stores_nothing_and_lists_it(owner: PageRequest, db: Database) -> None:
    upload(owner, "definition_pages.deploy", WITHOUT_FORM_KEY, 422)
    assert versions(db) == 1


def test_uploading_without_a_file_asks_for_one_at_the_file_field(owner: PageRequest) -> None:
    page = owner.post("definition_pages.check", {}, _expected_status=422)
    (link,) = page.select(".govuk-error-summary__list a")
    assert (link.get("href"), link.text) == ("#file", "Select a BPMN file to upload")
    assert "Select a BPMN file to upload" in page.text(".govuk-error-message")


@pytest.mark.parametrize("user", ["sam", "maya", "rita"])
def test_other_roles_are_refused_the_process_owners_pages(page_request: PageRequest, db: Database, clock: Clock,
                                                          user: str) -> None:
    deploy(db, name="mash_screening.bpmn", now=clock())
    page_request.web.sign_in(user)
    page_request.get("definition_pages.index", _expected_status=403)
    page_request.get("definition_pages.modeler", _expected_status=403, key="mash_screening", version=1)
    page_request.get("definition_pages.version", _expected_status=403, key="mash_screening", version=1)
    page_request.get("incident_pages.index", _expected_status=403)
    data = {"xml": RELABELLED}
    page_request.post("definition_pages.check", data, _expected_status=403)
    page_request.post("definition_pages.deploy", data, _expected_status=403)
    assert versions(db) == 1
    assert "Processes" not in page_request.get("task_pages.queue").text(".govuk-service-navigation")


BROKEN_STRATEGY = (BPMN_DIR / "strategy_discussion.bpmn").read_text().replace(
    'value="add_working_days(process_started_at, 1)"', 'value="add_working_days(strategy_requested_at, 1)"')


def handoff_incident(db: Database, clock: Clock) -> str:
    """A MASH case whose hand-off to a strategy discussion stored without the deploy checks failed."""
    store_unverified(db, xml=BROKEN_STRATEGY, key="strategy_discussion", now=clock())
    case = CaseDriver(db, runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(),
                                            actor=Actor("rita", frozenset({"referrer"})), now=clock()))
    case.complete("screen_contact", form_data("mash_screening", partner_checks=[], immediate_danger=True,
                                              decision="cin_assessment_s17", draft_danger_statement="draft"), clock())
    case.complete("emergency_response", form_data("emergency_response"), clock())
    with db.reading() as session:
        (incident_id,) = session.scalars(select(Incident.id))
    return incident_id


@pytest.mark.parametrize("user", ["olive", "ada"])
def test_incidents_are_listed_with_retry_and_a_failed_retry_says_why(owner: PageRequest, db: Database,
                                                                     clock: Clock, user: str) -> None:
    incident_id = handoff_incident(db, clock)
    owner.web.sign_in(user)
    page = owner.get("incident_pages.index")
    (row,) = page.select("#incidents .incident-row")
    assert row.get("id") == f"incident-{incident_id}"
    assert "end_immediate_protection" in page.text("#incidents") and "NameError" in page.text("#incidents")
    assert page.select(f"form[action='/incidents/{incident_id}/retry'] button")
    failed = owner.post("incident_pages.retry", _expected_status=422, incident_id=incident_id)
    (link,) = failed.select(".govuk-error-summary__list a")
    assert link.get("href") == f"#incident-{incident_id}" and "strategy_requested_at" in link.text
    assert "The retry failed again" in failed.text(f"#incident-{incident_id}")


def test_a_retry_after_the_fix_resolves_the_incident(owner: PageRequest, db: Database, clock: Clock) -> None:
    incident_id = handoff_incident(db, clock)
    deploy(db, name="strategy_discussion.bpmn", now=clock())  # the corrected diagram, as a new version
    response = owner.post("incident_pages.retry", incident_id=incident_id)
    assert response.headers["Location"] == f"/incidents?retried={incident_id}"
    page = owner.get("incident_pages.index", retried=incident_id)
    assert "incident is resolved" in page.text("#retried") and page.select("#no-incidents")
    assert page.select("#incidents") == []
    resolved = owner.get("incident_pages.index", status="resolved")
    assert resolved.select(f"#incident-{incident_id}")
