"""Read the database's own plan for a query as the application sends it: SQLite `EXPLAIN QUERY PLAN`,
PostgreSQL `EXPLAIN` (with sequential scans and sorts priced out, so a plan that still sorts or scans has no
index that serves it).

The query is run once normally while a listener captures the final SQL and parameters the driver got;
then the same text is explained on the same connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Executable

from engine.db import Database


@contextmanager
def planning_session(db: Database) -> Iterator[Session]:
    """A read session whose queries PostgreSQL plans with sequential scans and sorts priced out.

    On the suite's small tables a sort of a few rows is cheapest whatever the indexes; priced out, a plan
    still shows Sort or Seq Scan only when no index can deliver the rows in order.
    """
    with db.reading() as session:
        if db.is_postgres:
            session.execute(text("SET LOCAL enable_seqscan = off"))
            session.execute(text("SET LOCAL enable_sort = off"))
        yield session


def plan_of(session: Session, query: Executable) -> list[str]:
    """The plan lines of `query` (SQLite: each `detail`; PostgreSQL: each line of the text plan)."""
    captured: list[tuple[str, Any]] = []
    connection = session.connection()

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        captured.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", capture)
    try:
        session.execute(query).all()
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    statement, parameters = captured[-1]
    if connection.dialect.name == "postgresql":
        return [row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)]
    return [row[3] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]


def sorts_or_scans(lines: list[str], table: str) -> list[str]:
    """The plan lines that sort rows or read the whole of `table`: what an O(page) list must not do."""
    bad = []
    for line in lines:
        if "USE TEMP B-TREE FOR ORDER BY" in line or line.strip().startswith(f"SCAN {table}"):
            bad.append(line)
        if "Sort" in line.split("(")[0] or f"Seq Scan on {table}" in line:
            bad.append(line)
    return bad
