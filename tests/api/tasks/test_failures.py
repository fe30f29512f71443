"""A workflow that fails during a user's request: a 422 naming element and variable, nothing written but
the audit of the attempt; a task's narrowing of its form enforced with the usual 422."""

from __future__ import annotations

from sqlalchemy import select

from engine.db import Database
from engine.models import AuditEvent
from tests.api.conftest import ApiClient
from tests.api.helpers import only_task, open_referral, row_counts
from tests.conftest import Clock
from tests.factories import BPMN_DIR, form_data, store_unverified

MASH = (BPMN_DIR / "mash_screening.bpmn").read_text()


def _screen(api: ApiClient, expected: int, **overrides: object) -> dict:
    task = only_task(api, "sam")
    data = form_data("mash_screening", **{"partner_checks": [], "immediate_danger": False, **overrides})
    result: dict = api.post(f"/api/v1/tasks/{task['id']}/complete", "sam", expected, json={"data": data})
    return result


def test_an_expression_that_fails_is_a_422_naming_element_and_variable_and_writes_only_its_audit(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    broken = MASH.replace(">immediate_danger == True<", ">immediate_danger == True and no_such_answer<")
    store_unverified(db, xml=broken, key="mash_screening", now=clock())
    open_referral(api)
    before = row_counts(db)
    error = _screen(api, 422, immediate_danger=True)
    assert error["error"] == "step_failed"
    assert error["details"]["element_id"] == "gw_immediate_danger"
    assert error["details"]["variable"] == "no_such_answer"
    after = row_counts(db)
    assert after.pop("audit_event") == before.pop("audit_event") + 1
    assert after == before
    with db.reading() as session:
        attempt = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
    assert attempt.action == "task_completion_failed" and attempt.actor == "sam"
    assert attempt.payload["element_id"] == "gw_immediate_danger"
    assert only_task(api, "sam")["name"] == "Screen and RAG-rate contact"


def test_a_gateway_with_no_way_out_is_a_422_and_the_task_stays_open(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    no_flow = ('<bpmn:sequenceFlow id="flow_immediate_danger_no" name="No" sourceRef="gw_immediate_danger" '
               'targetRef="gw_consent" />')
    never = "><bpmn:conditionExpression>False</bpmn:conditionExpression></bpmn:sequenceFlow>"
    broken = MASH.replace('default="flow_immediate_danger_no"', "").replace(no_flow, no_flow.replace(" />", never))
    store_unverified(db, xml=broken, key="mash_screening", now=clock())
    open_referral(api)
    before = row_counts(db)
    error = _screen(api, 422)
    assert error["details"]["element_id"] == "gw_immediate_danger"
    assert row_counts(db)["completed_tasks"] == before["completed_tasks"]


def test_a_task_narrowing_its_form_refuses_other_values_with_the_field_pointer(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    narrowed = MASH.replace(
        '<spiffworkflow:property name="form" value="mash_screening" />',
        '<spiffworkflow:property name="form" value="mash_screening" />'
        '<spiffworkflow:property name="constraints" value=\'{"rag": ["red", "amber"]}\' />',
    )
    store_unverified(db, xml=narrowed, key="mash_screening", now=clock())
    open_referral(api)
    before = row_counts(db)
    error = _screen(api, 422, rag="green")
    assert error["details"] == [{"pointer": "/data/rag", "message": "Select one of: red, amber", "validator": "enum"}]
    assert row_counts(db) == before
    _screen(api, 200, rag="amber")
