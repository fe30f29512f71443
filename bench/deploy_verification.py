"""Seconds the deploy verification takes per shipped diagram (structural checks included).

    .venv/bin/python bench/deploy_verification.py [--rounds R]

Each round checks every diagram in bpmn/ with `engine.definitions.check_diagram` in a fresh process
state (the per-bytes verification cache and the forms' candidate caches cleared), so the figure is
what a process owner waits for on a first deploy. Prints wall-clock and CPU seconds (median of the
rounds) per diagram; on a busy machine compare the CPU figures.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from engine.definitions import check_diagram, dryrun, formfacts, verify

BPMN_DIR = Path(__file__).resolve().parents[1] / "bpmn"
GROUPS = [
    "core_group", "cp_chair", "cp_unit", "employer_case_manager", "hr", "lado", "lado_manager",
    "mash_business_support", "mash_manager", "mash_partner_education", "mash_partner_health", "mash_partner_other",
    "mash_partner_police", "mash_screener", "referrer", "social_worker", "team_manager",
]


def _cold() -> None:
    verify._VERIFIED.clear()
    formfacts._candidates.cache_clear()
    formfacts._guaranteed.cache_clear()


def _timed(path: Path) -> tuple[float, float]:
    _cold()
    wall, cpu = time.perf_counter(), time.process_time()
    check_diagram(path.read_bytes(), path.name, GROUPS)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    print(f"deploy verification, median of {rounds} cold rounds (max {dryrun.MAX_STEPS} dry-run steps)")
    for path in sorted(BPMN_DIR.glob("*.bpmn")):
        times = [_timed(path) for _ in range(rounds)]
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        print(f"  {path.stem:<22} {wall:6.2f} s wall  {cpu:6.2f} s cpu")


if __name__ == "__main__":
    main()
