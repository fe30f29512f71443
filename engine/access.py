"""Who may see and do what: roles are groups, lanes are groups, cases are visible by a person's part in them.

Three layers, each decided here and nowhere else:
- permissions: what a role may do at all (`Permission`, `ROLES_FOR`); every endpoint, page and worker
  names the one permission it needs, and `require` answers 403 when the actor lacks it;
- lanes: a task is seen and worked only by its lane's group, a personal task only by its named performer;
- records: a case record is seen by the people and groups who work it (not by referrers or partner
  agencies, who have their own narrower views); allegation and restricted cases only by the LADO
  service or the named team, the people who worked them, and auditors; a manager may break the glass.
Not allowed to see → NotFound (404, no leak that the thing exists); allowed to see but not to act
→ Forbidden (403).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from engine.errors import Forbidden, NotFound
from engine.models import BreakGlass, Case, CaseKind, CaseRestriction, HumanTask, ProcessDefinition
from engine.rows import TaskRow


class Role(StrEnum):
    """Every role is a group of the same name (lanes in the diagrams use these names too)."""

    REFERRER = "referrer"
    MASH_BUSINESS_SUPPORT = "mash_business_support"
    MASH_SCREENER = "mash_screener"
    MASH_PARTNER_POLICE = "mash_partner_police"
    MASH_PARTNER_HEALTH = "mash_partner_health"
    MASH_PARTNER_EDUCATION = "mash_partner_education"
    MASH_PARTNER_OTHER = "mash_partner_other"
    MASH_MANAGER = "mash_manager"
    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    CP_CHAIR = "cp_chair"
    CP_UNIT = "cp_unit"
    LADO = "lado"
    LADO_MANAGER = "lado_manager"
    SERVICE_MANAGER = "service_manager"
    HEAD_OF_SERVICE = "head_of_service"
    PROCESS_OWNER = "process_owner"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


ROLE_TITLES: dict[Role, str] = {
    Role.REFERRER: "Referrer (partner agency professional)",
    Role.MASH_BUSINESS_SUPPORT: "MASH business support",
    Role.MASH_SCREENER: "MASH screener",
    Role.MASH_PARTNER_POLICE: "MASH partner: police",
    Role.MASH_PARTNER_HEALTH: "MASH partner: health",
    Role.MASH_PARTNER_EDUCATION: "MASH partner: education",
    Role.MASH_PARTNER_OTHER: "MASH partner: other agencies",
    Role.MASH_MANAGER: "MASH team manager",
    Role.SOCIAL_WORKER: "Social worker",
    Role.TEAM_MANAGER: "Team manager",
    Role.CP_CHAIR: "Child protection conference chair (IRO)",
    Role.CP_UNIT: "Child protection unit",
    Role.LADO: "Local Authority Designated Officer",
    Role.LADO_MANAGER: "LADO manager",
    Role.SERVICE_MANAGER: "Service manager",
    Role.HEAD_OF_SERVICE: "Head of service",
    Role.PROCESS_OWNER: "Process owner",
    Role.AUDITOR: "Auditor (read-only)",
    Role.ADMINISTRATOR: "Administrator",
}

PARTNER_AGENCIES = frozenset({Role.MASH_PARTNER_POLICE, Role.MASH_PARTNER_HEALTH, Role.MASH_PARTNER_EDUCATION,
                              Role.MASH_PARTNER_OTHER})
MANAGERS = frozenset({Role.MASH_MANAGER, Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE,
                      Role.LADO_MANAGER})
LADO_SERVICE = frozenset({Role.LADO, Role.LADO_MANAGER})
# Who works case records (a person's record spans cases): not referrers, partner agencies or the system's keepers.
CASE_WORKERS = frozenset({Role.MASH_BUSINESS_SUPPORT, Role.MASH_SCREENER, Role.SOCIAL_WORKER, Role.CP_CHAIR,
                          Role.CP_UNIT, Role.LADO, Role.AUDITOR, *MANAGERS})
# Children's services managers answer for the statutory returns (LADO work is in neither return).
RETURN_READERS = frozenset({Role.MASH_MANAGER, Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE})
# Work in these lanes is done for the case, not on its record: it never opens the case record.
OUTSIDE_LANES = frozenset({Role.REFERRER, *PARTNER_AGENCIES})


class Permission(StrEnum):
    """What an endpoint, page or worker does; `ROLES_FOR` says which roles may do it at all."""

    PUBLIC = "public"                    # no sign-in: health, the OpenAPI document, static files
    OPEN_CASE = "open_case"              # the process's start lane decides further
    READ_CASE = "read_case"              # the record rules decide further (404)
    READ_REFERRALS = "read_referrals"    # only the referrals the actor made
    WORK_TASKS = "work_tasks"            # the lane rules decide further (404)
    READ_REFERENCE = "read_reference"    # definitions and form schemas
    DEPLOY = "deploy"
    RESTRICT_CASE = "restrict_case"
    BREAK_GLASS = "break_glass"
    REVIEW_ACCESS = "review_access"      # access logs, chronology exports, break-glass openings
    VERIFY_AUDIT = "verify_audit"
    OWN_ACCOUNT = "own_account"          # one's own tokens, home page and sign-out
    HANDLE_INCIDENTS = "handle_incidents"  # list and retry failed background steps
    READ_ALERTS = "read_alerts"          # what the engine raised (a broken audit chain)
    READ_SLA = "read_sla"                # breaches, at-risk work and indicators of the teams one manages
    READ_PEOPLE = "read_people"          # a person across cases; the record rules decide further (404)
    READ_RETURNS = "read_returns"        # the statutory returns (CIN census, Annex A): every child, by case


SIGNED_IN = None
ROLES_FOR: dict[Permission, frozenset[str] | None] = {
    Permission.PUBLIC: SIGNED_IN,
    Permission.OPEN_CASE: SIGNED_IN,
    Permission.READ_CASE: SIGNED_IN,
    Permission.READ_REFERRALS: SIGNED_IN,
    Permission.WORK_TASKS: SIGNED_IN,
    Permission.READ_REFERENCE: SIGNED_IN,
    Permission.DEPLOY: frozenset({Role.PROCESS_OWNER}),
    Permission.RESTRICT_CASE: MANAGERS,
    Permission.BREAK_GLASS: MANAGERS,
    Permission.REVIEW_ACCESS: frozenset({Role.AUDITOR}),
    Permission.VERIFY_AUDIT: frozenset({Role.AUDITOR}),
    Permission.OWN_ACCOUNT: SIGNED_IN,
    Permission.HANDLE_INCIDENTS: frozenset({Role.PROCESS_OWNER, Role.ADMINISTRATOR}),
    Permission.READ_ALERTS: frozenset({Role.AUDITOR, Role.ADMINISTRATOR}),
    Permission.READ_SLA: frozenset({*MANAGERS, Role.CP_UNIT}),
    Permission.READ_PEOPLE: CASE_WORKERS,
    Permission.READ_RETURNS: RETURN_READERS,
}

_MASH_LANES = frozenset({"referrer", "mash_business_support", "mash_screener", *PARTNER_AGENCIES, "mash_manager",
                         "edt"})
_CHILD_PROTECTION_LANES = frozenset({"social_worker", "team_manager", "core_group", "cp_unit", "cp_chair",
                                     "conference_member", "mash_partner_police"})
_LADO_LANES = frozenset({"lado", "lado_manager", "employer_case_manager", "dsl", "hr", "mash_partner_police"})
# The lanes (groups) whose deadlines each manager answers for (domain §7). Senior managers answer for the
# children's services lanes; LADO work reaches them only as the ladder's own tasks (domain §9.3: LADO cases are
# visible only to the LADO service and named participants).
MANAGED_LANES: dict[str, frozenset[str]] = {
    Role.MASH_MANAGER: _MASH_LANES,
    Role.TEAM_MANAGER: _CHILD_PROTECTION_LANES,
    Role.CP_UNIT: frozenset({"cp_unit", "cp_chair", "conference_member", "core_group"}),
    Role.LADO_MANAGER: _LADO_LANES,
    Role.SERVICE_MANAGER: _MASH_LANES | _CHILD_PROTECTION_LANES,
    Role.HEAD_OF_SERVICE: _MASH_LANES | _CHILD_PROTECTION_LANES,
}


def managed_lanes(actor: Actor) -> frozenset[str]:
    """Every lane whose deadlines the actor manages (none for someone who manages no team)."""
    return frozenset().union(*(MANAGED_LANES.get(group, frozenset()) for group in actor.groups))


@dataclass(frozen=True)
class Actor:
    """The authenticated user a call acts for; `opened_cases` are the cases a break-glass opens to them now."""

    username: str
    groups: frozenset[str]
    opened_cases: frozenset[str] = field(default=frozenset())

    def has(self, role: Role | str) -> bool:
        return str(role) in self.groups

    def has_any(self, roles: frozenset[str]) -> bool:
        return bool(self.groups & roles)


SYSTEM = Actor("system", frozenset())


def allowed(actor: Actor, permission: Permission) -> bool:
    roles = ROLES_FOR[permission]
    return roles is None or actor.has_any(roles)


def require(actor: Actor, permission: Permission) -> None:
    """403 unless one of the actor's roles carries the permission."""
    if not allowed(actor, permission):
        raise Forbidden(f"your roles do not allow this ({permission})")


