"""Managers' live SLA lists: breaches and at-risk work across the lanes a manager manages.

Plain reads of `human_task`, no workflow loaded. Each lane is one range of the (group, status[, process],
sort_due, id) index, read in order and limited; several lanes are one UNION ALL of those ranges
(`engine.queries.tasks.read_ranges`), so a page costs O(lanes × page) at any table size; a breach shows
the moment its deadline passes (nothing is batched). The statements are built once per actor and shape of
filter, with bind parameters for the times, filter values, cursor and limit (building and keying a statement
cost more than reading a page), and the escalation levels of a page use the calendar once, not per row.
Escalation levels follow domain §7: 1 at the breach, 2 one working day later, 3 two working days later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, String, and_, bindparam, case, func, select, tuple_
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor, Permission
from engine.calendar import LONDON, WorkingCalendar, default_calendar
from engine.errors import Forbidden
from engine.models import Case, HumanTask, TaskStatus
from engine.queries.tasks import Ranges, decode_cursor, encode_cursor, read_ranges

TOP_LEVEL = 3
# `WorkingCalendar.warn_at` warns one working day before a deadline, or a quarter of an interval under three
# working days: never more than a week before it, even across Christmas. Bounding the at-risk range by it keeps
# the read to the work due within the horizon instead of every future deadline of the lane.
AT_RISK_HORIZON = timedelta(days=8)


@dataclass(frozen=True)
class SlaFilter:
    """What a manager narrows a list to; `group=None` means every lane they manage."""

    process: str | None = None
    step: str | None = None
    group: str | None = None
    assignee: str | None = None
    level: int | None = None


@dataclass(frozen=True)
class SlaPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def escalation_level(due_at: datetime, now: datetime, calendar: WorkingCalendar) -> int:
    """0 before the deadline; 1 once breached; 2 a working day after; 3 two working days after."""
    if now < due_at:
        return 0
    return 1 + sum(1 for n in (1, 2) if calendar.add_working_days(due_at, n) <= now)


def level_cutoff(level: int, now: datetime, calendar: WorkingCalendar) -> datetime:
    """The instant before which a deadline must fall to have reached `level` at `now`.

    The ladder's later rungs depend only on the London date of the deadline, so the cutoff is the
    start of the day after the latest date that has reached the rung.
    """
    if level <= 1:
        return now
    day = now.astimezone(LONDON).date()
    while calendar.add_working_days(_noon(day), level - 1) > now:
        day -= timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=LONDON)


def _noon(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=LONDON) + timedelta(hours=12)


def lanes_for(actor: Actor, wanted: SlaFilter) -> list[str]:
    """The lanes a list covers: those the actor manages, or the one asked for if they manage it."""
    access.require(actor, Permission.READ_SLA)
    managed = access.managed_lanes(actor)
    if wanted.group is not None:
        if wanted.group not in managed:
            raise Forbidden(f"you do not manage the group {wanted.group}")
        return [wanted.group]
    return sorted(managed)


@dataclass(frozen=True)
class _Shape:
    """What a lane list's statement depends on besides its values: built once per shape and actor."""

    window: str                # "breach", "at_risk" or "open"
    lanes: tuple[str, ...]
    process: bool = False
    step: bool = False
    assignee: bool = False
    floor: bool = False        # a breach level below the top: deadlines from the next level's cutoff on
    after: bool = False


def _windows(shape: _Shape) -> list[ColumnElement[bool]]:
    due = HumanTask.sort_due
    if shape.window == "breach":
        return [due < bindparam("ceiling"), *([due >= bindparam("floor")] if shape.floor else [])]
    if shape.window == "at_risk":
        return [due >= bindparam("now"), due < bindparam("horizon"), HumanTask.warn_at <= bindparam("now")]
    return []


