"""Where a persisting completion's time goes: the engine's own steps wrapped and timed, its SQL counted.

Each wrapped call's exclusive time (wall clock and CPU of this thread) goes to its part; a wrapped
call pauses the part of the call around it. SQL statements are counted with a
`before_cursor_execute` listener, which sees every statement the engine sends, whether the ORM,
a Core statement or a compiled one run with `exec_driver_sql`.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter, thread_time
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from sqlalchemy import event
from sqlalchemy.engine import RootTransaction
from sqlalchemy.orm import Session, SessionTransaction

from bench.sides import STEPS, Clock, PersistingEngine, Timing
from engine import runtime, unit_of_work
from engine.db import Database
from engine.definitions import cache as definitions_cache
from engine.runtime import steps as runtime_steps
from engine.runtime import tasks as runtime_tasks

# (owner, attribute, part): the engine's own steps, where `complete_task` finds them
MEASURED = [
    (runtime_tasks, "validated", "form validation"),
    (runtime_tasks, "_open_task_and_instance", "read task + instance (one SELECT)"),
    (unit_of_work, "read_workflow", "workflow load (cache miss)"),
    (Task, "run", "run + engine steps (SpiffWorkflow)"),
    (BpmnWorkflow, "do_engine_steps", "run + engine steps (SpiffWorkflow)"),
    (unit_of_work, "take_snapshot", "snapshot (one walk of the task tree)"),
    (runtime_steps, "take_snapshot", "snapshot (one walk of the task tree)"),
    (runtime_steps, "dump_workflow", "serialize the state"),
    (runtime_tasks, "_finish", "task row UPDATE"),
    (runtime_steps, "update_instance", "instance UPDATE (optimistic lock)"),
    (runtime_steps, "project_step", "projection rows (tasks, timers)"),
    (unit_of_work, "append_events", "audit (hash chain, rows, head)"),
    (Session, "flush", "ORM flush"),
    (SessionTransaction, "commit", "commit"),
    (RootTransaction, "commit", "commit"),
]
OTHER = "other (session, unit of work, access, data)"


@dataclass
class Frame:
    """A wrapped call in progress: its part, and when it last started or resumed (wall, CPU)."""

    part: str
    since: float
    cpu_since: float


@dataclass
class Breakdown:
    """Exclusive wall-clock and CPU time per part."""

    wall: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    cpu: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    stack: list[Frame] = field(default_factory=list)

    def _pause(self, wall: float, cpu: float) -> None:
        if self.stack:
            outer = self.stack[-1]
            self.wall[outer.part] += wall - outer.since
            self.cpu[outer.part] += cpu - outer.cpu_since

    def wrap(self, part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = perf_counter(), thread_time()
            self._pause(wall, cpu)
            self.stack.append(Frame(part, wall, cpu))
            try:
                return function(*args, **kwargs)
            finally:
                wall, cpu = perf_counter(), thread_time()
                self._pause(wall, cpu)
                self.stack.pop()
                if self.stack:
                    self.stack[-1].since, self.stack[-1].cpu_since = wall, cpu

        return timed


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
            probe.log[-1].append(" ".join(statement.split()) + ("  [executemany]" if many else ""))
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
    dump = breakdown.wrap("serialize the state", runtime_steps.dump_workflow)

    def counted_get(instance_id: str, revision: int) -> Any:
        cached = cache_get(instance_id, revision)
        probe.cache["hit" if cached is not None else "miss"] += 1
        return cached

    def counted_parse(*args: Any) -> Any:
        probe.spec_parses += 1
        return parse(*args)

    def measured_dump(workflow: BpmnWorkflow) -> bytes:
        blob: bytes = dump(workflow)
        probe.blob_bytes.append(len(blob))
        return blob

    timed = [(owner, name, breakdown.wrap(part, getattr(owner, name)))
             for owner, name, part in MEASURED if name != "dump_workflow" and hasattr(owner, name)]
    return [*timed, (runtime_steps, "dump_workflow", measured_dump), (runtime.WORKFLOWS, "take", counted_get),
            (definitions_cache, "parse_with_spiff", counted_parse)]


def instrumented_pass(engine: PersistingEngine, cases: int, clock: Clock) -> tuple[Breakdown, Probe, Timing]:
    """Drive `cases` more cases with the engine's steps wrapped and its SQL counted."""
    case_ids = engine.open_cases(cases, clock)
    breakdown, probe = Breakdown(), Probe()
    complete = probe.watch(breakdown.wrap(OTHER, runtime.complete_task))
    with patched(probe_replacements(breakdown, probe)), sql_listeners(engine.db, probe):
        timing = engine.drive(case_ids, clock, complete)
    return breakdown, probe, timing


def print_breakdown(breakdown: Breakdown, probe: Probe, timing: Timing, clean_ms: float) -> None:
    n = timing.completions
    print(f"\nWhere a persisting completion's time goes (instrumented pass, {n} completions, exclusive time):")
    parts = list(dict.fromkeys(part for _, _, part in MEASURED)) + [OTHER]
    missing = [f"{getattr(owner, '__name__', owner)}.{name}" for owner, name, _ in MEASURED if not hasattr(owner, name)]
    if missing:
        print(f"  (not measured, no longer in the engine: {', '.join(missing)})")
    print(f"  {'part':<44} {'wall ms':>8} {'share':>6} {'CPU ms':>8}")
    for part in parts:
        ms, cpu_ms = 1000 * breakdown.wall.get(part, 0.0) / n, 1000 * breakdown.cpu.get(part, 0.0) / n
        print(f"  {part:<44} {ms:8.3f} {100 * ms / timing.ms_each:5.1f}% {cpu_ms:8.3f}")
    print(f"  {'total (instrumented; uninstrumented ' + f'{clean_ms:.3f})':<44} {timing.ms_each:8.3f} "
          f"{'':>6} {timing.cpu_ms_each:8.3f}")
    print(f"  {'of which inside the DB-API driver':<44} {1000 * probe.driver_seconds / n:8.3f}"
          "  (cursor.execute, every part; COMMIT not included)")
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
