"""Exactly once with real worker processes: two Celery workers (separate `celery worker` processes) fire a
batch of due timers while one is killed with SIGKILL mid-sweep and started again; every timer fires once
(counted as `timer_fired` audit events) and every e-mail reaches the SMTP server once.

Runs on the suite's database and on the embedded broker, or on SOSFLOW_TEST_BROKER_URL (Redis in CI).
SQLite serialises every writer, so there it uses 60 timers; PostgreSQL takes the full 500.
Lost messages (the killed worker's) are not redelivered here: each sweep looks again at what is still
due, which is what beat does every 30 seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.models import AuditEvent, Notification, User
from tests.factories import referral, subject
from tests.smtp_server import Inbox, smtp_server
from workers.app import make_celery

AFTER_T1 = datetime(2026, 5, 27, 9, 0, tzinfo=LONDON)
REFERRER = Actor("rita", frozenset({"referrer"}))
ROOT = Path(__file__).resolve().parents[2]


def _count(db: Database, action: str) -> tuple[int, int]:
    with db.reading() as session:
        query = select(func.count(), func.count(func.distinct(AuditEvent.task_id))).where(AuditEvent.action == action)
        total, distinct = session.execute(query).one()
        return int(total), int(distinct)


def _wait(condition: Callable[[], bool], seconds: float, every: Callable[[], None] | None = None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if every:
            every()
        time.sleep(1.0)
    return condition()


@pytest.fixture
def broker_url(tmp_path: Path) -> str:
    return os.environ.get("SOSFLOW_TEST_BROKER_URL") or f"sqla+sqlite:///{tmp_path / 'broker.db'}"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, dict[str, str]]]:
    with smtp_server() as (server_inbox, settings):
        yield server_inbox, {"SOSFLOW_SMTP_HOST": settings.host, "SOSFLOW_SMTP_PORT": str(settings.port),
                             "SOSFLOW_SMTP_TLS": "none"}


def _start_worker(name: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "celery", "-A", "workers.app:celery", "worker", "--pool=solo",
               f"--hostname={name}@%h", "--without-gossip", "--without-mingle", "--loglevel=WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def test_two_workers_one_killed_mid_sweep_fire_each_timer_once_and_send_each_email_once(
    api: object, db: Database, broker_url: str, inbox: tuple[Inbox, dict[str, str]], tmp_path: Path
) -> None:
    count = 500 if db.is_postgres else 60
    with db.unit_of_work() as session:
        session.execute(update(User).where(User.username.in_(["sam", "maya"]))
                        .values(email=User.username + "@council.test"))
    for _ in range(count):
        runtime.open_case(db, process="mash_screening", subject=subject(), data=referral(), actor=REFERRER,
                          now=datetime(2026, 5, 22, 10, 30, tzinfo=LONDON))
    server, smtp_env = inbox
    env = {**os.environ, **smtp_env, "SOSFLOW_BROKER_URL": broker_url,
           "SOSFLOW_DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}
    sender = make_celery(broker_url)
    workers = {name: _start_worker(name, env, tmp_path / f"{name}.log") for name in ("one", "two")}
    try:
        def sweep() -> None:
            sender.send_task("fire-due-timers", args=[AFTER_T1.isoformat()])

        sweep()
        assert _wait(lambda: _count(db, "timer_fired")[0] >= count // 5, 60), "the workers did not start firing"
        os.kill(workers["one"].pid, signal.SIGKILL)
        workers["one"].wait()
        workers["one"] = _start_worker("one", env, tmp_path / "one-again.log")
        assert _wait(lambda: _count(db, "timer_fired")[0] >= count, 60, every=sweep)

        with db.reading() as session:
            emailed = set(session.scalars(select(Notification.id).where(Notification.email_to.is_not(None))))
        assert len(emailed) == 3 * count  # sam's breach, maya's breach and maya's escalation task per case

        def send() -> None:
            for _ in range(2):
                sender.send_task("send-notifications")  # at the current time: the rows were written then

        send()
        assert _wait(lambda: len(server.ids()) >= len(emailed), 90, every=send), (len(server.ids()), len(emailed))
        time.sleep(2)  # anything sent twice would arrive now
    finally:
        for process in workers.values():
            process.terminate()
        for process in workers.values():
            process.wait(timeout=30)
    assert _count(db, "timer_fired") == (count, count)
    assert sorted(server.ids()) == sorted(emailed)
