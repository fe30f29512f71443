"""The Celery app: kombu's SQLAlchemy transport on SQLite by default (no broker server), Redis in production."""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

from workers.schedule import BEAT_SCHEDULE


class QueueNames:
    """Every queue the workers listen on."""

    TIMERS = "timers"

    @classmethod
    def all(cls) -> list[str]:
        return [cls.TIMERS]


def broker_url() -> str:
    url = os.environ.get("SOSFLOW_BROKER_URL")
    if url:
        return url
    Path("instance").mkdir(exist_ok=True)
    return f"sqla+sqlite:///{Path('instance/celery-broker.db').resolve()}"


def make_celery(url: str | None = None) -> Celery:
    app = Celery("sosflow", broker=url or broker_url(), include=["workers.timers", "workers.audit"])
    app.conf.update(
        task_default_queue=QueueNames.TIMERS,
        task_ignore_result=True,
        beat_schedule=BEAT_SCHEDULE,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
    )
    return app


celery = make_celery()
