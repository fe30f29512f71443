"""Shared fixtures: one real migrated database per test session (SQLite, or PostgreSQL when
SOSFLOW_TEST_DATABASE_URL names one), emptied between tests; a fixed, advanceable clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import delete, text, update

from engine import accounts, runtime
from engine.audit import GENESIS_HASH
from engine.calendar import LONDON
from engine.db import Database
from engine.migrate import upgrade
from engine.models import (
    Alert,
    ApiToken,
    AuditCheckpoint,
    AuditEvent,
    AuditHead,
    AuditPayload,
    BreakGlass,
    Case,
    CaseEvent,
    CasePerson,
    CaseRestriction,
    FamilyNetwork,
    FormDraft,
    HumanTask,
    Incident,
    Membership,
    Notification,
    Person,
    ProcessDefinition,
    ProcessInstance,
    ReferenceCounter,
    ScaleRecord,
    Timer,
    User,
    WebSession,
)
from tests.db_admin import audit_triggers_suspended
from tests.path_coverage import PATH_MODULES, record_instances

os.environ.setdefault("SOSFLOW_AUDIT_KEY", "test-audit-key")  # never a generated key file in the work tree

# Friday 22 May 2026, 10:30 London: the domain's worked example (Monday 25 May is a bank holiday).
FIXED_NOW = datetime(2026, 5, 22, 10, 30, tzinfo=LONDON)


@dataclass
class Clock:
    """The engine's clock in tests: fixed until a test moves it."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now = self.now + timedelta(**delta)
        return self.now


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("SOSFLOW_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'sosflow.db'}"


def _reset_postgres_schema(db: Database) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with db.engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS test_{worker} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA test_{worker}"))


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> None:
    """Argon2 at production cost takes ~0.1-0.5 s a hash; tests use argon2's own cheapest profile."""
    accounts.use_password_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        _reset_postgres_schema(Database.from_url(url))
        separator = "&" if "?" in url else "?"
        url = f"{url}{separator}options=-csearch_path%3Dtest_{worker}"
    db = Database.from_url(url)
    upgrade(db)
    yield db
    db.engine.dispose()


_TABLES_TO_EMPTY = [
    AuditEvent, AuditPayload, AuditCheckpoint, Alert, Notification, FormDraft, ScaleRecord, FamilyNetwork, Incident,
    CaseEvent, CasePerson, Person,
    Timer, HumanTask, ProcessInstance, BreakGlass, CaseRestriction, Case, ReferenceCounter, ProcessDefinition,
    ApiToken, WebSession, Membership, User,
]


@pytest.fixture
def db(database: Database, request: pytest.FixtureRequest) -> Iterator[Database]:
    """The session's database, emptied of everything but the seeded groups."""
    yield database
    if _is_path_module(request.node):
        record_instances(database)
    runtime.WORKFLOWS.clear()
    with audit_triggers_suspended(database) as connection:
        for model in _TABLES_TO_EMPTY:
            connection.execute(delete(model))
        connection.execute(update(AuditHead).values(seq=0, hash=GENESIS_HASH))


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW)


@pytest.fixture
def shared_dir() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "shared"


from tests.api_client import api, app, legacy_api  # noqa: E402,F401  (fixtures shared by every test folder)

COVERAGE_CHECK = "test_path_coverage"


def _is_path_module(item: pytest.Item) -> bool:
    module = getattr(item, "module", None)
    name = module.__name__ if module else ""
    return any(marker in name for marker in PATH_MODULES) or name.endswith("test_mash_paths")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The path-coverage check runs after every path test (the suite runs in one process)."""
    items.sort(key=lambda item: COVERAGE_CHECK in item.nodeid)
