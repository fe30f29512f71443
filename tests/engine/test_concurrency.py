"""Two people act on the same task at the same moment, through the HTTP API, on PostgreSQL.

Only PostgreSQL runs these writers truly concurrently (SQLite serialises every write transaction
with BEGIN IMMEDIATE), so only there do the row locks and the optimistic lock have anything to do.
Each thread has its own Flask test client and its own database connection; a barrier releases
both requests together. Every race uses a fresh case, and is repeated to make it meaningful.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from engine.db import Database
from engine.models import AuditEvent, HumanTask, ProcessInstance
from tests.api.conftest import ApiClient
from tests.api.helpers import only_task, open_referral
from tests.factories import form_data

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not os.environ.get("SOSFLOW_TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="concurrency needs PostgreSQL: set SOSFLOW_TEST_DATABASE_URL=postgresql://... "
               "(SQLite serialises all writers, so there is no race to test)",
    ),
]

RACES = 5
TIMEOUT = 30  # seconds; a thread stuck longer than this is a deadlock, not a slow test
SCREENERS = ("sam", "pat")  # both in mash_screener: either may take the screening task


@dataclass
class Answer:
    user: str
    status: int
    body: Any


def race(app: Flask, api: ApiClient, path: str, users: tuple[str, ...], json: Any = None) -> list[Answer]:
    """POST the same `path` as each user at the same moment."""
    return race_each(app, api, {user: (path, json) for user in users})


def race_each(app: Flask, api: ApiClient, requests: dict[str, tuple[str, Any]]) -> list[Answer]:
    """POST each user's (path, json) at the same moment, one thread and one test client each."""
    barrier = threading.Barrier(len(requests), timeout=TIMEOUT)
    answers: list[Answer] = []
    errors: list[BaseException] = []

    def send(user: str, path: str, json: Any) -> None:
        client = app.test_client()
        headers = {"Authorization": f"Bearer {api.tokens[user]}"}
        try:
            barrier.wait()
            response = client.post(path, headers=headers, json=json)
            answers.append(Answer(user, response.status_code, response.get_json(silent=True)))
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(user, path, json), name=f"race-{user}")
               for user, (path, json) in requests.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request hung: deadlock or lock wait"
    assert not errors, errors
    return answers


def winner_and_loser(answers: list[Answer]) -> tuple[Answer, Answer]:
    statuses = sorted(a.status for a in answers)
    assert statuses == [200, 409], [(a.user, a.status, a.body) for a in answers]
    winner = next(a for a in answers if a.status == 200)
    loser = next(a for a in answers if a.status == 409)
    assert loser.body["error"] == "conflict", loser.body
    return winner, loser


def revision(db: Database, instance_id: str) -> int:
    with db.reading() as session:
        return session.scalar(select(ProcessInstance.revision).where(ProcessInstance.id == instance_id)) or 0


def screening_data() -> dict[str, Any]:
    checks = [{"agency": a, "requested_at": "2026-05-22T10:45:00+01:00"} for a in ("police", "health")]
    return form_data("mash_screening", partner_checks=checks, immediate_danger=False,
                     decision="cin_assessment_s17", draft_danger_statement="draft")


def partner_check(user: str) -> dict[str, Any]:
    return {"data": form_data("partner_check", agency={"pc_police": "police", "hv_health": "health"}[user])}


def test_two_people_completing_the_same_task_at_once_one_wins_and_the_case_moves_on_once(
    app: Flask, api: ApiClient, db: Database
) -> None:
    for _ in range(RACES):
        case = open_referral(api)
        task = next(t for t in api.get("/api/v1/tasks", "sam")["items"] if t["case_id"] == case["id"])
        assert task["element_id"] == "screen_contact"
        instance_id = task["instance_id"]
        before = revision(db, instance_id)

        answers = race(app, api, f"/api/v1/tasks/{task['id']}/complete", SCREENERS, json={"data": screening_data()})

        winner, _ = winner_and_loser(answers)
        assert winner.body["status"] == "completed"
        assert winner.body["revision"] == before + 1
        assert revision(db, instance_id) == before + 1

        with db.reading() as session:
            completions = session.scalars(select(AuditEvent).where(
                AuditEvent.action == "task_completed", AuditEvent.task_id == task["id"])).all()
            assert [e.actor for e in completions] == [winner.user]

            row = session.get_one(HumanTask, task["id"])
            assert (row.status, row.completed_by, row.assignee) == ("completed", winner.user, winner.user)

            rows = session.execute(select(HumanTask.element_id, HumanTask.status, func.count())
                                   .where(HumanTask.instance_id == instance_id)
                                   .group_by(HumanTask.element_id, HumanTask.status)).all()
            assert sorted(rows) == [("partner_check_health", "ready", 1), ("partner_check_police", "ready", 1),
                                    ("screen_contact", "completed", 1)]

        police = only_task(api, "pc_police")
        assert (police["case_id"], police["element_id"]) == (case["id"], "partner_check_police")
        police_done = api.post(f"/api/v1/tasks/{police['id']}/complete", "pc_police", json=partner_check("pc_police"))
        assert police_done["revision"] == before + 2  # the instance goes on from the winner's state

        report = api.get("/api/v1/audit/verify", "audrey")
        assert report["intact"] is True, report


