"""Shared steps for API tests: open a referral, find a user's task, complete it, count rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from engine.db import Database
from engine.models import AuditEvent, Case, HumanTask, ProcessInstance, Timer
from tests.api.conftest import ApiClient
from tests.factories import form_data, referral, subject


def open_referral(api: ApiClient, **referral_overrides: Any) -> dict[str, Any]:
    body = {"process": "mash_screening", "subject": subject(), "data": referral(**referral_overrides)}
    result: dict[str, Any] = api.post("/api/v1/cases", "rita", 201, json=body)
    return result


def only_task(api: ApiClient, user: str, **query: str) -> dict[str, Any]:
    page = api.get("/api/v1/tasks", user, query_string=query)
    assert len(page["items"]) == 1, page
    task: dict[str, Any] = page["items"][0]
    return task


def complete(api: ApiClient, user: str, form: str, **overrides: Any) -> dict[str, Any]:
    task = only_task(api, user)
    assert task["form"] == form
    result: dict[str, Any] = api.post(f"/api/v1/tasks/{task['id']}/complete", user,
                                      json={"data": form_data(form, **overrides)})
    return result


def screen(api: ApiClient, agencies: list[str], immediate_danger: bool = False) -> None:
    checks = [{"agency": a, "requested_at": "2026-05-22T10:45:00+01:00"} for a in agencies]
    complete(api, "sam", "mash_screening", partner_checks=checks, immediate_danger=immediate_danger,
             decision="cin_assessment_s17", draft_danger_statement="draft")


def row_counts(db: Database) -> dict[str, int]:
    """How many rows each state table holds: what 'nothing changed' is checked against."""
    with db.reading() as session:
        counts = {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                  for model in (Case, ProcessInstance, HumanTask, Timer, AuditEvent)}
        counts["revisions"] = session.scalar(select(func.coalesce(func.sum(ProcessInstance.revision), 0))) or 0
        counts["completed_tasks"] = session.scalar(
            select(func.count()).select_from(HumanTask).where(HumanTask.status == "completed")) or 0
    return counts
