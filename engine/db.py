"""Database engine and session factory: SQLite (WAL) by default, PostgreSQL through a URL.

SQLite write transactions start with BEGIN IMMEDIATE so two writers queue on the busy timeout
instead of failing when a reader upgrades to a writer mid-transaction. JSON columns are written and
read with orjson on both backends (every completion writes two: the audit payload and the route).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
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


def json_text(value: Any) -> str:
    """A JSON column's text: orjson, or the standard library for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value)


def json_value(text: str | bytes) -> Any:
    """A JSON column's value: orjson, or the standard library for what orjson refuses (NaN written by json)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


_JSON = {"json_serializer": json_text, "json_deserializer": json_value}


def make_engine(url: str, *, for_reads: bool = False) -> Engine:
    """An engine tuned for the backend the URL names (on SQLite, reads need no write lock)."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url, immediate=not for_reads)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, **_JSON)


def _sqlite_engine(url: str, immediate: bool) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **_JSON)

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
