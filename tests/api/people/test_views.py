"""People endpoints: a person and who a case is about, for case workers only, never showing a case they may not see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine.db import Database
from engine.models import AuditEvent
from tests.api.access_scenes import add_users, mash_case_at_decision, restrict
from tests.api.conftest import ApiClient
from tests.api.helpers import complete
from tests.conftest import Clock
from tests.factories import referral

HIDDEN = {"name": "Zoe Hidden", "dob": "2017-01-01", "nhs_number": "4010232137"}


def _people(api: ApiClient, case_id: str, user: str = "audrey") -> dict[str, dict[str, Any]]:
    body = api.get(f"/api/v1/cases/{case_id}/people", user)
    assert body["case_id"] == case_id
    return {person["name"]: person for person in body["people"]}


def _hidden_case(api: ApiClient) -> str:
    """A case about Zoe alone, screened by sam, then restricted to the social work team."""
    body = {"process": "mash_screening", "subject": HIDDEN, "data": referral(children=[HIDDEN], household=[])}
    case_id = str(api.post("/api/v1/cases", "rita", 201, json=body)["id"])
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False)
    restrict(api, case_id, team="social_worker")
    return case_id


def test_a_case_lists_its_children_first_then_the_household_with_their_parts(api: ApiClient) -> None:
    case_id = mash_case_at_decision(api)
    people = _people(api, case_id, "sam")
    assert [p["role"] for p in api.get(f"/api/v1/cases/{case_id}/people", "sam")["people"]][:3] == ["child"] * 3
    assert people["Leo Hughes"]["nhs_number"] == "9434765919" and people["Leo Hughes"]["ethnicity"] == "WBRI"
    assert people["Kelly Hughes"]["role"] == "household_member"
    assert people["Kelly Hughes"]["relationship"] == "Mother"


def test_a_person_shows_the_cases_i_may_see_and_their_referrals(api: ApiClient, db: Database) -> None:
    first, second = mash_case_at_decision(api), mash_case_at_decision(api)
    leo = _people(api, first)["Leo Hughes"]["id"]
    person = api.get(f"/api/v1/people/{leo}", "sam")
    assert [c["case_id"] for c in person["cases"]] == [first, second]
    assert person["name"] == "Leo Hughes" and person["dob"] == "2018-11-14"
    with db.reading() as session:
        viewed = session.scalars(select(AuditEvent).where(AuditEvent.action == "person_viewed"))
        assert [(e.actor, e.payload) for e in viewed] == [("sam", {"person_id": leo, "cases": [first, second]})]


def test_a_restricted_case_never_shows_on_a_person_and_a_person_only_in_it_is_404(
    api: ApiClient, db: Database, clock: Clock,
) -> None:
    add_users(api, db, clock, {"pia": ["mash_screener"]})
    open_case = mash_case_at_decision(api)
    hidden = _hidden_case(api)
    zoe = _people(api, hidden)["Zoe Hidden"]["id"]
    api.get(f"/api/v1/people/{zoe}", "pia", 404)
    api.get(f"/api/v1/cases/{hidden}/people", "pia", 404)
    api.get(f"/api/v1/people/{zoe}", "audrey")  # auditors see every case
    leo = _people(api, open_case)["Leo Hughes"]["id"]
    assert [c["case_id"] for c in api.get(f"/api/v1/people/{leo}", "pia")["cases"]] == [open_case]


def test_referrers_and_partner_agencies_may_not_read_people(api: ApiClient) -> None:
    case_id = mash_case_at_decision(api)
    leo = _people(api, case_id)["Leo Hughes"]["id"]
    for user in ("rita", "pc_police", "owen"):
        api.get(f"/api/v1/people/{leo}", user, 403)
        api.get(f"/api/v1/cases/{case_id}/people", user, 403)


def test_an_unknown_person_is_404(api: ApiClient) -> None:
    api.get("/api/v1/people/00000000-0000-4000-8000-000000000000", "sam", 404)


def test_a_referral_with_a_bad_nhs_number_is_422_naming_the_field(api: ApiClient) -> None:
    body = {"process": "mash_screening", "subject": {**HIDDEN, "nhs_number": "4010232138"},
            "data": referral(children=[HIDDEN])}
    refused = api.post("/api/v1/cases", "rita", 422, json=body)
    assert "/subject/nhs_number" in str(refused["details"])
    child = {**HIDDEN, "nhs_number": "4010232138"}
    refused = api.post("/api/v1/cases", "rita", 422, json={**body, "subject": HIDDEN,
                                                            "data": referral(children=[child])})
    assert "/data/children/0/nhs_number" in str(refused["details"])


def test_a_case_without_a_plan_shows_its_plan_flags_unset_for_each_child(api: ApiClient) -> None:
    case_id = mash_case_at_decision(api)
    plan = api.get(f"/api/v1/cases/{case_id}/people", "sam")["cp_plan"]
    assert (plan["plan_started_on"], plan["plan_over_two_years"], plan["second_or_subsequent_plan"]) == (
        None, False, False)
    assert [child["previous_cp_plans"] for child in plan["children"]] == [0, 0, 0]
