"""Role × endpoint: every route of the app has a declared rule, and each role gets the status that rule says.

The expectations below are written out by hand (not read back from api/permissions.py), so a route
added without a rule, or a rule that drifts from what the roles should do, fails here. API routes are
called with each role's bearer token, pages in each role's signed-in browser session.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from api.app import create_app
from api.permissions import undeclared
from engine import accounts
from engine.access import Role
from engine.db import Database
from tests.api.conftest import ApiClient
from tests.conftest import Clock
from tests.web.conftest import PASSWORD, WebClient

PUBLIC, SIGNED_IN = "public", "signed in"
MANAGERS = {"mash_manager", "team_manager", "service_manager", "head_of_service", "lado_manager"}
SLA_READERS = {*MANAGERS, "cp_unit"}
# People's records span cases: case workers, managers and auditors; never referrers, partner agencies, keepers.
PEOPLE_READERS = {"mash_business_support", "mash_screener", "social_worker", "cp_chair", "cp_unit", "lado", "auditor",
                  *MANAGERS}
RETURN_READERS = {"mash_manager", "team_manager", "service_manager", "head_of_service"}

# (endpoint, method) -> who may call it at all; record and lane rules then answer 404 for what they may not see.
EXPECTED: dict[tuple[str, str], str | set[str]] = {
    ("static", "GET"): PUBLIC,
    ("healthz", "GET"): PUBLIC,
    ("api-docs.openapi_json", "GET"): PUBLIC,
    ("api_docs", "GET"): PUBLIC,
    ("sign_in.sign_in", "GET"): PUBLIC,
    ("sign_in.sign_in", "POST"): PUBLIC,
    ("sign_in.callback", "GET"): PUBLIC,
    ("sign_out.sign_out", "POST"): SIGNED_IN,
    ("home.index", "GET"): SIGNED_IN,
    ("help_pages.accessibility", "GET"): PUBLIC,
    ("task_pages.queue", "GET"): SIGNED_IN,
    ("task_pages.task", "GET"): SIGNED_IN,
    ("task_pages.task", "POST"): SIGNED_IN,
    ("task_pages.claim", "POST"): SIGNED_IN,
    ("task_pages.give_back", "POST"): SIGNED_IN,
    ("referral_pages.new", "GET"): SIGNED_IN,
    ("referral_pages.new", "POST"): SIGNED_IN,
    ("referral_pages.check", "GET"): SIGNED_IN,
    ("referral_pages.check", "POST"): SIGNED_IN,
    ("referral_pages.sent", "GET"): SIGNED_IN,
    ("referral_pages.mine", "GET"): SIGNED_IN,
    ("case_pages.case", "GET"): SIGNED_IN,
    ("case_pages.genogram", "GET"): SIGNED_IN,
    ("case_pages.diagram", "GET"): SIGNED_IN,
    ("person_pages.person", "GET"): PEOPLE_READERS,
    ("return_pages.index", "GET"): RETURN_READERS,
    ("return_pages.cin_census", "GET"): RETURN_READERS,
    ("return_pages.cin_census_csv", "GET"): RETURN_READERS,
    ("return_pages.annex_a", "GET"): RETURN_READERS,
    ("return_pages.annex_a_csv", "GET"): RETURN_READERS,
    ("definition_pages.index", "GET"): {"process_owner"},
    ("definition_pages.check", "POST"): {"process_owner"},
    ("definition_pages.deploy", "POST"): {"process_owner"},
    ("definition_pages.version", "GET"): {"process_owner"},
    ("definition_pages.bpmn", "GET"): {"process_owner"},
    ("definition_pages.modeler", "GET"): {"process_owner"},
    ("definition_pages.new", "GET"): {"process_owner"},
    ("definition_pages.new", "POST"): {"process_owner"},
    ("definition_pages.new_modeler", "GET"): {"process_owner"},
    ("definition_pages.new_bpmn", "GET"): {"process_owner"},
    ("incident_pages.index", "GET"): {"process_owner", "administrator"},
    ("incident_pages.retry", "POST"): {"process_owner", "administrator"},
    ("notification_pages.notifications", "GET"): SIGNED_IN,
    ("notification_pages.mark_read", "POST"): SIGNED_IN,
    ("dashboard_pages.dashboard", "GET"): SLA_READERS,
    ("dashboard_pages.breaches", "GET"): SLA_READERS,
    ("dashboard_pages.at_risk", "GET"): SLA_READERS,
    ("dashboard_pages.open_tasks", "GET"): SLA_READERS,
    ("dashboard_pages.indicator", "GET"): SLA_READERS,
    ("audit_pages.search", "GET"): {"auditor"},
    ("audit_pages.events_csv", "GET"): {"auditor"},
    ("audit_pages.verify", "POST"): {"auditor"},
    ("audit_pages.case", "GET"): {"auditor"},
    ("audit_pages.chronology_as_csv", "GET"): {"auditor"},
    ("audit_pages.chronology_as_pdf", "GET"): {"auditor"},
    ("tokens.Tokens", "GET"): SIGNED_IN,
    ("tokens.RevokeToken", "POST"): SIGNED_IN,
    ("cases.Cases", "POST"): SIGNED_IN,
    ("cases.CaseById", "GET"): SIGNED_IN,
    ("cases.CaseHistory", "GET"): SIGNED_IN,
    ("cases.CaseFamilyNetwork", "GET"): SIGNED_IN,
    ("cases.CaseGenogram", "GET"): SIGNED_IN,
    ("cases.CaseScales", "GET"): SIGNED_IN,
    ("cases.CaseRestriction", "POST"): MANAGERS,
    ("cases.CaseBreakGlass", "POST"): MANAGERS,
    ("cases.CaseAccessLog", "GET"): {"auditor"},
    ("cases.CaseChronologyCsv", "GET"): {"auditor"},
    ("cases.CaseChronologyPdf", "GET"): {"auditor"},
    ("referrals.Referrals", "GET"): SIGNED_IN,
    ("referrals.ReferralById", "GET"): SIGNED_IN,
    ("tasks.Tasks", "GET"): SIGNED_IN,
    ("tasks.TaskById", "GET"): SIGNED_IN,
    ("tasks.ClaimTask", "POST"): SIGNED_IN,
    ("tasks.UnclaimTask", "POST"): SIGNED_IN,
    ("tasks.CompleteTask", "POST"): SIGNED_IN,
    ("tasks.RaiseImmediateDanger", "POST"): SIGNED_IN,
    ("definitions.Definitions", "GET"): SIGNED_IN,
    ("definitions.Definitions", "POST"): {"process_owner"},
    ("definitions.DefinitionBpmn", "GET"): SIGNED_IN,
    ("definitions.CheckDefinition", "POST"): {"process_owner"},
    ("forms.Forms", "GET"): SIGNED_IN,
    ("forms.FormByKey", "GET"): SIGNED_IN,
    ("audit.VerifyChain", "GET"): {"auditor"},
    ("audit.BreakGlassOpenings", "GET"): {"auditor"},
    ("incidents.Incidents", "GET"): {"process_owner", "administrator"},
    ("incidents.IncidentById", "GET"): {"process_owner", "administrator"},
    ("incidents.RetryIncident", "POST"): {"process_owner", "administrator"},
    ("alerts.Alerts", "GET"): {"auditor", "administrator"},
    ("notifications.Notifications", "GET"): SIGNED_IN,
    ("notifications.ReadNotification", "POST"): SIGNED_IN,
    ("sla.Breaches", "GET"): SLA_READERS,
    ("cases.CasePeople", "GET"): PEOPLE_READERS,
    ("people.PersonById", "GET"): PEOPLE_READERS,
    ("returns.CinCensus", "GET"): RETURN_READERS,
    ("returns.AnnexA", "GET"): RETURN_READERS,
    ("sla.AtRisk", "GET"): SLA_READERS,
    ("sla.Summary", "GET"): SLA_READERS,
    ("sla.Indicators", "GET"): SLA_READERS,
    ("sla.Timers", "GET"): SLA_READERS,
}

# A body that passes each endpoint's request validation, so what answers is the access rule.
BODIES = {
    "cases.Cases": {"json": {"process": "no_such_process", "subject": {"name": "X"}, "data": {}}},
    "cases.CaseRestriction": {"json": {"reason": "a reason"}},
    "cases.CaseBreakGlass": {"json": {"reason": "a reason"}},
    "tasks.CompleteTask": {"json": {"data": {}}},
    "tasks.RaiseImmediateDanger": {"json": {"data": {}}},
}
ROLES = sorted({*(str(role) for role in Role), "hr", "edt", "employer_case_manager", "core_group"})
MISSING = str(uuid.uuid4())


def routes(app: Flask) -> list[tuple[str, str, str]]:
    return sorted((rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
                  for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))


def concrete(rule: str) -> str:
    path = re.sub(r"<uuid:[a-z_]+>", MISSING, rule)
    path = re.sub(r"<int(?:32)?:[a-z_]+>", "1", path)
    return re.sub(r"<(?:string|path):[a-z_]+>", "x", path)


@pytest.fixture
def everyone(api: ApiClient, db: Database, clock: Clock) -> ApiClient:
    """The API client with one user per role (username `as_<role>`), each with a password and a token."""
    for role in ROLES:
        accounts.create_user(db, f"as_{role}", [role], clock(), password=PASSWORD)
        api.tokens[f"as_{role}"] = accounts.issue_token(db, f"as_{role}", clock())
    return api


def _caller(app: Flask, everyone: ApiClient, role: str | None, page: bool) -> tuple[FlaskClient, dict[str, str]]:
    """A client and headers acting as `role` (None: nobody): a signed-in browser for pages, a token for the API."""
    if role is None:
        return app.test_client(), {}
    if not page:
        return everyone.client, {"Authorization": f"Bearer {everyone.tokens[f'as_{role}']}"}
    browser = WebClient(app.test_client())
    browser.sign_in(f"as_{role}")
    return browser.client, {"X-Csrf": browser.page("/").csrf()}  # sent as the form field by `_send`


def test_every_route_of_the_app_declares_an_access_rule(app: Flask) -> None:
    assert undeclared(app) == []
    assert {(endpoint, method) for endpoint, method, _ in routes(app)} == set(EXPECTED)


def test_a_route_added_without_a_rule_is_refused_and_reported(db: Database, clock: Clock) -> None:
    app = create_app(db, clock=clock)
    app.add_url_rule("/api/v1/new-thing", "new_thing", lambda: "leaked")
    assert undeclared(app) == [("new_thing", "GET")]
    response = app.test_client().get("/api/v1/new-thing")
    assert response.status_code == 403
    assert response.get_json()["message"] == "no access rule is declared for this endpoint"


def test_role_by_endpoint_matrix(app: Flask, everyone: ApiClient) -> None:
    callers = {(role, page): _caller(app, everyone, role, page) for role in (None, *ROLES) for page in (False, True)}
    wrong = []
    for endpoint, method, rule in routes(app):
        expected_roles = EXPECTED[(endpoint, method)]
        path, body, page = concrete(rule), BODIES.get(endpoint, {}), not rule.startswith("/api/")
        client, headers = callers[(None, page)]
        anonymous = client.open(path, method=method, **body)
        if _refused_anonymous(anonymous, page) == (expected_roles == PUBLIC):
            wrong.append(f"{method} {rule} signed out: {anonymous.status_code}")
        if expected_roles == PUBLIC:
            continue
        for role in ROLES:
            client, headers = callers[(role, page)]
            got = _send(client, path, method, body, headers if endpoint != "sign_out.sign_out" else {})
            allowed = expected_roles == SIGNED_IN or role in expected_roles
            if not _want(allowed, rule)(got.status_code) or _refused_anonymous(got, page):
                wrong.append(f"{method} {rule} as {role}: {got.status_code} {got.get_data(as_text=True)[:80]}")
    assert wrong == []


def _send(client: FlaskClient, path: str, method: str, body: dict[str, Any],
          headers: dict[str, str]) -> TestResponse:
    """A page's POST carries the session's CSRF token, so what answers is the access rule, not the CSRF check
    (but not the sign-out's: that browser is needed signed in for the routes after it)."""
    csrf = headers.get("X-Csrf")
    if csrf is not None:
        return client.open(path, method=method, data={"csrf_token": csrf} if method == "POST" else None)
    return client.open(path, method=method, **body, headers=headers)


def _refused_anonymous(response: TestResponse, page: bool) -> bool:
    """401 for the API; for pages, a redirect to the sign-in page."""
    if page:
        return response.status_code == 303 and response.headers["Location"].startswith("/sign-in")
    return response.status_code == 401


def _want(allowed: bool, rule: str):  # type: ignore[no-untyped-def]
    """Refused by role: 403. Allowed: never 401/403; an id that names nothing (or nothing visible) is 404."""
    if not allowed:
        return lambda status: status == 403
    if "<uuid:" in rule:
        return lambda status: status == 404
    return lambda status: status not in (401, 403)
