"""The one write path: every change to workflow state is a function here, one transaction each.

Each function loads what it needs, checks access, changes the workflow, rewrites projections,
appends the audit event and commits once. The clock (`now`) is always a parameter.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import forms
from engine import access
from engine.access import Actor
from engine.audit import record_event
from engine.calendar import LONDON, default_calendar
from engine.db import Database
from engine.definitions import check_diagram, parsed_specs, properties_of
from engine.errors import FieldProblem, FormInvalid, InstanceChanged, NotFound, StaleState
from engine.models import (
    Case,
    CaseKind,
    Group,
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    ReferenceCounter,
    TaskStatus,
    Timer,
)
from engine.projection import (
    Snapshot,
    StepContext,
    fired_timers,
    new_handoffs,
    project_step,
    take_snapshot,
)
from engine.records import record_submission
from engine.scripting import script_engine
from engine.state import STATE_FORMAT, WorkflowCache, dump_workflow, load_workflow

REFERENCE_PREFIXES = {"mash_screening": "MASH", "lado_allegation": "LADO"}
CASE_KINDS = {"lado_allegation": CaseKind.ALLEGATION}
WORKFLOWS = WorkflowCache()


# --- definitions -------------------------------------------------------------------------------


def deploy_definition(
    db: Database, data: bytes, file_name: str, actor: Actor, now: datetime, key: str | None = None
) -> tuple[ProcessDefinition, bool]:
    """Check and store a diagram as the next version of its process; unchanged XML is not redeployed."""
    access.require_role(actor, access.Role.PROCESS_OWNER)
    with db.unit_of_work() as session:
        groups = session.scalars(select(Group.name)).all()
        checked = check_diagram(data, file_name, groups, key)
        latest = _latest_definition(session, checked.key)
        if latest is not None and latest.sha256 == checked.sha256:
            return latest, False
        definition = ProcessDefinition(
            key=checked.key, version=(latest.version + 1) if latest else 1, name=checked.name,
            sha256=checked.sha256, bpmn_xml=checked.xml, start_form=checked.start_form,
            start_lane=checked.start_lane, deployed_by=actor.username, deployed_at=now,
            validation_report=checked.report,
        )
        session.add(definition)
        session.flush()
        record_event(session, at=now, actor=actor.username, action="definition_deployed",
                     payload={"key": definition.key, "version": definition.version, "sha256": definition.sha256})
        return definition, True


def _latest_definition(session: Session, key: str) -> ProcessDefinition | None:
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    return session.scalars(query.order_by(ProcessDefinition.version.desc()).limit(1)).first()


# --- cases and instances -------------------------------------------------------------------------


def open_case(
    db: Database, *, process: str, subject: dict[str, Any], data: dict[str, Any], actor: Actor, now: datetime
) -> str:
    """Record a referral: a new case with a readable reference and a running instance of `process`."""
    with db.unit_of_work() as session:
        definition = _latest_definition(session, process)
        if definition is None:
            raise NotFound(f"no process '{process}' is deployed")
        access.require_can_start(actor, definition)
        referral = _start_data(definition, data)
        case = Case(reference=_next_reference(session, process, now), kind=CASE_KINDS.get(process, CaseKind.CHILD),
                    subject=subject, created_by=actor.username, created_at=now)
        session.add(case)
        session.flush()
        record_event(session, at=now, actor=actor.username, action="case_opened", case_id=case.id,
                     payload={"reference": case.reference, "process": process, "subject": subject, "data": referral})
        calendar = default_calendar()
        start_data = {
            **referral,
            "case_id": case.id, "case_reference": case.reference, "referral": referral, "subject": subject,
            "received_at": now.isoformat(), "clock_started_at": calendar.clock_start(now).isoformat(),
        }
        _start_instance(session, case, definition, start_data, actor, now)
    _remember_started(session)
    return case.id


def _start_data(definition: ProcessDefinition, data: dict[str, Any]) -> dict[str, Any]:
    """The referral, valid against the start form; a process without a start form takes no start data."""
    if definition.start_form:
        return _validated(definition.start_form, data, pointer_prefix="/data")
    if data:
        problem = FieldProblem("/data", f"Leave the data empty: {definition.key} has no start form", "maxProperties")
        raise FormInvalid(f"process {definition.key} has no start form to fill in", [problem])
    return {}


def _next_reference(session: Session, process: str, now: datetime) -> str:
    prefix = REFERENCE_PREFIXES.get(process, process[:4].upper())
    year = now.astimezone(LONDON).year
    counter = session.get(ReferenceCounter, (prefix, year), with_for_update=True)
    if counter is None:
        counter = ReferenceCounter(prefix=prefix, year=year, last=0)
        session.add(counter)
    counter.last += 1
    return f"{prefix}-{year}-{counter.last:06d}"


def _start_instance(
    session: Session, case: Case, definition: ProcessDefinition, data: dict[str, Any], actor: Actor,
    now: datetime, parent: ProcessInstance | None = None,
) -> ProcessInstance:
    spec, subprocess_specs = parsed_specs(definition)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine(now))
    workflow.get_tasks(state=TaskState.READY)[0].data.update({**data, "process_started_at": now.isoformat()})
    instance = ProcessInstance(case_id=case.id, definition_id=definition.id, state=b"", state_format=STATE_FORMAT,
                               started_by=actor.username, started_at=now, route=[],
                               parent_instance_id=parent.id if parent else None)
    session.add(instance)
    session.flush()
    record_event(session, at=now, actor=actor.username, action="process_started", case_id=case.id,
                 instance_id=instance.id, payload={"process": definition.key, "version": definition.version})
    _advance(session, instance, definition.key, workflow, Snapshot(), actor, now)
    session.info.setdefault("started", []).append((instance, workflow))
    return instance


def _advance(
    session: Session, instance: ProcessInstance, process_key: str, workflow: BpmnWorkflow,
    before: Snapshot, actor: Actor, now: datetime, done_task_id: str | None = None,
) -> None:
    """Run engine steps, then persist state, projections, outcome and hand-offs."""
    workflow.do_engine_steps()
    after = take_snapshot(workflow)
    ctx = StepContext(session, instance, process_key, workflow, default_calendar(), now)
    had_outcome = instance.outcome is not None
    project_step(ctx, before, after, done_task_id)
    if workflow.is_completed():
        instance.status, instance.completed_at = InstanceStatus.COMPLETED, now
    handoffs = new_handoffs(before, after)
    if handoffs:
        instance.starts_process = properties_of(handoffs[-1].task_spec)["starts_process"]
    instance.state = dump_workflow(workflow)
    try:
        session.flush()
    except StaleDataError as exc:
        raise InstanceChanged("someone else changed this case first; reload and try again") from exc
    if not had_outcome and instance.outcome is not None:
        record_event(session, at=now, actor=actor.username, action="outcome_reached", case_id=instance.case_id,
                     instance_id=instance.id, payload={"outcome": instance.outcome, "name": instance.outcome_name})
    for timer_task in fired_timers(before, after):
        _record_timer_fired(session, instance, timer_task, now)
    for end_task in handoffs:
        _hand_off(session, instance, end_task, actor, now)


def _record_timer_fired(session: Session, instance: ProcessInstance, timer_task: Any, now: datetime) -> None:
    spec = timer_task.task_spec
    record_event(session, at=now, actor=access.SYSTEM.username, action="timer_fired", case_id=instance.case_id,
                 instance_id=instance.id, task_id=str(timer_task.id),
                 payload={"element_id": spec.bpmn_id, "name": spec.bpmn_name, "rule": properties_of(spec).get("rule"),
                          "fires_at": timer_task._get_internal_data("event_value")})


def _hand_off(session: Session, instance: ProcessInstance, end_task: Any, actor: Actor, now: datetime) -> None:
    """Start the process an end event names, in the same case and the same transaction."""
    key = properties_of(end_task.task_spec)["starts_process"]
    target = _latest_definition(session, key)
    payload = {"process": key, "from_element": end_task.task_spec.bpmn_id, "deployed": target is not None}
    record_event(session, at=now, actor=actor.username, action="handoff_recorded", case_id=instance.case_id,
                 instance_id=instance.id, payload=payload)
    if target is None:
        return
    case = session.get_one(Case, instance.case_id)
    handoff = {"instance_id": instance.id, "element_id": end_task.task_spec.bpmn_id, "outcome": instance.outcome}
    data = {**end_task.data, "handoff_from": handoff, "handoff_at": now.isoformat()}
    _start_instance(session, case, target, data, actor, now, parent=instance)


@contextmanager
def _live_workflow(session: Session, instance: ProcessInstance, now: datetime) -> Iterator[BpmnWorkflow]:
    """The instance's workflow (cached by revision); the cache entry is dropped if the step fails."""
    workflow = WORKFLOWS.get(instance.id, instance.revision)
    if workflow is None:
        definition = session.get_one(ProcessDefinition, instance.definition_id)
        workflow = load_workflow(instance.state, *parsed_specs(definition))
    workflow.script_engine = script_engine(now)
    yield workflow


