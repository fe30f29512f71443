"""Routes to every step of a diagram, found by the deploy dry run, replayed through the runtime.

The dry run (engine/definitions/dryrun.py) already explores each diagram with schema-valid submissions;
`find_routes` runs it without firing timers and keeps, for each user task, the first sequence of
submissions that made it ready (for a RED-routed step, one route where `rag` is "red" and one where
it is not). `replay` opens a case in the runtime at the dry run's start time and completes the same
tasks with the same submissions, so a ladder test can start at any step of any diagram.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.util.task import TaskState

from engine import runtime
from engine.access import Actor
from engine.db import Database
from engine.definitions import dryrun
from engine.definitions.dryrun import START_AT, DryRun, Step
from engine.definitions.graph import process_graph
from engine.definitions.spiff import load_specs, parse_with_spiff
from engine.definitions.verify import _start_form, _task_forms, fields_read
from engine.definitions.xml_safety import safe_parse
from tests.factories import BPMN_DIR, CaseDriver

Route = tuple[Step, ...]


class _RouteFinder(DryRun):
    """The dry run that never fires a timer and remembers how each task was first reached."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.routes: dict[tuple[str, bool], Route] = {}

    def _choices(self, workflow: Any, state: Any) -> list[tuple[str, str, Any]]:
        return [c for c in super()._choices(workflow, state) if c[1] != "fired"]

    def _settled(self, workflow: Any, state: Any) -> Any:
        settled = super()._settled(workflow, state)
        if settled is not None:
            for task in workflow.get_tasks(state=TaskState.READY, manual=True):
                key = (task.task_spec.bpmn_id, task.data.get("rag") == "red")
                self.routes.setdefault(key, settled.path)
        return settled


_ROUTES: dict[str, dict[tuple[str, bool], Route]] = {}


def find_routes(key: str) -> dict[tuple[str, bool], Route]:
    """(element id, whether `rag` is red there) → the submissions that first made that task ready."""
    if key not in _ROUTES:
        file_name = f"{key}.bpmn"
        root = safe_parse((BPMN_DIR / file_name).read_bytes(), file_name)
        spec, subprocess_specs = load_specs(parse_with_spiff(root, file_name), root, key, file_name)
        task_forms, _ = _task_forms([spec, *subprocess_specs.values()])
        finder = _RouteFinder(spec, subprocess_specs, task_forms, _start_form(spec),
                              fields_read(process_graph(root, key)))
        budget, dryrun.MAX_STEPS = dryrun.MAX_STEPS, 1500
        try:
            finder.run()
        finally:
            dryrun.MAX_STEPS = budget
        _ROUTES[key] = finder.routes
    return _ROUTES[key]


def route_to(key: str, element_id: str, red: bool | None = None) -> Route:
    routes = find_routes(key)
    for wanted in ((red,) if red is not None else (False, True)):
        if (element_id, wanted) in routes:
            return routes[(element_id, wanted)]
    raise LookupError(f"the dry run found no route to {element_id} in {key} (red={red})")


def replay(db: Database, key: str, start_lane: str, route: Route) -> tuple[CaseDriver, datetime]:
    """Open a case at the dry run's start time and complete the route's tasks; returns the case and the time."""
    start, *steps = route
    now = START_AT
    actor = Actor(f"{start_lane}_opener", frozenset({start_lane}))
    case_id = runtime.open_case(db, process=key, subject={"name": "Child L"}, data=dict(start.submission or {}),
                                actor=actor, now=now)
    case = CaseDriver(db, case_id)
    for step in steps:
        now += timedelta(minutes=1)
        complete(case, step.element_id, dict(step.submission or {}), now)
    return case, now


def complete(case: CaseDriver, element_id: str, data: dict[str, Any], at: datetime) -> None:
    """Complete a ready task as a member of its lane (a personal task as the person it belongs to)."""
    task = case.task(element_id)
    username = task.assignee if task.personal and task.assignee else f"{task.candidate_group}_worker"
    runtime.complete_task(case.db, task.id, data, Actor(username, frozenset({task.candidate_group})), at)