@lru_cache(maxsize=1024)
def _lane_ranges(actor: Actor, shape: _Shape) -> Ranges:
    """One ordered, limited query per lane, with bind parameters for every value a call brings."""
    query = select(HumanTask).where(HumanTask.status == TaskStatus.READY, *_windows(shape),
                                    access.case_listed(actor, HumanTask.case_id))
    for wanted, column in ((shape.process, HumanTask.process_key), (shape.step, HumanTask.element_id),
                           (shape.assignee, HumanTask.assignee)):
        if wanted:
            query = query.where(column == bindparam(column.key))
    if shape.after:
        query = query.where(tuple_(HumanTask.sort_due, HumanTask.id) > tuple_(
            bindparam("after_due", type_=HumanTask.sort_due.type), bindparam("after_id", type_=String())))
    query = query.order_by(HumanTask.sort_due, HumanTask.id).limit(bindparam("limit", type_=Integer()))
    return Ranges.of([query.where(HumanTask.candidate_group == lane) for lane in shape.lanes])


def _prepared(actor: Actor, wanted: SlaFilter, window: str, limit: int, after: tuple[datetime, str] | None,
              **times: datetime) -> tuple[Ranges, dict[str, Any]]:
    """The list's prepared ranges and the values to bind."""
    shape = _Shape(window, tuple(lanes_for(actor, wanted)), bool(wanted.process), bool(wanted.step),
                   bool(wanted.assignee), "floor" in times, after is not None)
    values: dict[str, Any] = {"limit": limit, "process_key": wanted.process, "element_id": wanted.step,
                              "assignee": wanted.assignee, **times}
    if after is not None:
        values["after_due"], values["after_id"] = after
    return _lane_ranges(actor, shape), values


def _breach_times(wanted: SlaFilter, now: datetime, calendar: WorkingCalendar | None) -> dict[str, datetime]:
    calendar = calendar or default_calendar()
    times = {"ceiling": level_cutoff(wanted.level or 1, now, calendar)}
    if wanted.level is not None and wanted.level < TOP_LEVEL:
        times["floor"] = level_cutoff(wanted.level + 1, now, calendar)
    return times


def breach_queries(actor: Actor, wanted: SlaFilter, now: datetime, limit: int,
                   after: tuple[datetime, str] | None = None,
                   calendar: WorkingCalendar | None = None) -> list[Select[HumanTask]]:
    """One ordered, limited query per lane: ready tasks past their deadline, the latest first."""
    ranges, values = _prepared(actor, wanted, "breach", limit, after, **_breach_times(wanted, now, calendar))
    return ranges.bound(values)


def at_risk_queries(actor: Actor, wanted: SlaFilter, now: datetime, limit: int,
                    after: tuple[datetime, str] | None = None) -> list[Select[HumanTask]]:
    """One ordered, limited query per lane: ready tasks past their warning time, not yet due, soonest first."""
    ranges, values = _prepared(actor, wanted, "at_risk", limit, after, now=now, horizon=now + AT_RISK_HORIZON)
    return ranges.bound(values)


def list_breaches(session: Session, actor: Actor, wanted: SlaFilter, now: datetime, limit: int = 50,
                  cursor: str | None = None) -> SlaPage:
    """Breached ready tasks across the actor's lanes, the most overdue first (keyset-paginated)."""
    after = decode_cursor(cursor) if cursor else None
    ranges, values = _prepared(actor, wanted, "breach", limit + 1, after, **_breach_times(wanted, now, None))
    return _page(session, read_ranges(session, ranges, values, limit + 1), limit, now)


def list_at_risk(session: Session, actor: Actor, wanted: SlaFilter, now: datetime, limit: int = 50,
                 cursor: str | None = None) -> SlaPage:
    """Ready tasks whose warning time has passed and deadline has not, the nearest deadline first."""
    after = decode_cursor(cursor) if cursor else None
    ranges, values = _prepared(actor, wanted, "at_risk", limit + 1, after, now=now, horizon=now + AT_RISK_HORIZON)
    return _page(session, read_ranges(session, ranges, values, limit + 1), limit, now)


_REFERENCES = select(Case.id, Case.reference).where(Case.id.in_(bindparam("ids", expanding=True)))


def _page(session: Session, rows: list[HumanTask], limit: int, now: datetime) -> SlaPage:
    items = rows[:limit]
    references = dict(session.execute(_REFERENCES, {"ids": sorted({task.case_id for task in items})}).all())
    level = _levels(now, default_calendar())
    views = [_view(task, references.get(task.case_id, ""), now, level) for task in items]
    return SlaPage(views, encode_cursor(items[-1]) if len(rows) > limit and items else None)


