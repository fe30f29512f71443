"""Drafts: what a person has typed into a form and saved without sending, one per person and task (or
new referral). A draft is never a submission: nothing reads it but its owner's page, no process sees it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from engine.access import Actor
from engine.db import Database
from engine.models import FormDraft
from engine.unit_of_work import unit_of_work

REFERRAL = "referral"


def task_draft_key(task_id: str) -> str:
    return f"task:{task_id}"


def save_draft(db: Database, actor: Actor, draft_key: str, form_key: str, data: dict[str, Any], now: datetime,
               *, case_id: str | None = None, task_id: str | None = None) -> None:
    """Keep (or replace) the actor's draft; audited without its content."""
    with unit_of_work(db, now) as uow:
        row = uow.session.scalar(select(FormDraft).where(FormDraft.username == actor.username,
                                                         FormDraft.draft_key == draft_key))
        if row is None:
            row = FormDraft(username=actor.username, draft_key=draft_key, form_key=form_key, case_id=case_id,
                            data=data, saved_at=now)
            uow.session.add(row)
        row.data, row.saved_at, row.form_key = data, now, form_key
        uow.record("draft_saved", actor=actor.username, case_id=case_id, task_id=task_id,
                   payload={"form": form_key, "draft": draft_key})


def get_draft(db: Database, actor: Actor, draft_key: str) -> FormDraft | None:
    """The actor's own draft (nobody else's is ever read)."""
    with db.reading() as session:
        row = session.scalar(select(FormDraft).where(FormDraft.username == actor.username,
                                                     FormDraft.draft_key == draft_key))
        if row is not None:
            session.expunge(row)
        return row


def discard_draft(db: Database, actor: Actor, draft_key: str, now: datetime) -> None:
    """Forget the actor's draft (after sending, or when they start again)."""
    with unit_of_work(db, now) as uow:
        uow.session.execute(delete(FormDraft).where(FormDraft.username == actor.username,
                                                    FormDraft.draft_key == draft_key))