def _remember(instance: ProcessInstance, workflow: BpmnWorkflow) -> None:
    WORKFLOWS.put(instance.id, instance.revision, workflow)


def _remember_started(session: Session) -> None:
    """After a commit, cache the workflows the transaction started (new cases and hand-offs)."""
    for instance, workflow in session.info.pop("started", []):
        _remember(instance, workflow)


# --- tasks ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskChange:
    """The task after a change, plus its instance's new revision."""

    task_id: str
    status: str
    assignee: str | None
    revision: int


def _open_task(session: Session, task_id: str, actor: Actor) -> HumanTask:
    task = access.require_task_visible(actor, session.get(HumanTask, task_id, with_for_update=True))
    if task.status != TaskStatus.READY:
        raise StaleState(f"this task is already {task.status}")
    return task


def claim_task(db: Database, task_id: str, actor: Actor, now: datetime) -> TaskChange:
    """Take a task from the group queue; claiming a task someone else holds is a conflict."""
    with db.unit_of_work() as session:
        task = _open_task(session, task_id, actor)
        if task.assignee not in (None, actor.username):
            raise StaleState("this task is claimed by someone else")
        if task.assignee is None:
            task.assignee, task.claimed_at = actor.username, now
            record_event(session, at=now, actor=actor.username, action="task_claimed", case_id=task.case_id,
                         instance_id=task.instance_id, task_id=task.id, payload={"name": task.name})
        return _change(session, task)


