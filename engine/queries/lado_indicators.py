"""The LADO reporting targets T23–T25 (domain §2): how quickly an allegation is dealt with, by the route it took.

They are reporting targets, not per-task deadlines (KCSIE's earlier editions; VERIFY in KCSIE 2024/25), and the
domain does not say how a case shows its route, so these readings are assumptions to confirm with the process
owner:
- T23 "obviously unfounded or malicious: resolved within a week (5 WD) of the referral": allegations closed (the
  LADO process completed) as false, malicious, unfounded or unsubstantiated with no police or disciplinary
  strand opened — nothing needed investigating; due 5 WD after the referral reached the LADO.
- T24 "no criminal route, no formal discipline: the employer acts within 3 WD of the initial consideration":
  disciplinary strands recorded as no action or management advice with no hearing, in an allegation with no
  police strand; done when the employer recorded that outcome.
- T25 "a disciplinary hearing needing no further investigation: within 15 WD of the initial consideration":
  disciplinary strands with a hearing date (whatever its outcome), no police strand; done at the end of the
  hearing day.
"Police strand" and "disciplinary strand" cover the meeting's strands and the police and employer routes of their
own (`police_investigation`, `employer_investigation`, whose `action` says which target applies).
The outcomes come from `case_event` (`lado_outcome`, `lado_disciplinary`, engine/statutory.py), tied to their
allegation through the task that recorded them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlalchemy.orm import Session, aliased

from engine import access
from engine.access import Actor
from engine.calendar import WorkingCalendar
from engine.models import (
    Case,
    CaseEvent,
    HumanTask,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    TaskStatus,
)
from engine.statutory import EventKind

LADO = "lado_allegation"
UNFOUNDED = frozenset({"false", "malicious", "unfounded", "unsubstantiated"})
NO_FORMAL_DISCIPLINE = frozenset({"no_action", "management_advice"})
# The forms that show a police or employer investigation ran: the meeting's strands and the routes of their own.
POLICE_FORMS = ("police_strand_outcome", "police_investigation")
EMPLOYER_FORMS = ("disciplinary_outcome", "employer_investigation")
INVESTIGATED = "investigation"  # employer_investigation.action: investigated first (neither T24 nor T25)
CONSIDERATION = "lado_initial_consideration"
T23_DAYS, T24_DAYS, T25_DAYS = 5, 3, 15

_RECORDING_TASK = aliased(HumanTask, name="recording_task")
_STRAND = aliased(HumanTask, name="strand")
_CONSIDERATION = aliased(HumanTask, name="consideration")


def lado_route_indicators(session: Session, actor: Actor, start: datetime, end: datetime,
                          calendar: WorkingCalendar) -> list[dict[str, Any]]:
    """T23, T24 and T25 over allegations closed (T23) or employer outcomes recorded (T24, T25) in [start, end)."""
    disciplinary = _disciplinary_outcomes(session, actor, start, end)
    return [
        measure("T23", "Unfounded or malicious allegations resolved within 5 working days",
                _quickly_closed(session, actor, start, end, calendar)),
        measure("T24", "Employer action without formal discipline within 3 working days of the initial consideration",
                [_employer_case(row, row.completed_at, calendar.add_working_days(row.considered_at, T24_DAYS))
                 for row in disciplinary
                 if row.details.get("outcome") in NO_FORMAL_DISCIPLINE and not row.details.get("hearing_date")
                 and row.details.get("action") != INVESTIGATED]),
        measure("T25", "Disciplinary hearings within 15 working days of the initial consideration",
                [_employer_case(row, calendar.end_of_day_on(date.fromisoformat(row.details["hearing_date"])),
                                calendar.add_working_days(row.considered_at, T25_DAYS))
                 for row in disciplinary
                 if row.details.get("hearing_date") and row.details.get("action") != INVESTIGATED]),
    ]


def measure(key: str, title: str, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """An indicator: how many of `cases` were on time, of how many, and the cases themselves."""
    numerator = sum(1 for case in cases if case["on_time"])
    denominator = len(cases)
    percent = round(100 * numerator / denominator, 1) if denominator else None
    return {"key": key, "title": title, "numerator": numerator, "denominator": denominator, "percent": percent,
            "cases": cases}


def _strand_opened(instance_id: Any, *forms: str) -> ColumnElement[bool]:
    return exists().where(_STRAND.instance_id == instance_id, _STRAND.form_key.in_(forms),
                          _STRAND.status != TaskStatus.CANCELLED)


def _quickly_closed(session: Session, actor: Actor, start: datetime, end: datetime,
                    calendar: WorkingCalendar) -> list[dict[str, Any]]:
    instance = ProcessInstance
    query = (select(instance.case_id, Case.reference, instance.started_at, instance.completed_at, CaseEvent.details)
             .join(Case, Case.id == instance.case_id)
             .join(ProcessDefinition, ProcessDefinition.id == instance.definition_id)
             .join(_RECORDING_TASK, _RECORDING_TASK.instance_id == instance.id)
             .join(CaseEvent, and_(CaseEvent.task_id == _RECORDING_TASK.id, CaseEvent.kind == EventKind.LADO_OUTCOME))
             .where(ProcessDefinition.key == LADO, instance.status == InstanceStatus.COMPLETED,
                    instance.completed_at >= start, instance.completed_at < end,
                    ~_strand_opened(instance.id, *POLICE_FORMS, *EMPLOYER_FORMS),
                    access.case_reported(actor, instance.case_id))
             .order_by(instance.completed_at, instance.id))
    cases = []
    for case_id, reference, started, done, details in session.execute(query):
        if details.get("outcome") in UNFOUNDED:
            due = calendar.add_working_days(started, T23_DAYS)
            cases.append({"case_id": case_id, "reference": reference, "due_at": due, "done_at": done,
                          "on_time": bool(done <= due)})
    return cases


def _disciplinary_outcomes(session: Session, actor: Actor, start: datetime, end: datetime) -> list[Any]:
    """Each disciplinary outcome recorded in [start, end) in an allegation with no police strand, with when the
    LADO's initial consideration was done."""
    task = _RECORDING_TASK
    query = (select(task.case_id, Case.reference, task.completed_at, CaseEvent.details,
                    _CONSIDERATION.completed_at.label("considered_at"))
             .join(Case, Case.id == task.case_id)
             .join(CaseEvent, and_(CaseEvent.task_id == task.id, CaseEvent.kind == EventKind.LADO_DISCIPLINARY))
             .join(_CONSIDERATION, and_(_CONSIDERATION.instance_id == task.instance_id,
                                        _CONSIDERATION.form_key == CONSIDERATION,
                                        _CONSIDERATION.status == TaskStatus.COMPLETED))
             .where(task.process_key == LADO, task.form_key.in_(EMPLOYER_FORMS),
                    task.status == TaskStatus.COMPLETED, task.completed_at >= start, task.completed_at < end,
                    ~_strand_opened(task.instance_id, *POLICE_FORMS), access.case_reported(actor, task.case_id))
             .order_by(task.completed_at, task.id))
    return list(session.execute(query))


def _employer_case(row: Any, done: datetime, due: datetime) -> dict[str, Any]:
    return {"case_id": row.case_id, "reference": row.reference, "due_at": due, "done_at": done,
            "on_time": bool(done <= due)}
