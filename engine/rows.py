"""The rows a step reads and writes, as SQLAlchemy Core statements: no ORM unit of work on the hot path.

A completion reads its task and instance with one Core SELECT into plain objects (`TaskRow`,
`InstanceRow`, only the columns a step uses): building ORM objects cost more than the query.

Every statement here is a module constant with bind parameters (or, for the instance UPDATE, one
constant per set of changed columns). `run` compiles it once per dialect (and set of inserted
columns) with SQLAlchemy's compiler, keeps the SQL text, the order of its parameters and each
column type's bind processor, and from then on hands the text and the processed values to
`exec_driver_sql`: the dialect's own SQL and parameter style, without SQLAlchemy's per-statement
compile-cache and parameter work. Rows that repeat go as one `executemany`. Statements run on the
unit of work's connection, inside its transaction (and any savepoint), with the engine's events
and error wrapping. An ORM object the transaction also holds is brought up to date with
`set_committed_value`, so the session never writes it a second time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.engine import Dialect
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Insert, Update

from engine.errors import InstanceChanged
from engine.models import Base, HumanTask, ProcessInstance, Timer


def table_of(model: type[Base]) -> Table:
    """A mapped class's table, for Core statements."""
    return cast(Table, model.__table__)


_TASK, _TIMER, _INSTANCE = table_of(HumanTask), table_of(Timer), table_of(ProcessInstance)

INSERT_TASKS = insert(_TASK)
COMPLETE_TASK = (update(_TASK).where(_TASK.c.id == bindparam("task_id"))
                 .values(status=bindparam("status"), completed_at=bindparam("completed_at"),
                         completed_by=bindparam("completed_by"), assignee=bindparam("assignee")))
CANCEL_TASKS = (update(_TASK).where(_TASK.c.id == bindparam("task_id"))
                .values(status=bindparam("status"), completed_at=bindparam("completed_at")))
INSERT_TIMERS = insert(_TIMER)
# a waiting timer has neither column set, so writing both (one of them NULL) is one statement for every outcome
END_TIMERS = (update(_TIMER).where(_TIMER.c.id == bindparam("timer_id"))
              .values(fired_at=bindparam("fired_at"), cancelled_at=bindparam("cancelled_at")))


@dataclass(slots=True)
class TaskRow:
    """A `human_task` row as a step reads it (`read_task_and_instance`)."""

    id: str
    instance_id: str
    case_id: str
    process_key: str
    element_id: str
    name: str
    candidate_group: str
    form_key: str
    status: str
    assignee: str | None
    personal: bool
    completed_at: datetime | None = None
    completed_by: str | None = None


@dataclass(slots=True)
class InstanceRow:
    """A `process_instance` row as a step reads it: without its stored state and route (a cached workflow
    needs neither; `unit_of_work.read_workflow` reads the state on a cache miss)."""

    id: str
    case_id: str
    definition_id: int
    revision: int
    outcome: str | None
    outcome_name: str | None


# what a step changes and reads of a task or an instance: the stored row (ORM) or the plain one read here
Task = HumanTask | TaskRow
Instance = ProcessInstance | InstanceRow

_TASK_COLUMNS = ("id", "instance_id", "case_id", "process_key", "element_id", "name", "candidate_group", "form_key",
                 "status", "assignee", "personal")
_INSTANCE_COLUMNS = ("id", "case_id", "definition_id", "revision", "outcome", "outcome_name")
# the task row locked (FOR UPDATE OF human_task on PostgreSQL; SQLite's write transaction already holds the lock)
_TASK_AND_INSTANCE = (
    select(*(_TASK.c[name] for name in _TASK_COLUMNS), *(_INSTANCE.c[name] for name in _INSTANCE_COLUMNS))
    .join_from(_TASK, _INSTANCE, _INSTANCE.c.id == _TASK.c.instance_id)
    .where(_TASK.c.id == bindparam("task_id"))
    .with_for_update(of=_TASK)
)


