"""Due timers: found by an indexed scan of the timer projection, fired one instance per transaction.

One instance that cannot fire (its stored workflow does not load, an expression fails) gets an
incident instead of stopping the sweep, and is left out of later sweeps until the incident is retried.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from engine import access
from engine.db import Database
from engine.errors import StaleState
from engine.models import IncidentKind, ProcessDefinition, ProcessInstance, Timer
from engine.projection import take_snapshot
from engine.runtime.failures import (
    TRANSIENT_ERRORS,
    BackgroundFailure,
    background_failure,
    blocking_incident_exists,
    open_incident,
)
from engine.runtime.steps import advance
from engine.unit_of_work import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)

FIRE_TIMERS = {"step": "fire_timers"}
TIMERS_PER_INSTANCE = 10  # how many due timer rows a sweep reads per instance it may return


def due_timer_instances(db: Database, now: datetime, limit: int = 100) -> list[str]:
    """Instances with at least one timer due at `now` and no open incident.

    Read from the partial index of waiting timers (`ix_timer_waiting`): fired and cancelled history is never walked.
    """
    with db.reading() as session:
        return list(session.scalars(due_timers_query(now, limit)))


def due_timers_query(now: datetime, limit: int) -> Select[str]:
    """The due waiting timers in time order straight from `ix_timer_waiting` (bounded), then grouped by instance.

    Grouping the table directly lets SQLite walk the instance index over all history instead; the bounded
    inner read keeps it on the partial index (a later sweep takes whatever the bound left).
    """
    due = (select(Timer.instance_id, Timer.fires_at)
           .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.fires_at <= now,
                  ~blocking_incident_exists(Timer.instance_id))
           .order_by(Timer.fires_at).limit(limit * TIMERS_PER_INSTANCE).subquery("due"))
    return (select(due.c.instance_id).group_by(due.c.instance_id).order_by(func.min(due.c.fires_at))
            .limit(limit))


def upcoming_timer_instances(db: Database, now: datetime, until: datetime,
                             limit: int = 1000) -> list[tuple[str, datetime]]:
    """Instances whose next waiting timer falls in (now, until], with that time: what a sweep queues ahead, so a
    timer due before the next sweep fires on time (read from the waiting-timer partial index)."""
    with db.reading() as session:
        query = (select(Timer.instance_id, func.min(Timer.fires_at))
                 .where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.fires_at > now,
                        Timer.fires_at <= until)
                 .group_by(Timer.instance_id).order_by(func.min(Timer.fires_at)).limit(limit))
        return [(instance_id, fires_at) for instance_id, fires_at in session.execute(query)]


def fire_due_timers(db: Database, now: datetime, limit: int = 100) -> int:
    """Fire every timer due at `now`, one instance per transaction; returns how many instances moved.

    A failing instance gets an incident and the sweep carries on; so does one the database refused for a moment.
    """
    moved = 0
    for instance_id in due_timer_instances(db, now, limit):
        try:
            moved += fire_instance_timers(db, instance_id, now)
        except TRANSIENT_ERRORS:
            log.exception("timers of instance %s not fired; the next sweep tries again", instance_id)
    return moved


def fire_instance_timers(db: Database, instance_id: str, now: datetime) -> int:
    """Fire the due timers of one instance; 0 when another worker got there first or it has an open incident.

    If firing fails, the step rolls back and the instance gets an incident (in its own transaction).
    """
    try:
        with unit_of_work(db, now) as uow:
            if uow.session.scalar(select(blocking_incident_exists(instance_id))):
                return 0
            due = claim_due_timers(uow.session, instance_id, now)
            if not due:
                return 0
            run_due_timers(uow, instance_id, due)
    except StaleState:
        return 0
    except BackgroundFailure as failure:
        open_incident(db, instance_id, now, failure, retry=FIRE_TIMERS)
        return 0
    return 1


def run_due_timers(uow: UnitOfWork, instance_id: str, due: list[Timer]) -> None:
    """Load the instance and fire `due` (none: only check it loads); BackgroundFailure naming what failed."""
    instance = uow.session.get_one(ProcessInstance, instance_id)
    element_id = due[0].element_id if due else None
    with ExitStack() as stack:
        with background_failure(IncidentKind.STORED_STATE, element_id):
            workflow = stack.enter_context(uow.checkout(instance))
        if not due:
            return
        with background_failure(IncidentKind.TIMER, element_id):
            before = take_snapshot(workflow)
            workflow.refresh_timers()
            key = uow.session.scalar(
                select(ProcessDefinition.key).where(ProcessDefinition.id == instance.definition_id))
            advance(uow, instance, str(key), workflow, before, access.SYSTEM)


def claim_due_timers(session: Session, instance_id: str, now: datetime) -> list[Timer]:
    """The instance's timers due at `now`, locked (rows another worker holds are skipped)."""
    query = select(Timer).where(Timer.instance_id == instance_id, Timer.fired_at.is_(None),
                                Timer.cancelled_at.is_(None), Timer.fires_at <= now)
    return list(session.scalars(query.with_for_update(skip_locked=True)))
