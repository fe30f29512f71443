"""Incidents: a background step that fails (a damaged stored workflow, a timer expression, a hand-off) opens
an incident on its instance, the sweep carries on with every other case, and a retry after the fix resolves it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, update

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.errors import Forbidden, NotFound, RetryFailed, StaleState
from engine.models import AuditEvent, HumanTask, Incident, ProcessDefinition, ProcessInstance, Timer
from engine.state import dump_workflow
from engine.unit_of_work import read_workflow
from tests.api.helpers import complete, open_referral, screen
from tests.api_client import ApiClient
from tests.conftest import Clock
from tests.engine.test_lado_paths import EMPLOYER, T26_ONE_MONTH, to_strands
from tests.factories import BPMN_DIR, PROCESS_OWNER, deploy, form_data, store_unverified

T1_DUE = datetime(2026, 5, 26, 17, 0, tzinfo=LONDON)
AFTER_T1 = datetime(2026, 5, 26, 17, 1, tzinfo=LONDON)
ADMIN = Actor("ada", frozenset({"administrator"}))
SCREENER = Actor("sam", frozenset({"mash_screener"}))
REFERRER = Actor("rita", frozenset({"referrer"}))


def incidents(db: Database) -> list[Incident]:
    with db.reading() as session:
        return list(session.scalars(select(Incident).order_by(Incident.opened_at, Incident.id)))


def events(db: Database, action: str, instance_id: str | None = None) -> list[AuditEvent]:
    with db.reading() as session:
        query = select(AuditEvent).where(AuditEvent.action == action)
        if instance_id is not None:
            query = query.where(AuditEvent.instance_id == instance_id)
        return list(session.scalars(query.order_by(AuditEvent.seq)))


def instance_of(db: Database, case_id: str) -> ProcessInstance:
    with db.reading() as session:
        (instance,) = session.scalars(select(ProcessInstance).where(ProcessInstance.case_id == case_id))
        return instance


def ready_names(db: Database, group: str) -> list[str]:
    with db.reading() as session:
        query = select(HumanTask.name).where(HumanTask.candidate_group == group, HumanTask.status == "ready")
        return sorted(session.scalars(query))


def overwrite_state(db: Database, instance_id: str, state: bytes) -> None:
    """Change the stored workflow behind the engine's back, as a bad migration or a disk fault would."""
    with db.unit_of_work() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id).values(state=state))
    runtime.WORKFLOWS.clear()  # a worker in another process has no cached copy: it loads what is stored


@pytest.fixture
def two_due_cases(api: ApiClient, db: Database) -> tuple[ProcessInstance, ProcessInstance]:
    """Two MASH referrals whose screening is due at T1; the second one's stored workflow is damaged."""
    healthy = instance_of(db, open_referral(api)["id"])
    damaged = instance_of(db, open_referral(api)["id"])
    overwrite_state(db, damaged.id, b'{"tasks": not json')
    return healthy, damaged


def test_a_damaged_instance_becomes_an_incident_and_the_sweep_still_fires_the_other_case(
    db: Database, two_due_cases: tuple[ProcessInstance, ProcessInstance]
) -> None:
    healthy, damaged = two_due_cases
    assert runtime.fire_due_timers(db, AFTER_T1) == 1

    (fired,) = events(db, "timer_fired")
    assert (fired.instance_id, fired.payload["element_id"]) == (healthy.id, "timer_screening_overdue")
    assert ready_names(db, "mash_manager") == ["Review overdue screening"]
    (incident,) = incidents(db)
    assert (incident.instance_id, incident.case_id, incident.process_key) == (damaged.id, damaged.case_id,
                                                                              "mash_screening")
    assert (incident.status, incident.kind, incident.element_id) == ("open", "stored_state", "timer_screening_overdue")
    assert incident.error_type == "JSONDecodeError" and incident.message
    assert (incident.opened_at, incident.last_tried_at, incident.tries) == (AFTER_T1, AFTER_T1, 1)
    (opened,) = events(db, "incident_opened")
    assert (opened.instance_id, opened.case_id, opened.actor) == (damaged.id, damaged.case_id, "system")
    assert opened.payload["incident_id"] == incident.id and opened.payload["kind"] == "stored_state"
    with db.reading() as session:
        left = session.scalars(select(Timer).where(Timer.instance_id == damaged.id)).one()
        assert left.fired_at is None
        assert session.get_one(ProcessInstance, damaged.id).revision == damaged.revision


