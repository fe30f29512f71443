"""Due timers: found by an indexed scan of the timer projection, fired one instance per transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import access
from engine.db import Database
from engine.errors import StaleState
from engine.models import ProcessDefinition, ProcessInstance, Timer
from engine.projection import take_snapshot
from engine.runtime.steps import advance
from engine.unit_of_work import unit_of_work


def due_timer_instances(db: Database, now: datetime, limit: int = 100) -> list[str]:
    """Instances with at least one timer due at `now` (an indexed scan of the timer projection)."""
    with db.reading() as session:
        query = (select(Timer.instance_id).where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None),
                                                 Timer.fires_at <= now)
                 .group_by(Timer.instance_id).order_by(func.min(Timer.fires_at)).limit(limit))
        return list(session.scalars(query))


def fire_due_timers(db: Database, now: datetime, limit: int = 100) -> int:
    """Fire every timer due at `now`, one instance per transaction; returns how many instances moved."""
    return sum(fire_instance_timers(db, instance_id, now) for instance_id in due_timer_instances(db, now, limit))


def fire_instance_timers(db: Database, instance_id: str, now: datetime) -> int:
    """Fire the due timers of one instance; 0 when another worker got there first."""
    try:
        with unit_of_work(db, now) as uow:
            if not _claim_due_timers(uow.session, instance_id, now):
                return 0
            instance = uow.session.get_one(ProcessInstance, instance_id)
            with uow.checkout(instance) as workflow:
                before = take_snapshot(workflow)
                workflow.refresh_timers()
                key = uow.session.scalar(
                    select(ProcessDefinition.key).where(ProcessDefinition.id == instance.definition_id))
                advance(uow, instance, str(key), workflow, before, access.SYSTEM)
    except StaleState:
        return 0
    return 1


def _claim_due_timers(session: Session, instance_id: str, now: datetime) -> list[Timer]:
    query = select(Timer).where(Timer.instance_id == instance_id, Timer.fired_at.is_(None),
                                Timer.cancelled_at.is_(None), Timer.fires_at <= now)
    return list(session.scalars(query.with_for_update(skip_locked=True)))
