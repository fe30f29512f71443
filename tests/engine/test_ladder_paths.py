"""The escalation ladder of every deadline in every diagram (domain §7), driven with a fixed clock.

For each step with a breach timer the case is brought to that step (tests/engine/ladder_routes.py) and
the clock moved: nothing fires a second before the deadline; at the deadline level 1 appears in the
manager's lane, one working day later level 2 in the service manager's, one more and level 3 in the
head of service's (a RED or immediate-danger step goes to the head of service at once). A step done in
time starts no rung. Each hand-drawn level 1 (a review task an older timer already led to) climbs the
same way. Together they take every sequence flow the ladder added.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import select

from engine.calendar import LONDON, default_calendar
from engine.db import Database
from engine.definitions.dryrun import Step
from engine.models import AuditEvent, HumanTask
from tests.conftest import Clock
from tests.engine.ladder_routes import Route, complete, find_routes, replay, route_to
from tests.factories import BPMN_DIR, CaseDriver, deploy, filled

B = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
CAL = default_calendar()
START_LANE = {"mash_screening": "referrer", "strategy_discussion": "team_manager", "cp_conference": "cp_unit",
              "lado_allegation": "employer_case_manager", "cin_assessment": "team_manager",
              "cin_plan": "team_manager"}
# Level 1: the manager of the owning team (domain §7); the CP unit answers for conference bookings and holdings.
LEVEL_1 = {"mash_screening": "mash_manager", "strategy_discussion": "team_manager", "lado_allegation": "lado_manager",
           "cin_assessment": "team_manager", "cin_plan": "team_manager", "cp_conference": "cp_unit"}
LEVEL_1_BY_LANE = {("cp_conference", "core_group"): "team_manager", ("cp_conference", "social_worker"): "team_manager"}
RED_NOW = {"emergency_response"}
REPEATING = {"core_group_meeting"}
RED_WHEN_RAG = {"partner_check_police", "partner_check_health", "partner_check_education", "partner_check_other"}
# Hand-drawn level 1 tasks and a step whose breach leads to them.
HAND_DRAWN = {"review_overdue_screening": "screen_contact", "review_overdue_consideration": "initial_consideration",
              "record_icpc_delay_reason": "hold_conference", "review_overdue_review": "hold_first_review",
              "review_icpc_delay": "s47_enquiry", "record_assessment_delay": "conclude_assessment"}


def _ladders() -> list[tuple[str, str]]:
    found = []
    for key in START_LANE:
        root = etree.parse(str(BPMN_DIR / f"{key}.bpmn")).getroot()
        for event in root.iter(f"{B}boundaryEvent"):
            event_id = str(event.get("id"))
            if event_id.startswith("breach_") or (
                    event_id.startswith("escalate2_timer_") and event.get("attachedToRef") in HAND_DRAWN):
                found.append((key, str(event.get("attachedToRef"))))
    return found


LADDERS = _ladders()


@pytest.fixture
def deployed(db: Database, clock: Clock) -> Database:
    for key in START_LANE:
        deploy(db, name=f"{key}.bpmn", now=clock())
    return db


def with_rag(route: Route, rag: str) -> Route:
    """The same route with the screening's RAG rating changed (the rating decides nothing before the checks)."""
    return tuple(Step(s.element_id, s.label, {**s.submission, "rag": rag})
                 if s.element_id == "screen_contact" and s.submission else s for s in route)


def reach(db: Database, key: str, element_id: str, red: bool = False) -> tuple[CaseDriver, datetime]:
    target = HAND_DRAWN.get(element_id, element_id)
    try:
        route = route_to(key, target, red)
    except LookupError:
        route = with_rag(route_to(key, target, not red), "red" if red else "amber")
    case, now = replay(db, key, START_LANE[key], route)
    if element_id in HAND_DRAWN:  # let the host step breach: its timer leads to the hand-drawn level 1
        due = case.task(target).due_at
        assert due is not None and case.fire_timers(max(due, now)) >= 1
        now = max(due, now)
    return case, now


def escalations(db: Database, case: CaseDriver, element_id: str) -> dict[str, HumanTask]:
    """The escalation tasks the ladder of `element_id` created, by element id."""
    with db.reading() as session:
        query = select(HumanTask).where(HumanTask.case_id == case.case_id)
        tasks = list(session.scalars(query))
    rungs = (f"escalate1_{element_id}", f"escalate2_{element_id}", f"escalate3_{element_id}",
             f"escalate_red_{element_id}", *([element_id] if element_id in HAND_DRAWN else []))
    return {task.element_id: task for task in tasks if task.element_id in rungs}


