"""A new diagram: a process owner names a new process on a GOV.UK page (a valid, unused id and a name) and the
modeler opens on a blank process with a start event, which checks and deploys as version 1; a session that
has ended is sent to sign in, coming back to the modeler."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from api.pages.new_diagram import blank
from engine import accounts, runtime
from engine.access import Actor
from engine.db import Database
from engine.models import ProcessDefinition
from tests.conftest import Clock
from tests.factories import deploy
from tests.web.conftest import PASSWORD, PageRequest

OWNER = Actor("olive", frozenset({"process_owner"}))


@pytest.fixture
def owner(page_request: PageRequest, db: Database, clock: Clock) -> PageRequest:
    accounts.create_user(db, "olive", ["process_owner"], clock(), display_name="Olive", password=PASSWORD)
    deploy(db, name="mash_screening.bpmn", now=clock())
    page_request.web.sign_in("olive")
    return page_request


def test_the_processes_page_links_to_create_a_new_diagram(owner: PageRequest) -> None:
    page = owner.get("definition_pages.index")
    assert page.select("#new-diagram")[0].get("href") == "/process-definitions/new"
    form = owner.get("definition_pages.new").select("#new-diagram-form")[0]
    assert [e.get("name") for e in form.xpath(".//input")] == ["csrf_token", "key", "name"]


@pytest.mark.parametrize(("key", "name", "errors"), [
    ("", "", ["Enter a process ID", "Enter a process name"]),
    ("Private Fostering", "Private fostering", ["Process ID must start with a lower-case letter"]),
    ("1st_process", "First", ["Process ID must start with a lower-case letter"]),
    ("mash_screening", "MASH again", ["A process with this ID is already deployed"]),
    ("private_fostering", "x" * 121, ["Process name must be 120 characters or fewer"]),
])
def test_an_id_or_name_that_will_not_do_is_named_at_its_field(owner: PageRequest, key: str, name: str,
                                                               errors: list[str]) -> None:
    page = owner.post("definition_pages.new", {"key": key, "name": name}, 422)
    found = [a.text for a in page.select(".govuk-error-summary a")]
    assert len(found) == len(errors) and all(f.startswith(e) for f, e in zip(found, errors, strict=True))
    assert page.select(".govuk-error-summary a")[0].get("href") in ("#key", "#name")
    assert page.select("input#key")[0].get("value") == key  # what was typed is kept


def test_a_valid_id_and_name_open_the_modeler_on_a_blank_process_with_a_start_event(owner: PageRequest) -> None:
    sent = owner.post("definition_pages.new", {"key": "private_fostering", "name": "Private fostering"}, 303)
    assert sent.headers["Location"] == "/process-definitions/new/modeler?key=private_fostering&name=Private+fostering"

    page = owner.get("definition_pages.new_modeler", key="private_fostering", name="Private fostering")

    form = page.select("#modeler-form")[0]
    assert form.get("data-file-name") == "private_fostering.bpmn"
    xml = owner.web.client.get(form.get("data-bpmn-url")).get_data(as_text=True)
    assert xml == blank("private_fostering", "Private fostering")
    assert '<bpmn:process id="private_fostering" name="Private fostering"' in xml
    assert '<bpmn:startEvent id="start"' in xml and 'bpmnElement="start"' in xml
    link = urlsplit(page.select("#sign-in-again")[0].get("href"))
    assert link.path == "/sign-in"
    assert parse_qs(link.query)["next"] == [sent.headers["Location"]]


def test_the_blank_process_checks_and_deploys_as_version_1(db: Database, clock: Clock) -> None:
    xml = blank("private_fostering", "Private & fostering \"quoted\"").encode()

    checked, problems = runtime.check_definition(db, xml, "private_fostering.bpmn", OWNER)
    definition, created = runtime.deploy_definition(db, xml, "private_fostering.bpmn", OWNER, clock())

    assert problems == [] and checked is not None and checked.name == 'Private & fostering "quoted"'
    assert (definition.key, definition.version, created) == ("private_fostering", 1, True)
    with db.reading() as session:
        assert session.scalars(select(ProcessDefinition.key)).all() == ["private_fostering"]


def test_a_new_modeler_without_a_valid_id_goes_back_to_the_naming_page(owner: PageRequest) -> None:
    response = owner.web.client.get("/process-definitions/new/modeler?key=Bad%20Id&name=x")
    assert response.status_code == 303 and response.headers["Location"] == "/process-definitions/new"
    assert owner.web.client.get("/process-definitions/new/diagram.bpmn?key=&name=").status_code == 404


def test_a_check_from_the_modeler_after_the_session_ended_is_sent_to_sign_in(owner: PageRequest) -> None:
    token = owner.csrf()
    owner.web.client.delete_cookie("sosflow_session")

    response = owner.web.client.post("/process-definitions/check", data={"csrf_token": token, "xml": "<x/>"},
                                     headers={"Accept": "application/json"})

    assert response.status_code == 303 and response.headers["Location"].startswith("/sign-in")
