"""Nothing the API accepts yields a 5xx: values the code behind it cannot hold are refused where they enter,
with a pointer to the value and a reason, and nothing in the database changes."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest

from engine.db import Database
from tests.api.conftest import ApiClient
from tests.api.helpers import open_referral, row_counts
from tests.conftest import Clock
from tests.factories import BPMN_DIR, CaseDriver, create_user, deploy, filled, referral, subject

CASES = "/api/v1/cases"


def add_user(api: ApiClient, db: Database, clock: Clock, name: str, group: str) -> None:
    api.tokens[name] = create_user(db, username=name, groups=[group], now=clock())


def post_raw(api: ApiClient, path: str, user: str, expected: int, raw: str) -> dict[str, Any]:
    body: dict[str, Any] = api.post(path, user, expected, data=raw, content_type="application/json")
    return body


def referral_json(value_text: str, field: str = "version") -> str:
    """A referral body whose `data.<field>` (a top-level answer or one of the referrer's) is the JSON text
    `value_text`: `version` is an integer with no maximum, the referrer's name free text."""
    data = referral()
    if field == "version":
        data["version"] = "__VALUE__"
    else:
        data["referrer"][field] = "__VALUE__"
    body = {"process": "mash_screening", "subject": subject(), "data": data}
    return json.dumps(body).replace('"__VALUE__"', value_text)


@pytest.fixture
def cp_unit(api: ApiClient, db: Database, clock: Clock) -> ApiClient:
    deploy(db, name="cp_conference.bpmn", now=clock())
    add_user(api, db, clock, "cleo", "cp_unit")
    return api


# Dates and times ----------------------------------------------------------------------------------


LABEL = "date and time the transfer notification was accepted"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9999-12-31T10:00:00+00:00", f"{LABEL.capitalize()} must be between 1900 and 2200"),
        ("0000-01-01T10:00:00+00:00", f"{LABEL.capitalize()} must be between 1900 and 2200"),
        ("2016-12-31T23:59:60Z", f"Enter the {LABEL} with seconds from 00 to 59"),
    ],
)
def test_a_deadline_start_python_cannot_hold_is_422_at_its_field_and_opens_nothing(
    cp_unit: ApiClient, db: Database, value: str, message: str
) -> None:
    data = filled("cp_conference_request", 2, notification_accepted_at=value)  # starts the T18 clock
    before = row_counts(db)

    body = cp_unit.post(CASES, "cleo", 422, json={"process": "cp_conference", "subject": subject(), "data": data})

    assert body["error"] == "form_invalid"
    pointers = {(d["pointer"], d["message"]) for d in body["details"]}
    assert ("/data/notification_accepted_at", message) in pointers
    assert row_counts(db) == before


@pytest.mark.parametrize("dob", ["9999-12-31", "1899-12-31"])
def test_a_subjects_date_of_birth_outside_1900_to_2200_is_422_at_subject_dob(
    api: ApiClient, db: Database, dob: str
) -> None:
    before = row_counts(db)
    body = api.post(CASES, "rita", 422, json={"process": "mash_screening", "subject": subject(dob=dob),
                                              "data": referral()})

    assert [d["pointer"] for d in body["details"]] == ["/subject/dob"]
    assert row_counts(db) == before


# JSON the engine cannot store ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "field", "reason"),
    [
        (str(2**63), "version", "Enter a whole number from"),
        (str(-(2**63) - 1), "version", "Enter a whole number from"),
        ("1" * 5000, "version", "not valid JSON"),
        ("NaN", "version", "NaN and Infinity cannot be stored"),
        ("Infinity", "version", "NaN and Infinity cannot be stored"),
        ("-Infinity", "version", "NaN and Infinity cannot be stored"),
        ("1e400", "version", "NaN and Infinity cannot be stored"),
        ('"Grace\\u0000Thompson"', "name", "NUL character"),
        ('"Grace \\ud800"', "name", "unpaired surrogate"),
    ],
)
def test_a_json_value_the_engine_cannot_store_is_400_invalid_json_at_its_pointer_and_opens_nothing(
    api: ApiClient, db: Database, literal: str, field: str, reason: str
) -> None:
    before = row_counts(db)

    body = post_raw(api, CASES, "rita", 400, referral_json(literal, field))

    assert body["error"] == "invalid_json"
    assert reason in body["message"]
    if "JSON" not in reason:
        pointer = "/data/version" if field == "version" else f"/data/referrer/{field}"
        assert [d["pointer"] for d in body["details"]] == [pointer]
    assert row_counts(db) == before


def test_the_largest_64_bit_integer_passes_the_json_bounds() -> None:
    from api.entry import strict_json

    assert strict_json(json.dumps({"n": [2**63 - 1, -(2**63)]})) == {"n": [2**63 - 1, -(2**63)]}


@pytest.mark.parametrize("depth", [33, 100_000])
def test_nesting_deeper_than_32_levels_is_400_invalid_json(api: ApiClient, db: Database, depth: int) -> None:
    before = row_counts(db)

    body = post_raw(api, CASES, "rita", 400, referral_json("[" * depth + "]" * depth, "name"))

    assert body["error"] == "invalid_json"
    assert "no deeper than 32 levels" in body["message"]
    assert row_counts(db) == before


