"""Who is told: the people of a task (its assignee, or its whole group while unclaimed), a lane's members,
and the manager who answers for a process's deadlines (domain §7, level 1)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import HumanTask, Membership, User

# Level 1 of the ladder: the team manager of the owning team (MASH manager in MASH, CP unit for
# conference bookings, LADO manager for allegations).
PROCESS_MANAGER = {
    "mash_screening": "mash_manager",
    "strategy_discussion": "team_manager",
    "cp_conference": "cp_unit",
    "lado_allegation": "lado_manager",
}


def members(session: Session, groups: Iterable[str | None]) -> set[str]:
    """The active users in any of `groups`."""
    wanted = sorted({group for group in groups if group})
    if not wanted:
        return set()
    query = (select(User.username).join(Membership, Membership.user_id == User.id)
             .where(Membership.group_name.in_(wanted), User.active.is_(True)))
    return set(session.scalars(query))


def task_people(session: Session, task: HumanTask) -> set[str]:
    """Whoever holds the task; while nobody does, everyone in its lane."""
    if task.assignee:
        return {task.assignee}
    return members(session, [task.candidate_group])


def process_managers(session: Session, process_key: str) -> set[str]:
    return members(session, [PROCESS_MANAGER.get(process_key)])
