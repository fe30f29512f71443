"""The stored state blob says what SpiffWorkflow's own serializer says (less the spec), at every step of a case."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.definitions import ClockedDuration, ClockedTimeDate, SosBpmnParser, properties_of
from engine.scripting import script_engine
from engine.state import dump_workflow, load_workflow
from engine.taskdata import apply_submission
from tests.factories import filled

BPMN = Path(__file__).resolve().parents[2] / "bpmn" / "mash_screening.bpmn"
NOW = datetime(2026, 5, 22, 10, 30, tzinfo=UTC)
PATH = [("screen_contact", {}), ("partner_check_police", {"agency": "police"}),
        ("partner_check_health", {"agency": "health"}), ("screening_decision", {"decision": "nfa"}),
        ("feedback_to_referrer", {})]


def _stock() -> Any:
    config = dict(SPIFF_CONFIG)  # SpiffWorkflow's task and workflow converters; our timers as the engine registers them
    config[ClockedTimeDate] = config[ClockedDuration] = TimerConditionalEventDefinitionConverter
    return BpmnWorkflowSerializer.configure(config)


STOCK = _stock()


def _as_stock_says(workflow: BpmnWorkflow) -> dict[str, Any]:
    whole = orjson.loads(orjson.dumps(STOCK.convert(workflow)))
    return {name: value for name, value in whole.items() if name not in ("spec", "subprocess_specs")}


def _submission(element_id: str, task: Any, overrides: dict[str, Any]) -> dict[str, Any]:
    form_key = properties_of(task.task_spec)["form"]
    data = filled(form_key, **overrides)
    return {**data, "author": "sam", "completed_at": NOW.isoformat(), "case_id": "case-1"}


def test_the_blob_of_every_step_of_a_case_equals_spiffworkflows_own_serialization_without_the_spec() -> None:
    parser = SosBpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec, subprocess_specs = parser.get_spec("mash_screening"), parser.get_subprocess_specs("mash_screening")
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine(NOW))
    workflow.get_tasks(state=TaskState.READY)[0].data.update(
        {"case_id": "case-1", "referral": filled("mash_service_request"), "received_at": NOW.isoformat(),
         "clock_started_at": NOW.isoformat(), "subject": {"name": "Child A"},
         "record_and_match": {"open_to_allocated_worker": False}})
    workflow.do_engine_steps()
    blobs = []
    for element_id, overrides in PATH:
        task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                    if t.task_spec.bpmn_id == element_id)
        apply_submission(task.data, properties_of(task.task_spec)["form"], element_id,
                         _submission(element_id, task, overrides), NOW.isoformat())
        task.run()
        workflow.do_engine_steps()
        blobs.append(dump_workflow(workflow))
        assert orjson.loads(blobs[-1]) == _as_stock_says(workflow), element_id
    assert workflow.is_completed() and orjson.loads(blobs[-1])["data"]["case_id"] == "case-1"
    reloaded = load_workflow(blobs[-1], spec, subprocess_specs)
    assert {t.id: t.data for t in reloaded.get_tasks()} == {t.id: t.data for t in workflow.get_tasks()}
    assert reloaded.data == workflow.data


def test_workflow_data_that_is_not_plain_json_still_goes_through_the_registry() -> None:
    parser = SosBpmnParser()
    parser.add_bpmn_file(str(BPMN))
    workflow = BpmnWorkflow(parser.get_spec("mash_screening"), parser.get_subprocess_specs("mash_screening"),
                            script_engine=script_engine(NOW))
    workflow.data["seen_at"] = NOW
    workflow.data["nested"] = {"when": [NOW]}
    stored = orjson.loads(dump_workflow(workflow))["data"]
    assert stored["seen_at"] == {"value": NOW.isoformat(), "typename": "datetime"}
    assert stored["nested"] == {"when": [{"value": NOW.isoformat(), "typename": "datetime"}]}
