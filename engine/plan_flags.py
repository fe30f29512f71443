"""The two flags a child protection plan carries for management review (domain §4 RCPC, national measures [EES24]).

- *second or subsequent plan*: a child of the case had a child protection plan that started before this
  one, in this case or any other (the person record links the child's cases: engine/people.py);
- *plan lasting two years or more*: the case's current plan started 24 calendar months or more before
  the day asked about (a review held on that day is flagged for management review).

Both are computed from the rows the statutory projection keeps (`case_event` `cp_plan_started` /
`cp_plan_ended`, engine/statutory.py) and the case's children (`case_person`), so no workflow is read.
`visible` narrows the cases counted (the people pages count only the cases the reader may see).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.models import CaseEvent, CasePerson, PersonRole

PLAN_STARTED, PLAN_ENDED = "cp_plan_started", "cp_plan_ended"
LONG_PLAN_MONTHS = 24


def months_before(day: date, months: int) -> date:
    """The same day-of-month `months` earlier, clamped to the month's end (29 Feb → 28 Feb)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def current_plan_started(session: Session, case_id: str, on: date) -> date | None:
    """The start of the case's plan running on `on` (None when no plan is running then)."""
    query = (select(CaseEvent.kind, CaseEvent.on_date)
             .where(CaseEvent.case_id == case_id, CaseEvent.kind.in_([PLAN_STARTED, PLAN_ENDED]),
                    CaseEvent.on_date <= on).order_by(CaseEvent.on_date.desc(), CaseEvent.id.desc()).limit(1))
    last = session.execute(query).first()
    return last.on_date if last is not None and last.kind == PLAN_STARTED else None


def previous_plans(session: Session, case_id: str, before: date,
                   visible: Callable[[str], bool] = lambda _case_id: True) -> dict[str, int]:
    """Each child of the case → the child protection plans they started before `before`, in any case."""
    children = list(session.scalars(select(CasePerson.person_id).where(
        CasePerson.case_id == case_id, CasePerson.role == PersonRole.CHILD).order_by(CasePerson.person_id)))
    query = (select(CasePerson.person_id, CaseEvent.case_id).join(CaseEvent, CaseEvent.case_id == CasePerson.case_id)
             .where(CasePerson.person_id.in_(children), CasePerson.role == PersonRole.CHILD,
                    CaseEvent.kind == PLAN_STARTED, CaseEvent.on_date < before))
    counts = dict.fromkeys(children, 0)
    for person_id, plan_case in session.execute(query).all():
        if visible(plan_case):
            counts[person_id] += 1
    return counts


def plan_flags(session: Session, case_id: str, on: date,
               visible: Callable[[str], bool] = lambda _case_id: True) -> dict[str, Any]:
    """The case's plan on `on`: when it started, whether it has lasted two years, whether it is a second plan."""
    started = current_plan_started(session, case_id, on)
    earlier = previous_plans(session, case_id, started or on, visible)
    return {
        "plan_started_on": started.isoformat() if started else None,
        "plan_over_two_years": started is not None and started <= months_before(on, LONG_PLAN_MONTHS),
        "second_or_subsequent_plan": any(count > 0 for count in earlier.values()),
        "children": [{"person_id": person_id, "previous_cp_plans": count} for person_id, count in earlier.items()],
    }