def test_an_instance_with_an_open_incident_is_not_swept_again(
    db: Database, two_due_cases: tuple[ProcessInstance, ProcessInstance]
) -> None:
    _, damaged = two_due_cases
    runtime.fire_due_timers(db, AFTER_T1)
    assert runtime.due_timer_instances(db, datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)) == []
    assert runtime.fire_due_timers(db, datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)) == 0
    assert runtime.fire_instance_timers(db, damaged.id, datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)) == 0
    (incident,) = incidents(db)
    assert incident.tries == 1
    assert len(events(db, "incident_opened")) == 1


def test_retrying_after_the_stored_workflow_is_repaired_resolves_the_incident_and_fires_the_timer(
    db: Database, two_due_cases: tuple[ProcessInstance, ProcessInstance], clock: Clock
) -> None:
    _, damaged = two_due_cases
    runtime.fire_due_timers(db, AFTER_T1)
    (incident,) = incidents(db)
    overwrite_state(db, damaged.id, damaged.state)
    retried_at = datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)

    resolved = runtime.retry_incident(db, incident.id, ADMIN, retried_at)

    assert (resolved.status, resolved.resolved_at, resolved.resolved_by, resolved.tries) == (
        "resolved", retried_at, "ada", 2)
    assert [e.instance_id for e in events(db, "timer_fired")][-1] == damaged.id
    assert ready_names(db, "mash_manager") == ["Review overdue screening", "Review overdue screening"]
    (done,) = events(db, "incident_resolved")
    assert (done.actor, done.instance_id, done.payload["incident_id"]) == ("ada", damaged.id, incident.id)
    with pytest.raises(StaleState):
        runtime.retry_incident(db, incident.id, ADMIN, retried_at)


def test_a_retry_before_the_fix_fails_again_counts_the_try_and_keeps_the_incident_open(
    db: Database, two_due_cases: tuple[ProcessInstance, ProcessInstance]
) -> None:
    _, damaged = two_due_cases
    runtime.fire_due_timers(db, AFTER_T1)
    (incident,) = incidents(db)
    retried_at = datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)

    with pytest.raises(RetryFailed) as failed:
        runtime.retry_incident(db, incident.id, PROCESS_OWNER, retried_at)

    assert failed.value.details["element_id"] == "timer_screening_overdue"
    assert failed.value.details["error"] == "JSONDecodeError"
    (still,) = incidents(db)
    assert (still.status, still.tries, still.last_tried_at, still.opened_at) == ("open", 2, retried_at, AFTER_T1)
    (attempt,) = events(db, "incident_retry_failed")
    assert (attempt.actor, attempt.instance_id, attempt.payload["tries"]) == ("owner", damaged.id, 2)
    assert runtime.due_timer_instances(db, retried_at) == []


@pytest.mark.parametrize("actor", [SCREENER, REFERRER])
def test_only_process_owners_and_administrators_may_retry(
    db: Database, two_due_cases: tuple[ProcessInstance, ProcessInstance], actor: Actor
) -> None:
    runtime.fire_due_timers(db, AFTER_T1)
    (incident,) = incidents(db)
    with pytest.raises(Forbidden):
        runtime.retry_incident(db, incident.id, actor, AFTER_T1)
    assert incidents(db)[0].tries == 1


def test_retrying_an_unknown_incident_is_not_found(db: Database) -> None:
    with pytest.raises(NotFound):
        runtime.retry_incident(db, "00000000-0000-4000-8000-000000000000", ADMIN, AFTER_T1)


# --- a timer whose expression fails when it is reached by a sweep ---------------------------------------------

TIMER_CHAIN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="defs_timer_chain" targetNamespace="http://sosflow/test">
  <bpmn:process id="timer_chain" name="Timer chain" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="timer_first" name="First deadline">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">add_working_days(clock_started_at, 1)</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="timer_second" name="Second deadline">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition>
        <bpmn:timeDate xsi:type="bpmn:tFormalExpression">SECOND</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="timer_first" />
    <bpmn:sequenceFlow id="f2" sourceRef="timer_first" targetRef="timer_second" />
    <bpmn:sequenceFlow id="f3" sourceRef="timer_second" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def open_timer_chain(db: Database, clock: Clock, second: str) -> str:
    store_unverified(db, xml=TIMER_CHAIN.replace("SECOND", second), key="timer_chain", now=clock())
    return runtime.open_case(db, process="timer_chain", subject={"name": "Child T"}, data={}, actor=REFERRER,
                             now=clock())


