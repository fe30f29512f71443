"""Audited reads beyond the case record: a task form, a referral's status, a person (domain §9.3: every read
recorded).

Each checks what the actor may see first (reading without the writers' lock), then appends one event.
"""

from __future__ import annotations

from datetime import datetime

from engine import access
from engine.access import Actor
from engine.db import Database
from engine.models import Case, HumanTask
from engine.queries.people import get_person
from engine.unit_of_work import unit_of_work


def record_task_read(db: Database, task_id: str, actor: Actor, now: datetime) -> None:
    """A read of a task's form is an audit event on its case; a task outside the actor's lanes is 404."""
    with db.reading() as session:
        task = access.require_task_visible(actor, session.get(HumanTask, task_id))
        case_id, instance_id, name, form = task.case_id, task.instance_id, task.name, task.form_key
    with unit_of_work(db, now) as uow:
        uow.record("task_viewed", actor=actor.username, case_id=case_id, instance_id=instance_id, task_id=task_id,
                   payload={"name": name, "form": form})


def record_referral_read(db: Database, case_id: str, actor: Actor, now: datetime) -> None:
    """A referrer's read of their referral's status and feedback; someone else's referral is 404."""
    with db.reading() as session:
        access.require_referral_visible(actor, session.get(Case, case_id))
    with unit_of_work(db, now) as uow:
        uow.record("case_viewed", actor=actor.username, case_id=case_id, payload={"what": "referral"})


def record_person_read(db: Database, person_id: str, actor: Actor, now: datetime) -> None:
    """A read of a person and their cases, recorded with the cases it showed; a person the actor may not
    see (in none of their visible cases) is 404."""
    with db.reading() as session:
        shown = [link["case_id"] for link in get_person(session, actor, person_id)["cases"]]
    with unit_of_work(db, now) as uow:
        uow.record("person_viewed", actor=actor.username, payload={"person_id": person_id, "cases": shown})
