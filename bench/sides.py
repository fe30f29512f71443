"""The two sides of the throughput benchmark: the persisting engine and bare in-memory SpiffWorkflow.

Both drive MASH screening cases along the same five user tasks with the same data and the same
RestrictedPython script engine; only the completions are timed, in wall-clock and CPU time.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from time import perf_counter, thread_time
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select, text

import forms
from engine import accounts, runtime
from engine.access import Actor
from engine.calendar import default_calendar
from engine.db import Database
from engine.definitions import SosBpmnParser, properties_of
from engine.migrate import upgrade
from engine.models import HumanTask, TaskStatus
from engine.scripting import script_engine
from engine.taskdata import apply_submission

ROOT = Path(__file__).resolve().parent.parent
BPMN_FILE = ROOT / "bpmn" / "mash_screening.bpmn"
PROCESS = "mash_screening"
START = datetime(2026, 5, 22, 10, 30, tzinfo=UTC)
SYSTEM_FIELDS = ("case_id", "author", "completed_at", "version")
PG_SCHEMA = "sosflow_bench"

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
    # no further action: the case ends here on both sides (a hand-off would start a second process, on the
    # persisting side only, or open an incident where its target is not deployed)
    Step("screening_decision", "maya", form_data("mash_decision", decision="nfa")),
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
    """Completions made, and the wall-clock and CPU seconds spent inside them."""

    completions: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    cpu_each: list[float] = field(default_factory=list)

    @contextmanager
    def completion(self) -> Iterator[None]:
        wall, cpu = perf_counter(), thread_time()
        yield
        self.seconds += perf_counter() - wall
        self.cpu_each.append(thread_time() - cpu)
        self.cpu_seconds += self.cpu_each[-1]
        self.completions += 1

    @property
    def rate(self) -> float:
        return self.completions / self.seconds

    @property
    def ms_each(self) -> float:
        return 1000 * self.seconds / self.completions

    @property
    def cpu_ms_each(self) -> float:
        return 1000 * self.cpu_seconds / self.completions


def bench_database(url: str | None, directory: str) -> Database:
    """A fresh SQLite file in `directory`, or a fresh schema of its own in the PostgreSQL database at `url`."""
    if url is None:
        return Database.from_url(f"sqlite:///{directory}/bench.db")
    admin = Database.from_url(url)
    with admin.engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {PG_SCHEMA}"))
    admin.engine.dispose()
    separator = "&" if "?" in url else "?"
    return Database.from_url(f"{url}{separator}options=-csearch_path%3D{PG_SCHEMA}")


def drop_bench_schema(db: Database) -> None:
    if db.is_postgres:
        with db.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))


class PersistingEngine:
    """A migrated database with the users and the MASH diagram deployed; `runtime.complete_task` per step."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        upgrade(self.db)
        for name, groups in USERS.items():
            accounts.create_user(self.db, name, groups, clock.tick())
        runtime.WORKFLOWS.clear()
        # The MASH diagram hands off to others: deploys refuse a dead end, so the set goes together.
        paths = sorted(BPMN_FILE.parent.glob("*.bpmn"))
        diagrams = [runtime.DiagramFile(path.read_bytes(), path.name) for path in paths]
        runtime.deploy_definitions(self.db, diagrams, ACTORS["owner"], clock.tick())

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
                with timing.completion():
                    complete(self.db, task_id, step.data, ACTORS[step.user], now)
        return timing

    def run(self, cases: int, clock: Clock) -> Timing:
        return self.drive(self.open_cases(cases, clock), clock)

    def leave_open(self, clock: Clock) -> None:
        """Cases stopped after each number of steps, so the check afterwards meets ready tasks and timers."""
        for done in range(len(STEPS)):
            case_id = self.open_cases(1, clock)[0]
            for step in STEPS[:done]:
                runtime.complete_task(self.db, self.ready_task(case_id, step.element_id), step.data,
                                      ACTORS[step.user], clock.tick())


class BareSpiff:
    """The same diagram parsed once, run in memory: no database, no validation, no projections."""

    def __init__(self) -> None:
        parser = SosBpmnParser()
        parser.add_bpmn_file(str(BPMN_FILE))
        self.spec = parser.get_spec(PROCESS)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS)
        self.calendar = default_calendar()

    def open_case(self, case_id: str, now: datetime) -> BpmnWorkflow:
        """What `runtime.open_case` starts: the workflow, with the same start data, run to its first task
        (the start form's fields at the top level too, and `process_started_at`, as `start_instance` sets it)."""
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=script_engine(now))
        workflow.get_tasks(state=TaskState.READY)[0].data.update({
            **REFERRAL, "case_id": case_id, "case_reference": f"MASH-2026-{case_id[-6:]}", "referral": REFERRAL,
            "subject": SUBJECT, "received_at": now.isoformat(),
            "clock_started_at": self.calendar.clock_start(now).isoformat(), "process_started_at": now.isoformat(),
        })
        workflow.do_engine_steps()
        return workflow

    def run(self, cases: int, clock: Clock) -> Timing:
        case_ids = [f"case-{number:06d}" for number in range(cases)]
        workflows = [(case_id, self.open_case(case_id, clock.tick())) for case_id in case_ids]
        timing = Timing()
        for case_id, workflow in workflows:
            for step in STEPS:
                task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                            if t.task_spec.bpmn_id == step.element_id)
                now = clock.tick()
                # what complete_task stamps on a submission, so both sides carry the same data
                data = {**step.data, "author": step.user, "completed_at": now.isoformat(), "case_id": case_id}
                form_key = properties_of(task.task_spec)["form"]
                with timing.completion():
                    workflow.script_engine = script_engine(now)
                    apply_submission(task.data, form_key, step.element_id, data, now.isoformat())
                    task.run()
                    workflow.do_engine_steps()
            assert workflow.is_completed(), "the bare workflow did not reach its end"
        return timing