def test_a_task_completion_with_a_64_bit_overflow_is_400_and_completes_nothing(api: ApiClient, db: Database) -> None:
    open_referral(api)
    task = api.get("/api/v1/tasks", "sam")["items"][0]
    before = row_counts(db)
    raw = json.dumps({"data": filled("mash_screening", version="__VALUE__")}).replace('"__VALUE__"', str(2**70))

    body = post_raw(api, f"/api/v1/tasks/{task['id']}/complete", "sam", 400, raw)

    assert body["details"] == [{"pointer": "/data/version", "message": body["details"][0]["message"]}]
    assert row_counts(db) == before


def test_a_nul_character_in_a_query_or_path_value_is_400_naming_it(api: ApiClient) -> None:
    query = api.get("/api/v1/tasks", "sam", 400, query_string={"group": "mash\x00screener"})
    path = api.get("/api/v1/forms/mash%00screening", "sam", 400)

    assert query["details"][0]["pointer"] == "/query/group"
    assert path["details"][0]["pointer"] == "/path/key"


@pytest.mark.parametrize(
    "position",
    [["2026-05-22T10:30:00+00:00", "a\u0000"], ["2026-05-22T10:30:00+00:00", "not-a-task-id"],
     ["2026-05-22T10:30:00", "00000000-0000-4000-8000-000000000000"], [1, 2], {"a": 1, "b": 2}],
)
def test_a_cursor_the_api_did_not_issue_is_422_at_cursor(api: ApiClient, position: Any) -> None:
    cursor = base64.urlsafe_b64encode(json.dumps(position).encode()).decode()

    body = api.get("/api/v1/tasks", "sam", 422, query_string={"cursor": cursor})

    assert body["details"] == [{"pointer": "/cursor"}]


def test_a_nul_character_in_an_uploaded_file_name_is_400(api: ApiClient, db: Database) -> None:
    before = row_counts(db)
    upload = {"file": (io.BytesIO((BPMN_DIR / "strategy_discussion.bpmn").read_bytes()), "a\x00.bpmn")}

    body = api.post("/api/v1/definitions", "owen", 400, data=upload, content_type="multipart/form-data")

    assert body["details"][0]["pointer"] == "/form/file"
    assert row_counts(db) == before


# Path integers and start data --------------------------------------------------------------------


@pytest.mark.parametrize("version", [2**31, 2**63, 10**30])
def test_a_version_beyond_a_database_integer_is_404(api: ApiClient, version: int) -> None:
    body = api.get(f"/api/v1/definitions/mash_screening/versions/{version}/bpmn", "sam", 404)

    assert body["error"] == "not_found"


def test_the_largest_database_integer_is_a_version_that_is_not_found(api: ApiClient) -> None:
    api.get(f"/api/v1/definitions/mash_screening/versions/{2**31 - 1}/bpmn", "sam", 404)
    assert "<bpmn:definitions" in api.get("/api/v1/definitions/mash_screening/versions/1/bpmn", "sam")


def test_start_data_for_a_process_without_a_start_form_is_422_at_data_and_opens_nothing(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    deploy(db, name="strategy_discussion.bpmn", now=clock())
    add_user(api, db, clock, "tina", "team_manager")
    before = row_counts(db)
    body = {"process": "strategy_discussion", "subject": subject(), "data": {"decision": "s47_single_agency"}}

    refused = api.post(CASES, "tina", 422, json=body)

    assert refused["error"] == "form_invalid"
    assert [d["pointer"] for d in refused["details"]] == ["/data"]
    assert row_counts(db) == before
    assert api.post(CASES, "tina", 201, json={**body, "data": {}})["reference"]


# Family network ----------------------------------------------------------------------------------


def test_a_conference_record_whose_family_network_names_someone_not_in_it_is_422_and_the_genogram_still_draws(
    cp_unit: ApiClient, db: Database, clock: Clock
) -> None:
    add_user(cp_unit, db, clock, "chris", "cp_chair")
    case = CaseDriver(db, cp_unit.post(CASES, "cleo", 201, json={
        "process": "cp_conference", "subject": subject(), "data": filled("cp_conference_request")})["id"])
    case.complete("book_conference", filled("conference_booking"), clock())
    case.complete("prepare_reports", filled("sos_map"), clock())
    case.complete("check_quorum", filled("conference_quorum"), clock())
    record = filled("cp_conference_record", decision="cp_plan")
    record["family_network"]["relationships"][0]["to_id"] = "person-ghost"
    task_id = case.task("hold_conference").id
    before = row_counts(db)

    body = cp_unit.post(f"/api/v1/tasks/{task_id}/complete", "chris", 422, json={"data": record})

    assert {"pointer": "/data/family_network/relationships/0/to_id",
            "message": "There is no person with ID 'person-ghost' in this family network",
            "validator": "reference"} in body["details"]
    assert row_counts(db) == before
    record["family_network"]["relationships"][0]["to_id"] = "person-000451"
    cp_unit.post(f"/api/v1/tasks/{task_id}/complete", "chris", json={"data": record})
    svg = cp_unit.get(f"{CASES}/{case.case_id}/genogram.svg", "chris")
    assert "Leo Hughes" in svg


def test_a_multipart_part_without_a_name_is_a_4xx_and_deploys_nothing(api: ApiClient, db: Database) -> None:
    boundary = "sosflowboundary"
    raw = (f"--{boundary}\r\nContent-Disposition: form-data; filename=\"x.bpmn\"\r\n"
           f"Content-Type: application/xml\r\n\r\n<x/>\r\n--{boundary}--\r\n").encode()
    before = row_counts(db)
    response = api.client.post("/api/v1/definitions", data=raw,
                               content_type=f"multipart/form-data; boundary={boundary}",
                               headers={"Authorization": f"Bearer {api.tokens['owen']}"})
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert row_counts(db) == before
