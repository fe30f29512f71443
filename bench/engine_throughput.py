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
from time import perf_counter, thread_time
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

import forms
from engine import accounts, runtime, unit_of_work
from engine.access import Actor
from engine.calendar import default_calendar
from engine.db import Database
from engine.definitions import SosBpmnParser
from engine.definitions import cache as definitions_cache
from engine.migrate import upgrade
from engine.models import HumanTask, TaskStatus
from engine.runtime import steps as runtime_steps
from engine.runtime import tasks as runtime_tasks
from engine.scripting import script_engine

ROOT = Path(__file__).resolve().parent.parent
BPMN_FILE = ROOT / "bpmn" / "mash_screening.bpmn"
PROCESS = "mash_screening"
START = datetime(2026, 5, 22, 10, 30, tzinfo=UTC)
SYSTEM_FIELDS = ("case_id", "author", "completed_at", "version")
TARGET_RATIO = 0.5
DEFAULT_CASES = 150  # x 5 completions x 3 rounds per side, plus the instrumented pass: ~20-30 s in all

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
    """Completions made, and the wall-clock and CPU seconds spent inside them."""

    completions: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0

    @contextmanager
    def completion(self) -> Iterator[None]:
        wall, cpu = perf_counter(), thread_time()
        yield
        self.seconds += perf_counter() - wall
        self.cpu_seconds += thread_time() - cpu
        self.completions += 1

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
                with timing.completion():
                    complete(self.db, task_id, step.data, ACTORS[step.user], now)
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

    def open_case(self, case_id: str, now: datetime) -> BpmnWorkflow:
        """What `runtime.open_case` starts: the workflow, with the same start data, run to its first task."""
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=script_engine(now))
        workflow.get_tasks(state=TaskState.READY)[0].data.update({
            "case_id": case_id, "case_reference": f"MASH-2026-{case_id[-6:]}", "referral": REFERRAL,
            "subject": SUBJECT, "received_at": now.isoformat(),
            "clock_started_at": self.calendar.clock_start(now).isoformat(),
        })
        workflow.do_engine_steps()
        return workflow

    def run(self, cases: int, clock: Clock) -> Timing:
        case_ids = [f"case-{number:06d}" for number in range(cases)]
        workflows = [(case_id, self.open_case(case_id, clock.tick())) for case_id in case_ids]
        gc.collect()
        timing = Timing()
        for case_id, workflow in workflows:
            for step in STEPS:
                task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                            if t.task_spec.bpmn_id == step.element_id)
                now = clock.tick()
                # what complete_task stamps on a submission, so both sides carry the same data
                data = {**step.data, "author": step.user, "completed_at": now.isoformat(), "case_id": case_id}
                with timing.completion():
                    workflow.script_engine = script_engine(now)
                    task.data.update(data)
                    task.run()
                    workflow.do_engine_steps()
            assert workflow.is_completed(), "the bare workflow did not reach its end"
        return timing


# --- where the time goes ---------------------------------------------------------------------------


@dataclass
class Frame:
    """A wrapped call in progress: its category, and when it last started or resumed."""

    category: str
    since: float


