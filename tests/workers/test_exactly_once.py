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
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from engine.models import AuditEvent, Notification, Timer, User
from tests.factories import referral, subject
from tests.smtp_server import Inbox, smtp_server
from workers.app import make_celery

REFERRER = Actor("rita", frozenset({"referrer"}))
ROOT = Path(__file__).resolve().parents[2]


def _count(db: Database, action: str) -> tuple[int, int]:
    with db.reading() as session:
        query = select(func.count(), func.count(func.distinct(AuditEvent.task_id))).where(AuditEvent.action == action)
        total, distinct = session.execute(query).one()
        return int(total), int(distinct)


def _still_due(db: Database) -> int:
    """Timers due by the wall clock and not yet fired: a worker fires at the later of the sweep's time and now,
    so once the past deadlines fire, so does every rung of their ladders that is due by today."""
    with db.reading() as session:
        query = select(func.count()).select_from(Timer).where(
            Timer.fired_at.is_(None), Timer.cancelled_at.is_(None), Timer.fires_at <= datetime.now(UTC))
        return int(session.scalar(query) or 0)


def _fired_rows(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Timer).where(Timer.fired_at.is_not(None))) or 0)


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
            sender.send_task("fire-due-timers")  # at the current time, long after every deadline of May 2026

        sweep()
        assert _wait(lambda: _count(db, "timer_fired")[0] >= count // 5, 60), "the workers did not start firing"
        os.kill(workers["one"].pid, signal.SIGKILL)
        workers["one"].wait()
        workers["one"] = _start_worker("one", env, tmp_path / "one-again.log")
        assert _wait(lambda: _still_due(db) == 0, 120, every=sweep), f"{_still_due(db)} timers never fired"

        with db.reading() as session:
            emailed = set(session.scalars(select(Notification.id).where(Notification.email_to.is_not(None))))
            per_case = Counter(session.scalars(select(Notification.case_id).where(Notification.email_to.is_not(None))))
        # at least sam's breach, maya's breach and maya's escalation task per case; later rungs may add more
        assert len(per_case) == count and min(per_case.values()) >= 3, per_case.most_common()[-3:]

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
    fired_events, fired_timers = _count(db, "timer_fired")
    # a rung already due when its escalation task is made fires in that same step, so it never has a row of its own
    assert fired_events == fired_timers >= _fired_rows(db) == count
    assert sorted(server.ids()) == sorted(emailed)
