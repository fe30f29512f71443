"""Plain keyword-only factories over the real engine: users with tokens, deployed diagrams, referrals."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from engine import accounts, runtime
from engine.access import Actor, Role
from engine.db import Database

ROOT = Path(__file__).resolve().parent.parent
BPMN_DIR = ROOT / "bpmn"
PROCESS_OWNER = Actor("owner", frozenset({Role.PROCESS_OWNER}))


def create_user(db: Database, *, username: str, groups: list[str], now: datetime) -> str:
    """A user in `groups`; returns a fresh API token."""
    accounts.create_user(db, username, groups, now)
    return accounts.issue_token(db, username, now)


def deploy(db: Database, *, name: str, now: datetime) -> Any:
    definition, _ = runtime.deploy_definition(db, (BPMN_DIR / name).read_bytes(), name, PROCESS_OWNER, now)
    return definition


def referral(**overrides: Any) -> dict[str, Any]:
    """A valid MASH service request (the form's first example), with overrides."""
    return form_data("mash_service_request", **overrides)


def subject(**overrides: Any) -> dict[str, Any]:
    return {"name": "Child A", "dob": "2018-03-04", "sex": "female", **overrides}


SYSTEM_FIELDS = ("case_id", "author", "completed_at", "version")


def form_data(key: str, **overrides: Any) -> dict[str, Any]:
    """A valid submission of form `key` (its first example, less the fields the engine stamps)."""
    import copy

    import forms

    example = copy.deepcopy(forms.load_form(key)["examples"][0])
    for name in SYSTEM_FIELDS:
        example.pop(name, None)
    example.update(overrides)
    return example
