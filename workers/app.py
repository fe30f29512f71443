"""The Celery app: kombu's SQLAlchemy transport on SQLite by default (no broker server); Redis (or any
broker) when SOSFLOW_BROKER_URL names one, e.g. `redis://localhost:6379/0`."""

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
    broker = url or broker_url()
    app = Celery("sosflow", broker=broker, include=["workers.timers", "workers.audit", "workers.notifications"])
    app.conf.update(
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_transport_options=_transport_options(broker),
        task_default_queue=QueueNames.TIMERS,
        task_ignore_result=True,
        beat_schedule=BEAT_SCHEDULE,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        timezone="UTC",
    )
    return app


def _transport_options(broker: str) -> dict[str, int]:
    """Redis redelivers an unacknowledged message after `visibility_timeout`: it must outlast the longest
    countdown (one sweep interval). A message lost with a killed worker is found again by the next sweep."""
    if not broker.startswith(("redis://", "rediss://")):
        return {}
    return {"visibility_timeout": int(os.environ.get("SOSFLOW_BROKER_VISIBILITY_TIMEOUT", "300"))}


celery = make_celery()