def climb(db: Database, case: CaseDriver, element_id: str, first: str, base: datetime, offset: int) -> None:
    """From `first` (level 1 at `base` + `offset` WD) up through levels 2 and 3, one working day apart."""
    level_1 = escalations(db, case, element_id)[first]
    assert level_1.due_at == CAL.add_working_days(base, offset)
    assert case.fire_timers(level_1.due_at - timedelta(seconds=1)) == 0 or (
        f"escalate2_{element_id}" not in escalations(db, case, element_id))
    for level, lane in ((2, "service_manager"), (3, "head_of_service")):
        previous = escalations(db, case, element_id)[first if level == 2 else f"escalate2_{element_id}"]
        case.fire_timers(previous.due_at)
        rung = escalations(db, case, element_id)[f"escalate{level}_{element_id}"]
        assert (rung.candidate_group, rung.status, rung.due_rule) == (lane, "ready", previous.due_rule)
        assert rung.due_at == CAL.add_working_days(base, offset + level - 1)
        assert rung.warn_at is not None and rung.warn_at <= rung.due_at


def finish(db: Database, case: CaseDriver, element_id: str, at: datetime) -> None:
    for task in escalations(db, case, element_id).values():
        if task.status == "ready" and task.form_key == "overdue_review":
            case.complete(task.element_id, filled("overdue_review"), at)


def level_1_lane(key: str, case: CaseDriver, element_id: str) -> str:
    return LEVEL_1_BY_LANE.get((key, case.task(element_id).candidate_group), LEVEL_1[key])


def climbs_the_ladder(db: Database, key: str, element_id: str) -> None:
    case, now = reach(db, key, element_id)
    if element_id in HAND_DRAWN:
        task = case.task(element_id)
        assert task.due_at is not None
        climb(db, case, element_id, element_id, task.due_at, 0)
        finish(db, case, element_id, task.due_at + timedelta(days=10))
        return
    due = case.task(element_id).due_at
    assert due is not None and due > now
    (breach,) = [t for t in case.timers() if t.element_id == f"breach_{element_id}"]
    assert breach.fires_at == due  # the breach timer is the task's own deadline
    case.fire_timers(due - timedelta(seconds=1))
    assert escalations(db, case, element_id) == {}
    lane = level_1_lane(key, case, element_id)
    case.fire_timers(due)
    rungs = escalations(db, case, element_id)
    if element_id in RED_NOW:
        assert [(t.element_id, t.candidate_group) for t in rungs.values()] == [
            (f"escalate3_{element_id}", "head_of_service")]
    else:
        first = rungs[f"escalate1_{element_id}"]
        assert (first.candidate_group, first.due_rule) == (lane, case.task(element_id).due_rule)
        climb(db, case, element_id, f"escalate1_{element_id}", due, 1)
    assert case.task(element_id).due_at == due  # escalation never moves the late step's deadline
    finish(db, case, element_id, due + timedelta(days=10))


# One test per diagram (each ladder in its own case): deploying every diagram once per ladder would cost minutes.
@pytest.mark.parametrize("key", sorted(START_LANE))
def test_every_missed_deadline_climbs_the_ladder_one_working_day_a_rung(deployed: Database, key: str) -> None:
    ladders = [element_id for k, element_id in LADDERS if k == key]
    assert ladders
    for element_id in ladders:
        climbs_the_ladder(deployed, key, element_id)


@pytest.mark.parametrize("element_id", sorted(RED_WHEN_RAG))
def test_a_red_partner_check_goes_to_the_head_of_service_at_its_breach(deployed: Database, element_id: str) -> None:
    case, now = reach(deployed, "mash_screening", element_id, red=True)
    due = case.task(element_id).due_at
    assert due is not None and due - now < timedelta(hours=5)  # RED: 4 hours from the clock start
    case.fire_timers(due)
    (rung,) = escalations(deployed, case, element_id).values()
    assert (rung.element_id, rung.candidate_group) == (f"escalate_red_{element_id}", "head_of_service")
    finish(deployed, case, element_id, due + timedelta(hours=1))


def _submission_for(key: str, element_id: str) -> dict[str, object] | None:
    for route in find_routes(key).values():
        for step in route:
            if step.element_id == element_id and step.submission is not None:
                return dict(step.submission)
    return None


DONE_IN_TIME = [(k, e) for k, e in LADDERS if e not in HAND_DRAWN and _submission_for(k, e) is not None]


@pytest.mark.parametrize("key", sorted(START_LANE))
def test_a_step_done_in_time_starts_no_rung(deployed: Database, key: str) -> None:
    for element_id in [e for k, e in DONE_IN_TIME if k == key]:
        case, now = reach(deployed, key, element_id)
        due = case.task(element_id).due_at
        assert due is not None
        complete(case, element_id, _submission_for(key, element_id) or {}, now + timedelta(minutes=1))
        case.fire_timers(CAL.add_working_days(due, 5))
        assert escalations(deployed, case, element_id) == {}, element_id
        breach = [t.cancelled_at is not None for t in case.timers() if t.element_id == f"breach_{element_id}"]
        # A repeating step (the core groups, T14) is waiting again, with its next breach timer.
        assert breach == ([True, False] if element_id in REPEATING else [True]), element_id


