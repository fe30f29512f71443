"""The managers' per-step summary over a date range, grouped by the database.

One GROUP BY reads the range: per process, step, London day created and London day done, how many tasks are
open (not yet due), done on time and breached. Working days taken are then worked out once per distinct pair
of days (a few thousand at most, whatever the table size) and the median and 90th percentile read from that
histogram, so no row is handled in Python. The figures are those of `summary_of_rows`, the plain per-row
definition the tests compare this with.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, select
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor, Permission
from engine.calendar import WorkingCalendar, default_calendar
from engine.models import HumanTask, TaskStatus, UTCDateTime
from engine.queries.london_days import WorkingDaysBetween, as_date, london_date, report_years

STANDINGS = ("open", "on_time", "breached")


def sla_summary(session: Session, actor: Actor, start: datetime, end: datetime, now: datetime) -> list[dict[str, Any]]:
    """Per process and step, over tasks created in [start, end) in the actor's lanes: how many are open (not yet
    due), done on time and breached (done late or open past due), and the median and 90th percentile of
    working days taken by those done."""
    access.require(actor, Permission.READ_SLA)
    dialect = session.get_bind().dialect.name
    years = report_years(start, end, now)
    created, done = (london_date(column, dialect, years) for column in (HumanTask.created_at, HumanTask.completed_at))
    late, ready = _late_sql(now), HumanTask.status == TaskStatus.READY
    counted = {"open": and_(~late, ready), "on_time": and_(~late, ~ready), "breached": late}
    query = (select(HumanTask.process_key, HumanTask.element_id, func.min(HumanTask.name), created, done,
                    *(func.sum(case((counted[name], 1), else_=0)) for name in STANDINGS))
             .where(HumanTask.created_at >= start, HumanTask.created_at < end,
                    HumanTask.candidate_group.in_(sorted(access.managed_lanes(actor))),
                    HumanTask.status != TaskStatus.CANCELLED, access.case_reported(actor, HumanTask.case_id))
             .group_by(HumanTask.process_key, HumanTask.element_id, created, done))
    return _summarised_groups(session.execute(query), WorkingDaysBetween(default_calendar()))


def _late_sql(now: datetime) -> ColumnElement[bool]:
    """`standing` is "breached": a deadline passed before the task was done (or, open, before `now`)."""
    at = literal(now.astimezone(UTC), UTCDateTime())
    return and_(HumanTask.due_at.is_not(None), func.coalesce(HumanTask.completed_at, at) > HumanTask.due_at)


def _summarised_groups(groups: Iterable[Any], between: WorkingDaysBetween) -> list[dict[str, Any]]:
    steps: dict[tuple[str, str], dict[str, Any]] = {}
    for process, step, name, created, done, *counts in groups:
        entry = steps.get((process, step))
        if entry is None:
            entry = steps[process, step] = _entry(process, step, name)
        entry["name"] = min(entry["name"], name)
        for standing, count in zip(STANDINGS, counts, strict=True):
            entry[standing] += int(count or 0)
        if done is not None:
            entry["taken"][between(_day(created), _day(done))] += sum(int(count or 0) for count in counts)
    return [_summarised(entry) for _, entry in sorted(steps.items())]


def _day(value: object) -> date:
    day = as_date(value)
    assert day is not None  # created_at is never NULL
    return day


def _entry(process: str, step: str, name: str) -> dict[str, Any]:
    return {"process": process, "step": step, "name": name, "open": 0, "on_time": 0, "breached": 0,
            "taken": Counter()}


def _summarised(entry: dict[str, Any]) -> dict[str, Any]:
    taken: Counter[int] = entry.pop("taken")
    completed = sum(taken.values())
    return {**entry, "completed": completed, "median_working_days": counted_percentile(taken, 0.5),
            "p90_working_days": counted_percentile(taken, 0.9)}


def counted_percentile(counts: Counter[int], share: float) -> float | None:
    """`percentile` of the values `counts` holds (value → how many times), without listing them."""
    total = sum(counts.values())
    if not total:
        return None
    rank = min(max(1, -(-int(share * 1000) * total // 1000)), total)
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the rank is at most the total")


# --- the plain per-row definition the SQL above must match ----------------------------------------------

def standing(status: str, completed: datetime | None, due: datetime | None, now: datetime) -> str:
    """breached (done late, or still open past its deadline), open (not yet due), or on_time."""
    if due is not None and (completed or now) > due:
        return "breached"
    return "open" if status == TaskStatus.READY else "on_time"


def summary_of_rows(rows: Iterable[tuple[str, str, str, str, datetime, datetime | None, datetime | None]],
                    now: datetime, calendar: WorkingCalendar) -> list[dict[str, Any]]:
    """The summary of (process, step, name, status, created, completed, due) rows, one row at a time."""
    steps: dict[tuple[str, str], dict[str, Any]] = {}
    for process, step, name, status, created, completed, due in rows:
        entry = steps.setdefault((process, step), _entry(process, step, name))
        entry["name"] = min(entry["name"], name)
        entry[standing(status, completed, due, now)] += 1
        if completed is not None:
            entry["taken"][calendar.working_days_between(created, completed)] += 1
    return [_summarised(entry) for _, entry in sorted(steps.items())]
