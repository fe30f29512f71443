"""A real Celery worker (kombu's SQLAlchemy transport on SQLite) fires due timers through the engine."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker

from engine.calendar import LONDON
from engine.db import Database
from tests.api.helpers import open_referral
from tests.api_client import ApiClient
from workers.app import celery
from workers.schedule import BEAT_SCHEDULE
from workers.timers import fire_due_timers


@pytest.fixture
def worker(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SOSFLOW_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    celery.conf.broker_url = f"sqla+sqlite:///{tmp_path / 'broker.db'}"
    with start_worker(celery, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        yield


def _wait_for_task(api: ApiClient, user: str, seconds: float = 30) -> list[dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        items = api.get("/api/v1/tasks", user)["items"]
        if items:
            return items
        time.sleep(0.2)
    return []


def test_every_scheduled_task_is_a_registered_task() -> None:
    celery.loader.import_default_modules()  # what a worker does at start: import every `include` module
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in celery.tasks


def test_the_worker_fires_a_due_timer_and_the_escalation_task_appears(api: ApiClient, worker: None) -> None:
    open_referral(api)
    fire_due_timers.delay(datetime(2026, 5, 27, 9, 0, tzinfo=LONDON).isoformat())
    items = _wait_for_task(api, "maya")
    assert [t["name"] for t in items] == ["Review overdue screening"]
