"""Path tests for the LADO routes of bpmn/lado_allegation.bpmn (domain §5 steps 3, 5, 6 and 8).

The police, employer and allegation-management-meeting routes taken from the initial consideration, the
police's "no further action" leading on to the employer's investigation, the reconvened meeting that loops
back through the strands until an outcome is agreed, informing the person and the parents (after the police
agree where a criminal investigation runs) and the TRA referral beside the DBS referral for a teacher.
Helpers and dates are those of tests/engine/test_lado_paths.py (referral on Friday 22 May 2026, 10:30).
"""

from __future__ import annotations

from typing import Any

import pytest

import forms
from engine import runtime
from engine.db import Database
from engine.errors import FormInvalid
from engine.models import InstanceStatus
from tests.conftest import Clock
from tests.engine.test_lado_paths import (
    EMPLOYER,
    OUTCOME_DECIDED,
    PROCESS,
    SUSPENSION_DECIDED,
    T28_DUE,
    all_ready,
    assert_closed_as,
    consider,
    determine,
    do,
    events,
    instance,
    london,
    route,
    task,
    timers,
    to_strands,
)
from tests.engine.test_lado_paths import ready as main_ready
from tests.factories import deploy, form_data

NOT_AGREED = ("outcome", "rationale", "removed_from_regulated_activity", "personnel_file_action")
POLICE_DONE = london(2026, 6, 19, 15, 0)
EMPLOYER_DONE = london(2026, 7, 10, 16, 0)


@pytest.fixture
def case_id(db: Database, clock: Clock) -> str:
    deploy(db, name=f"{PROCESS}.bpmn", now=clock())
    return runtime.open_case(db, process=PROCESS, subject={"name": "Mark Ellis"},
                             data=form_data("lado_referral"), actor=EMPLOYER, now=clock())


def open_for(db: Database, clock: Clock, **person: Any) -> str:
    """A case whose referral form describes the person with these changes (e.g. teacher=True)."""
    deploy(db, name=f"{PROCESS}.bpmn", now=clock())
    referral = form_data("lado_referral")
    return runtime.open_case(db, process=PROCESS, subject={"name": "Mark Ellis"},
                             data={**referral, "person": {**referral["person"], **person}}, actor=EMPLOYER, now=clock())


def ready(db: Database) -> list[str]:
    """The allegation's own ready tasks: without the informing branch and the T26 progress reports."""
    return [name for name in main_ready(db) if not name.startswith("progress_report_")]


def routed(db: Database, route_name: str, **overrides: Any) -> None:
    consider(db, route=route_name, **overrides)
    do(db, SUSPENSION_DECIDED, "suspension_decision")


def not_agreed(db: Database, reason: str = "investigation_not_concluded") -> None:
    do(db, OUTCOME_DECIDED, "determine_outcome", outcome_agreed=False, reconvene_reason=reason, without=NOT_AGREED)


# --- 1. three distinct routes --------------------------------------------------------------------------


def test_the_police_route_runs_the_criminal_investigation_without_a_meeting(db: Database, case_id: str) -> None:
    routed(db, "police_investigation")

    investigation = task(db, "police_investigation")
    assert investigation.candidate_group == "mash_partner_police"
    assert ready(db) == ["police_investigation"]  # no allegation management meeting, no employer investigation
    assert "breach_allegation_management_meeting" not in timers(db)  # no T22 clock for a meeting never called

    do(db, POLICE_DONE, "police_investigation", outcome="charged", employer_investigation_needed=False)
    assert ready(db) == ["determine_outcome"]
    determine(db, "substantiated")
    assert ready(db) == ["dbs_referral"]  # not a teacher: no TRA referral
    do(db, london(2026, 8, 3, 10, 0), "dbs_referral")
    do(db, london(2026, 8, 4, 10, 0), "close_allegation")

    assert_closed_as(db, "substantiated")
    assert "allegation_management_meeting" not in route(db) and "employer_investigation" not in route(db)


def test_police_no_further_action_leads_on_to_the_employer_investigation(db: Database, case_id: str) -> None:
    routed(db, "police_investigation")
    do(db, POLICE_DONE, "police_investigation", outcome="nfa", employer_investigation_needed=True)

    investigation = task(db, "employer_investigation")
    assert (investigation.candidate_group, investigation.due_at) == ("employer_case_manager", None)
    assert ready(db) == ["employer_investigation"]  # the outcome waits for the employer
    do(db, EMPLOYER_DONE, "employer_investigation")
    determine(db, "unsubstantiated")
    do(db, london(2026, 8, 4, 10, 0), "close_allegation")

    assert_closed_as(db, "unsubstantiated")
    steps = route(db)
    assert steps.index("police_investigation") < steps.index("employer_investigation") < steps.index(
        "determine_outcome")


