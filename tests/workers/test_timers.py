"""A real Celery worker (kombu's SQLAlchemy transport on SQLite, or SOSFLOW_TEST_BROKER_URL: Redis in CI) fires
due timers through the engine: the sweep fans out one task per due instance, and an instance that cannot fire
becomes an incident without holding up others."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_prerun
from sqlalchemy import select, update

from engine import runtime
from engine.calendar import LONDON
from engine.db import Database
from engine.models import AuditEvent, Incident, ProcessInstance
from tests.api.helpers import open_referral
from tests.api_client import ApiClient
from workers.app import celery
from workers.schedule import BEAT_SCHEDULE
from workers.timers import fire_due_timers


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One broker for the session: the app keeps its first broker connection pool for producers."""
    return tmp_path_factory.mktemp("celery") / "broker.db"


@pytest.fixture
def worker(db: Database, broker: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SOSFLOW_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    celery.conf.broker_url = os.environ.get("SOSFLOW_TEST_BROKER_URL") or f"sqla+sqlite:///{broker}"
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


@pytest.fixture
def tasks_run() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """The name and arguments of every task the worker starts."""
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def record(sender: Any = None, args: tuple[Any, ...] = (), **_: Any) -> None:
        seen.append((sender.name, tuple(args)))

    task_prerun.connect(record, weak=False)
    yield seen
    task_prerun.disconnect(record)


def _wait_for_task(api: ApiClient, user: str, seconds: float = 30, count: int = 1) -> list[dict]:
    deadline = time.monotonic() + seconds
    items: list[dict] = []
    while time.monotonic() < deadline:
        items = api.get("/api/v1/tasks", user)["items"]
        if len(items) >= count:
            return items
        time.sleep(0.2)
    return items


def _wait_for(db: Database, model: Any, seconds: float = 30) -> list[Any]:
    deadline = time.monotonic() + seconds
    rows: list[Any] = []
    while time.monotonic() < deadline and not rows:
        with db.reading() as session:
            rows = list(session.scalars(select(model)))
        time.sleep(0.2)
    return rows


def _instance_id(db: Database, case_id: str) -> str:
    with db.reading() as session:
        return session.scalars(select(ProcessInstance.id).where(ProcessInstance.case_id == case_id)).one()


def test_every_scheduled_task_is_a_registered_task() -> None:
    celery.loader.import_default_modules()  # what a worker does at start: import every `include` module
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in celery.tasks


def test_the_worker_fires_a_due_timer_and_the_escalation_task_appears(api: ApiClient, worker: None) -> None:
    open_referral(api)
    fire_due_timers.delay(datetime(2026, 5, 27, 9, 0, tzinfo=LONDON).isoformat())
    items = _wait_for_task(api, "maya")
    assert [t["name"] for t in items] == ["Review overdue screening"]


def test_the_sweep_fans_out_one_named_task_per_due_instance_and_both_fire(
    api: ApiClient, db: Database, worker: None, tasks_run: list[tuple[str, tuple[Any, ...]]]
) -> None:
    ids = {_instance_id(db, open_referral(api)["id"]), _instance_id(db, open_referral(api)["id"])}
    now = datetime(2026, 5, 27, 9, 0, tzinfo=LONDON).isoformat()
    fire_due_timers.delay(now)

    items = _wait_for_task(api, "maya", count=2)
    assert [t["name"] for t in items] == ["Review overdue screening"] * 2
    fanned = [args for name, args in tasks_run if name == "fire-instance-timers"]
    assert sorted(fanned) == sorted((instance_id, now) for instance_id in ids)
    assert [name for name, _ in tasks_run].count("fire-due-timers") == 1
    with db.reading() as session:
        fired = session.scalars(select(AuditEvent.instance_id).where(AuditEvent.action == "timer_fired")).all()
    assert set(fired) == ids


def test_through_the_worker_a_damaged_instance_becomes_an_incident_and_the_other_still_fires(
    api: ApiClient, db: Database, worker: None
) -> None:
    healthy = _instance_id(db, open_referral(api)["id"])
    damaged = _instance_id(db, open_referral(api)["id"])
    with db.unit_of_work() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == damaged).values(state=b"[1, 2"))
    runtime.WORKFLOWS.clear()  # the worker shares this process's cache; a real one would load what is stored
    fire_due_timers.delay(datetime(2026, 5, 27, 9, 0, tzinfo=LONDON).isoformat())

    (incident,) = _wait_for(db, Incident)
    assert (incident.instance_id, incident.kind) == (damaged, "stored_state")
    (review,) = _wait_for_task(api, "maya")
    assert review["instance_id"] == healthy
