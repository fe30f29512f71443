"""A dry run of a diagram at deploy: the real SpiffWorkflow and script engine, in memory, nothing stored.

The run starts like the runtime does (start form example plus the start variables on the first READY
task), then explores: each ready user task is completed with candidate submissions (the form's
examples and variants of them, see `formfacts`) through `apply_submission`; each waiting timer is
fired by moving the script engine's clock to its deadline. Every ready task's `due` is evaluated and
must be a timezone-aware date-time, as must every timeDate. The search is bounded: a choice is tried
when its (element, submission) pair is new, and one more choice continues each path; paths stop after
an element has been completed `MAX_VISITS` times, and the whole run after `MAX_STEPS` steps. Any
exception becomes a finding with the element where it happened, the reason and the path that led there.
A hand-off end event is not followed into the process it starts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.calendar import LONDON, default_calendar
from engine.definitions.dataflow import TaskForm
from engine.definitions.formfacts import Candidate, candidate_submissions
from engine.definitions.gateways import Finding
from engine.definitions.spiff import properties_of
from engine.scripting import script_engine
from engine.state import dump_workflow, load_workflow
from engine.taskdata import apply_submission, stamped

MAX_STEPS = 250
MAX_VISITS = 2
START_AT = datetime(2026, 1, 5, 9, 0, tzinfo=LONDON)
_DRY_CASE = {"case_id": "dry-run-case", "case_reference": "DRY-2026-000001"}


@dataclass(frozen=True)
class Step:
    """One choice on a path: a task completed with a submission, or a timer fired."""

    element_id: str
    label: str
    submission: Mapping[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        if self.submission is None:
            return {"timer": self.element_id, "fired": self.label}
        return {"task": self.element_id, "submission": dict(self.submission), "made_from": self.label}


@dataclass
class _State:
    blob: bytes
    now: datetime
    path: tuple[Step, ...]
    visits: Counter[str] = field(default_factory=Counter)


class DryRun:
    """Explores one process's reachable behaviour with schema-valid submissions."""

    def __init__(self, spec: Any, subprocess_specs: dict[str, Any], task_forms: Mapping[str, TaskForm],
                 start_form: str | None, fields_read: frozenset[str]) -> None:
        self.spec, self.subprocess_specs = spec, subprocess_specs
        self.task_forms, self.start_form, self.fields_read = task_forms, start_form, fields_read
        self.findings: dict[tuple[str, str], Finding] = {}
        self.seen: set[tuple[str, str]] = set()
        self.steps = 0

    def run(self) -> list[Finding]:
        stack = [state for state in self._starts() if state is not None]
        while stack and self.steps < MAX_STEPS:
            state = stack.pop()
            stack.extend(self._expand(state))
        return list(self.findings.values())

    # --- starting ---------------------------------------------------------------------------------

    def _starts(self) -> list[_State | None]:
        examples = [Candidate("no start form", {})]
        if self.start_form:
            examples = candidate_submissions(self.start_form, {}, self.fields_read)[:3] or examples
        return [self._start(example) for example in examples]

    def _start(self, example: Candidate) -> _State | None:
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=script_engine(START_AT))
        now_iso = START_AT.isoformat()
        data = {**example.data, **_DRY_CASE, "referral": example.data, "subject": {}, "received_at": now_iso,
                "clock_started_at": default_calendar().clock_start(START_AT).isoformat(),
                "process_started_at": now_iso, "record_and_match": {"open_to_allocated_worker": False}}
        workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
        path = (Step("start", f"start form {example.label}", example.data),)
        return self._settled(workflow, _State(b"", START_AT, path))

    # --- exploring --------------------------------------------------------------------------------

    def _expand(self, state: _State) -> list[_State]:
        if any(count > MAX_VISITS for count in state.visits.values()):
            return []
        workflow = self._load(state)
        choices = self._choices(workflow, state)
        novel = [c for c in choices if (c[0], c[1]) not in self.seen]
        self.seen.update((c[0], c[1]) for c in novel)
        chosen = novel or choices[:1]
        children = []
        for index, (_, _, action) in enumerate(chosen):
            if self.steps >= MAX_STEPS:
                break
            self.steps += 1
            # The workflow loaded to list the choices serves the last one; the others get fresh copies.
            child = action(workflow if index == len(chosen) - 1 else self._load(state), state)
            if child is not None:
                children.append(child)
        return children

    def _choices(self, workflow: BpmnWorkflow, state: _State) -> list[tuple[str, str, Any]]:
        choices: list[tuple[str, str, Any]] = []
        for task in workflow.get_tasks(state=TaskState.READY, manual=True):
            task_form = self.task_forms.get(task.task_spec.bpmn_id)
            if task_form is None:
                continue
            candidates = candidate_submissions(task_form.form_key, task_form.constraints, self.fields_read)
            if not candidates:
                self._add(task.task_spec.bpmn_id, f"no example of form '{task_form.form_key}' is valid under the "
                          "task's constraints, so nothing after it can be tried; add one that is", state)
            for candidate in candidates:
                choices.append((task.task_spec.bpmn_id, candidate.label, self._completer(task.id, candidate)))
        for task in _waiting_timers(workflow):
            choices.append((task.task_spec.bpmn_id, "fired", self._firer(task.id)))
        return choices

    def _completer(self, task_id: Any, candidate: Candidate) -> Any:
        def complete(workflow: BpmnWorkflow, state: _State) -> _State | None:
            task = workflow.get_task_from_id(task_id)
            element_id = task.task_spec.bpmn_id
            task_form = self.task_forms[element_id]
            at = state.now.isoformat()
            submission = stamped(candidate.data, author="dry.run", at=at, case_id=_DRY_CASE["case_id"])
            step = Step(element_id, candidate.label, candidate.data)
            apply_submission(task.data, task_form.form_key, element_id, submission, at)
            visits = state.visits + Counter({element_id: 1})
            child = _State(b"", state.now, (*state.path, step), visits)
            try:
                task.run()
            except Exception as exc:  # noqa: BLE001 - any failure of the step is the finding
                self._found(exc, workflow, child)
                return None
            return self._settled(workflow, child)
        return complete

    def _firer(self, task_id: Any) -> Any:
        def fire(workflow: BpmnWorkflow, state: _State) -> _State | None:
            task = workflow.get_task_from_id(task_id)
            deadline = _deadline(task)
            now = max(state.now, deadline + timedelta(minutes=1)) if deadline else state.now
            workflow.script_engine = script_engine(now)
            step = Step(task.task_spec.bpmn_id, now.isoformat())
            child = _State(b"", now, (*state.path, step), state.visits)
            try:
                workflow.refresh_timers()
            except Exception as exc:  # noqa: BLE001 - any failure of the step is the finding
                self._found(exc, workflow, child)
                return None
            return self._settled(workflow, child)
        return fire

    def _settled(self, workflow: BpmnWorkflow, state: _State) -> _State | None:
        """Run engine steps, then check every ready task's `due` and every waiting timer's date."""
        try:
            workflow.do_engine_steps()
        except Exception as exc:  # noqa: BLE001 - any failure of the step is the finding
            self._found(exc, workflow, state)
            return None
        self._check_dates(workflow, state)
        state.blob = dump_workflow(workflow)
        return state

    def _load(self, state: _State) -> BpmnWorkflow:
        workflow = load_workflow(state.blob, self.spec, self.subprocess_specs)
        workflow.script_engine = script_engine(state.now)
        return workflow

    # --- checking ---------------------------------------------------------------------------------

    def _check_dates(self, workflow: BpmnWorkflow, state: _State) -> None:
        for task in workflow.get_tasks(state=TaskState.READY, manual=True):
            due = properties_of(task.task_spec).get("due")
            if not due:
                continue
            try:
                value = workflow.script_engine.evaluate(task, due)
            except Exception as exc:  # noqa: BLE001 - any failure of the expression is the finding
                self._found(exc, workflow, state, what="its due expression")
                continue
            if not is_aware_moment(value):
                self._add(task.task_spec.bpmn_id, f"its due expression gave {value!r}, not a date-time with a "
                          "timezone offset", state)
        for task in _waiting_timers(workflow):
            value = task._get_internal_data("event_value")
            if _is_time_date(task) and not is_aware_moment(value):
                self._add(task.task_spec.bpmn_id, f"its timer gave {value!r}, not a date-time with a timezone "
                          "offset", state)

    def _found(self, exc: Exception, workflow: BpmnWorkflow, state: _State, what: str = "") -> None:
        element_id = _element_of(exc, workflow)
        self._add(element_id or "", (f"{what} " if what else "") + failure_reason(exc), state)

    def _add(self, element_id: str, reason: str, state: _State) -> None:
        key = (element_id, reason)
        if key in self.findings:
            return
        path = "; ".join(f"{s.element_id} ← {s.label}" for s in state.path)
        message = f"the dry run failed here: {reason}; counterexample: {path}"
        self.findings[key] = Finding(element_id, message, {"path": [s.as_dict() for s in state.path]})


