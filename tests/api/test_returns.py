"""The returns endpoints: CSV for children's services managers, 403 for everyone else, 422 for a bad period."""

from __future__ import annotations

import csv
import io

from engine.db import Database
from tests.api.access_scenes import add_users
from tests.api.conftest import ApiClient
from tests.api.helpers import complete, open_referral
from tests.conftest import Clock


def _referred_and_decided(api: ApiClient) -> dict:
    case = open_referral(api)
    complete(api, "sam", "mash_screening", partner_checks=[], immediate_danger=False)
    complete(api, "maya", "mash_decision", decision="nfa", referral_nfa=True)
    return case


def test_a_manager_gets_the_census_as_csv_each_row_naming_its_case(api: ApiClient, clock: Clock) -> None:
    case = _referred_and_decided(api)
    year = "2026-27" if clock().month >= 4 else "2025-26"
    response = api.client.get(f"/api/v1/returns/cin-census?year={year}",
                              headers={"Authorization": f"Bearer {api.tokens['maya']}"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert f'filename="cin-census-{year}.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {(row["CaseID"], row["CaseReference"], row["ReferralNFA"], row["ReasonForClosure"]) for row in rows} == {
        (case["id"], case["reference"], "1", "RC8")}
    assert len(rows) == 3  # Leo, the unborn baby and the subject, Child A: the case's three children


def test_a_manager_gets_an_annex_a_list_for_a_period(api: ApiClient, clock: Clock) -> None:
    case = _referred_and_decided(api)
    day = clock().date().isoformat()
    text = api.get(f"/api/v1/returns/annex-a?from={day}&to={day}&list=3", "maya")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {(row["Case Reference"], row["Referral NFA?"], row["Referral Source"]) for row in rows} == {
        (case["reference"], "a) Yes", "e) 2A: Schools")}
    assert list(rows[0])[:2] == ["Child Unique ID", "Gender"] and list(rows[0])[-2:] == ["Case ID", "Case Reference"]


def test_the_returns_are_refused_to_everyone_but_childrens_services_managers(
    api: ApiClient, db: Database, clock: Clock,
) -> None:
    add_users(api, db, clock, {"tom": ["team_manager"], "lara": ["lado_manager"], "sw": ["social_worker"]})
    for user in ("rita", "sam", "pc_police", "audrey", "owen", "lara", "sw"):
        api.get("/api/v1/returns/cin-census?year=2026-27", user, 403)
        api.get("/api/v1/returns/annex-a?from=2026-04-01&to=2027-03-31", user, 403)
    api.get("/api/v1/returns/cin-census?year=2026-27", "tom", 200)


def test_a_bad_year_or_period_is_422_naming_the_parameter(api: ApiClient) -> None:
    for query in ("year=2026", "year=2026-28", ""):
        refused = api.get(f"/api/v1/returns/cin-census?{query}", "maya", 422)
        assert "year" in str(refused["details"])
    refused = api.get("/api/v1/returns/annex-a?from=2027-01-01&to=2026-01-01", "maya", 422)
    assert "from" in str(refused["details"])
    api.get("/api/v1/returns/annex-a?from=2026-04-01&to=2027-03-31&list=8", "maya", 422)
