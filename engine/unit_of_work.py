"""One transaction: its connection, the live workflows it changes, its audit events and after-commit hooks.

Every write path opens one `UnitOfWork`. Workflows come only from `checkout` / `start_workflow`,
already carrying the restricted script engine and the engine's clock (there is no wall-clock
fallback). Audit events are collected during the step and appended together just before commit, so
the chain's lock is held for a few inserts, not for a whole SpiffWorkflow step. Hooks (caching the
workflows the transaction changed, queueing work) run only once the commit has succeeded.

A cached workflow keeps the projection snapshot of its last step, which is the "before" of the next
(`snapshot`); the rows a step reads and writes go through `connection` as Core statements (engine/rows.py).
The transaction belongs to that connection; an ORM `session` joined to it is made only when something
asks for one (a task completion needs none: a session's bookkeeping cost more than its statements).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from engine.audit import PendingEvent, append_events
from engine.db import Database
from engine.definitions import parsed_specs
from engine.models import ProcessDefinition, ProcessInstance
from engine.projection import Snapshot, take_snapshot
from engine.rows import Instance
from engine.scripting import script_engine
from engine.state import WorkflowCache, load_workflow

WORKFLOWS = WorkflowCache()


@dataclass
class UnitOfWork:
    """What one transaction has done so far; use `unit_of_work(db, now)` to get one."""

    connection: Connection  # in its transaction: Core statements, and the session's, run on it
    now: datetime
    events: list[PendingEvent] = field(default_factory=list)
    hooks: list[Callable[[], None]] = field(default_factory=list)
    _live: dict[str, tuple[Instance, BpmnWorkflow]] = field(default_factory=dict)
    _snapshots: dict[str, Snapshot] = field(default_factory=dict)
    _session: Session | None = None

    @property
    def session(self) -> Session:
        """An ORM session in the transaction, made when first asked for (it never commits: the unit of work does)."""
        if self._session is None:
            self._session = Session(bind=self.connection, expire_on_commit=False)
        return self._session

    def flush(self) -> None:
        """Write what the session holds, if there is a session."""
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def record(self, action: str, *, actor: str, payload: dict[str, Any] | None = None, case_id: str | None = None,
               instance_id: str | None = None, task_id: str | None = None) -> None:
        """An audit event of this transaction, appended to the chain at commit."""
        self.events.append(PendingEvent(self.now, actor, action, payload or {}, case_id, instance_id, task_id))

    def after_commit(self, hook: Callable[[], None]) -> None:
        self.hooks.append(hook)

    def start_workflow(self, definition: ProcessDefinition) -> BpmnWorkflow:
        """A new workflow of a stored definition version, on the engine's clock."""
        spec, subprocess_specs = parsed_specs(definition)
        return BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine(self.now))

    def keep(self, instance: Instance, workflow: BpmnWorkflow) -> None:
        """Cache the workflow at the instance's revision once the transaction has committed."""
        self._live[instance.id] = (instance, workflow)

    def snapshot(self, instance: Instance, workflow: BpmnWorkflow) -> Snapshot:
        """The projections' view of the checked-out workflow before this step (kept from the last one if cached)."""
        return self._snapshots.pop(instance.id, None) or take_snapshot(workflow)

    def remember(self, instance: Instance, snapshot: Snapshot) -> None:
        """The projections' view after a step: cached with the workflow as the next step's "before"."""
        self._snapshots[instance.id] = snapshot

    @contextmanager
    def checkout(self, instance: Instance) -> Iterator[BpmnWorkflow]:
        """The instance's live workflow for this step; if the step fails, no cache entry survives it."""
        instance_id = instance.id  # a failed flush expires `instance`: reading it afterwards would raise
        cached = WORKFLOWS.take(instance_id, instance.revision)
        if cached is None:
            workflow = read_workflow(self.session, instance, self.now)
        else:
            workflow = cached.workflow
            if cached.snapshot is not None:
                self._snapshots[instance_id] = cached.snapshot
        workflow.script_engine = script_engine(self.now)
        try:
            yield workflow
        except BaseException:
            self._live.pop(instance_id, None)
            self._snapshots.pop(instance_id, None)
            raise
        self.keep(instance, workflow)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A SAVEPOINT: if the block fails, its rows, audit events, hooks and live workflows are all undone."""
        events, hooks, live = len(self.events), len(self.hooks), dict(self._live)
        try:
            with self.session.begin_nested():
                yield
        except BaseException:
            del self.events[events:], self.hooks[hooks:]
            self._live.clear()
            self._live.update(live)
            raise

    def _commit_hooks(self) -> list[Callable[[], None]]:
        cached = [(instance.id, instance.revision, workflow, self._snapshots.get(instance.id))
                  for instance, workflow in self._live.values()]

        def cache_workflows() -> None:
            for entry in cached:
                WORKFLOWS.put(*entry)

        return [cache_workflows, *self.hooks]


def read_workflow(session: Session, instance: Instance, now: datetime) -> BpmnWorkflow:
    """An instance's workflow rebuilt from its stored state, on the engine's clock (for reads and checkouts)."""
    definition = session.get_one(ProcessDefinition, instance.definition_id)
    if isinstance(instance, ProcessInstance):
        state = instance.state
    else:  # a plain row is read without its state
        state = session.execute(select(ProcessInstance.state).where(ProcessInstance.id == instance.id)).scalar_one()
    workflow = load_workflow(state, *parsed_specs(definition))
    workflow.script_engine = script_engine(now)
    return workflow


@contextmanager
def unit_of_work(db: Database, now: datetime) -> Iterator[UnitOfWork]:
    """Open one transaction; append its audit events just before commit; run its hooks after commit."""
    with db.engine.connect() as connection, connection.begin():
        uow = UnitOfWork(connection, now)
        try:
            yield uow
            uow.flush()
            append_events(connection, uow.events)
        finally:
            uow.close()
    for hook in uow._commit_hooks():
        hook()