def test_the_employer_route_runs_the_employer_investigation_under_lado_oversight(db: Database, case_id: str) -> None:
    routed(db, "employer_investigation", threshold_criteria=[4])

    assert ready(db) == ["employer_investigation"]
    do(db, EMPLOYER_DONE, "employer_investigation", action="hearing_without_investigation", outcome="final_warning",
       hearing_date="2026-06-10")
    (recorded,) = [e for e in events(db, "task_completed") if e.payload["form"] == "employer_investigation"]
    assert recorded.payload["data"]["action"] == "hearing_without_investigation"  # T25 is measured from it
    determine(db, "unfounded")
    do(db, london(2026, 8, 4, 10, 0), "close_allegation")

    assert_closed_as(db, "unfounded")
    assert not {"police_investigation", "allegation_management_meeting"} & set(route(db))


def test_the_meeting_route_keeps_the_meeting_and_its_strands(db: Database, case_id: str) -> None:
    routed(db, "allegation_management_meeting")
    assert ready(db) == ["allegation_management_meeting"]
    do(db, london(2026, 5, 29, 12, 0), "allegation_management_meeting", strands=["disciplinary"])
    do(db, EMPLOYER_DONE, "disciplinary_strand")
    assert ready(db) == ["determine_outcome"]
    assert {"gw_strands_entry", "gw_strands_join", "gw_investigations_merge"} <= set(route(db))


# --- 2. the reconvened meeting -------------------------------------------------------------------------


def test_an_outcome_not_agreed_reconvenes_the_meeting_which_runs_the_strands_again(db: Database, case_id: str) -> None:
    to_strands(db, ["police"])
    do(db, POLICE_DONE, "police_strand", outcome="ongoing_no_bar")
    not_agreed(db)

    review = task(db, "review_meeting")
    assert (review.candidate_group, review.due_at) == ("lado", None)
    assert ready(db) == ["review_meeting"]
    assert instance(db).outcome is None
    do(db, london(2026, 7, 24, 12, 0), "review_meeting", strands=["police"])
    assert ready(db) == ["police_strand"]  # the strand runs again; the first meeting is not held again
    do(db, london(2026, 8, 20, 15, 0), "police_strand", outcome="charged")
    determine(db, "substantiated", london(2026, 8, 21, 11, 0))
    do(db, london(2026, 8, 24, 10, 0), "dbs_referral")
    do(db, london(2026, 8, 25, 10, 0), "close_allegation")

    assert_closed_as(db, "substantiated")
    steps = route(db)
    assert steps.count("police_strand") == 2 and steps.count("determine_outcome") == 2
    assert steps.count("allegation_management_meeting") == 1


def test_new_information_with_no_further_strand_goes_straight_back_to_the_outcome(db: Database, case_id: str) -> None:
    to_strands(db, [])
    not_agreed(db, "new_information")
    do(db, london(2026, 8, 3, 10, 0), "review_meeting", example=1, strands=[])

    assert ready(db) == ["determine_outcome"]
    determine(db, "false", london(2026, 8, 4, 10, 0))
    do(db, london(2026, 8, 5, 10, 0), "close_allegation")
    assert_closed_as(db, "false")


def test_an_outcome_not_agreed_cannot_carry_an_outcome(db: Database, case_id: str) -> None:
    to_strands(db, [])
    with pytest.raises(FormInvalid):
        do(db, OUTCOME_DECIDED, "determine_outcome", outcome_agreed=False, reconvene_reason="new_information")
    assert ready(db) == ["determine_outcome"]



def test_a_reconvened_meeting_starts_no_second_strategy_discussion_after_the_first_meeting_referred(
    db: Database, case_id: str
) -> None:
    to_strands(db, ["s47"])
    not_agreed(db, "new_information")
    do(db, london(2026, 8, 3, 10, 0), "review_meeting", example=1, strands=["s47"])

    assert [e.payload["from_element"] for e in events(db, "handoff_recorded")] == ["end_referred_s47"]
    assert sorted(ready(db)) == ["determine_outcome", "hold_strategy_discussion"]


def test_a_reconvened_meeting_on_the_police_route_can_refer_to_childrens_social_care(
    db: Database, case_id: str
) -> None:
    routed(db, "police_investigation")
    do(db, POLICE_DONE, "police_investigation", outcome="ongoing_no_bar", employer_investigation_needed=False)
    not_agreed(db, "new_information")
    do(db, london(2026, 8, 3, 10, 0), "review_meeting", example=1, strands=["s47"])

    assert [e.payload["from_element"] for e in events(db, "handoff_recorded")] == ["end_referred_s47"]
    assert sorted(ready(db)) == ["determine_outcome", "hold_strategy_discussion"]

# --- 3. informing the person and the parents -----------------------------------------------------------


