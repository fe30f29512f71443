"""POST /api/v1/definitions: process owners deploy new versions; bad diagrams are refused with the element
and the reason, and leave the database as it was."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.db import Database
from engine.definitions import MAX_UPLOAD_BYTES
from engine.models import AuditEvent, ProcessDefinition
from tests.api.conftest import ApiClient
from tests.factories import BPMN_DIR, form_data, referral, subject

URL = "/api/v1/definitions"
ORIGINAL = (BPMN_DIR / "mash_screening.bpmn").read_text(encoding="utf-8")
SCREEN_NAME = 'name="Screen and RAG-rate contact"'
RENAMED = 'name="Screen, RAG-rate and record contact"'
SCREEN_FORM = '<spiffworkflow:property name="form" value="mash_screening" />'
DANGER_CONDITION = "immediate_danger == True"
TIME_DATE = ('<bpmn:timerEventDefinition id="TimerEventDefinition_timer_screening_overdue">\n        '
             '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">add_working_days(clock_started_at, 1)</bpmn:timeDate>')
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def edited(old: str, new: str, text: str = ORIGINAL) -> str:
    assert text.count(old) == 1, f"{old!r} is not unique in the diagram"
    return text.replace(old, new)


def upload(api: ApiClient, data: bytes | str, user: str | None = "owen", expected: int = 201,
           file_name: str = "mash_screening.bpmn", **form: str) -> Any:
    content = data.encode("utf-8") if isinstance(data, str) else data
    body = {"file": (io.BytesIO(content), file_name), **form}
    return api.post(URL, user, expected, data=body, content_type="multipart/form-data")


def row_counts(db: Database) -> tuple[int, int]:
    with db.reading() as session:
        definitions = session.scalars(select(func.count()).select_from(ProcessDefinition)).one()
        events = session.scalars(select(func.count()).select_from(AuditEvent)).one()
    return definitions, events


def open_referral(api: ApiClient) -> dict[str, Any]:
    body = {"process": "mash_screening", "subject": subject(), "data": referral()}
    return api.post("/api/v1/cases", "rita", 201, json=body)


def read_case(api: ApiClient, case_id: str) -> dict[str, Any]:
    return api.get(f"/api/v1/cases/{case_id}", "audrey")


def complete_open_task(api: ApiClient, case_id: str, user: str, form: str, **overrides: Any) -> dict[str, Any]:
    (task,) = [t for t in read_case(api, case_id)["open_tasks"] if t["form"] == form]
    api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": form_data(form, **overrides)})
    return task


def test_a_changed_diagram_deploys_as_version_2_while_open_cases_finish_on_version_1(
    api: ApiClient, db: Database
) -> None:
    older_case = open_referral(api)

    deployed = upload(api, edited(SCREEN_NAME, RENAMED))

    assert deployed["key"] == "mash_screening"
    assert deployed["version"] == 2
    assert deployed["created"] is True
    assert deployed["deployed_by"] == "owen"
    listed = [d for d in api.get(URL, "audrey") if d["key"] == "mash_screening"]
    assert [(d["key"], d["version"]) for d in listed] == [("mash_screening", 2), ("mash_screening", 1)]
    assert api.get(f"{URL}/mash_screening/versions/1/bpmn", "audrey") == ORIGINAL
    assert api.get(f"{URL}/mash_screening/versions/2/bpmn", "audrey") == edited(SCREEN_NAME, RENAMED)

    newer_case = open_referral(api)
    assert read_case(api, older_case["id"])["instances"][0]["version"] == 1
    assert read_case(api, newer_case["id"])["instances"][0]["version"] == 2
    assert read_case(api, newer_case["id"])["open_tasks"][0]["name"] == "Screen, RAG-rate and record contact"

    screened = complete_open_task(api, older_case["id"], "sam", "mash_screening", partner_checks=[],
                                  immediate_danger=False, decision="nfa", draft_danger_statement="draft")
    assert screened["name"] == "Screen and RAG-rate contact"
    complete_open_task(api, older_case["id"], "maya", "mash_decision", decision="nfa")
    complete_open_task(api, older_case["id"], "bea", "referrer_feedback")
    (instance,) = read_case(api, older_case["id"])["instances"]
    assert (instance["version"], instance["status"], instance["outcome"]) == (1, "completed", "nfa")
    assert "end_nfa" in [step["id"] for step in instance["route"]]  # the referrer's feedback ends last


def test_uploading_the_same_xml_as_the_latest_version_answers_200_and_deploys_nothing(
    api: ApiClient, db: Database
) -> None:
    before = row_counts(db)

    answer = upload(api, ORIGINAL, expected=200)

    assert (answer["version"], answer["created"]) == (1, False)
    assert row_counts(db) == before
    assert [d["version"] for d in api.get(URL, "audrey") if d["key"] == "mash_screening"] == [1]


@pytest.mark.parametrize("user", ["sam", "audrey"])
def test_only_a_process_owner_may_deploy_and_a_refused_deploy_changes_nothing(
    api: ApiClient, db: Database, user: str
) -> None:
    before = row_counts(db)

    body = upload(api, edited(SCREEN_NAME, RENAMED), user=user, expected=403)

    assert body["error"] == "forbidden"
    assert row_counts(db) == before


def test_deploying_without_credentials_answers_401(api: ApiClient, db: Database) -> None:
    before = row_counts(db)
    upload(api, edited(SCREEN_NAME, RENAMED), user=None, expected=401)
    assert row_counts(db) == before


def _xxe() -> str:
    doctype = '<!DOCTYPE bpmn:definitions [<!ENTITY leak SYSTEM "file:///etc/passwd">]>\n'
    return edited(SCREEN_NAME, 'name="&leak;"', edited(XML_DECLARATION, XML_DECLARATION + doctype))


def _billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    doctype = f"<!DOCTYPE bpmn:definitions [{''.join(entities)}]>\n"
    return edited(SCREEN_NAME, 'name="&lol9;"', edited(XML_DECLARATION, XML_DECLARATION + doctype))


def _oversized() -> bytes:
    padding = "<!-- " + "x" * MAX_UPLOAD_BYTES + " -->\n"
    return edited("</bpmn:definitions>", padding + "</bpmn:definitions>").encode("utf-8")


BAD_DIAGRAMS: dict[str, tuple[Callable[[], bytes | str], str | None, str]] = {
    "not_xml": (lambda: b"\x89PNG\r\n this is not XML", None, "not well-formed XML"),
    "empty_file": (lambda: b"", None, "not well-formed XML"),
    "xml_that_is_not_bpmn": (lambda: XML_DECLARATION + "<html><body>hello</body></html>", None,
                             "not a BPMN 2.0 document: the root element is html"),
    "xml_external_entity": (_xxe, None, "DOCTYPE and entity declarations are refused"),
    "billion_laughs": (_billion_laughs, None, "DOCTYPE and entity declarations are refused"),
    "utf16_external_entity": (lambda: _xxe().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
                              None, "DOCTYPE and entity declarations are refused"),
    "user_task_in_no_lane": (lambda: edited("<bpmn:flowNodeRef>screen_contact</bpmn:flowNodeRef>", ""),
                             "screen_contact", "is in no lane"),
    "user_task_in_a_lane_that_is_no_group": (
        lambda: edited('name="mash_screener"', 'name="screening team"'), "screen_contact",
        "is in lane 'screening team', which is not a group"),
    "user_task_naming_a_missing_form": (
        lambda: edited(SCREEN_FORM, SCREEN_FORM.replace("mash_screening", "no_such_form")), "screen_contact",
        "names form 'no_such_form', which does not exist"),
    "user_task_without_a_form": (lambda: edited(SCREEN_FORM, ""), "screen_contact", "names no form"),
    "condition_importing_os": (lambda: edited(DANGER_CONDITION, "__import__('os').system('id')"),
                               "flow_immediate_danger_yes", '"__import__" is an invalid variable name'),
    "condition_walking_subclasses": (
        lambda: edited(DANGER_CONDITION, "().__class__.__bases__[0].__subclasses__()"),
        "flow_immediate_danger_yes", '"__subclasses__" is an invalid attribute name'),
    "cycle_timer": (
        lambda: edited(TIME_DATE, '<bpmn:timerEventDefinition id="TimerEventDefinition_timer_screening_overdue">'
                                  '<bpmn:timeCycle xsi:type="bpmn:tFormalExpression">"R/PT1H"</bpmn:timeCycle>'),
        "timer_screening_overdue", "cycle timers are not supported"),
    "no_executable_process": (lambda: edited('isExecutable="true"', 'isExecutable="false"'), None,
                              "no executable process"),
    "file_over_the_size_limit": (_oversized, None, f"larger than {MAX_UPLOAD_BYTES} bytes"),
    "utf16_without_doctype": (
        lambda: ORIGINAL.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"), None, "not UTF-8"),
}


@pytest.mark.parametrize(("make", "element_id", "reason"), BAD_DIAGRAMS.values(), ids=BAD_DIAGRAMS.keys())
def test_a_bad_diagram_answers_422_naming_element_and_reason_and_changes_nothing(
    api: ApiClient, db: Database, make: Callable[[], bytes | str], element_id: str | None, reason: str
) -> None:
    before = row_counts(db)

    body = upload(api, make(), expected=422)

    assert set(body) == {"error", "message", "details"}
    assert body["error"] == "diagram_invalid"
    assert body["message"].startswith("The diagram cannot be deployed: ")
    assert body["details"], body
    matching = [d for d in body["details"] if reason in d["message"]]
    assert matching, body["details"]
    assert matching[0]["element_id"] == element_id
    assert matching[0]["file"] == "mash_screening.bpmn"
    assert row_counts(db) == before


@pytest.mark.parametrize("make", [_xxe, _billion_laughs], ids=["xml_external_entity", "billion_laughs"])
def test_an_entity_payload_is_never_expanded_into_the_response(api: ApiClient, make: Callable[[], str]) -> None:
    text = json.dumps(upload(api, make(), expected=422))

    passwd = Path("/etc/passwd")
    leaked = [line for line in passwd.read_text().splitlines() if line and line in text] if passwd.exists() else []
    assert leaked == []
    assert "root:" not in text
    assert "lollol" not in text


def test_a_request_without_the_file_field_answers_422_naming_file(api: ApiClient, db: Database) -> None:
    before = row_counts(db)

    body = api.post(URL, "owen", 422, data={"key": "mash_screening"}, content_type="multipart/form-data")

    assert body["error"] == "invalid_request"
    assert [d["pointer"] for d in body["details"]] == ["/file"]
    assert row_counts(db) == before


def test_a_key_naming_no_executable_process_answers_422(api: ApiClient, db: Database) -> None:
    before = row_counts(db)

    body = upload(api, edited(SCREEN_NAME, RENAMED), expected=422, key="strategy_discussion")

    assert body["details"][0]["message"] == "no executable process with id 'strategy_discussion'"
    assert row_counts(db) == before


def test_a_diagram_schema_valid_data_could_crash_answers_422_with_a_counterexample(
    api: ApiClient, db: Database
) -> None:
    before = row_counts(db)
    unsafe = edited('len(answers["screen_contact"].get("partner_checks", [])) &gt; 0', "len(partner_checks) &gt; 0")

    body = upload(api, unsafe, expected=422)

    (problem, *_) = [d for d in body["details"] if d["element_id"] == "gw_partner_checks_needed"]
    assert "reads 'partner_checks', which is not defined on every path" in problem["message"]
    assert problem["tag"] == "exclusiveGateway"
    assert problem["counterexample"]["task"] == "screen_contact"
    assert "partner_checks" not in problem["counterexample"]["submission"]
    assert row_counts(db) == before


def test_a_diagram_that_hands_off_to_a_process_not_deployed_is_refused_with_the_end_event(api: ApiClient) -> None:
    dead_end = edited('name="starts_process" value="early_help"', 'name="starts_process" value="family_court"')

    refused = upload(api, dead_end, expected=422)

    assert refused["error"] == "diagram_invalid"
    (problem,) = refused["details"]
    assert (problem["element_id"], problem["tag"]) == ("end_early_help", "endEvent")
    assert "'family_court', which is not deployed" in problem["message"]
    assert [d["version"] for d in api.get(URL, "audrey") if d["key"] == "mash_screening"] == [1]