@dataclass
class Breakdown:
    """Exclusive time per category: a wrapped call pauses the category of the call around it."""

    totals: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    stack: list[Frame] = field(default_factory=list)

    def wrap(self, category: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            entered = perf_counter()
            if self.stack:
                outer = self.stack[-1]
                self.totals[outer.category] += entered - outer.since
            frame = Frame(category, entered)
            self.stack.append(frame)
            try:
                return function(*args, **kwargs)
            finally:
                left = perf_counter()
                self.totals[category] += left - frame.since
                self.stack.pop()
                if self.stack:
                    self.stack[-1].since = left

        return timed


# (owner, attribute, category): the engine's own steps, as `complete_task` calls them
MEASURED = [
    (runtime_tasks, "validated", "form validation"),
    (unit_of_work, "load_workflow", "workflow load (cache miss)"),
    (unit_of_work, "parsed_specs", "workflow load (cache miss)"),
    (Task, "run", "run + engine steps"),
    (BpmnWorkflow, "do_engine_steps", "run + engine steps"),
    (runtime_tasks, "take_snapshot", "projection (snapshots + rows)"),
    (runtime_steps, "take_snapshot", "projection (snapshots + rows)"),
    (runtime_steps, "project_step", "projection (snapshots + rows)"),
    (runtime_steps, "dump_workflow", "serialize"),
    (unit_of_work, "append_events", "audit"),
    (Session, "flush", "flush (ORM writes)"),
    (SessionTransaction, "commit", "commit"),
]
OTHER = "other (task/instance reads, session, ORM)"


@dataclass
class Probe:
    """What the instrumented pass counts, only while `complete_task` is running."""

    active: bool = False
    statements: Counter[str] = field(default_factory=Counter)
    commits: int = 0
    driver_seconds: float = 0.0
    cache: Counter[str] = field(default_factory=Counter)
    spec_parses: int = 0
    blob_bytes: list[int] = field(default_factory=list)
    log: list[list[str]] = field(default_factory=list)

    def watch(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def watched(*args: Any, **kwargs: Any) -> Any:
            self.active = True
            self.log.append([])
            try:
                return function(*args, **kwargs)
            finally:
                self.active = False

        return watched


@contextmanager
def patched(replacements: list[tuple[Any, str, Any]]) -> Iterator[None]:
    """Set attributes for the duration; put back exactly what was there (or nothing)."""
    missing = object()
    originals = [(owner, name, vars(owner).get(name, missing)) for owner, name, _ in replacements]
    for owner, name, value in replacements:
        setattr(owner, name, value)
    try:
        yield
    finally:
        for owner, name, original in reversed(originals):
            if original is missing:
                delattr(owner, name)
            else:
                setattr(owner, name, original)


@contextmanager
def sql_listeners(db: Database, probe: Probe) -> Iterator[None]:
    """Count statements, commits and time inside the DB-API driver while the probe is active."""

    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if probe.active:
            probe.statements[statement.split(None, 1)[0].upper()] += 1
            probe.log[-1].append(" ".join(statement.split()))
            conn.info["bench_started"] = perf_counter()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        started = conn.info.pop("bench_started", None)
        if started is not None:
            probe.driver_seconds += perf_counter() - started

    def commit(conn: Any) -> None:
        if probe.active:
            probe.commits += 1
            probe.log[-1].append("COMMIT (connection.commit)")

    hooks: list[tuple[str, Callable[..., Any]]] = [
        ("before_cursor_execute", before), ("after_cursor_execute", after), ("commit", commit),
    ]
    for name, hook in hooks:
        event.listen(db.engine, name, hook)
    try:
        yield
    finally:
        for name, hook in hooks:
            event.remove(db.engine, name, hook)


def probe_replacements(breakdown: Breakdown, probe: Probe) -> list[tuple[Any, str, Any]]:
    """The timing wrappers, plus counters on the workflow cache, spec parsing and blob size."""
    cache_get = runtime.WORKFLOWS.take
    parse = definitions_cache.parse_with_spiff
    dump = breakdown.wrap("serialize", runtime_steps.dump_workflow)

    def counted_get(instance_id: str, revision: int) -> Any:
        workflow = cache_get(instance_id, revision)
        probe.cache["hit" if workflow is not None else "miss"] += 1
        return workflow

    def counted_parse(*args: Any) -> Any:
        probe.spec_parses += 1
        return parse(*args)

    def measured_dump(workflow: BpmnWorkflow) -> bytes:
        blob: bytes = dump(workflow)
        probe.blob_bytes.append(len(blob))
        return blob

    timed = [(owner, name, breakdown.wrap(category, getattr(owner, name)))
             for owner, name, category in MEASURED if name != "dump_workflow" and hasattr(owner, name)]
    return [*timed, (runtime_steps, "dump_workflow", measured_dump), (runtime.WORKFLOWS, "take", counted_get),
            (definitions_cache, "parse_with_spiff", counted_parse)]


def instrumented_pass(engine: PersistingEngine, cases: int, clock: Clock) -> tuple[Breakdown, Probe, Timing]:
    """Drive `cases` more cases with the engine's steps wrapped and its SQL counted."""
    case_ids = engine.open_cases(cases, clock)
    breakdown, probe = Breakdown(), Probe()
    complete = probe.watch(breakdown.wrap(OTHER, runtime.complete_task))
    gc.collect()
    with patched(probe_replacements(breakdown, probe)), sql_listeners(engine.db, probe):
        timing = engine.drive(case_ids, clock, complete)
    return breakdown, probe, timing


def profiled_pass(engine: PersistingEngine, cases: int, clock: Clock, limit: int = 30) -> None:
    """cProfile the completions of `cases` more cases; print the top functions by own time."""
    case_ids = engine.open_cases(cases, clock)
    profiler = cProfile.Profile()

    def complete(*args: Any) -> Any:
        return profiler.runcall(runtime.complete_task, *args)

    engine.drive(case_ids, clock, complete)
    for order in ("tottime", "cumulative"):
        print(f"\n--- cProfile of {cases * len(STEPS)} persisting completions, by {order} ---")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(limit)


# --- the report ------------------------------------------------------------------------------------


def print_rates(rounds: list[tuple[Timing, Timing]]) -> None:
    print(f"{'round':>5}  {'persisting/s':>12}  {'ms each':>7}  {'bare/s':>8}  {'ms each':>7}  {'ratio':>5}")
    for number, (persisting, bare) in enumerate(rounds, 1):
        print(f"{number:>5}  {persisting.rate:>12.0f}  {persisting.ms_each:>7.3f}  {bare.rate:>8.0f}  "
              f"{bare.ms_each:>7.3f}  {persisting.rate / bare.rate:>5.2f}")
    persisting_rate = statistics.median(p.rate for p, _ in rounds)
    bare_rate = statistics.median(b.rate for _, b in rounds)
    ratio = persisting_rate / bare_rate
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    print(f"\n(a) persisting engine : {persisting_rate:8.0f} completions/s  ({1000 / persisting_rate:.3f} ms each)")
    print(f"(b) bare SpiffWorkflow: {bare_rate:8.0f} completions/s  ({1000 / bare_rate:.3f} ms each)")
    print(f"(c) ratio a/b         : {ratio:8.2f}  ({verdict} the target of >= {TARGET_RATIO:.2f})")
    cpu_ratio = statistics.median(b.cpu_seconds / b.completions for _, b in rounds) / statistics.median(
        p.cpu_seconds / p.completions for p, _ in rounds)
    print(f"    the same by CPU time of this thread: {cpu_ratio:.2f} (differs from (c) when the machine is busy)")


def print_breakdown(breakdown: Breakdown, probe: Probe, timing: Timing, clean_ms: float) -> None:
    n = timing.completions
    print(f"\nWhere a persisting completion's time goes (instrumented pass, {n} completions, exclusive time):")
    order = list(dict.fromkeys(category for _, _, category in MEASURED)) + [OTHER]
    missing = [f"{getattr(owner, '__name__', owner)}.{name}" for owner, name, _ in MEASURED if not hasattr(owner, name)]
    if missing:
        print(f"  (not measured, no longer in the engine: {', '.join(missing)})")
    for category in order:
        ms = 1000 * breakdown.totals.get(category, 0.0) / n
        print(f"  {category:<42} {ms:7.3f} ms  {100 * ms / timing.ms_each:5.1f}%")
    print(f"  {'total (instrumented; uninstrumented ' + f'{clean_ms:.3f})':<42} {timing.ms_each:7.3f} ms")
    print(f"  {'of which inside the sqlite3 driver':<42} {1000 * probe.driver_seconds / n:7.3f} ms"
          "  (cursor.execute, all categories; COMMIT not included)")
    kinds = ", ".join(f"{kind} {count / n:.1f}" for kind, count in probe.statements.most_common())
    print(f"\nSQL per completion: {probe.statements.total() / n:.1f} statements ({kinds}); "
          f"{probe.commits / n:.1f} commit(s)")
    hits, misses = probe.cache["hit"], probe.cache["miss"]
    print(f"workflow cache: {hits} hits, {misses} misses ({100 * hits / max(hits + misses, 1):.0f}% hit); "
          f"BPMN re-parses during completions: {probe.spec_parses}")
    print(f"state blob: {statistics.mean(probe.blob_bytes) / 1024:.1f} KiB on average "
          f"({min(probe.blob_bytes)}..{max(probe.blob_bytes)} bytes)")


def print_statements(probe: Probe) -> None:
    print(f"\nSQL of the last case's {len(STEPS)} completions:")
    for step, statements in zip(STEPS, probe.log[-len(STEPS):], strict=True):
        print(f"  {step.element_id}: {len(statements)} statements")
        for statement in statements:
            print(f"    {statement[:150]}")


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--cases", type=int, default=DEFAULT_CASES, help="cases per timed round (5 steps each)")
    arguments.add_argument("--rounds", type=int, default=3, help="timed rounds per side (the median is reported)")
    arguments.add_argument("--warmup", type=int, default=20, help="untimed cases run first on each side")
    arguments.add_argument("--profile", action="store_true", help="also print a cProfile listing")
    arguments.add_argument("--show-sql", action="store_true", help="print the SQL of one case's completions")
    options = arguments.parse_args()

    clock = Clock()
    bare = BareSpiff()
    with tempfile.TemporaryDirectory(prefix="sosflow-bench-") as directory:
        engine = PersistingEngine(directory, clock)
        print(f"MASH screening, {len(STEPS)} completions per case; {options.cases} cases x {options.rounds} rounds "
              f"per side after {options.warmup} warm-up cases; SQLite WAL (synchronous=NORMAL) in {directory}\n")
        engine.run(options.warmup, clock)
        bare.run(options.warmup, clock)
        rounds = [(engine.run(options.cases, clock), bare.run(options.cases, clock)) for _ in range(options.rounds)]
        print_rates(rounds)
        clean_ms = statistics.median(p.ms_each for p, _ in rounds)
        breakdown, probe, timing = instrumented_pass(engine, options.cases, clock)
        print_breakdown(breakdown, probe, timing, clean_ms)
        if options.show_sql:
            print_statements(probe)
        if options.profile:
            profiled_pass(engine, options.cases, clock)
        engine.db.engine.dispose()


if __name__ == "__main__":
    main()