def read_task_and_instance(connection: Connection, task_id: str) -> tuple[TaskRow, InstanceRow] | None:
    """The task (locked) and its instance, in one statement; None if there is no such task."""
    row = connection.execute(_TASK_AND_INSTANCE, {"task_id": task_id}).one_or_none()
    if row is None:
        return None
    split = len(_TASK_COLUMNS)
    return TaskRow(*row[:split]), InstanceRow(*row[split:])


class CompiledStatement:
    """A statement's SQL for one dialect, and how to turn a row of values into its parameters."""

    def __init__(self, statement: Any, dialect: Dialect, keys: tuple[str, ...] | None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(keys) if keys else None)
        self.sql = str(compiled)
        self.positional = bool(compiled.positional)
        names = list(compiled.positiontup or []) if self.positional else list(compiled.binds)
        self.binds: list[tuple[str, str, Any, Any]] = []
        for name in names:
            bind = compiled.binds[name]
            constant = None if bind.required or bind.callable else bind.value
            self.binds.append((compiled.escaped_bind_names.get(name, name), bind.key, constant,
                               bind.type.dialect_impl(dialect).bind_processor(dialect)))

    def parameters(self, row: Mapping[str, Any]) -> Any:
        values = []
        for _name, key, constant, process in self.binds:
            value = row[key] if constant is None else constant
            values.append(process(value) if process is not None else value)
        if self.positional:
            return tuple(values)
        return {name: value for (name, *_), value in zip(self.binds, values, strict=True)}


_COMPILED: dict[tuple[int, type[Dialect], tuple[str, ...] | None], CompiledStatement] = {}


def run(connection: Connection, statement: Any, rows: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Any:
    """Execute a module-level statement for one row or many (an executemany); the driver's result."""
    many = [rows] if isinstance(rows, Mapping) else list(rows)
    keys = tuple(many[0]) if isinstance(statement, Insert) else None
    dialect = connection.dialect
    cache_key = (id(statement), type(dialect), keys)  # statements live as long as the module: their id is theirs
    compiled = _COMPILED.get(cache_key)
    if compiled is None:
        compiled = _COMPILED[cache_key] = CompiledStatement(statement, dialect, keys)
    parameters = [compiled.parameters(row) for row in many]
    return connection.exec_driver_sql(compiled.sql, parameters if len(parameters) > 1 else parameters[0])


def execute_rows(connection: Connection, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """One statement for all the rows (an executemany), none when there are no rows."""
    if rows:
        run(connection, statement, rows)


@cache
def _instance_update(columns: tuple[str, ...]) -> Update:
    values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in columns}
    values["revision"] = _INSTANCE.c.revision + 1
    return (update(_INSTANCE)
            .where(_INSTANCE.c.id == bindparam("instance_id"), _INSTANCE.c.revision == bindparam("seen"))
            .values(values))


def update_instance(connection: Connection, instance: Instance, changes: dict[str, Any]) -> None:
    """`UPDATE process_instance SET …, revision = revision + 1 WHERE id = :id AND revision = :seen`.

    No row updated means someone else's transaction moved the instance on first: InstanceChanged.
    """
    seen = instance.revision
    columns = tuple(sorted(changes))
    params = {f"new_{name}": changes[name] for name in columns}
    result = run(connection, _instance_update(columns), {**params, "instance_id": instance.id, "seen": seen})
    if result.rowcount != 1:
        raise InstanceChanged("someone else changed this case first; reload and try again")
    committed(instance, {**changes, "revision": seen + 1})


def committed(obj: Any, values: Mapping[str, Any]) -> None:
    """Give a row object the values just stored; an ORM object's session is told it has nothing to flush for them."""
    if isinstance(obj, (TaskRow, InstanceRow)):
        for name in obj.__slots__:  # a plain row keeps only the columns it was read with
            if name in values:
                setattr(obj, name, values[name])
        return
    for name, value in values.items():
        set_committed_value(obj, name, value)
