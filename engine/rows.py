"""The rows a step writes, as SQLAlchemy Core statements built once: no ORM unit of work on the hot path.

Every statement here is a module constant with bind parameters (or, for the instance UPDATE, one
constant per set of changed columns), so SQLAlchemy builds its cache key once and compiles it once
per dialect; rows that repeat go as one `executemany`. They run on the unit of work's connection,
inside its transaction (and any savepoint). An ORM object the transaction also holds is brought up
to date with `set_committed_value`, so the session never writes it a second time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import Update

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


def execute_rows(connection: Connection, statement: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """One statement for all the rows (an executemany), none when there are no rows."""
    if rows:
        connection.execute(statement, list(rows) if len(rows) > 1 else rows[0])


@cache
def _instance_update(columns: tuple[str, ...]) -> Update:
    values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in columns}
    values["revision"] = _INSTANCE.c.revision + 1
    return (update(_INSTANCE)
            .where(_INSTANCE.c.id == bindparam("instance_id"), _INSTANCE.c.revision == bindparam("seen"))
            .values(values))


def update_instance(connection: Connection, instance: ProcessInstance, changes: dict[str, Any]) -> None:
    """`UPDATE process_instance SET …, revision = revision + 1 WHERE id = :id AND revision = :seen`.

    No row updated means someone else's transaction moved the instance on first: InstanceChanged.
    """
    seen = instance.revision
    columns = tuple(sorted(changes))
    params = {f"new_{name}": changes[name] for name in columns}
    result = connection.execute(_instance_update(columns), {**params, "instance_id": instance.id, "seen": seen})
    if result.rowcount != 1:
        raise InstanceChanged("someone else changed this case first; reload and try again")
    committed(instance, {**changes, "revision": seen + 1})


def committed(obj: Any, values: Mapping[str, Any]) -> None:
    """Tell the session an object already holds these stored values, so it has nothing to flush for them."""
    for name, value in values.items():
        set_committed_value(obj, name, value)