def require_role(actor: Actor, role: Role) -> None:
    if not actor.has(role):
        raise Forbidden(f"this needs the {role} role")


def require_incident_handler(actor: Actor) -> None:
    """Incidents (failed background steps) are seen and retried by process owners and administrators."""
    handlers = ROLES_FOR[Permission.HANDLE_INCIDENTS] or frozenset()
    if not actor.has_any(handlers):
        raise Forbidden("this needs the process_owner or administrator role")



def with_open_break_glass(session: Session, actor: Actor, now: datetime) -> Actor:
    """The actor with the cases their unexpired break-glass openings give them (only managers have any)."""
    if not actor.has_any(MANAGERS):
        return actor
    opened = session.scalars(select(BreakGlass.case_id).where(BreakGlass.username == actor.username,
                                                              BreakGlass.expires_at > now))
    return replace(actor, opened_cases=frozenset(opened))


# Lanes ---------------------------------------------------------------------------------------------

AnyTask = TypeVar("AnyTask", HumanTask, TaskRow)


def require_task_visible(actor: Actor, task: AnyTask | None) -> AnyTask:
    """A task is visible to members of its candidate group (a personal one to its assignee only)."""
    if task is None or task.candidate_group not in actor.groups:
        raise NotFound("task not found")
    if task.personal and task.assignee != actor.username:
        raise NotFound("task not found")
    return task


