"""Task completions per second: the persisting engine against bare in-memory SpiffWorkflow.

    .venv/bin/python bench/engine_throughput.py [--cases N] [--rounds R] [--database-url URL]
                                                [--profile] [--show-sql] [--no-sqlite]

Both sides drive N cases through bpmn/mash_screening.bpmn along the same five user tasks
(screen_contact -> partner_check_police + partner_check_health -> screening_decision (no further
action, so no hand-off) -> feedback_to_referrer), with the same data (each form's first `examples`
entry, less the fields the engine stamps) and the same RestrictedPython script engine
(`engine.scripting.script_engine(now)`):

(a) persisting: `engine.runtime.complete_task` on a fresh database (a temporary SQLite file, and,
    with `--database-url postgresql://…`, a fresh schema in that PostgreSQL database too), migrated
    with `engine.migrate.upgrade`, the diagram deployed with `runtime.deploy_definition`, users made
    with `engine.accounts`; every completion validates its form and commits;
(b) bare: the submission written into the task's data the way the engine writes it
    (`engine.taskdata.apply_submission`: the task owns its answers), `task.run()`,
    `workflow.do_engine_steps()`, on workflows held in memory: no database and no form validation;
(c) their ratio. The aim of issue 7 is (a) >= 0.2 x (b) on both databases.

Only the completions are timed (each call on its own, summed); opening the cases and finding the
next task's id are not. The clock is fixed (22 May 2026 10:30 UTC) and advances a second per
completion. Both sides are warmed up first; then rounds alternate the two sides, so a busy machine
slows both alike. Reported: the median of the rounds' ratios and the best round, by wall clock and by
CPU time of this thread.

Then an instrumented pass shows where a persisting completion's time goes (bench/probe.py), and the
database is checked (bench/verify.py): the audit chain verifies, and every instance's projections
equal those rebuilt from a fresh load of its stored workflow.

Figures of 2 December 2026 (2 cores shared with other work, load average 6-9 throughout, so wall-clock
figures vary by a third from run to run; the CPU-time ratio is steadier). SQLite, before the work of
that night: median 0.160 (by CPU 0.171); after, four runs: 0.262, 0.200, 0.186 at load 6-9 and 0.252
at load 3.5 (by CPU 0.287, 0.206, 0.251, 0.255). CPU ms per
completion in the instrumented pass, before -> after: form validation 0.39 -> 0.19 (a check compiled
from the schema, forms/compiled.py), read task + instance 0.49 -> 0.17 (Core into plain rows; the
BEGIN moved to "other"), serialize 0.42 -> 0.35, commit 0.36 -> 0.30 (no ORM session), SpiffWorkflow
0.79 -> 0.78, total 3.86 -> 3.24. PostgreSQL (same machine, fsync off): 0.091 at load 3.7 (by CPU
0.159), 0.04-0.13 at load 6-10: about eight round trips a completion, each slowed by the load.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.probe import instrumented_pass, print_breakdown, print_statements  # noqa: E402
from bench.sides import STEPS, BareSpiff, Clock, PersistingEngine, Timing, bench_database, drop_bench_schema  # noqa: E402
from bench.verify import print_verification, verify_database  # noqa: E402
from engine import runtime  # noqa: E402

TARGET_RATIO = 0.2
DEFAULT_CASES = 100  # x 5 completions x 3 rounds per side, plus the instrumented pass


@dataclass
class Result:
    """One database's rounds: (persisting, bare) timings."""

    name: str
    rounds: list[tuple[Timing, Timing]]

    def ratios(self, cpu: bool = False) -> list[float]:
        if cpu:
            return [b.cpu_ms_each / p.cpu_ms_each for p, b in self.rounds]
        return [p.rate / b.rate for p, b in self.rounds]


def timed_rounds(engine: PersistingEngine, bare: BareSpiff, cases: int, rounds: int, clock: Clock
                 ) -> list[tuple[Timing, Timing]]:
    results = []
    for _ in range(rounds):
        gc.collect()
        persisting = engine.run(cases, clock)
        gc.collect()
        results.append((persisting, bare.run(cases, clock)))
    return results


