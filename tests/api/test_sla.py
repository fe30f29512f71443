"""Managers' SLA view: live breaches and at-risk work across the lanes a manager manages, the statutory
indicators against a hand-computed fixture, per-step summaries, timer lateness, calendar edge cases.

The indicator fixture inserts projection rows directly (cases, instances, human tasks) rather than
driving 36 cases through the engine: the indicators read only those rows, and the engine path would
make the test minutes long. The breach lists are also checked on a case driven through the engine."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from engine import accounts, runtime
from engine.calendar import LONDON, default_calendar
from engine.db import Database
from engine.models import Case, CaseEvent, HumanTask, ProcessDefinition, ProcessInstance, Timer, new_id
from engine.queries.sla import AT_RISK_HORIZON, escalation_level, level_cutoff
from tests.api.helpers import open_referral
from tests.api_client import ApiClient
from tests.conftest import Clock
from tests.factories import create_user

CAL = default_calendar()
MANAGERS = {"hos": ["head_of_service"], "lou": ["lado_manager"], "cpu": ["cp_unit"], "tom": ["team_manager"]}


@pytest.fixture
def managers(api: ApiClient, db: Database, clock: Clock) -> ApiClient:
    for name, groups in MANAGERS.items():
        api.tokens[name] = create_user(db, username=name, groups=groups, now=clock())
    return api


def _move_to(api: ApiClient, db: Database, clock: Clock, when: datetime) -> None:
    """Move the clock far ahead; tokens issued at the old time would have expired, so issue fresh ones."""
    clock.now = when
    for user in list(api.tokens):
        api.tokens[user] = accounts.issue_token(db, user, when)


def test_a_breach_shows_the_moment_its_deadline_passes_to_the_manager_of_its_lane_only(
    managers: ApiClient, clock: Clock
) -> None:
    case = open_referral(managers)
    due = datetime(2026, 5, 26, 17, 0, tzinfo=LONDON)
    clock.now = due - timedelta(seconds=1)
    assert managers.get("/api/v1/sla/breaches", "maya")["items"] == []
    assert [t["case_reference"] for t in managers.get("/api/v1/sla/at-risk", "maya")["items"]] == [case["reference"]]

    clock.now = due + timedelta(minutes=5)
    (breach,) = managers.get("/api/v1/sla/breaches", "maya")["items"]
    assert (breach["case_reference"], breach["minutes_late"], breach["escalation_level"]) == (case["reference"], 5, 1)
    assert managers.get("/api/v1/sla/breaches", "hos")["items"] == [breach]
    assert managers.get("/api/v1/sla/breaches", "lou")["items"] == []
    managers.get("/api/v1/sla/breaches", "lou", 403, query_string={"group": "mash_screener"})
    managers.get("/api/v1/sla/breaches", "sam", 403)


def _task(db: Database, case_id: str, instance_id: str, group: str, due: datetime, **extra: Any) -> dict[str, Any]:
    row = {"id": new_id(), "instance_id": instance_id, "case_id": case_id, "process_key": "mash_screening",
           "element_id": "screen_contact", "name": "Screen contact", "lane": group, "candidate_group": group,
           "form_key": "mash_screening", "status": "ready", "personal": False, "created_at": due - timedelta(days=3),
           "due_at": due, "sort_due": due, "warn_at": due - timedelta(hours=4), "due_rule": "T1", **extra}
    with db.unit_of_work() as session:
        session.execute(insert(HumanTask), [row])
    return row


def _case(db: Database, n: int, process: str = "mash_screening", started: datetime | None = None,
          completed: datetime | None = None) -> tuple[str, str]:
    case_id, instance_id = new_id(), new_id()
    started = started or datetime(2026, 1, 5, 10, 0, tzinfo=LONDON)
    with db.unit_of_work() as session:
        definition = session.query(ProcessDefinition).filter_by(key=process).first()
        if definition is None:
            definition = ProcessDefinition(key=process, version=1, name=process, sha256="0" * 64, bpmn_xml="",
                                           deployed_by="t", deployed_at=started, validation_report={})
            session.add(definition)
            session.flush()
        session.add(Case(id=case_id, reference=f"FIX-{process[:4]}-{n:04d}", kind="child", subject={"name": "X"},
                         created_by="t", created_at=started))
        session.flush()
        session.add(ProcessInstance(id=instance_id, case_id=case_id, definition_id=definition.id, state=b"",
                                    state_format=1, started_by="t", started_at=started, route=[],
                                    status="completed" if completed else "running", completed_at=completed))
    return case_id, instance_id


def test_breaches_are_sorted_by_how_late_filtered_by_level_and_paged_by_cursor(
    managers: ApiClient, db: Database, clock: Clock
) -> None:
    # Wednesday 30 Dec 2026; 25 and 28 Dec are bank holidays.
    _move_to(managers, db, clock, datetime(2026, 12, 30, 12, 0, tzinfo=LONDON))
    case_id, instance_id = _case(db, 1)
    dues = [datetime(2026, 12, 29, 17, 0, tzinfo=LONDON),   # level 2 at 17:00 on the 30th? not yet: level 1
            datetime(2026, 12, 24, 17, 0, tzinfo=LONDON),   # +1 WD = 29 Dec, +2 WD = 30 Dec 17:00: level 2
            datetime(2026, 12, 23, 17, 0, tzinfo=LONDON)]   # +2 WD = 29 Dec: level 3
    rows = [_task(db, case_id, instance_id, "mash_screener", due) for due in dues]
    _task(db, case_id, instance_id, "lado", dues[2])  # a lane maya does not manage

    page = managers.get("/api/v1/sla/breaches", "maya", query_string={"limit": 2})
    assert [t["task_id"] for t in page["items"]] == [rows[2]["id"], rows[1]["id"]]
    assert [t["escalation_level"] for t in page["items"]] == [3, 2]
    rest = managers.get("/api/v1/sla/breaches", "maya", query_string={"limit": 2, "cursor": page["next_cursor"]})
    assert ([t["task_id"] for t in rest["items"]], rest["next_cursor"]) == ([rows[0]["id"]], None)
    for level, expected in ((1, rows[0]), (2, rows[1]), (3, rows[2])):
        items = managers.get("/api/v1/sla/breaches", "maya", query_string={"level": level})["items"]
        assert [t["task_id"] for t in items] == [expected["id"]]


def test_escalation_levels_count_working_days_across_christmas_2026_and_easter_2027() -> None:
    christmas_eve = datetime(2026, 12, 24, 17, 0, tzinfo=LONDON)
    assert escalation_level(christmas_eve, datetime(2026, 12, 28, 23, 0, tzinfo=LONDON), CAL) == 1  # bank holiday
    assert escalation_level(christmas_eve, datetime(2026, 12, 29, 17, 0, tzinfo=LONDON), CAL) == 2
    assert escalation_level(christmas_eve, datetime(2026, 12, 30, 17, 0, tzinfo=LONDON), CAL) == 3
    maundy_thursday = datetime(2027, 3, 25, 17, 0, tzinfo=LONDON)  # Good Friday 26 Mar, Easter Monday 29 Mar
    assert escalation_level(maundy_thursday, datetime(2027, 3, 29, 18, 0, tzinfo=LONDON), CAL) == 1
    assert escalation_level(maundy_thursday, datetime(2027, 3, 30, 17, 0, tzinfo=LONDON), CAL) == 2
    assert escalation_level(maundy_thursday, datetime(2027, 3, 31, 17, 0, tzinfo=LONDON), CAL) == 3
    # A deadline set across both holidays: 10 WD from 17 Dec 2026 and 5 WD from 24 Mar 2027.
    assert CAL.add_working_days(datetime(2026, 12, 17, 10, 0, tzinfo=LONDON), 10) == datetime(
        2027, 1, 5, 17, 0, tzinfo=LONDON)
    assert CAL.add_working_days(datetime(2027, 3, 24, 10, 0, tzinfo=LONDON), 5) == datetime(
        2027, 4, 2, 17, 0, tzinfo=LONDON)
    # At 17:00 on 29 Dec, anything due up to the end of the bank holiday on the 28th has reached level 2.
    assert level_cutoff(2, datetime(2026, 12, 29, 17, 0, tzinfo=LONDON), CAL) == datetime(
        2026, 12, 29, 0, 0, tzinfo=LONDON)


# --- the indicators against a hand-computed fixture ----------------------------------------------

def _done(db: Database, process: str, element: str, rule: str, n: int, late: bool, group: str,
          done_at: datetime) -> str:
    case_id, instance_id = _case(db, n, process)
    due = done_at + (timedelta(hours=-2) if late else timedelta(hours=2))
    _task(db, case_id, instance_id, group, due, process_key=process, element_id=element, due_rule=rule,
          status="completed", completed_at=done_at)
    return case_id


def _outcome_task(db: Database, case_id: str, instance_id: str, form: str, done_at: datetime,
                  details: dict[str, Any] | None = None) -> None:
    """A completed LADO task of `form`; with `details`, the case event its submission projects."""
    row = _task(db, case_id, instance_id, "lado", done_at, process_key="lado_allegation", element_id=form,
                form_key=form, due_rule=None, status="completed", completed_at=done_at)
    if details is not None:
        kind = {"lado_outcome": "lado_outcome", "disciplinary_outcome": "lado_disciplinary"}[form]
        with db.unit_of_work() as session:
            session.add(CaseEvent(case_id=case_id, kind=kind, on_date=done_at.date(), details=details, source=form,
                                  task_id=row["id"], recorded_at=done_at))


def _allegations_by_route(db: Database, n: int) -> int:
    """T23–T25 cases, referred Mon 1 June 2026 10:00 and considered at 14:00 the same day: T23 due Mon 8 June
    17:00 (5 WD from the referral); T24 Thu 4 June 17:00 (3 WD), T25 Mon 22 June 17:00 (15 WD from the
    consideration). Returns the last case number used."""
    referred, considered = london(2026, 6, 1, 10), london(2026, 6, 1, 14)
    # T23 (outcome, closed at, police strand?): on time, on time, late, late; then two left out.
    for outcome, closed, police in (("false", london(2026, 6, 5, 12), False),
                                    ("malicious", london(2026, 6, 8, 16), False),
                                    ("unfounded", london(2026, 6, 9, 10), False),
                                    ("unsubstantiated", london(2026, 6, 11, 10), False),
                                    ("substantiated", london(2026, 6, 5, 12), False),  # not unfounded
                                    ("false", london(2026, 6, 5, 12), True)):  # it was investigated
        n += 1
        case_id, instance_id = _case(db, n, "lado_allegation", started=referred, completed=closed)
        _outcome_task(db, case_id, instance_id, "lado_outcome", closed, {"outcome": outcome})
        if police:
            _outcome_task(db, case_id, instance_id, "police_strand_outcome", closed - timedelta(days=1))
    # T24 and T25 (outcome, recorded at, hearing date, police strand?).
    for outcome, recorded, hearing, police in (
            ("no_action", london(2026, 6, 3, 12), None, False),                      # T24 on time
            ("management_advice", london(2026, 6, 4, 16), None, False),              # T24 on time
            ("no_action", london(2026, 6, 5, 9), None, False),                       # T24 late
            ("management_advice", london(2026, 6, 3, 12), None, True),               # police: left out
            ("written_warning", london(2026, 6, 19, 18), "2026-06-19", False),       # T25 on time
            ("dismissal", london(2026, 6, 23, 9), "2026-06-22", False),              # T25 on time (that day)
            ("final_warning", london(2026, 6, 24, 9), "2026-06-23", False),          # T25 late
            ("written_warning", london(2026, 6, 19, 9), None, False),                # no hearing: left out
            ("dismissal", london(2026, 6, 19, 9), "2026-06-19", True)):              # police: left out
        n += 1
        case_id, instance_id = _case(db, n, "lado_allegation", started=referred)
        _outcome_task(db, case_id, instance_id, "lado_initial_consideration", considered)
        _outcome_task(db, case_id, instance_id, "disciplinary_outcome", recorded,
                      {"outcome": outcome, "hearing_date": hearing})
        if police:
            _outcome_task(db, case_id, instance_id, "police_strand_outcome", recorded)
    return n


def london(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LONDON)  # type: ignore[misc]


def test_the_statutory_indicators_match_a_hand_computed_fixture_of_forty_eight_cases(
    managers: ApiClient, db: Database, clock: Clock
) -> None:
    _move_to(managers, db, clock, datetime(2026, 12, 31, 12, 0, tzinfo=LONDON))
    in_range = datetime(2026, 6, 10, 11, 0, tzinfo=LONDON)
    out_of_range = datetime(2025, 6, 10, 11, 0, tzinfo=LONDON)
    # (process, element, rule, lane, on time, late): 8 MASH decisions (6 on time), 6 ICPCs (4), 5 first core
    # groups (5), 4 reviews (1 first review late, 1 review on time, ...), 5 LADO considerations (3).
    plan = [("mash_screening", "screening_decision", "T1", "mash_manager", 6, 2),
            ("cp_conference", "hold_conference", "T10", "cp_unit", 4, 2),
            ("cp_conference", "first_core_group", "T13", "core_group", 5, 0),
            ("cp_conference", "hold_first_review", "T15", "cp_unit", 1, 1),
            ("cp_conference", "hold_review", "T16", "cp_unit", 2, 0),
            ("lado_allegation", "initial_consideration", "T21", "lado", 3, 2)]
    n, expected_cases = 0, {}
    for process, element, rule, lane, on_time, late in plan:
        for is_late in [False] * on_time + [True] * late:
            n += 1
            expected_cases.setdefault(rule, set()).add(_done(db, process, element, rule, n, is_late, lane, in_range))
    n += 1
    _done(db, "mash_screening", "screening_decision", "T1", n, False, "mash_manager", out_of_range)  # not counted
    # T26: allegations referred 5 Jan 2026, resolved 20 days, 2 months, 6 months and 14 months later.
    referred = datetime(2026, 1, 5, 10, 0, tzinfo=LONDON)
    for months_later, days in ((0, 20), (2, 0), (6, 0), (14, 0)):
        n += 1
        _case(db, n, "lado_allegation", started=referred,
              completed=referred + timedelta(days=days + 30 * months_later))
    n = _allegations_by_route(db, n)
    assert n >= 45

    figures = managers.get("/api/v1/sla/indicators", "hos", query_string={"from": "2026-01-01", "to": "2026-12-31"})
    got = {i["key"]: (i["numerator"], i["denominator"], i["percent"]) for i in figures["indicators"]}
    # The head of service answers for children's services; LADO cases are the LADO service's (domain §9.3).
    assert got == {"T1": (6, 8, 75.0), "T10": (4, 6, 66.7), "T13": (5, 5, 100.0), "T15_T16": (3, 4, 75.0)}
    by_key = {i["key"]: i for i in figures["indicators"]}
    assert {c["case_id"] for c in by_key["T1"]["cases"]} == expected_cases["T1"]
    assert sum(1 for c in by_key["T10"]["cases"] if not c["on_time"]) == 2
    lado_only = managers.get("/api/v1/sla/indicators", "lou", query_string={"from": "2026-01-01", "to": "2026-12-31"})
    got = {i["key"]: (i["numerator"], i["denominator"], i["percent"]) for i in lado_only["indicators"]}
    # T26 also counts the six allegations closed in June for T23, each within a month of its referral.
    assert got == {"T21": (3, 5, 60.0), "T23": (2, 4, 50.0), "T24": (2, 3, 66.7), "T25": (2, 3, 66.7),
                   "T26_1m": (7, 9, 77.8), "T26_3m": (8, 9, 88.9), "T26_12m": (9, 9, 100.0)}
    by_key = {i["key"]: i for i in lado_only["indicators"]}
    late = {key: [c["reference"] for c in by_key[key]["cases"] if not c["on_time"]] for key in ("T23", "T24", "T25")}
    assert late == {"T23": ["FIX-lado-0036", "FIX-lado-0037"], "T24": ["FIX-lado-0042"], "T25": ["FIX-lado-0046"]}
    assert by_key["T25"]["cases"][1]["done_at"] == "2026-06-22T16:00:00+00:00"  # the end of the hearing day


def test_the_summary_counts_open_on_time_and_breached_with_working_days_taken(
    managers: ApiClient, db: Database, clock: Clock
) -> None:
    _move_to(managers, db, clock, datetime(2026, 6, 30, 12, 0, tzinfo=LONDON))
    case_id, instance_id = _case(db, 1)
    created = datetime(2026, 6, 1, 10, 0, tzinfo=LONDON)  # Monday
    for days, late in ((1, False), (2, False), (3, True), (8, True)):
        done = created + timedelta(days=days)
        _task(db, case_id, instance_id, "mash_screener", done + timedelta(hours=-1 if late else 1),
              status="completed", completed_at=done, created_at=created)
    _task(db, case_id, instance_id, "mash_screener", clock.now + timedelta(days=1), created_at=created)
    _task(db, case_id, instance_id, "mash_screener", clock.now - timedelta(days=1), created_at=created)

    (step,) = managers.get("/api/v1/sla/summary", "maya", query_string={"from": "2026-06-01"})["steps"]
    assert (step["open"], step["on_time"], step["breached"], step["completed"]) == (1, 2, 3, 4)
    assert (step["median_working_days"], step["p90_working_days"]) == (2, 6)


def test_timer_lateness_reports_p50_p99_and_max_seconds(managers: ApiClient, db: Database, clock: Clock) -> None:
    _move_to(managers, db, clock, datetime(2026, 6, 30, 18, 0, tzinfo=LONDON))
    case_id, instance_id = _case(db, 1)
    due = datetime(2026, 6, 30, 17, 0, tzinfo=LONDON)
    rows = [{"id": new_id(), "instance_id": instance_id, "case_id": case_id, "element_id": "t", "name": "t",
             "fires_at": due, "fired_at": due + timedelta(seconds=s)} for s in range(1, 101)]
    with db.unit_of_work() as session:
        session.execute(insert(Timer), rows)
    got = managers.get("/api/v1/sla/timers", "cpu", query_string={"from": "2026-06-30", "to": "2026-06-30"})
    assert got == {"count": 100, "p50_seconds": 50.0, "p99_seconds": 99.0, "max_seconds": 100.0}
    runtime.WORKFLOWS.clear()


def test_the_calendar_never_warns_further_ahead_of_a_deadline_than_the_at_risk_horizon() -> None:
    # Every start from December 2026 to April 2027 (Christmas and Easter) with deadlines 1 to 12 working days on.
    lead = timedelta(0)
    for day in range(150):
        start = datetime(2026, 12, 1, 16, 30, tzinfo=LONDON) + timedelta(days=day)
        for days in range(1, 13):
            due = CAL.add_working_days(start, days)
            lead = max(lead, due - CAL.warn_at(start, due))
    assert timedelta(days=4) < lead < AT_RISK_HORIZON


def test_a_pages_escalation_levels_equal_the_level_of_each_deadline_across_christmas_and_easter() -> None:
    from engine.queries.sla import _levels
    for now in (datetime(2026, 12, 29, 17, 0, tzinfo=LONDON), datetime(2026, 12, 31, 9, 0, tzinfo=LONDON),
                datetime(2027, 3, 30, 16, 59, tzinfo=LONDON), datetime(2027, 4, 1, 12, 0, tzinfo=LONDON)):
        level = _levels(now, CAL)
        for minutes in range(0, 20 * 24 * 60, 37):
            due = now - timedelta(minutes=minutes - 60)
            assert level(due) == escalation_level(due, now, CAL), (now, due)