def unclaim_task(db: Database, task_id: str, actor: Actor, now: datetime) -> TaskChange:
    """Give a claimed task back to the group queue; only its assignee may."""
    with db.unit_of_work() as session:
        task = _open_task(session, task_id, actor)
        if task.personal:
            raise StaleState("this task is for the person who opened the case and cannot be given back")
        if task.assignee != actor.username:
            raise StaleState("only the person who claimed this task can give it back")
        task.assignee, task.claimed_at = None, None
        record_event(session, at=now, actor=actor.username, action="task_unclaimed", case_id=task.case_id,
                     instance_id=task.instance_id, task_id=task.id, payload={"name": task.name})
        return _change(session, task)


def _change(session: Session, task: HumanTask) -> TaskChange:
    revision = session.scalar(select(ProcessInstance.revision).where(ProcessInstance.id == task.instance_id))
    return TaskChange(task.id, task.status, task.assignee, int(revision or 0))


def _validated(form_key: str, data: Any, pointer_prefix: str = "") -> dict[str, Any]:
    errors = forms.validate_form(form_key, data)
    if errors:
        problems = [FieldProblem(pointer_prefix + e.pointer, e.message, e.validator) for e in errors]
        raise FormInvalid(f"{len(problems)} field(s) of form {form_key} are invalid", problems)
    return dict(data)


def complete_task(db: Database, task_id: str, data: dict[str, Any], actor: Actor, now: datetime) -> TaskChange:
    """Submit a task's form: validate, run the workflow on, persist everything in one transaction.

    If another task of the same instance finished first, the step is redone once on the new state:
    this task is still the actor's (its row was locked), so the clash is not theirs to resolve.
    """
    try:
        return _complete_task_once(db, task_id, data, actor, now)
    except InstanceChanged:
        return _complete_task_once(db, task_id, data, actor, now)


