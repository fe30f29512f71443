"""What one step reads and writes: one walk of the task tree, one SELECT, each changed row written once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pytest
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.errors import InstanceChanged
from engine.models import ProcessInstance
from engine.projection import take_snapshot
from engine.rows import committed, update_instance
from engine.unit_of_work import read_workflow, unit_of_work
from tests.api.helpers import complete, only_task, open_referral, screen
from tests.api_client import ApiClient
from tests.conftest import FIXED_NOW
from tests.factories import form_data


def _instance(db: Database) -> ProcessInstance:
    with db.reading() as session:
        return session.scalars(select(ProcessInstance)).one()


def _fresh_workflow(db: Database) -> Any:
    with db.reading() as session:
        return read_workflow(session, session.scalars(select(ProcessInstance)).one(), FIXED_NOW)


def _answers_of_separate_queries(workflow: Any) -> tuple[list[str], list[str], list[str]]:
    ready = [str(t.id) for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
    timers = [str(t.id) for t in workflow.get_tasks(state=TaskState.WAITING)
              if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]
    done = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id]
    return ready, timers, [str(t.id) for t in sorted(done, key=lambda t: t.last_state_change)]


def _answers_of_one_walk(workflow: Any) -> tuple[list[str], list[str], list[str]]:
    snapshot = take_snapshot(workflow)
    return list(snapshot.ready), list(snapshot.timers), [str(t.id) for t in snapshot.done]


def test_one_walk_of_the_task_tree_answers_what_the_separate_queries_answer(api: ApiClient, db: Database) -> None:
    open_referral(api)
    seen = [_answers_of_one_walk(_fresh_workflow(db)) == _answers_of_separate_queries(_fresh_workflow(db))]
    assert len(take_snapshot(_fresh_workflow(db)).timers) == 1
    assert runtime.fire_due_timers(db, datetime(2026, 5, 26, 17, 1, tzinfo=LONDON)) == 1
    seen.append(_answers_of_one_walk(_fresh_workflow(db)) == _answers_of_separate_queries(_fresh_workflow(db)))
    screen(api, ["police", "health"])
    workflow = _fresh_workflow(db)
    seen.append(_answers_of_one_walk(workflow) == _answers_of_separate_queries(workflow))
    assert len(take_snapshot(workflow).ready) >= 2 and len(take_snapshot(workflow).done) > 5
    assert seen == [True, True, True]


def test_the_snapshot_kept_with_a_cached_workflow_is_what_a_fresh_load_shows(api: ApiClient, db: Database) -> None:
    open_referral(api)
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False)
    instance = _instance(db)
    cached = runtime.WORKFLOWS.take(instance.id, instance.revision)
    assert cached is not None and cached.snapshot is not None
    fresh = take_snapshot(_fresh_workflow(db))
    assert list(cached.snapshot.ready) == list(fresh.ready)
    assert list(cached.snapshot.timers) == list(fresh.timers)
    assert cached.snapshot.route == fresh.route == instance.route


@contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_a_completion_reads_with_two_selects_and_writes_the_instance_once(api: ApiClient, db: Database) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    data = {"data": form_data("mash_screening", partner_checks=[], immediate_danger=False)}
    with _statements(db) as seen:
        api.post(f"/api/v1/tasks/{task['id']}/complete", "sam", json=data)
    writes = [s for s in seen if s.startswith(("SELECT", "UPDATE", "INSERT", "DELETE"))
              and "user_account" not in s and "api_token" not in s and "membership" not in s]
    selects = [s for s in writes if s.startswith("SELECT")]
    assert len(selects) == 2
    assert "JOIN process_instance" in selects[0] and "FROM audit_head" in selects[1]
    assert sum(s.startswith("UPDATE process_instance") for s in writes) == 1
    assert sum(s.startswith("INSERT INTO audit_event") for s in writes) == 1
    assert sum(s.startswith("UPDATE audit_head") for s in writes) == 1


def test_a_step_on_a_revision_someone_else_moved_on_writes_nothing(api: ApiClient, db: Database) -> None:
    open_referral(api)
    instance = _instance(db)
    with pytest.raises(InstanceChanged), unit_of_work(db, FIXED_NOW) as uow:
        live = uow.session.get_one(ProcessInstance, instance.id)
        committed(live, {"revision": live.revision - 1})
        update_instance(uow.connection, live, {"outcome": "tampered"})
    after = _instance(db)
    assert (after.revision, after.outcome) == (instance.revision, None)


def test_a_completion_begins_no_orm_session(api: ApiClient, db: Database) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    begun: list[Any] = []

    def after_begin(*args: Any) -> None:
        begun.append(args)

    event.listen(Session, "after_begin", after_begin)
    try:
        runtime.complete_task(db, task["id"], form_data("mash_screening", partner_checks=[], immediate_danger=False),
                              Actor("sam", frozenset({"mash_screener"})), FIXED_NOW)
    finally:
        event.remove(Session, "after_begin", after_begin)
    assert begun == []
    assert only_task(api, "maya")["element_id"] == "screening_decision"