def test_informing_waits_for_the_police_where_a_criminal_investigation_runs(db: Database, case_id: str) -> None:
    consider(db, route="allegation_management_meeting", threshold_criteria=[1, 2])  # 2: possible offence

    agreement = task(db, "police_disclosure_agreement")
    assert agreement.candidate_group == "mash_partner_police"
    assert "inform_accused" not in all_ready(db) and "inform_parents" not in all_ready(db)
    do(db, london(2026, 5, 26, 10, 0), "police_disclosure_agreement")

    for name in ("inform_accused", "inform_parents"):
        assert task(db, name).candidate_group == "employer_case_manager"
    do(db, london(2026, 5, 26, 11, 0), "inform_accused")
    do(db, london(2026, 5, 26, 16, 0), "inform_parents")
    assert {"end_accused_informed", "end_parents_informed"} <= set(route(db))
    assert instance(db).status == InstanceStatus.RUNNING  # the allegation itself goes on
    assert ready(db) == ["suspension_decision"]


def test_without_a_criminal_investigation_the_person_and_parents_are_told_after_the_lado_consultation(
    db: Database, case_id: str
) -> None:
    consider(db, route="employer_investigation", threshold_criteria=[3])

    assert {"inform_accused", "inform_parents"} <= set(all_ready(db))
    assert "police_disclosure_agreement" not in all_ready(db)


def test_the_police_route_needs_the_police_to_agree_before_anyone_is_told(db: Database, case_id: str) -> None:
    consider(db, route="police_investigation", threshold_criteria=[1])
    assert "police_disclosure_agreement" in all_ready(db)
    assert "inform_accused" not in all_ready(db)



def test_closing_the_allegation_cancels_informing_still_waiting_for_the_police(db: Database, case_id: str) -> None:
    to_strands(db, [])  # criterion 2 in the example: the informing waits for the police
    determine(db, "unfounded", london(2026, 6, 5, 11, 0))
    do(db, london(2026, 6, 8, 10, 0), "close_allegation")

    assert_closed_as(db, "unfounded")
    assert all_ready(db) == []  # the terminate end closed the informing branch too

# --- 4. the TRA referral for teachers -----------------------------------------------------------------


def test_a_teacher_removed_from_regulated_activity_gets_a_tra_referral_beside_the_dbs_referral(
    db: Database, clock: Clock
) -> None:
    open_for(db, clock, teacher=True, job_title="Class teacher")
    to_strands(db, [])
    determine(db, "substantiated")

    tra = task(db, "tra_referral")
    assert (tra.candidate_group, tra.due_at) == ("employer_case_manager", None)
    assert task(db, "dbs_referral").due_at == T28_DUE
    do(db, london(2026, 8, 3, 10, 0), "tra_referral")
    assert ready(db) == ["dbs_referral"]  # closing waits for both referrals
    do(db, london(2026, 8, 3, 11, 0), "dbs_referral")
    do(db, london(2026, 8, 4, 10, 0), "close_allegation", referrals_made=["dbs", "tra"])

    assert_closed_as(db, "substantiated")
    assert {"tra_referral", "dbs_referral"} <= set(route(db))


def test_a_teacher_kept_in_post_gets_no_tra_referral(db: Database, clock: Clock) -> None:
    open_for(db, clock, teacher=True)
    to_strands(db, [])
    do(db, OUTCOME_DECIDED, "determine_outcome", outcome="substantiated", removed_from_regulated_activity=False)
    assert ready(db) == ["close_allegation"]


# --- the forms' rules ---------------------------------------------------------------------------------

FORM_RULES = [
    ("lado_outcome", 3, {}, []),
    ("lado_outcome", 3, {"reconvene_reason": None}, [("/reconvene_reason", "required")]),
    ("lado_outcome", 3, {"outcome": "substantiated"}, [("/outcome", "not")]),
    ("lado_outcome", 0, {"outcome": None}, [("/outcome", "required")]),
    ("review_meeting", 1, {"new_information": None}, [("/new_information", "required")]),
    ("review_meeting", 0, {"reason": "closed"}, [("/reason", "enum")]),
    ("employer_investigation", 1, {"hearing_date": None}, [("/hearing_date", "required")]),
    ("tra_referral", 0, {"tra_referred_at": None}, [("/tra_referred_at", "required")]),
    ("tra_referral", 1, {"reason_not_referred": None}, [("/reason_not_referred", "required")]),
    ("police_investigation", 0, {"employer_investigation_needed": None},
     [("/employer_investigation_needed", "required")]),
    ("inform_accused", 0, {"method": "text_message"}, [("/method", "enum")]),
    ("inform_parents", 0, {"confidentiality_explained": None}, [("/confidentiality_explained", "required")]),
    ("police_disclosure_agreement", 0, {"officer": None}, [("/officer", "required")]),
]


@pytest.mark.parametrize(("key", "index", "changes", "expected"), FORM_RULES)
def test_the_route_forms_rules(key: str, index: int, changes: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    data = {**forms.load_form(key)["examples"][index], **changes}
    data = {name: value for name, value in data.items() if value is not None}

    assert [(e.pointer, e.validator) for e in forms.validate_form(key, data)] == expected