def test_a_deadline_already_past_when_its_step_is_reached_fires_at_once_with_an_audit_event(
        deployed: Database) -> None:
    # The strategy discussion was weeks ago: the ICPC booking is already past its T10 date when the CP unit opens it.
    opened = datetime(2026, 12, 2, 10, 0, tzinfo=LONDON)
    from engine import runtime
    from engine.access import Actor

    data = filled("cp_conference_request", strategy_discussion_at=datetime(2026, 10, 1, 10, tzinfo=LONDON).isoformat())
    case_id = runtime.open_case(deployed, process="cp_conference", subject={"name": "Child P"}, data=data,
                                actor=Actor("cpu", frozenset({"cp_unit"})), now=opened)
    case = CaseDriver(deployed, case_id)
    # Every rung whose time has passed is reached at once, each with its own timer_fired event.
    assert case.ready_elements() == ["book_conference", "escalate1_book_conference", "escalate2_book_conference",
                                     "escalate3_book_conference"]
    with deployed.reading() as session:
        fired = list(session.scalars(select(AuditEvent).where(AuditEvent.case_id == case_id,
                                                               AuditEvent.action == "timer_fired")))
    assert [(e.payload["element_id"], e.payload["rule"]) for e in fired] == [
        ("breach_book_conference", "T10"), ("escalate2_timer_book_conference", "T10"),
        ("escalate3_timer_book_conference", "T10")]
    assert [case.task(f"escalate{n}_book_conference").candidate_group for n in (1, 2, 3)] == [
        "cp_unit", "service_manager", "head_of_service"]


@pytest.mark.parametrize(("received", "breach", "rungs"), [
    # Christmas 2026: 25 and 28 Dec are bank holidays (26 Dec is a Saturday).
    (datetime(2026, 12, 23, 10, 0, tzinfo=LONDON), datetime(2026, 12, 24, 17, 0, tzinfo=LONDON),
     [datetime(2026, 12, 29, 17, 0, tzinfo=LONDON), datetime(2026, 12, 30, 17, 0, tzinfo=LONDON),
      datetime(2026, 12, 31, 17, 0, tzinfo=LONDON)]),
    # Easter 2027: Good Friday 26 Mar and Easter Monday 29 Mar.
    (datetime(2027, 3, 24, 10, 0, tzinfo=LONDON), datetime(2027, 3, 25, 17, 0, tzinfo=LONDON),
     [datetime(2027, 3, 30, 17, 0, tzinfo=LONDON), datetime(2027, 3, 31, 17, 0, tzinfo=LONDON),
      datetime(2027, 4, 1, 17, 0, tzinfo=LONDON)]),
], ids=["christmas_2026", "easter_2027"])
def test_the_ladder_counts_working_days_over_christmas_2026_and_easter_2027(
        deployed: Database, received: datetime, breach: datetime, rungs: list[datetime]) -> None:
    from engine import runtime
    from engine.access import Actor
    from tests.factories import referral, subject

    case_id = runtime.open_case(deployed, process="mash_screening", subject=subject(), data=referral(),
                                actor=Actor("rita", frozenset({"referrer"})), now=received)
    case = CaseDriver(deployed, case_id)
    assert case.task("screen_contact").due_at == breach  # T1: 1 WD from the referral
    case.fire_timers(breach)
    level_1 = case.task("review_overdue_screening")  # the hand-drawn level 1 of the screening
    assert (level_1.candidate_group, level_1.due_at) == ("mash_manager", rungs[0])
    assert case.fire_timers(rungs[0] - timedelta(seconds=1)) == 0
    case.fire_timers(rungs[0])
    level_2 = case.task("escalate2_review_overdue_screening")
    assert (level_2.candidate_group, level_2.due_at) == ("service_manager", rungs[1])
    case.fire_timers(rungs[1])
    level_3 = case.task("escalate3_review_overdue_screening")
    assert (level_3.candidate_group, level_3.due_at) == ("head_of_service", rungs[2])


def test_the_ladder_covers_every_deadline_of_every_diagram() -> None:
    for key in START_LANE:
        root = etree.parse(str(BPMN_DIR / f"{key}.bpmn")).getroot()
        timed = {e.get("attachedToRef") for e in root.iter(f"{B}boundaryEvent")}
        for task in root.iter(f"{B}userTask"):
            props = {p.get("name"): p.get("value") for p in task.iter(f"{SPIFF}property")}
            if props.get("due") and props.get("escalation_level") != "3":
                assert task.get("id") in timed, f"{key}: {task.get('id')} has a deadline and no ladder"


assert Path(__file__).name.endswith("_paths.py")  # path coverage counts only *_paths and *_journey modules