def require_can_start(actor: Actor, definition: ProcessDefinition) -> None:
    if definition.start_lane and definition.start_lane not in actor.groups:
        raise Forbidden(f"only the {definition.start_lane} group may start {definition.key}")


# Records -------------------------------------------------------------------------------------------

def is_sensitive(case: Case) -> bool:
    """Allegations and restricted cases: a group's membership alone never opens them."""
    return case.kind == CaseKind.ALLEGATION or case.restricted


def case_visible(session: Session, actor: Actor, case: Case) -> bool:
    """Whether the actor may read the case record (see the module docstring for the rules)."""
    if actor.has(Role.AUDITOR) or case.id in actor.opened_cases:
        return True
    if is_sensitive(case):
        return _named_on_sensitive_case(session, actor, case) or _worked_on(session, actor, case)
    return _worked_on(session, actor, case) or _group_holds_a_task(session, actor, case)


def _named_on_sensitive_case(session: Session, actor: Actor, case: Case) -> bool:
    if case.kind == CaseKind.ALLEGATION and actor.has_any(LADO_SERVICE):
        return True
    if not case.restricted:
        return False
    restriction = session.get(CaseRestriction, case.id)
    if restriction is None:
        return False
    return restriction.restricted_by == actor.username or (restriction.team or "") in actor.groups