def test_a_timer_whose_expression_fails_when_the_sweep_reaches_it_is_an_incident_naming_that_timer(
    db: Database, clock: Clock
) -> None:
    case_id = open_timer_chain(db, clock, second="add_working_days(second_deadline_from, 1)")
    before = instance_of(db, case_id)

    assert runtime.fire_due_timers(db, AFTER_T1) == 0

    (incident,) = incidents(db)
    assert (incident.kind, incident.element_id, incident.error_type) == ("timer", "timer_second", "NameError")
    assert incident.details["variable"] == "second_deadline_from"
    assert "second_deadline_from" in incident.message
    after = instance_of(db, case_id)
    assert (after.revision, after.route) == (before.revision, before.route)
    assert events(db, "timer_fired") == []


def test_a_script_that_fails_after_a_timer_fires_is_an_engine_incident_naming_the_script(
    db: Database, clock: Clock
) -> None:
    script = ('<bpmn:scriptTask id="script_broken" name="Work out the next date"><bpmn:incoming>f2</bpmn:incoming>'
              '<bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>next_date = missing_answer + 1</bpmn:script>'
              '</bpmn:scriptTask>')
    second_timer = r'<bpmn:intermediateCatchEvent id="timer_second".*?</bpmn:intermediateCatchEvent>'
    xml = re.sub(second_timer, script, TIMER_CHAIN, flags=re.S).replace("timer_second", "script_broken")
    store_unverified(db, xml=xml, key="timer_chain", now=clock())
    runtime.open_case(db, process="timer_chain", subject={"name": "Child S"}, data={}, actor=REFERRER, now=clock())

    assert runtime.fire_due_timers(db, AFTER_T1) == 0

    (incident,) = incidents(db)
    assert (incident.kind, incident.element_id, incident.error_type) == ("engine", "script_broken", "NameError")
    assert incident.details["variable"] == "missing_answer"


def give_waiting_timers(db: Database, instance_id: str, clock: Clock, **data: Any) -> None:
    """Repair an instance's data the way an administrator's data fix would: in its stored workflow."""
    with db.unit_of_work() as session:
        instance = session.get_one(ProcessInstance, instance_id)
        workflow = read_workflow(session, instance, clock())
        for task in workflow.get_tasks(state=TaskState.WAITING):
            task.data.update(data)
        instance.state = dump_workflow(workflow)
    runtime.WORKFLOWS.clear()


def test_retrying_a_failed_timer_after_its_data_is_fixed_fires_it_and_the_next_one_waits(
    db: Database, clock: Clock
) -> None:
    case_id = open_timer_chain(db, clock, second="add_working_days(second_deadline_from, 1)")
    runtime.fire_due_timers(db, AFTER_T1)
    (incident,) = incidents(db)
    give_waiting_timers(db, instance_of(db, case_id).id, clock, second_deadline_from="2026-06-01T09:00:00+01:00")

    runtime.retry_incident(db, incident.id, ADMIN, datetime(2026, 5, 27, 9, 0, tzinfo=LONDON))

    assert [e.payload["element_id"] for e in events(db, "timer_fired")] == ["timer_first"]
    with db.reading() as session:
        waiting = session.scalars(select(Timer).where(Timer.fired_at.is_(None))).one()
    assert (waiting.element_id, waiting.fires_at) == ("timer_second", datetime(2026, 6, 2, 17, 0, tzinfo=LONDON))
    assert runtime.fire_due_timers(db, datetime(2026, 6, 2, 17, 1, tzinfo=LONDON)) == 1
    assert instance_of(db, case_id).status == "completed"


# --- a hand-off whose target cannot start ---------------------------------------------------------------------

STRATEGY = (BPMN_DIR / "strategy_discussion.bpmn").read_text()
BROKEN_STRATEGY = STRATEGY.replace('value="add_working_days(process_started_at, 1)"',
                                   'value="add_working_days(strategy_requested_at, 1)"')