def _levels(now: datetime, calendar: WorkingCalendar) -> Callable[[datetime], int]:
    """`escalation_level` at `now` for any deadline, the calendar worked once per page: the later rungs
    depend only on the deadline's London date, so they are the breach lists' cutoffs."""
    cutoffs = [level_cutoff(level, now, calendar) for level in range(2, TOP_LEVEL + 1)]

    def level(due: datetime) -> int:
        return 0 if now < due else 1 + sum(1 for cutoff in cutoffs if due < cutoff)
    return level


def _view(task: HumanTask, reference: str, now: datetime, level: Callable[[datetime], int]) -> dict[str, Any]:
    due = task.due_at
    return {
        "task_id": task.id, "case_id": task.case_id, "case_reference": reference, "process": task.process_key,
        "step": task.element_id, "name": task.name, "group": task.candidate_group, "assignee": task.assignee,
        "due_at": due, "warn_at": task.warn_at, "due_rule": task.due_rule,
        "minutes_late": int((now - due).total_seconds() // 60) if due else None,
        "escalation_level": level(due) if due else 0,
    }


def open_queries(actor: Actor, wanted: SlaFilter, limit: int,
                 after: tuple[datetime, str] | None = None) -> list[Select[HumanTask]]:
    """One ordered, limited query per lane: every ready task, the soonest deadline first (breaches lead)."""
    ranges, values = _prepared(actor, wanted, "open", limit, after)
    return ranges.bound(values)


def list_open(session: Session, actor: Actor, wanted: SlaFilter, now: datetime, limit: int = 50,
              cursor: str | None = None) -> SlaPage:
    """Every ready task across the actor's lanes, the soonest deadline first (those without one last)."""
    after = decode_cursor(cursor) if cursor else None
    ranges, values = _prepared(actor, wanted, "open", limit + 1, after)
    return _page(session, read_ranges(session, ranges, values, limit + 1), limit, now)


def count_open_work(session: Session, actor: Actor, now: datetime,
                    calendar: WorkingCalendar | None = None) -> list[dict[str, Any]]:
    """Ready tasks in the actor's lanes counted per lane and step: breached at each escalation level, at risk
    (warned, not yet due) and in all; the levels use the same cutoffs as the breach lists."""
    return [{"group": group, "process": process, "step": step, "name": name,
             **{key: int(value or 0) for key, value in zip(OPEN_WORK_COUNTS, values, strict=True)}}
            for group, process, step, name, *values in session.execute(open_work_query(actor, now, calendar))]


OPEN_WORK_COUNTS = ("level_3", "level_2", "level_1", "at_risk", "open")


def open_work_query(actor: Actor, now: datetime, calendar: WorkingCalendar | None = None) -> Select[Any]:
    """One grouped read of the lanes' ready tasks from `ix_human_task_open_work` alone (a partial index of ready
    tasks by lane, process and step holding every column read), in its order, so nothing is sorted and no
    table row is read: O(open tasks managed), not O(table). Hidden restricted cases are one set read once."""
    calendar = calendar or default_calendar()
    cut = {level: level_cutoff(level, now, calendar) for level in (1, 2, 3)}
    due = HumanTask.sort_due
    counts = {
        "level_3": _count_where(due < cut[3]),
        "level_2": _count_where(and_(due < cut[2], due >= cut[3])),
        "level_1": _count_where(and_(due < cut[1], due >= cut[2])),
        "at_risk": _count_where(and_(due >= now, HumanTask.warn_at <= now)),
        "open": func.count(),
    }
    return (select(HumanTask.candidate_group, HumanTask.process_key, HumanTask.element_id,
                   func.min(HumanTask.name), *(counts[name].label(name) for name in OPEN_WORK_COUNTS))
            .where(HumanTask.candidate_group.in_(lanes_for(actor, SlaFilter())),
                   HumanTask.status == TaskStatus.READY, access.case_reported(actor, HumanTask.case_id))
            .group_by(HumanTask.candidate_group, HumanTask.process_key, HumanTask.element_id)
            .order_by(HumanTask.candidate_group, HumanTask.process_key, HumanTask.element_id))


def _count_where(condition: ColumnElement[bool]) -> Any:
    return func.sum(case((condition, 1), else_=0))
