"""How late timers fire with real workers: N timers falling due evenly over a window, fired by Celery beat and
worker processes; p50, p99 and max of fired − due (aim: p99 under 5 s).

    .venv/bin/python -m bench.timer_lateness [--timers 1000] [--over 300] [--workers 2]
                                             [--broker-url redis://localhost:56390/0] [--url postgresql://…]

Builds a fresh database (a temp SQLite file, or the PostgreSQL database given, whose public schema is
replaced), deploys bench/diagrams/timer_lateness.bpmn (one ten-minute timer) and starts `celery beat` and
`--workers` `celery worker` processes (on the embedded SQLite broker unless `--broker-url` names one).
Once they have fired a probe timer, it opens one case per timer, back-dated so that its timer falls due
at its place in the window (which starts once every case is open), and waits until every timer has fired
or the window plus two minutes has passed.
Lateness is read from the timer rows: `fired_at` is the engine's clock when the step that fired it ran.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bench._fixtures import fresh_database
from engine import runtime
from engine.access import Actor
from engine.db import Database
from engine.models import Timer
from engine.queries.indicators import percentile
from workers.schedule import FIRE_DUE_TIMERS_EVERY_SECONDS

ROOT = Path(__file__).resolve().parents[1]
DIAGRAM = ROOT / "bench" / "diagrams" / "timer_lateness.bpmn"
TIMER_DELAY = timedelta(minutes=10)  # the diagram's timeDuration
OWNER = Actor("owner", frozenset({"process_owner"}))
OPENER = Actor("bench", frozenset())


def _deploy_and_probe(db: Database) -> float:
    """Deploy the diagram and open one case whose timer is already due (the sign that the workers are up);
    returns how long opening a case took."""
    runtime.deploy_definitions(db, [runtime.DiagramFile(DIAGRAM.read_bytes(), DIAGRAM.name)], OWNER,
                               datetime.now(UTC))
    probe = time.perf_counter()
    runtime.open_case(db, process="timer_lateness", subject={}, data={}, actor=OPENER,
                      now=datetime.now(UTC) - TIMER_DELAY - timedelta(hours=1))
    return time.perf_counter() - probe


def _open_cases(db: Database, count: int, over: float, per_case: float) -> datetime:
    """One case per timer, the i-th due at start + i × over / count; returns the start of the window.

    The window leaves time to open every case and then a whole sweep interval: a timer made less than a
    sweep before it falls due may have missed the sweep that would have queued it (not what is measured).
    """
    start = datetime.now(UTC) + timedelta(seconds=count * per_case * 1.5 + FIRE_DUE_TIMERS_EVERY_SECONDS + 10)
    for i in range(count):
        due = start + timedelta(seconds=i * over / count)
        runtime.open_case(db, process="timer_lateness", subject={}, data={}, actor=OPENER, now=due - TIMER_DELAY)
    margin = (start - datetime.now(UTC)).total_seconds()
    if margin < FIRE_DUE_TIMERS_EVERY_SECONDS:
        print(f"warning: the cases took longer to open than planned; only {margin:.0f} s before the window")
    return start


def _fired_any(db: Database) -> bool:
    with db.reading() as session:
        return bool(session.scalar(select(func.count()).select_from(Timer).where(Timer.fired_at.is_not(None))))


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "celery", "-A", "workers.app:celery", *args, "--loglevel=WARNING"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)


def _processes(env: dict[str, str], workers: int, tmp: Path) -> list[subprocess.Popen[bytes]]:
    beat = _start(["beat", f"--schedule={tmp / 'beat-schedule'}"], env, tmp / "beat.log")
    return [beat, *(_start(["worker", "--pool=solo", f"--hostname=w{n}@%h", "--without-gossip", "--without-mingle"],
                           env, tmp / f"worker{n}.log") for n in range(workers))]


def _waiting(db: Database, since: datetime) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Timer)
                                  .where(Timer.fires_at >= since, Timer.fired_at.is_(None))) or 0)


def _lateness(db: Database, since: datetime) -> list[float]:
    with db.reading() as session:
        rows = session.execute(select(Timer.fires_at, Timer.fired_at).where(Timer.fires_at >= since,
                                                                             Timer.fired_at.is_not(None)))
        return [(fired - due).total_seconds() for due, fired in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timers", type=int, default=1000)
    parser.add_argument("--over", type=float, default=300.0, help="seconds over which the timers fall due")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--broker-url", help="default: the embedded SQLite broker in the temp directory")
    parser.add_argument("--url", help="PostgreSQL URL; default: a temp SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        db = fresh_database(args.url, tmp)
        per_case = _deploy_and_probe(db)
        broker = args.broker_url or f"sqla+sqlite:///{tmp / 'broker.db'}"
        env = {**os.environ, "SOSFLOW_BROKER_URL": broker,
               "SOSFLOW_DATABASE_URL": db.engine.url.render_as_string(hide_password=False)}
        processes = _processes(env, args.workers, tmp)
        try:
            while not _fired_any(db):
                time.sleep(1)
            start = _open_cases(db, args.timers, args.over, per_case)
            print(f"{args.timers} timers due from {start:%H:%M:%S} over {args.over:.0f} s; "
                  f"{db.engine.dialect.name}, broker {broker.split(':')[0]}, {args.workers} workers", flush=True)
            end = time.monotonic() + (start - datetime.now(UTC)).total_seconds() + args.over + 120
            while time.monotonic() < end and (left := _waiting(db, start)):
                print(f"  {datetime.now(UTC):%H:%M:%S} waiting: {left}", flush=True)
                time.sleep(15)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=60)
        _report(db, start, args.timers)


def _report(db: Database, start: datetime, count: int) -> None:
    late = _lateness(db, start)
    fired = len(late)

    def seconds(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.2f} s"
    print(f"fired {fired} of {count}; fired − due: p50 {seconds(percentile(late, 0.5))}, "
          f"p99 {seconds(percentile(late, 0.99))}, max {seconds(max(late) if late else None)}, "
          f"min {seconds(min(late) if late else None)}; load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
