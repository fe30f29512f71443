"""POST /api/v1/definitions/check: the deploy checks on a BPMN file with nothing stored; problems answer 422
with each element id, as a deploy's do."""

from __future__ import annotations

import io
from typing import Any

from engine.db import Database
from tests.api.conftest import ApiClient
from tests.api.definitions.test_views import ORIGINAL, RENAMED, SCREEN_FORM, SCREEN_NAME, edited, row_counts
from tests.conftest import Clock
from tests.factories import deploy

URL = "/api/v1/definitions/check"


def check(api: ApiClient, text: str, user: str = "owen", expected: int = 200) -> Any:
    body = {"file": (io.BytesIO(text.encode("utf-8")), "mash_screening.bpmn")}
    return api.post(URL, user, expected, data=body, content_type="multipart/form-data")


def test_a_diagram_that_would_deploy_is_described_and_nothing_is_stored(api: ApiClient, db: Database,
                                                                       clock: Clock) -> None:
    deploy(db, name="mash_screening.bpmn", now=clock())
    before = row_counts(db)
    body = check(api, edited(SCREEN_NAME, RENAMED))
    assert (body["key"], body["start_form"], body["validation_report"]["user_tasks"]) == (
        "mash_screening", "mash_service_request", edited(SCREEN_NAME, RENAMED).count("<bpmn:userTask "))
    assert row_counts(db) == before


def test_a_task_without_its_form_answers_422_at_its_element_and_nothing_is_stored(api: ApiClient, db: Database,
                                                                                   clock: Clock) -> None:
    deploy(db, name="mash_screening.bpmn", now=clock())
    before = row_counts(db)
    body = check(api, edited(SCREEN_FORM, ""), expected=422)
    assert body["error"] == "diagram_invalid"
    (problem,) = body["details"]
    assert (problem["element_id"], problem["tag"]) == ("screen_contact", "userTask")
    assert row_counts(db) == before


def test_only_process_owners_check(api: ApiClient) -> None:
    assert check(api, ORIGINAL, user="sam", expected=403)["error"] == "forbidden"