def _record_lane_tasks(case: Case) -> list[ColumnElement[bool]]:
    return [HumanTask.case_id == case.id, HumanTask.candidate_group.not_in(OUTSIDE_LANES)]


def _worked_on(session: Session, actor: Actor, case: Case) -> bool:
    """The actor holds or completed a task of the case in one of the case-record lanes."""
    in_person = (HumanTask.assignee == actor.username) | (HumanTask.completed_by == actor.username)
    return _any_task(session, *_record_lane_tasks(case), in_person)


def _group_holds_a_task(session: Session, actor: Actor, case: Case) -> bool:
    groups = sorted(actor.groups - OUTSIDE_LANES)
    if not groups:
        return False
    return _any_task(session, *_record_lane_tasks(case), HumanTask.candidate_group.in_(groups),
                     HumanTask.personal.is_(False))


def _any_task(session: Session, *conditions: ColumnElement[bool]) -> bool:
    return bool(session.scalar(select(exists(select(HumanTask.id).where(*conditions)))))


# Built once: an alias's columns are costly to set up, and a list may use the clause once per lane.
_LISTED_CASE = aliased(Case, name="listed_case")
_LISTED_CASE_TASK = aliased(HumanTask, name="listed_case_task")


def case_listed(actor: Actor, case_id: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """`case_visible` for sensitive cases as SQL, for lists and counts across cases (the SLA lists and
    reports): true unless the row's case is restricted or an allegation and the actor may not see it. Lane
    membership is what puts a row in such a list; this only takes out the sensitive cases the record rules keep
    from the actor.
    One lookup of the case by primary key per row read, so an index-ordered list stays O(page)."""
    if actor.has(Role.AUDITOR):
        return true()
    return ~exists().where(_LISTED_CASE.id == case_id, *_hidden_case(actor))


def case_reported(actor: Actor, case_id: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """`case_listed` for reports that read every row of a range (summaries, indicators): the hidden restricted
    cases are one uncorrelated set the database builds once, instead of a lookup of the case per row read."""
    if actor.has(Role.AUDITOR):
        return true()
    return case_id.not_in(select(_LISTED_CASE.id).where(*_hidden_case(actor)))


def _hidden_case(actor: Actor) -> list[ColumnElement[bool]]:
    """Conditions on `_LISTED_CASE` true when the case is sensitive (restricted, or an allegation: domain §9.3,
    LADO cases are visible only to the LADO service and named participants) and the actor may not see it."""
    case, task = _LISTED_CASE, _LISTED_CASE_TASK
    hidden: list[ColumnElement[bool]] = [or_(case.restricted == true(), case.kind == CaseKind.ALLEGATION)]
    if actor.opened_cases:
        hidden.append(case.id.not_in(sorted(actor.opened_cases)))
    if actor.has_any(LADO_SERVICE):
        hidden.append(case.kind != CaseKind.ALLEGATION)
    named = and_(case.restricted == true(),
                 exists().where(CaseRestriction.case_id == case.id,
                                or_(CaseRestriction.restricted_by == actor.username,
                                    CaseRestriction.team.in_(sorted(actor.groups)))))
    worked = exists().where(task.case_id == case.id, task.candidate_group.not_in(OUTSIDE_LANES),
                            or_(task.assignee == actor.username, task.completed_by == actor.username))
    return [*hidden, ~named, ~worked]


def require_case_visible(session: Session, actor: Actor, case: Case | None) -> Case:
    if case is None or not case_visible(session, actor, case):
        raise NotFound("case not found")
    return case


def require_referral_visible(actor: Actor, case: Case | None) -> Case:
    """A referral (its status and the feedback sent) is visible to the person who made it."""
    if case is None or case.created_by != actor.username:
        raise NotFound("referral not found")
    return case