def _complete_task_once(db: Database, task_id: str, data: dict[str, Any], actor: Actor, now: datetime) -> TaskChange:
    with db.unit_of_work() as session:
        task = _open_task(session, task_id, actor)
        if task.assignee not in (None, actor.username):
            raise StaleState("this task is claimed by someone else")
        stamped = {**data, "author": actor.username, "completed_at": now.isoformat(), "case_id": task.case_id}
        submitted = _validated(task.form_key, stamped, pointer_prefix="/data")
        instance = session.get_one(ProcessInstance, task.instance_id)
        instance_id = instance.id  # a failed flush expires `instance`: reading it then would raise
        with _live_workflow(session, instance, now) as workflow:
            try:
                _run_user_task(session, instance, workflow, task, submitted, actor, now)
            except BaseException:
                WORKFLOWS.evict(instance_id)
                raise
        change = TaskChange(task.id, task.status, task.assignee, instance.revision)
    _remember(instance, workflow)
    _remember_started(session)
    return change


def _run_user_task(
    session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, task: HumanTask,
    submitted: dict[str, Any], actor: Actor, now: datetime,
) -> None:
    spiff_task = workflow.get_task_from_id(UUID(task.id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise StaleState("this task has already been completed")
    before = take_snapshot(workflow)
    spiff_task.data.update(submitted)
    # Per-element times survive parallel joins, where the flat `completed_at` keeps only one branch's.
    spiff_task.data["completed"] = {**spiff_task.data.get("completed", {}), task.element_id: now.isoformat()}
    spiff_task.run()
    task.status, task.completed_at, task.completed_by = TaskStatus.COMPLETED, now, actor.username
    task.assignee = task.assignee or actor.username
    record_submission(session, task, submitted, now)
    _advance(session, instance, task.process_key, workflow, before, actor, now, done_task_id=task.id)
    record_event(session, at=now, actor=actor.username, action="task_completed", case_id=task.case_id,
                 instance_id=instance.id, task_id=task.id,
                 payload={"name": task.name, "element_id": task.element_id, "form": task.form_key,
                          "data": submitted})


# --- timers --------------------------------------------------------------------------------------


def due_timer_instances(db: Database, now: datetime, limit: int = 100) -> list[str]:
    """Instances with at least one timer due at `now` (an indexed scan of the timer projection)."""
    with db.reading() as session:
        query = (select(Timer.instance_id).where(Timer.fired_at.is_(None), Timer.cancelled_at.is_(None),
                                                 Timer.fires_at <= now)
                 .group_by(Timer.instance_id).order_by(func.min(Timer.fires_at)).limit(limit))
        return list(session.scalars(query))


def fire_due_timers(db: Database, now: datetime, limit: int = 100) -> int:
    """Fire every timer due at `now`, one instance per transaction; returns how many instances moved."""
    return sum(fire_instance_timers(db, instance_id, now) for instance_id in due_timer_instances(db, now, limit))


def fire_instance_timers(db: Database, instance_id: str, now: datetime) -> int:
    """Fire the due timers of one instance; 0 when another worker got there first."""
    try:
        with db.unit_of_work() as session:
            due = _claim_due_timers(session, instance_id, now)
            if not due:
                return 0
            instance = session.get_one(ProcessInstance, instance_id)
            with _live_workflow(session, instance, now) as workflow:
                try:
                    _fire(session, instance, workflow, now)
                except BaseException:
                    WORKFLOWS.evict(instance_id)  # not instance.id: a failed flush expired it
                    raise
    except StaleState:
        return 0
    _remember(instance, workflow)
    return 1


def _claim_due_timers(session: Session, instance_id: str, now: datetime) -> list[Timer]:
    query = select(Timer).where(Timer.instance_id == instance_id, Timer.fired_at.is_(None),
                                Timer.cancelled_at.is_(None), Timer.fires_at <= now)
    return list(session.scalars(query.with_for_update(skip_locked=True)))


def _fire(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, now: datetime) -> None:
    before = take_snapshot(workflow)
    workflow.refresh_timers()
    key = session.scalar(select(ProcessDefinition.key).where(ProcessDefinition.id == instance.definition_id))
    _advance(session, instance, str(key), workflow, before, access.SYSTEM, now)


# --- reads that are audited ----------------------------------------------------------------------


def record_case_read(db: Database, case_id: str, actor: Actor, now: datetime, what: str) -> None:
    """Every read of a case record is an audit event (domain §9.3); unseen cases are 404."""
    with db.unit_of_work() as session:
        access.require_case_visible(session, actor, session.get(Case, case_id))
        record_event(session, at=now, actor=actor.username, action="case_viewed", case_id=case_id,
                     payload={"what": what})


