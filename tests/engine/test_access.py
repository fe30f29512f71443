"""Who may see what: an allegation's employer tasks go to the employer who raised it, and only the
LADO service and the people involved see the case."""

from __future__ import annotations

from typing import Any

import pytest

from engine import runtime
from engine.access import Actor
from engine.db import Database
from engine.errors import NotFound, StaleState
from engine.queries.cases import get_case_view
from engine.queries.tasks import TaskFilter, list_tasks_for_actor
from tests.conftest import Clock
from tests.factories import CaseDriver, deploy, filled

EMPLOYER_A = Actor("head_a", frozenset({"employer_case_manager"}))
EMPLOYER_B = Actor("head_b", frozenset({"employer_case_manager"}))
LADO = Actor("lado_1", frozenset({"lado"}))
SCREENER = Actor("screener", frozenset({"mash_screener"}))


def _allegation_at_suspension(db: Database, clock: Clock) -> CaseDriver:
    deploy(db, name="lado_allegation.bpmn", now=clock())
    case = CaseDriver(db, runtime.open_case(db, process="lado_allegation", subject={"name": "Adult X"},
                                            data=filled("lado_referral"), actor=EMPLOYER_A, now=clock()))
    consideration = filled("lado_initial_consideration", route="allegation_management_meeting")
    runtime.complete_task(db, case.task("initial_consideration").id, consideration, LADO, clock())
    return case


def _queue(db: Database, actor: Actor, clock: Clock) -> list[Any]:
    with db.reading() as session:
        return list_tasks_for_actor(session, actor, TaskFilter(), clock()).items


def test_the_employers_task_goes_only_to_the_employer_who_raised_the_allegation(db: Database, clock: Clock) -> None:
    case = _allegation_at_suspension(db, clock)
    task = case.task("suspension_decision")
    assert (task.personal, task.assignee) == (True, "head_a")
    assert [t.id for t in _queue(db, EMPLOYER_A, clock)] == [task.id]
    assert _queue(db, EMPLOYER_B, clock) == []
    with pytest.raises(NotFound):
        runtime.complete_task(db, task.id, filled("suspension_decision"), EMPLOYER_B, clock())
    with pytest.raises(StaleState):
        runtime.unclaim_task(db, task.id, EMPLOYER_A, clock())
    runtime.complete_task(db, task.id, filled("suspension_decision"), EMPLOYER_A, clock())


def test_an_allegation_is_visible_to_the_lado_service_and_the_people_involved_only(db: Database, clock: Clock) -> None:
    case = _allegation_at_suspension(db, clock)
    with db.reading() as session:
        for actor in (EMPLOYER_A, LADO, Actor("boss", frozenset({"lado_manager"}))):
            assert get_case_view(session, actor, case.case_id)["case"].id == case.case_id
        for actor in (EMPLOYER_B, SCREENER):
            with pytest.raises(NotFound):
                get_case_view(session, actor, case.case_id)
