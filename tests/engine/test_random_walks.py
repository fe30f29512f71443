"""Random walks through every diagram with generated schema-valid data: never a 5xx, never a crash.

For each process a walk opens a case with a generated start form, then again and again either
completes one of the case's ready tasks, through the HTTP API, with a submission generated from the
task's form under the task's narrowing (hypothesis-jsonschema, tests/strategies.py), or lets time
pass and fires the due timers; until the case ends or the step budget is spent. Schema-valid data must
always be accepted and must never make the workflow fail: every completion answers 200.
Bounded (walks × steps) so the whole suite stays well under its CI budget.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine import accounts, runtime
from engine.db import Database
from engine.definitions import parsed_specs, properties_of
from engine.models import HumanTask, ProcessDefinition, ProcessInstance, Timer
from engine.queries.definitions import lane_groups
from engine.taskdata import parse_constraints
from engine.tokens import issue_token
from tests.api.conftest import ApiClient
from tests.conftest import FIXED_NOW, Clock
from tests.factories import deploy
from tests.strategies import submissions

DIAGRAMS = ["mash_screening", "strategy_discussion", "cp_conference", "lado_allegation"]
WALKS_PER_DIAGRAM = 5
STEPS_PER_WALK = 20


@pytest.fixture
def walker(app: Flask, db: Database, clock: Clock) -> ApiClient:
    for name in DIAGRAMS:
        deploy(db, name=f"{name}.bpmn", now=clock())
    with db.reading() as session:
        groups = sorted(lane_groups(session))
    for group in groups:  # walks span years of the engine's clock: tokens that outlive them
        accounts.create_user(db, group, [group], clock())
    tokens = {group: issue_token(db, group, clock(), expires_at=clock() + timedelta(days=365 * 30)) for group in groups}
    return ApiClient(app.test_client(), tokens)


def _definition(db: Database, key: str) -> ProcessDefinition:
    with db.reading() as session:
        query = select(ProcessDefinition).where(ProcessDefinition.key == key)
        return session.scalars(query.order_by(ProcessDefinition.version.desc())).first()  # type: ignore[return-value]


def _ready(db: Database, case_id: str) -> list[HumanTask]:
    with db.reading() as session:
        query = select(HumanTask).where(HumanTask.case_id == case_id, HumanTask.status == "ready")
        return list(session.scalars(query.order_by(HumanTask.created_at, HumanTask.id)))


def _open(walker: ApiClient, definition: ProcessDefinition, draw: Any) -> str:
    start = draw(submissions(definition.start_form)) if definition.start_form else {}
    body = {"process": definition.key, "subject": {"name": "Child W"}, "data": start}
    case: dict[str, Any] = walker.post("/api/v1/cases", definition.start_lane, 201, json=body)
    return str(case["id"])


def _complete(walker: ApiClient, db: Database, task: HumanTask, draw: Any) -> None:
    with db.reading() as session:  # the case may have moved on to a process a hand-off started
        instance = session.get_one(ProcessInstance, task.instance_id)
        spec, _ = parsed_specs(session.get_one(ProcessDefinition, instance.definition_id))
    constraints = parse_constraints(properties_of(spec.task_specs[task.element_id]).get("constraints"), task.form_key)
    data = draw(submissions(task.form_key, constraints))
    user = task.assignee if task.personal else task.candidate_group
    walker.post(f"/api/v1/tasks/{task.id}/complete", user, 200, json={"data": data})


def _fire_due_timers(db: Database, case_id: str, now: datetime) -> int:
    """Fire this case's due timers only, so each walk depends on nothing but its own draws."""
    with db.reading() as session:
        query = select(Timer.instance_id).where(Timer.case_id == case_id, Timer.fires_at <= now,
                                                Timer.fired_at.is_(None), Timer.cancelled_at.is_(None))
        due = sorted(set(session.scalars(query)))
    return sum(runtime.fire_instance_timers(db, instance_id, now) for instance_id in due)


def _walk(walker: ApiClient, db: Database, clock: Clock, key: str, draw: Any) -> None:
    clock.now = FIXED_NOW
    definition = _definition(db, key)
    case_id = _open(walker, definition, draw)
    for _ in range(STEPS_PER_WALK):
        clock.advance(hours=draw(st.integers(1, 72)))
        ready = _ready(db, case_id)
        let_time_pass = not ready or draw(st.integers(0, 9)) == 0
        if let_time_pass:
            clock.advance(days=draw(st.integers(1, 200)))
            if _fire_due_timers(db, case_id, clock()) == 0 and not ready:
                return
            continue
        _complete(walker, db, draw(st.sampled_from(ready)), draw)


@pytest.mark.parametrize("key", DIAGRAMS)
def test_random_walks_with_schema_valid_data_never_fail(key: str, walker: ApiClient, db: Database,
                                                        clock: Clock) -> None:
    # No shrinking: a failing walk is reported as found, so a failure costs seconds, not minutes, in CI.
    @settings(max_examples=WALKS_PER_DIAGRAM, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(st.data())
    def walk(data: st.DataObject) -> None:
        _walk(walker, db, clock, key, data.draw)

    walk()
