"""Database engine and session factory: SQLite (WAL) by default, PostgreSQL through a URL.

SQLite write transactions start with BEGIN IMMEDIATE so two writers queue on the busy timeout
instead of failing when a reader upgrades to a writer mid-transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("instance") / "sosflow.db"


def database_url() -> str:
    """The configured URL: `SOSFLOW_DATABASE_URL`, else SQLite in ./instance."""
    url = os.environ.get("SOSFLOW_DATABASE_URL")
    if url:
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH.resolve()}"


def make_engine(url: str, *, for_reads: bool = False) -> Engine:
    """An engine tuned for the backend the URL names (on SQLite, reads need no write lock)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, immediate=not for_reads)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


@dataclass
class Database:
    """An engine with its session factory; the one handle `api/` and `workers/` pass to `engine/`."""

    engine: Engine
    sessions: sessionmaker[Session]
    read_sessions: sessionmaker[Session]

    @classmethod
    def from_url(cls, url: str | None = None) -> Database:
        url = url or database_url()
        engine = make_engine(url)
        reader = make_engine(url, for_reads=True) if engine.dialect.name == "sqlite" else engine
        return cls(engine, sessionmaker(engine, expire_on_commit=False), sessionmaker(reader, expire_on_commit=False))

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any exception."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only; rolled back at the end."""
        with self.read_sessions() as session:
            yield session