def test_two_people_claiming_the_same_task_at_once_one_gets_it(app: Flask, api: ApiClient, db: Database) -> None:
    for _ in range(RACES):
        case = open_referral(api)
        task = next(t for t in api.get("/api/v1/tasks", "sam")["items"] if t["case_id"] == case["id"])
        before = revision(db, task["instance_id"])

        answers = race(app, api, f"/api/v1/tasks/{task['id']}/claim", SCREENERS)

        winner, loser = winner_and_loser(answers)
        assert (winner.body["status"], winner.body["assignee"]) == ("ready", winner.user)
        assert revision(db, task["instance_id"]) == before  # a claim changes the task, not the workflow
        with db.reading() as session:
            claims = session.scalars(select(AuditEvent).where(
                AuditEvent.action == "task_claimed", AuditEvent.task_id == task["id"])).all()
            assert [e.actor for e in claims] == [winner.user]
            assert session.get_one(HumanTask, task["id"]).assignee == winner.user
        # The loser cannot take it over afterwards either; the winner still holds it.
        api.post(f"/api/v1/tasks/{task['id']}/claim", loser.user, 409)
        assert api.get(f"/api/v1/tasks/{task['id']}", winner.user)["task"]["assignee"] == winner.user

    assert api.get("/api/v1/audit/verify", "audrey")["intact"] is True


def test_two_parallel_tasks_of_one_case_completed_at_once_never_fail_and_lose_nothing(
    app: Flask, api: ApiClient, db: Database
) -> None:
    """Police and health finish their checks together: each task row is locked separately, so
    the instance's optimistic lock decides. The slower one may get 409 (reload and retry), never 500."""
    for _ in range(RACES):
        case = open_referral(api)
        task = next(t for t in api.get("/api/v1/tasks", "sam")["items"] if t["case_id"] == case["id"])
        api.post(f"/api/v1/tasks/{task['id']}/complete", "sam", json={"data": screening_data()})
        checks = {user: only_task(api, user) for user in ("pc_police", "hv_health")}
        before = revision(db, task["instance_id"])

        answers = race_each(app, api, {user: (f"/api/v1/tasks/{t['id']}/complete", partner_check(user))
                                       for user, t in checks.items()})

        statuses = sorted(a.status for a in answers)
        assert statuses in ([200, 200], [200, 409]), [(a.user, a.status, a.body) for a in answers]
        assert revision(db, task["instance_id"]) == before + statuses.count(200)
        for answer in answers:
            if answer.status == 409:  # nothing of the loser's was kept: its task is still there to retry
                assert answer.body["error"] == "conflict"
                retry = api.post(f"/api/v1/tasks/{checks[answer.user]['id']}/complete", answer.user,
                                 json=partner_check(answer.user))
                assert retry["status"] == "completed"
        with db.reading() as session:
            rows = session.execute(select(HumanTask.element_id, HumanTask.status, func.count())
                                   .where(HumanTask.instance_id == task["instance_id"])
                                   .group_by(HumanTask.element_id, HumanTask.status)).all()
            assert sorted(rows) == [("partner_check_health", "completed", 1), ("partner_check_police", "completed", 1),
                                    ("screen_contact", "completed", 1), ("screening_decision", "ready", 1)]
            completions = session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.action == "task_completed", AuditEvent.instance_id == task["instance_id"]))
            assert completions == 3
        assert [t["element_id"] for t in api.get("/api/v1/tasks", "maya")["items"]
                if t["case_id"] == case["id"]] == ["screening_decision"]
    assert api.get("/api/v1/audit/verify", "audrey")["intact"] is True
