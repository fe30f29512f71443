"""The runtime with a fixed clock: deadlines from the calendar, timers fired by our clock only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from engine import runtime
from engine.calendar import LONDON
from engine.db import Database
from engine.models import AuditEvent, HumanTask, Timer
from tests.api.helpers import complete, only_task, open_referral
from tests.api_client import ApiClient
from tests.conftest import FIXED_NOW

T1_DUE = datetime(2026, 5, 26, 17, 0, tzinfo=LONDON)  # Fri 22 May referral + 1 WD (Mon 25 May bank holiday)


def _timers(db: Database) -> list[Timer]:
    with db.reading() as session:
        return list(session.scalars(select(Timer)))


def test_the_overdue_timer_is_projected_at_the_t1_deadline(api: ApiClient, db: Database) -> None:
    open_referral(api)
    (timer,) = _timers(db)
    assert (timer.element_id, timer.rule, timer.fires_at) == ("timer_screening_overdue", "T1", T1_DUE)


def test_no_timer_fires_before_its_deadline_by_the_engines_clock(api: ApiClient, db: Database) -> None:
    open_referral(api)
    assert runtime.fire_due_timers(db, FIXED_NOW) == 0
    assert runtime.fire_due_timers(db, datetime(2026, 5, 26, 16, 59, tzinfo=LONDON)) == 0
    assert api.get("/api/v1/tasks", "maya")["items"] == []


def test_a_due_timer_escalates_to_the_manager_without_taking_the_task_away(api: ApiClient, db: Database) -> None:
    open_referral(api)
    assert runtime.fire_due_timers(db, datetime(2026, 5, 26, 17, 1, tzinfo=LONDON)) == 1
    review = only_task(api, "maya")
    assert review["name"] == "Review overdue screening"
    assert only_task(api, "sam")["name"] == "Screen and RAG-rate contact"
    (timer,) = [t for t in _timers(db) if t.fired_at is not None]  # level 2 now waits on the review
    assert timer.element_id == "timer_screening_overdue"
    with db.reading() as session:
        fired = session.scalars(select(AuditEvent).where(AuditEvent.action == "timer_fired")).one()
    assert fired.payload["rule"] == "T1"
    assert runtime.fire_due_timers(db, datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)) == 0


def test_finishing_the_task_in_time_cancels_its_timer(api: ApiClient, db: Database) -> None:
    open_referral(api)
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False)
    (timer,) = [t for t in _timers(db) if t.element_id == "timer_screening_overdue"]
    assert timer.cancelled_at is not None and timer.fired_at is None
    # Only the step still open (the screening decision) breaches; the screening done in time does not.
    assert runtime.fire_due_timers(db, datetime(2026, 5, 26, 17, 1, tzinfo=LONDON)) == 1
    assert [t.element_id for t in _timers(db) if t.fired_at is not None] == ["breach_screening_decision"]
    with db.reading() as session:
        names = session.scalars(select(HumanTask.name).where(HumanTask.status == "ready")).all()
    assert sorted(names) == ["Breach: Screening decision", "Screening decision"]


def test_warn_at_falls_before_due_at(api: ApiClient) -> None:
    open_referral(api)
    task = only_task(api, "sam")
    assert FIXED_NOW < datetime.fromisoformat(task["warn_at"]) < datetime.fromisoformat(task["due_at"])


def test_a_stale_cached_workflow_is_never_used(api: ApiClient, db: Database) -> None:
    open_referral(api)
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False)
    runtime.WORKFLOWS.clear()
    complete(api, "maya", "mash_decision", decision="nfa")
    complete(api, "bea", "referrer_feedback")
    assert api.get("/api/v1/tasks", "bea")["items"] == []


def test_a_workflow_not_checked_out_on_the_engines_clock_cannot_fire_a_timer(api: ApiClient, db: Database) -> None:
    import pytest
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

    from engine.definitions.timers import NoEngineClock
    from engine.models import ProcessInstance
    from engine.unit_of_work import read_workflow

    open_referral(api)
    with db.reading() as session:
        workflow = read_workflow(session, session.scalars(select(ProcessInstance)).one(), FIXED_NOW)
    workflow.script_engine = PythonScriptEngine()
    with pytest.raises(NoEngineClock):
        workflow.refresh_timers()


def test_a_steps_audit_events_are_appended_together_and_the_chain_verifies(api: ApiClient, db: Database) -> None:
    from engine.audit import verify_chain

    open_referral(api)
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False)
    with db.reading() as session:
        events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        report = verify_chain(session)
    opened = [e.action for e in events if e.action in ("case_opened", "process_started")]
    assert opened == ["case_opened", "process_started"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert report.intact and report.events_checked == len(events)