def to_immediate_protection(api: ApiClient) -> dict[str, Any]:
    case = open_referral(api)
    screen(api, agencies=[], immediate_danger=True)
    complete(api, "maya", "emergency_response")
    return case


def test_a_hand_off_whose_target_fails_to_start_keeps_the_users_completion_and_opens_an_incident_on_the_end_event(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    assert BROKEN_STRATEGY != STRATEGY
    store_unverified(db, xml=BROKEN_STRATEGY, key="strategy_discussion", now=clock())

    case = to_immediate_protection(api)

    parent = instance_of(db, case["id"])
    assert (parent.status, parent.outcome) == ("completed", "immediate_protection")
    (incident,) = incidents(db)
    assert (incident.instance_id, incident.kind, incident.element_id) == (parent.id, "handoff",
                                                                          "end_immediate_protection")
    assert incident.details["process"] == "strategy_discussion"
    assert incident.details["target_element_id"] == "hold_strategy_discussion"
    assert "strategy_requested_at" in incident.message
    assert [e.instance_id for e in events(db, "incident_opened")] == [parent.id]
    assert [e.payload["process"] for e in events(db, "process_started")] == ["mash_screening"]
    assert ready_names(db, "team_manager") == []
    assert runtime.due_timer_instances(db, datetime(2026, 6, 30, tzinfo=LONDON)) == []


def test_retrying_a_hand_off_after_deploying_a_fixed_target_starts_it_with_the_handed_on_data(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    store_unverified(db, xml=BROKEN_STRATEGY, key="strategy_discussion", now=clock())
    case = to_immediate_protection(api)
    (incident,) = incidents(db)
    with pytest.raises(RetryFailed) as failed:
        runtime.retry_incident(db, incident.id, PROCESS_OWNER, clock())
    assert failed.value.details["element_id"] == "end_immediate_protection"
    assert incidents(db)[0].tries == 2

    deploy(db, name="strategy_discussion.bpmn", now=clock())
    runtime.retry_incident(db, incident.id, PROCESS_OWNER, clock.advance(hours=1))

    with db.reading() as session:
        child = session.scalars(select(ProcessInstance).where(ProcessInstance.parent_instance_id.is_not(None))).one()
    parent = instance_of_process(db, case["id"], "mash_screening")
    assert (child.case_id, child.parent_instance_id) == (case["id"], parent.id)
    assert incidents(db)[0].status == "resolved"
    assert ready_names(db, "team_manager") == ["Hold strategy discussion"]


def test_a_hand_off_to_a_process_that_is_not_deployed_is_an_incident_until_it_is(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    case = to_immediate_protection(api)
    (incident,) = incidents(db)
    assert (incident.kind, incident.error_type, incident.element_id) == ("handoff", "ProcessNotDeployed",
                                                                         "end_immediate_protection")
    deploy(db, name="strategy_discussion.bpmn", now=clock())
    runtime.retry_incident(db, incident.id, ADMIN, clock())
    assert instance_of_process(db, case["id"], "strategy_discussion").parent_instance_id is not None


def instance_of_process(db: Database, case_id: str, process: str) -> ProcessInstance:
    with db.reading() as session:
        query = (select(ProcessInstance).join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
                 .where(ProcessInstance.case_id == case_id, ProcessDefinition.key == process))
        return session.scalars(query).one()


def test_a_failed_hand_off_does_not_keep_the_sweep_from_the_instances_own_timers(db: Database, clock: Clock) -> None:
    deploy(db, name="lado_allegation.bpmn", now=clock())
    case_id = runtime.open_case(db, process="lado_allegation", subject={"name": "Mark Ellis"},
                                data=form_data("lado_referral"), actor=EMPLOYER, now=clock())
    to_strands(db, ["s47", "police"])  # the s47 strand hands off to strategy_discussion, which is not deployed

    (incident,) = incidents(db)
    assert (incident.kind, incident.element_id, incident.status) == ("handoff", "end_referred_s47", "open")
    assert runtime.fire_due_timers(db, T26_ONE_MONTH) == 1
    assert [e.payload["element_id"] for e in events(db, "timer_fired")] == ["timer_open_1_month"]
    assert instance_of(db, case_id).status == "running"
