"""What only a database administrator can do: change the audit tables with their triggers suspended.

The fixtures empty the tables between tests this way, and tamper tests use it to play an attacker
with database-admin rights (the application itself never can).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from engine.db import Database

GUARDED_TABLES = ("audit_event", "audit_payload", "audit_checkpoint")


@contextmanager
def audit_triggers_suspended(db: Database) -> Iterator[Connection]:
    """One transaction in which the append-only triggers do not fire (other sessions never see them off)."""
    with db.engine.begin() as connection:
        if db.is_postgres:
            yield from _postgres(connection)
        else:
            yield from _sqlite(connection)


def _postgres(connection: Connection) -> Iterator[Connection]:
    for table in GUARDED_TABLES:
        connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    yield connection
    for table in GUARDED_TABLES:
        connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))


def _sqlite(connection: Connection) -> Iterator[Connection]:
    names = ", ".join(f"'{table}'" for table in GUARDED_TABLES)
    triggers = connection.execute(text(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({names})")).all()
    for name, _ in triggers:
        connection.execute(text(f'DROP TRIGGER "{name}"'))
    yield connection
    for _, sql in triggers:
        connection.execute(text(sql))
