"""`check_definition`, what the modeler's "Check" runs: every deploy check against what is deployed now,
storing nothing; problems come back with their element, never raised."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine import runtime
from engine.access import Actor
from engine.db import Database
from engine.errors import Forbidden
from engine.models import AuditEvent, ProcessDefinition
from tests.conftest import Clock
from tests.factories import BPMN_DIR, PROCESS_OWNER, deploy

CIN_PLAN = (BPMN_DIR / "cin_plan.bpmn").read_bytes()


def stored(db: Database) -> tuple[int, int]:
    with db.reading() as session:
        return (session.scalar(select(func.count()).select_from(ProcessDefinition)) or 0,
                session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_a_diagram_that_would_deploy_is_answered_without_being_stored(db: Database, clock: Clock) -> None:
    deploy(db, name="cin_plan.bpmn", now=clock())
    before = stored(db)
    checked, problems = runtime.check_definition(db, CIN_PLAN, "cin_plan.bpmn", PROCESS_OWNER)
    assert problems == [] and checked is not None and checked.key == "cin_plan"
    assert stored(db) == before


def test_a_hand_off_to_a_process_not_deployed_is_a_problem_at_its_end_event(db: Database) -> None:
    checked, problems = runtime.check_definition(db, CIN_PLAN, "cin_plan.bpmn", PROCESS_OWNER)
    assert checked is None and problems
    assert {p.tag for p in problems} == {"endEvent"} and all(p.element_id for p in problems)
    assert stored(db) == (0, 0)


def test_a_diagram_that_fails_a_check_answers_its_problems(db: Database) -> None:
    broken = CIN_PLAN.replace(b'<spiffworkflow:property name="form" value="cin_plan_agreement" />', b"")
    checked, problems = runtime.check_definition(db, broken, "cin_plan.bpmn", PROCESS_OWNER)
    assert checked is None
    (problem,) = problems
    assert (problem.tag, problem.file_name) == ("userTask", "cin_plan.bpmn") and "names no form" in problem.message


def test_only_process_owners_check(db: Database) -> None:
    with pytest.raises(Forbidden):
        runtime.check_definition(db, CIN_PLAN, "cin_plan.bpmn", Actor("sam", frozenset({"mash_screener"})))
