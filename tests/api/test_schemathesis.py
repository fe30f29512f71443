"""Schemathesis against the published document: every operation, with the tokens of five roles, on data that
fits the document and data that breaks it, never answers 5xx or anything the document does not describe.

The app is called in-process (WSGI). Ids in paths are either generated (so, unknown: 404) or those of a real
case and its open task, and a referral's process is either generated or a deployed one with valid data, so
generated values reach the engine and the answers for existing records are checked too; a few
valid requests (a referral, a screening, a deploy) are checked the same way first. Bounded: a few examples
per operation, role and mode, each run with its own fixed seed (reproducible), no shrinking.
"""

from __future__ import annotations

import zlib
from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.db import Database
from tests.conftest import Clock
from tests.factories import BPMN_DIR, create_user, deploy, filled, referral, subject

ROLES = {"rita": "referrer", "sam": "mash_screener", "maya": "mash_manager", "audrey": "auditor",
         "owen": "process_owner"}
# Data that breaks the document is refused the same way whoever sends it: two roles suffice (one may deploy).
NEGATIVE_ROLES = ("sam", "owen")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_RUN = 6
RUN = settings(max_examples=EXAMPLES_PER_RUN, deadline=None, database=None, phases=[Phase.generate],
               suppress_health_check=list(HealthCheck))


def known_ids(app: Flask, tokens: dict[str, str]) -> dict[str, str]:
    """A real case opened by the referrer, and its screening task."""
    client = app.test_client()
    opened = client.post("/api/v1/cases", headers=bearer(tokens["rita"]),
                         json={"process": "mash_screening", "subject": subject(), "data": referral()})
    assert opened.status_code == 201, opened.get_data(as_text=True)
    case = opened.get_json()
    (task,) = client.get("/api/v1/tasks", headers=bearer(tokens["sam"])).get_json()["items"]
    return {"case_id": case["id"], "task_id": task["id"], "key": "mash_screening", "version": "1"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def valid_requests(by_label: dict[str, Any], tokens: dict[str, str], ids: dict[str, str]) -> list[tuple[Any, str]]:
    """Requests the document says are right, each with the token of the role that may make it."""
    task = {"task_id": ids["task_id"]}
    screening = filled("mash_screening", partner_checks=[{"agency": "police", "requested_at": "2026-05-22T10:45:00Z"}])
    return [
        (by_label["POST /api/v1/cases"].Case(
            body={"process": "mash_screening", "subject": subject(), "data": referral()}), tokens["rita"]),
        (by_label["POST /api/v1/definitions"].Case(
            body={"file": (BPMN_DIR / "mash_screening.bpmn").read_bytes()}), tokens["owen"]),
        (by_label["GET /api/v1/tasks/{task_id}"].Case(path_parameters=task), tokens["sam"]),
        (by_label["POST /api/v1/tasks/{task_id}/claim"].Case(path_parameters=task), tokens["sam"]),
        (by_label["POST /api/v1/tasks/{task_id}/complete"].Case(path_parameters=task, body={"data": screening}),
         tokens["sam"]),
        (by_label["GET /api/v1/tasks"].Case(query={"status": "completed"}), tokens["sam"]),
    ]


def fuzz(operation: Any, token: str, mode: GenerationMode, ids: dict[str, str], failures: list[str]) -> None:
    """Run one operation with one token; every failed check is collected, not raised, so all are reported."""

    @seed(zlib.crc32(f"{operation.label} {token} {mode.value}".encode()))
    @RUN
    @given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
    def run(case: Any, use_known: bool) -> None:
        if use_known:
            with_known(case, ids)
        call(case, token, f"[{mode.value}]", failures)

    run()


def with_known(case: Any, ids: dict[str, str]) -> None:
    """Point the generated request at real records: ids in the path, and a referral's process and data
    (with the generated subject), so generated values reach the engine, not only the first 404 or 422."""
    if case.path_parameters:
        case.path_parameters = {**case.path_parameters,
                                **{name: ids[name] for name in case.path_parameters if name in ids}}
    if case.operation.label == "POST /api/v1/cases" and isinstance(case.body, dict):
        case.body = {**case.body, "process": "mash_screening", "data": referral()}


def call(case: Any, token: str, how: str, failures: list[str]) -> int:
    try:
        response = case.call_and_validate(headers=bearer(token), checks=CHECKS)
    except Exception as failure:  # a failed check: keep the request and the reason
        failures.append(f"{case.operation.label} {how} {case.path_parameters} {case.query}: {failure}")
        return 0
    status: int = response.status_code
    return status


def test_no_operation_answers_5xx_or_outside_its_published_schema_for_any_role(
    app: Flask, db: Database, clock: Clock
) -> None:
    tokens = {name: create_user(db, username=name, groups=[group], now=clock()) for name, group in ROLES.items()}
    deploy(db, name="mash_screening.bpmn", now=clock())
    ids = known_ids(app, tokens)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = {result.ok().label: result.ok() for result in schema.get_all_operations()}
    assert len(operations) >= 13
    failures: list[str] = []

    statuses = [call(case, token, "[valid]", failures) for case, token in valid_requests(operations, tokens, ids)]
    assert statuses == [201, 200, 200, 200, 200, 200], failures
    for operation in operations.values():
        for user, token in tokens.items():
            fuzz(operation, token, GenerationMode.POSITIVE, ids, failures)
            if user in NEGATIVE_ROLES:
                fuzz(operation, token, GenerationMode.NEGATIVE, ids, failures)

    assert failures == [], "\n\n".join(failures[:20])
