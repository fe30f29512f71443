"""Each task owns its answers: kept under its element id, replacing its form's old values, never reused."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select

from engine.db import Database
from engine.models import AuditEvent, HumanTask, ProcessInstance
from engine.unit_of_work import read_workflow
from tests.api.conftest import ApiClient
from tests.api.helpers import complete, only_task, open_referral, screen
from tests.conftest import FIXED_NOW


def _task_data(db: Database, element_id: str) -> dict[str, Any]:
    """The data a ready task of the case would see (what its gateways and expressions read)."""
    with db.reading() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.element_id == element_id,
                                                       HumanTask.status == "ready")).one()
        workflow = read_workflow(session, session.get_one(ProcessInstance, task.instance_id), FIXED_NOW)
    data: dict[str, Any] = workflow.get_task_from_id(UUID(task.id)).data
    return data


def test_a_submission_is_kept_under_its_element_id_with_its_completion_time(api: ApiClient, db: Database) -> None:
    open_referral(api)
    screen(api, [])
    data = _task_data(db, "screening_decision")
    assert data["answers"]["screen_contact"]["decision"] == "cin_assessment_s17"
    assert data["answers"]["screen_contact"]["author"] == "sam"
    assert data["completed"]["screen_contact"] == FIXED_NOW.isoformat()


def test_parallel_strands_with_the_same_form_keep_both_answers(api: ApiClient, db: Database) -> None:
    open_referral(api)
    screen(api, ["police", "health"])
    complete(api, "pc_police", "partner_check", agency="police", summary="Police know the family")
    complete(api, "hv_health", "partner_check", agency="health", information_held=False, without=("summary",))
    answers = _task_data(db, "screening_decision")["answers"]
    assert answers["partner_check_police"]["summary"] == "Police know the family"
    assert "summary" not in answers["partner_check_health"]
    assert answers["partner_check_health"]["agency"] == "health"


def test_a_field_the_newest_submission_of_a_form_leaves_out_no_longer_has_a_value(
    api: ApiClient, db: Database
) -> None:
    open_referral(api)
    screen(api, ["police"])
    complete(api, "pc_police", "partner_check", agency="police", information_held=False,
             without=("summary", "risk_indicators"))
    data = _task_data(db, "screening_decision")
    assert "summary" not in data and "risk_indicators" not in data
    assert data["agency"] == "police"


def test_the_task_form_opens_with_earlier_answers_but_never_with_a_decision(api: ApiClient, db: Database) -> None:
    open_referral(api)
    screen(api, [])
    task = only_task(api, "maya")
    detail = api.get(f"/api/v1/tasks/{task['id']}", "maya")
    assert "decision" not in detail["data"], "a gateway routes on `decision`: it must be given afresh"
    assert detail["data"]["decision_rationale"]
    assert not {"author", "completed_at", "case_id"} & set(detail["data"])


def test_the_completion_event_carries_exactly_what_was_submitted(api: ApiClient, db: Database) -> None:
    open_referral(api)
    screen(api, [])
    with db.reading() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "task_completed")).one()
    assert event.payload["element_id"] == "screen_contact"
    assert "answers" not in event.payload["data"] and event.payload["data"]["author"] == "sam"
