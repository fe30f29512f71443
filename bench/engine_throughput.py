"""Task completions per second: the persisting engine against bare in-memory SpiffWorkflow.

    .venv/bin/python bench/engine_throughput.py [--cases N] [--rounds R] [--profile] [--show-sql]

Both sides drive N cases through bpmn/mash_screening.bpmn along the same five user tasks
(screen_contact -> partner_check_police + partner_check_health -> screening_decision ->
feedback_to_referrer), with the same data (each form's first `examples` entry, less the fields the
engine stamps) and the same RestrictedPython script engine (`engine.scripting.script_engine(now)`):

(a) persisting: `engine.runtime.complete_task` on a fresh temporary SQLite database (migrated with
    `engine.migrate.upgrade`, the diagram deployed with `runtime.deploy_definition`, users made
    with `engine.accounts`); every completion validates its form and commits;
(b) bare: `task.data.update(...); task.run(); workflow.do_engine_steps()` on workflows held in
    memory, no database and no form validation;
(c) their ratio. The architecture's target ("Performance design") is (a) >= 0.5 x (b).

Only the completions are timed (each call on its own, summed); opening the cases and finding the
next task's id are not. The clock is fixed (22 May 2026 10:30 UTC) and advances a second per
completion. Both sides are warmed up first; the rates are the median over the rounds.

A separate instrumented pass then shows where a persisting completion's time goes (exclusive time
in the engine's own public steps, timed by wrapping them), the SQL statements it issues (counted
with a `before_cursor_execute` listener), the live-workflow cache hit rate and the blob size.
`--profile` adds a cProfile listing of one more pass; `--show-sql` prints one case's statements.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import functools
import gc
import pstats
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select
from sqlalchemy.orm import Session

import forms
from engine import accounts, definitions, runtime
from engine.access import Actor
from engine.calendar import default_calendar
from engine.db import Database
from engine.definitions import SosBpmnParser
from engine.migrate import upgrade
from engine.models import HumanTask, TaskStatus
from engine.scripting import script_engine

ROOT = Path(__file__).resolve().parent.parent
BPMN_FILE = ROOT / "bpmn" / "mash_screening.bpmn"
PROCESS = "mash_screening"
START = datetime(2026, 5, 22, 10, 30, tzinfo=UTC)
SYSTEM_FIELDS = ("case_id", "author", "completed_at", "version")
TARGET_RATIO = 0.5

USERS = {
    "owner": ["process_owner"],
    "rita": ["referrer"],
    "sam": ["mash_screener"],
    "pc_police": ["mash_partner_police"],
    "hv_health": ["mash_partner_health"],
    "maya": ["mash_manager"],
    "bea": ["mash_business_support"],
}
ACTORS = {name: Actor(name, frozenset(groups)) for name, groups in USERS.items()}


def form_data(key: str, **overrides: Any) -> dict[str, Any]:
    """A valid submission of form `key`: its first example, less the fields the engine stamps."""
    example = copy.deepcopy(forms.load_form(key)["examples"][0])
    for name in SYSTEM_FIELDS:
        example.pop(name, None)
    return {**example, **overrides}


@dataclass(frozen=True)
class Step:
    """One user task of the path: who completes it, with what."""

    element_id: str
    user: str
    data: dict[str, Any]


STEPS = (
    Step("screen_contact", "sam", form_data("mash_screening")),
    Step("partner_check_police", "pc_police", form_data("partner_check", agency="police")),
    Step("partner_check_health", "hv_health", form_data("partner_check", agency="health")),
    Step("screening_decision", "maya", form_data("mash_decision")),
    Step("feedback_to_referrer", "bea", form_data("referrer_feedback")),
)
SUBJECT = {"name": "Child A", "dob": "2018-03-04", "sex": "female"}
REFERRAL = form_data("mash_service_request")


@dataclass
class Clock:
    """The fixed benchmark clock: one second later on every tick."""

    now: datetime = START

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class Timing:
    """Completions made and the seconds spent inside them."""

    completions: int = 0
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.completions / self.seconds

    @property
    def ms_each(self) -> float:
        return 1000 * self.seconds / self.completions


# --- (a) the persisting engine --------------------------------------------------------------------


class PersistingEngine:
    """A migrated temporary SQLite database with the users and the MASH diagram deployed."""

    def __init__(self, directory: str, clock: Clock) -> None:
        self.db = Database.from_url(f"sqlite:///{directory}/bench.db")
        upgrade(self.db)
        for name, groups in USERS.items():
            accounts.create_user(self.db, name, groups, clock.tick())
        runtime.WORKFLOWS.clear()
        runtime.deploy_definition(self.db, BPMN_FILE.read_bytes(), BPMN_FILE.name, ACTORS["owner"], clock.tick())

    def open_cases(self, count: int, clock: Clock) -> list[str]:
        return [runtime.open_case(self.db, process=PROCESS, subject=SUBJECT, data=REFERRAL, actor=ACTORS["rita"],
                                  now=clock.tick()) for _ in range(count)]

    def ready_task(self, case_id: str, element_id: str) -> str:
        query = select(HumanTask.id).where(HumanTask.case_id == case_id, HumanTask.element_id == element_id,
                                           HumanTask.status == TaskStatus.READY)
        with self.db.reading() as session:
            return session.scalars(query).one()

    def drive(self, case_ids: list[str], clock: Clock, complete: Callable[..., Any] | None = None) -> Timing:
        """Complete every step of every case, one case after another; time only `complete_task`."""
        complete = complete or runtime.complete_task
        timing = Timing()
        for case_id in case_ids:
            for step in STEPS:
                task_id = self.ready_task(case_id, step.element_id)
                now = clock.tick()
                started = perf_counter()
                complete(self.db, task_id, step.data, ACTORS[step.user], now)
                timing.seconds += perf_counter() - started
                timing.completions += 1
        return timing

    def run(self, cases: int, clock: Clock) -> Timing:
        case_ids = self.open_cases(cases, clock)
        gc.collect()
        return self.drive(case_ids, clock)


# --- (b) bare SpiffWorkflow -----------------------------------------------------------------------


class BareSpiff:
    """The same diagram parsed once, run in memory: no database, no validation, no projections."""

    def __init__(self) -> None:
        parser = SosBpmnParser()
        parser.add_bpmn_file(str(BPMN_FILE))
        self.spec = parser.get_spec(PROCESS)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS)
        self.calendar = default_calendar()

    def open_case(self, number: int, now: datetime) -> BpmnWorkflow:
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=script_engine(now))
        workflow.get_tasks(state=TaskState.READY)[0].data.update({
            "case_id": f"case-{number}", "case_reference": f"MASH-2026-{number:06d}", "referral": REFERRAL,
            "subject": SUBJECT, "received_at": now.isoformat(),
            "clock_started_at": self.calendar.clock_start(now).isoformat(),
        })
        workflow.do_engine_steps()
        return workflow

    def run(self, cases: int, clock: Clock) -> Timing:
        workflows = [self.open_case(number, clock.tick()) for number in range(cases)]
        gc.collect()
        timing = Timing()
        for workflow in workflows:
            case_id = workflow.task_tree.data.get("case_id") or workflow.last_task.data["case_id"]
            for step in STEPS:
                task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                            if t.task_spec.bpmn_id == step.element_id)
                now = clock.tick()
                # what complete_task stamps on a submission, so both sides carry the same data
                data = {**step.data, "author": step.user, "completed_at": now.isoformat(), "case_id": case_id}
                started = perf_counter()
                workflow.script_engine = script_engine(now)
                task.data.update(data)
                task.run()
                workflow.do_engine_steps()
                timing.seconds += perf_counter() - started
                timing.completions += 1
            assert workflow.is_completed(), "the bare workflow did not reach its end"
        return timing


# --- where the time goes ---------------------------------------------------------------------------


@dataclass
class Breakdown:
    """Exclusive time per category: a wrapped call pauses the category of the call around it."""

    totals: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    stack: list[list[Any]] = field(default_factory=list)

    def wrap(self, category: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            entered = perf_counter()
            if self.stack:
                self.totals[self.stack[-1][0]] += entered - self.stack[-1][1]
            frame = [category, entered]
            self.stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                left = perf_counter()
                self.totals[category] += left - frame[1]
                self.stack.pop()
                if self.stack:
                    self.stack[-1][1] = left

        return timed


# (owner, attribute, category): the engine's own steps, as `complete_task` calls them
MEASURED = [
    (runtime, "_validated", "form validation"),
    (runtime, "load_workflow", "workflow load (cache miss)"),
    (runtime, "parsed_specs", "workflow load (cache miss)"),
    (Task, "run", "run + engine steps"),
    (BpmnWorkflow, "do_engine_steps", "run + engine steps"),
    (runtime, "take_snapshot", "projection (snapshots + rows)"),
    (runtime, "project_step", "projection (snapshots + rows)"),
    (runtime, "dump_workflow", "serialize"),
    (runtime, "record_event", "audit"),
    (Session, "flush", "flush (ORM writes)"),
    (Session, "commit", "commit"),
]
OTHER = "other (task/instance reads, session, ORM)"


