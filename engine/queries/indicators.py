"""Managers' reports over a date range: the statutory indicators of domain §10, per-step summaries, and how
late timers fired. Plain reads of the projections (`human_task`, `process_instance`, `timer`), no workflow.

An indicator counts the tasks of the element that carries its rule (`due_rule` on the task) — the
numerator those done by their `due_at`, the denominator those in the period — and lists the cases
behind both, so a figure can be drilled into. T23–T25 (LADO, by the route an allegation took) are read in
engine/queries/lado_indicators.py. T26 (LADO resolution in 1, 3 and 12 months) is a
reporting target with no per-task deadline: it compares each allegation's completion with the same
day 1, 3 and 12 months after its referral reached the LADO (calendar months, domain §1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import access
from engine.access import Actor, Permission
from engine.calendar import WorkingCalendar, default_calendar
from engine.models import Case, HumanTask, InstanceStatus, ProcessDefinition, ProcessInstance, TaskStatus, Timer
from engine.queries.lado_indicators import lado_route_indicators, measure
from engine.queries.sla_summary import sla_summary

__all__ = ["compute_indicators", "percentile", "sla_summary", "timer_lateness"]


@dataclass(frozen=True)
class Indicator:
    """A statutory measure read from the tasks of `elements` in `process` carrying `rule`."""

    key: str
    title: str
    process: str
    elements: tuple[str, ...]
    rules: tuple[str, ...]
    lane: str  # whose managers see it


INDICATORS = (
    Indicator("T1", "MASH decisions within 1 working day", "mash_screening", ("screening_decision",), ("T1",),
              "mash_manager"),
    Indicator("T10", "ICPCs within 15 working days of the strategy discussion", "cp_conference",
              ("hold_conference",), ("T10",), "cp_unit"),
    Indicator("T13", "First core groups within 10 working days of the ICPC", "cp_conference", ("first_core_group",),
              ("T13",), "core_group"),
    Indicator("T15_T16", "Review conferences on time", "cp_conference", ("hold_first_review", "hold_review"),
              ("T15", "T16"), "cp_unit"),
    Indicator("T21", "LADO initial considerations within 1 working day", "lado_allegation",
              ("initial_consideration",), ("T21",), "lado"),
)
T26_MONTHS = (1, 3, 12)


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (`share` in 0..1) of `values`; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-int(share * 1000) * len(ordered) // 1000))
    return ordered[min(rank, len(ordered)) - 1]


def compute_indicators(session: Session, actor: Actor, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Each indicator the actor's lanes answer for, over tasks completed in [start, end)."""
    access.require(actor, Permission.READ_SLA)
    lanes = access.managed_lanes(actor)
    results = [_task_indicator(session, actor, indicator, start, end)
               for indicator in INDICATORS if indicator.lane in lanes]
    if "lado" in lanes:
        results.extend(lado_route_indicators(session, actor, start, end, default_calendar()))
        results.extend(_resolution_indicators(session, actor, start, end, default_calendar()))
    return results


def _task_indicator(session: Session, actor: Actor, indicator: Indicator, start: datetime,
                    end: datetime) -> dict[str, Any]:
    query = (select(HumanTask.case_id, Case.reference, HumanTask.due_at, HumanTask.completed_at)
             .join(Case, Case.id == HumanTask.case_id)
             .where(HumanTask.process_key == indicator.process, HumanTask.element_id.in_(indicator.elements),
                    HumanTask.completed_at >= start, HumanTask.completed_at < end,
                    HumanTask.status == TaskStatus.COMPLETED, HumanTask.due_rule.in_(indicator.rules),
                    HumanTask.due_at.is_not(None), access.case_reported(actor, HumanTask.case_id))
             .order_by(HumanTask.completed_at, HumanTask.id))
    cases = [{"case_id": case_id, "reference": reference, "due_at": due, "done_at": done, "on_time": _by(done, due)}
             for case_id, reference, due, done in session.execute(query)]
    return measure(indicator.key, indicator.title, cases)


def _by(done: Any, due: Any) -> bool:
    """Done no later than due (both are set on every row these reports read)."""
    return bool(done <= due)


def _resolution_indicators(session: Session, actor: Actor, start: datetime, end: datetime,
                           calendar: WorkingCalendar) -> list[dict[str, Any]]:
    """T26: allegations resolved (their LADO process completed in [start, end)) within 1, 3 and 12 months."""
    query = (select(ProcessInstance.case_id, Case.reference, ProcessInstance.started_at, ProcessInstance.completed_at)
             .join(Case, Case.id == ProcessInstance.case_id)
             .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
             .where(ProcessDefinition.key == "lado_allegation", ProcessInstance.status == InstanceStatus.COMPLETED,
                    ProcessInstance.completed_at >= start, ProcessInstance.completed_at < end,
                    access.case_reported(actor, ProcessInstance.case_id))
             .order_by(ProcessInstance.completed_at, ProcessInstance.id))
    rows = session.execute(query).all()
    results = []
    for months in T26_MONTHS:
        cases = []
        for case_id, reference, started, done in rows:
            due = calendar.add_calendar_months(started, months)
            cases.append({"case_id": case_id, "reference": reference, "due_at": due, "done_at": done,
                          "on_time": _by(done, due)})
        results.append(measure(f"T26_{months}m", f"Allegations resolved within {months} month(s)", cases))
    return results


def timer_lateness(session: Session, actor: Actor, start: datetime, end: datetime) -> dict[str, Any]:
    """How late timers fired in [start, end): seconds from when each was due to when it fired."""
    access.require(actor, Permission.READ_SLA)
    query = select(Timer.fires_at, Timer.fired_at).where(Timer.fired_at >= start, Timer.fired_at < end)
    late = [max((fired - due).total_seconds(), 0.0) for due, fired in session.execute(query) if fired]
    return {"count": len(late), "p50_seconds": percentile(late, 0.5), "p99_seconds": percentile(late, 0.99),
            "max_seconds": max(late) if late else None}