def _waiting_timers(workflow: BpmnWorkflow) -> list[Any]:
    return [t for t in workflow.get_tasks(state=TaskState.WAITING)
            if isinstance(getattr(t.task_spec, "event_definition", None), TimerEventDefinition)]


def _is_time_date(task: Any) -> bool:
    return isinstance(task.task_spec.event_definition, TimeDateEventDefinition)


def _deadline(task: Any) -> datetime | None:
    value = task._get_internal_data("event_value")
    try:
        moment = TimerEventDefinition.get_datetime(str(value)) if value else None
    except (TypeError, ValueError):
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def is_aware_moment(value: Any) -> bool:
    """A timezone-aware datetime, or an ISO date-time string with an offset."""
    if isinstance(value, datetime):
        return value.tzinfo is not None
    if not isinstance(value, str) or len(value) <= 10:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def failure_reason(exc: BaseException) -> str:
    """The cause in plain words: the variable for a NameError, the error type and text otherwise."""
    cause = exc.__context__ if isinstance(exc, WorkflowException) and exc.__context__ is not None else exc
    if isinstance(cause, NameError):
        return f"'{cause.name}' is not defined" if cause.name else str(cause)
    if isinstance(cause, KeyError):
        return f"key {cause} is missing"
    text = str(cause).splitlines()[0] if str(cause) else ""
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


def _element_of(exc: BaseException, workflow: BpmnWorkflow) -> str | None:
    spec = getattr(exc, "task_spec", None)
    if spec is not None and getattr(spec, "bpmn_id", None):
        return str(spec.bpmn_id)
    for task in _waiting_timers(workflow) + workflow.get_tasks(state=TaskState.READY):
        if _is_timer(task) and _deadline(task) is None and task._get_internal_data("event_value") is not None:
            return str(task.task_spec.bpmn_id)
    return None


def _is_timer(task: Any) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)