def print_rates(result: Result) -> None:
    print(f"{'round':>5}  {'persisting/s':>12}  {'ms each':>7}  {'CPU ms':>6}  {'bare/s':>8}  {'ms each':>7}  "
          f"{'CPU ms':>6}  {'ratio':>5}  {'by CPU':>6}")
    for number, ((persisting, bare), ratio, cpu) in enumerate(
            zip(result.rounds, result.ratios(), result.ratios(cpu=True), strict=True), 1):
        print(f"{number:>5}  {persisting.rate:>12.0f}  {persisting.ms_each:>7.3f}  {persisting.cpu_ms_each:>6.3f}  "
              f"{bare.rate:>8.0f}  {bare.ms_each:>7.3f}  {bare.cpu_ms_each:>6.3f}  {ratio:>5.3f}  {cpu:>6.3f}")
    persisting_ms = statistics.median(p.ms_each for p, _ in result.rounds)
    bare_ms = statistics.median(b.ms_each for _, b in result.rounds)
    print(f"\n(a) persisting engine : {1000 / persisting_ms:8.0f} completions/s  ({persisting_ms:.3f} ms each)")
    print(f"(b) bare SpiffWorkflow: {1000 / bare_ms:8.0f} completions/s  ({bare_ms:.3f} ms each)")
    print(f"(c) ratio a/b         : {summary(result)}")


def summary(result: Result) -> str:
    ratio, cpu = statistics.median(result.ratios()), statistics.median(result.ratios(cpu=True))
    verdict = "meets" if ratio >= TARGET_RATIO else "misses"
    return (f"{ratio:.3f} median of rounds (best {max(result.ratios()):.3f}); by CPU time {cpu:.3f} "
            f"(best {max(result.ratios(cpu=True)):.3f}) -- {verdict} the aim of >= {TARGET_RATIO:.2f}")


def profiled_pass(engine: PersistingEngine, cases: int, clock: Clock, limit: int = 30) -> None:
    """cProfile the completions of `cases` more cases; print the top functions by own time."""
    case_ids = engine.open_cases(cases, clock)
    profiler = cProfile.Profile()
    engine.drive(case_ids, clock, lambda *args: profiler.runcall(runtime.complete_task, *args))
    for order in ("tottime", "cumulative"):
        print(f"\n--- cProfile of {cases * len(STEPS)} persisting completions, by {order} ---")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(limit)


def run_database(name: str, url: str | None, bare: BareSpiff, options: argparse.Namespace) -> Result:
    clock = Clock()
    with tempfile.TemporaryDirectory(prefix="sosflow-bench-") as directory:
        db = bench_database(url, directory)
        engine = PersistingEngine(db, clock)
        print(f"\n===== {name}: MASH screening, {len(STEPS)} completions per case; {options.cases} cases x "
              f"{options.rounds} rounds per side after {options.warmup} warm-up cases =====\n")
        engine.run(options.warmup, clock)
        bare.run(options.warmup, clock)
        result = Result(name, timed_rounds(engine, bare, options.cases, options.rounds, clock))
        print_rates(result)
        clean_ms = statistics.median(p.ms_each for p, _ in result.rounds)
        breakdown, probe, timing = instrumented_pass(engine, options.cases, clock)
        print_breakdown(breakdown, probe, timing, clean_ms)
        if options.show_sql:
            print_statements(probe)
        if options.profile:
            profiled_pass(engine, options.cases, clock)
        engine.leave_open(clock)
        found = verify_database(db)
        print_verification(found)
        drop_bench_schema(db)
        db.engine.dispose()
        if found.problems:
            raise SystemExit(f"{name}: the database does not check out after the benchmark")
        return result


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("--cases", type=int, default=DEFAULT_CASES, help="cases per timed round (5 steps each)")
    arguments.add_argument("--rounds", type=int, default=3, help="timed rounds per side (the median is reported)")
    arguments.add_argument("--warmup", type=int, default=20, help="untimed cases run first on each side")
    arguments.add_argument("--database-url", help="also run on this PostgreSQL database (in a schema of its own)")
    arguments.add_argument("--no-sqlite", action="store_true", help="only the --database-url run")
    arguments.add_argument("--profile", action="store_true", help="also print a cProfile listing")
    arguments.add_argument("--show-sql", action="store_true", help="print the SQL of one case's completions")
    options = arguments.parse_args()
    bare = BareSpiff()
    targets = [] if options.no_sqlite else [("SQLite (WAL, synchronous=NORMAL)", None)]
    if options.database_url:
        targets.append(("PostgreSQL", options.database_url))
    results = [run_database(name, url, bare, options) for name, url in targets]
    print("\n===== ratio persisting / bare =====")
    for result in results:
        print(f"  {result.name:<34} {summary(result)}")


if __name__ == "__main__":
    main()
