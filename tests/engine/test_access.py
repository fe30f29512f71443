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


def test_every_role_is_a_group_of_a_migrated_database(db: Database) -> None:
    from sqlalchemy import select

    from engine.access import Role
    from engine.models import Group

    with db.reading() as session:
        groups = set(session.scalars(select(Group.name)))
    assert {str(role) for role in Role} <= groups


def test_the_runtime_checks_the_role_and_the_record_whoever_calls_it(db: Database, clock: Clock) -> None:
    from engine.errors import Forbidden, InvalidInput

    case = _allegation_at_suspension(db, clock)
    with pytest.raises(Forbidden):
        runtime.restrict_case(db, case.case_id, reason="staff child", team=None, actor=LADO, now=clock())
    outsider = Actor("mash_boss", frozenset({"mash_manager"}))
    with pytest.raises(NotFound):
        runtime.restrict_case(db, case.case_id, reason="staff child", team=None, actor=outsider, now=clock())
    with pytest.raises(InvalidInput):
        runtime.open_break_glass(db, case.case_id, reason=" ", actor=outsider, now=clock())
    with pytest.raises(Forbidden):
        runtime.open_break_glass(db, case.case_id, reason="police call", actor=SCREENER, now=clock())


def test_a_break_glass_opens_the_case_only_while_it_lasts(db: Database, clock: Clock) -> None:
    from datetime import timedelta

    from engine.access import with_open_break_glass

    case = _allegation_at_suspension(db, clock)
    boss = Actor("mash_boss", frozenset({"mash_manager"}))
    runtime.open_break_glass(db, case.case_id, reason="police call", actor=boss, now=clock(),
                             duration=timedelta(hours=2))
    with db.reading() as session:
        assert with_open_break_glass(session, boss, clock.advance(hours=1)).opened_cases == {case.case_id}
        get_case_view(session, with_open_break_glass(session, boss, clock()), case.case_id)
        assert with_open_break_glass(session, boss, clock.advance(hours=1)).opened_cases == frozenset()
        with pytest.raises(NotFound):
            get_case_view(session, with_open_break_glass(session, boss, clock()), case.case_id)
