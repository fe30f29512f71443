"""Plain keyword-only factories over the real engine: users with tokens, deployed diagrams, referrals."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

import forms
from engine import accounts, runtime
from engine.access import Actor, Role
from engine.db import Database
from engine.models import AuditEvent, HumanTask, ProcessInstance, Timer

ROOT = Path(__file__).resolve().parent.parent
BPMN_DIR = ROOT / "bpmn"
PROCESS_OWNER = Actor("owner", frozenset({Role.PROCESS_OWNER}))


def create_user(db: Database, *, username: str, groups: list[str], now: datetime) -> str:
    """A user in `groups`; returns a fresh API token."""
    accounts.create_user(db, username, groups, now)
    return accounts.issue_token(db, username, now)


def deploy(db: Database, *, name: str, now: datetime) -> Any:
    """Deploy bpmn/<name> with every diagram it hands the case on to, directly or not, in one run as
    `sosflow deploy` does (a diagram whose hand-off target is not deployed is refused)."""
    names = handoff_closure(name)
    files = [runtime.DiagramFile((BPMN_DIR / each).read_bytes(), each) for each in names]
    deployed = runtime.deploy_definitions(db, files, PROCESS_OWNER, now)
    return next(definition for definition, _ in deployed if definition.key == Path(name).stem)


_STARTS_PROCESS = re.compile(r'name="starts_process" value="([a-z0-9_]+)"')


def handoff_closure(name: str) -> list[str]:
    """The diagram file and every diagram file its hand-offs reach, directly or not."""
    found, todo = [name], [name]
    while todo:
        for key in _STARTS_PROCESS.findall((BPMN_DIR / todo.pop()).read_text()):
            if f"{key}.bpmn" not in found:
                found.append(f"{key}.bpmn")
                todo.append(f"{key}.bpmn")
    return found


def referral(**overrides: Any) -> dict[str, Any]:
    """A valid MASH service request (the form's first example), with overrides."""
    return form_data("mash_service_request", **overrides)


def subject(**overrides: Any) -> dict[str, Any]:
    return {"name": "Child A", "dob": "2018-03-04", "sex": "female", **overrides}


SYSTEM_FIELDS = ("case_id", "author", "completed_at", "version")


def filled(key: str, example: int = 0, without: tuple[str, ...] = (), **overrides: Any) -> dict[str, Any]:
    """A valid submission of form `key`: one of its examples, less the stamped and `without` fields."""
    data = copy.deepcopy(forms.load_form(key)["examples"][example])
    for name in (*SYSTEM_FIELDS, *without):
        data.pop(name, None)
    return {**data, **overrides}


def form_data(key: str, **overrides: Any) -> dict[str, Any]:
    """A valid submission of form `key` from its first example."""
    return filled(key, **overrides)


@dataclass
class CaseDriver:
    """One case in the engine, worked by a member of whichever group each ready task belongs to."""

    db: Database
    case_id: str

    def ready(self) -> list[HumanTask]:
        with self.db.reading() as session:
            query = select(HumanTask).where(HumanTask.case_id == self.case_id, HumanTask.status == "ready")
            return list(session.scalars(query.order_by(HumanTask.created_at, HumanTask.element_id)))

    def ready_elements(self) -> list[str]:
        return sorted(task.element_id for task in self.ready())

    def task(self, element_id: str) -> HumanTask:
        (task,) = [t for t in self.ready() if t.element_id == element_id]
        return task

    def deadline(self, element_id: str) -> tuple[datetime | None, str | None]:
        task = self.task(element_id)
        return task.due_at, task.due_rule

    def complete(self, element_id: str, data: dict[str, Any], at: datetime) -> None:
        task = self.task(element_id)
        actor = Actor(f"{task.candidate_group}_worker", frozenset({task.candidate_group}))
        runtime.complete_task(self.db, task.id, data, actor, at)

    def fire_timers(self, at: datetime) -> int:
        return runtime.fire_due_timers(self.db, at)

    def instances(self) -> list[ProcessInstance]:
        with self.db.reading() as session:
            query = select(ProcessInstance).where(ProcessInstance.case_id == self.case_id)
            return list(session.scalars(query.order_by(ProcessInstance.started_at)))

    def timers(self) -> list[Timer]:
        with self.db.reading() as session:
            query = select(Timer).where(Timer.case_id == self.case_id)
            return list(session.scalars(query.order_by(Timer.fires_at)))

    def fired_rules(self) -> list[str]:
        with self.db.reading() as session:
            query = select(AuditEvent).where(AuditEvent.case_id == self.case_id, AuditEvent.action == "timer_fired")
            return [event.payload["rule"] for event in session.scalars(query.order_by(AuditEvent.seq))]


def store_unverified(db: Database, *, xml: str, key: str, now: datetime) -> None:
    """Store a diagram as the next version without the deploy checks: a version from before they existed."""
    import hashlib

    from sqlalchemy import func

    from engine.models import ProcessDefinition

    with db.unit_of_work() as session:
        latest = session.scalar(select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key))
        session.add(ProcessDefinition(
            key=key, version=(latest or 0) + 1, name=key, sha256=hashlib.sha256(xml.encode()).hexdigest(),
            bpmn_xml=xml, start_form="mash_service_request" if key == "mash_screening" else None,
            start_lane="referrer" if key == "mash_screening" else None, deployed_by="owner", deployed_at=now,
            validation_report={},
        ))
