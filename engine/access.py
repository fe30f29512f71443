"""Who may see and do what: roles are groups, lanes are groups, cases are visible by involvement.

Not allowed to see → NotFound (404, no leak that the thing exists); allowed to see but not to act
→ Forbidden (403).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine.errors import Forbidden, NotFound
from engine.models import Case, CaseKind, HumanTask, ProcessDefinition


class Role(StrEnum):
    """Groups that carry a role beyond working a lane."""

    ADMINISTRATOR = "administrator"
    AUDITOR = "auditor"
    PROCESS_OWNER = "process_owner"


@dataclass(frozen=True)
class Actor:
    """The authenticated user a call acts for."""

    username: str
    groups: frozenset[str]

    def has(self, role: Role | str) -> bool:
        return str(role) in self.groups


SYSTEM = Actor("system", frozenset())


def require_role(actor: Actor, role: Role) -> None:
    if not actor.has(role):
        raise Forbidden(f"this needs the {role} role")


INCIDENT_ROLES = (Role.PROCESS_OWNER, Role.ADMINISTRATOR)


def require_incident_handler(actor: Actor) -> None:
    """Incidents (failed background steps) are seen and retried by process owners and administrators."""
    if not any(actor.has(role) for role in INCIDENT_ROLES):
        raise Forbidden("this needs the process_owner or administrator role")


LADO_SERVICE = frozenset({"lado", "lado_manager"})


def require_task_visible(actor: Actor, task: HumanTask | None) -> HumanTask:
    """A task is visible to members of its candidate group (a personal one to its assignee only)."""
    if task is None or task.candidate_group not in actor.groups:
        raise NotFound("task not found")
    if task.personal and task.assignee != actor.username:
        raise NotFound("task not found")
    return task


def require_can_start(actor: Actor, definition: ProcessDefinition) -> None:
    if definition.start_lane and definition.start_lane not in actor.groups:
        raise Forbidden(f"only the {definition.start_lane} group may start {definition.key}")


def case_visible(session: Session, actor: Actor, case: Case) -> bool:
    """Auditors see every case; others the cases they raised, worked, or whose shared tasks their groups hold.

    Allegations are also visible to the LADO service; a restricted case only to the people on it.
    """
    if actor.has(Role.AUDITOR) or case.created_by == actor.username:
        return True
    if case.kind == CaseKind.ALLEGATION and actor.groups & LADO_SERVICE:
        return True
    in_person = (HumanTask.assignee == actor.username) | (HumanTask.completed_by == actor.username)
    by_group = HumanTask.candidate_group.in_(actor.groups) & HumanTask.personal.is_(False)
    involved = in_person if case.restricted else (in_person | by_group)
    return bool(session.scalar(select(exists(select(HumanTask.id).where(HumanTask.case_id == case.id, involved)))))


def require_case_visible(session: Session, actor: Actor, case: Case | None) -> Case:
    if case is None or not case_visible(session, actor, case):
        raise NotFound("case not found")
    return case
