"""A case's Signs of Safety records through the API: scales over time and the family network genogram."""

from __future__ import annotations

from datetime import datetime
from xml.etree import ElementTree

from engine import runtime
from engine.access import Actor
from engine.calendar import LONDON
from engine.db import Database
from tests.api_client import ApiClient
from tests.conftest import Clock
from tests.factories import CaseDriver, create_user, deploy, filled

ICPC = datetime(2026, 11, 30, 10, 0, tzinfo=LONDON)
REVIEW = datetime(2027, 2, 22, 10, 0, tzinfo=LONDON)


def conference_case(db: Database, clock: Clock) -> CaseDriver:
    """An ICPC deciding a plan, a core group, and a first review continuing it, each with scales."""
    deploy(db, name="cp_conference.bpmn", now=clock())
    request = filled("cp_conference_request", strategy_discussion_at="2026-11-09T14:00:00+00:00")
    case = CaseDriver(db, runtime.open_case(db, process="cp_conference", subject={"name": "Child C"}, data=request,
                                            actor=Actor("cpu", frozenset({"cp_unit"})), now=clock()))
    case.complete("book_conference", filled("conference_booking"), clock())
    case.complete("prepare_reports", filled("sos_map"), clock())
    case.complete("check_quorum", filled("conference_quorum"), clock())
    case.complete("hold_conference", filled("cp_conference_record", date=ICPC.isoformat()), ICPC)
    case.complete("first_core_group", filled("core_group_record"), ICPC)
    case.complete("book_first_review", filled("conference_booking"), ICPC)
    review = filled("cp_conference_record", 1, without=("end_plan_reason", "post_plan"), date=REVIEW.isoformat(),
                    review_decision="continue_plan", category="neglect")
    case.complete("hold_first_review", review, REVIEW)
    return case


def test_scales_list_every_rating_per_danger_statement_across_conferences(
    api: ApiClient, db: Database, clock: Clock
) -> None:
    case = conference_case(db, clock)
    api.tokens["chair"] = create_user(db, username="chair", groups=["cp_chair"], now=clock())
    body = api.get(f"/api/v1/cases/{case.case_id}/scales", "chair")
    series = {s["danger_statement_id"]: s for s in body["series"]}
    assert {"ds-1", None} <= set(series)
    danger = series["ds-1"]
    assert danger["danger_statement"]
    occasions = [point["rated_on"] for point in danger["by_date"]]
    assert occasions == sorted(occasions) and len(occasions) >= 2
    for point in danger["by_date"]:
        values = [r["value"] for r in danger["ratings"] if r["rated_on"] == point["rated_on"]]
        assert (point["min"], point["max"], point["count"]) == (min(values), max(values), len(values))
    assert {r["rater_role"] for r in danger["ratings"]} >= {"parent", "social_worker"}
    assert {"initial", "review"} <= {r["occasion"] for r in danger["ratings"]}


def test_the_genogram_draws_the_recorded_family_network(api: ApiClient, db: Database, clock: Clock) -> None:
    case = conference_case(db, clock)
    api.tokens["chair"] = create_user(db, username="chair", groups=["cp_chair"], now=clock())
    network = api.get(f"/api/v1/cases/{case.case_id}/family-network", "chair")
    svg = api.get(f"/api/v1/cases/{case.case_id}/genogram.svg", "chair")
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    drawn = {el.get("data-person-id") for el in root.iter() if el.get("data-person-id")}
    assert drawn == {person["id"] for person in network["people"]}


def test_records_are_404_to_someone_with_no_part_in_the_case(api: ApiClient, db: Database, clock: Clock) -> None:
    case = conference_case(db, clock)
    for path in ("scales", "genogram.svg", "family-network"):
        assert api.get(f"/api/v1/cases/{case.case_id}/{path}", "sam", 404)["error"] == "not_found"


def test_a_case_without_a_family_network_has_no_genogram(api: ApiClient) -> None:
    from tests.api.helpers import open_referral

    case = open_referral(api)
    body = api.get(f"/api/v1/cases/{case['id']}/genogram.svg", "sam", 404)
    assert "family network" in body["message"]
