"""Every endpoint's declared permission, on one screen, and the checks that enforce it before any view.

`engine.access` says which roles carry each permission and what records a person may see; this table
says which permission each endpoint needs. `api/app.py` runs `require_declared_rule` before every
request (an endpoint missing from the table is refused: fail closed, and tests/api/test_access_matrix.py
fails for it) and `authorise` after each blueprint's authentication.
"""

from __future__ import annotations

from flask import Flask, g, request

from api import context
from engine import access
from engine.access import Permission
from engine.errors import Forbidden

P = Permission
ENDPOINT_PERMISSIONS: dict[str, dict[str, Permission]] = {
    "static": {"GET": P.PUBLIC},
    "healthz": {"GET": P.PUBLIC},
    "api-docs.openapi_json": {"GET": P.PUBLIC},
    "api_docs": {"GET": P.PUBLIC},
    "sign_in.sign_in": {"GET": P.PUBLIC, "POST": P.PUBLIC},  # CSRF-checked and rate-limited by their blueprint
    "sign_in.callback": {"GET": P.PUBLIC},
    "sign_out.sign_out": {"POST": P.OWN_ACCOUNT},
    "home.index": {"GET": P.OWN_ACCOUNT},
    "help_pages.accessibility": {"GET": P.PUBLIC},
    "task_pages.queue": {"GET": P.WORK_TASKS},
    "task_pages.task": {"GET": P.WORK_TASKS, "POST": P.WORK_TASKS},
    "task_pages.claim": {"POST": P.WORK_TASKS},
    "task_pages.give_back": {"POST": P.WORK_TASKS},
    "referral_pages.new": {"GET": P.OPEN_CASE, "POST": P.OPEN_CASE},
    "referral_pages.check": {"GET": P.OPEN_CASE, "POST": P.OPEN_CASE},
    "referral_pages.sent": {"GET": P.READ_REFERRALS},
    "referral_pages.mine": {"GET": P.READ_REFERRALS},
    "case_pages.case": {"GET": P.READ_CASE},
    "case_pages.genogram": {"GET": P.READ_CASE},
    "case_pages.diagram": {"GET": P.READ_CASE},
    "person_pages.person": {"GET": P.READ_PEOPLE},
    "return_pages.index": {"GET": P.READ_RETURNS},
    "return_pages.cin_census": {"GET": P.READ_RETURNS},
    "return_pages.cin_census_csv": {"GET": P.READ_RETURNS},
    "return_pages.annex_a": {"GET": P.READ_RETURNS},
    "return_pages.annex_a_csv": {"GET": P.READ_RETURNS},
    "definition_pages.index": {"GET": P.DEPLOY},
    "definition_pages.check": {"POST": P.DEPLOY},
    "definition_pages.deploy": {"POST": P.DEPLOY},
    "definition_pages.version": {"GET": P.DEPLOY},
    "definition_pages.bpmn": {"GET": P.DEPLOY},
    "definition_pages.modeler": {"GET": P.DEPLOY},
    "definition_pages.new": {"GET": P.DEPLOY, "POST": P.DEPLOY},
    "definition_pages.new_modeler": {"GET": P.DEPLOY},
    "definition_pages.new_bpmn": {"GET": P.DEPLOY},
    "incident_pages.index": {"GET": P.HANDLE_INCIDENTS},
    "incident_pages.retry": {"POST": P.HANDLE_INCIDENTS},
    "notification_pages.notifications": {"GET": P.OWN_ACCOUNT},
    "notification_pages.mark_read": {"POST": P.OWN_ACCOUNT},
    "dashboard_pages.dashboard": {"GET": P.READ_SLA},
    "dashboard_pages.breaches": {"GET": P.READ_SLA},
    "dashboard_pages.at_risk": {"GET": P.READ_SLA},
    "dashboard_pages.open_tasks": {"GET": P.READ_SLA},
    "dashboard_pages.indicator": {"GET": P.READ_SLA},
    "audit_pages.search": {"GET": P.REVIEW_ACCESS},
    "audit_pages.events_csv": {"GET": P.REVIEW_ACCESS},
    "audit_pages.verify": {"POST": P.VERIFY_AUDIT},
    "audit_pages.case": {"GET": P.REVIEW_ACCESS},
    "audit_pages.chronology_as_csv": {"GET": P.REVIEW_ACCESS},
    "audit_pages.chronology_as_pdf": {"GET": P.REVIEW_ACCESS},
    "tokens.Tokens": {"GET": P.OWN_ACCOUNT},
    "tokens.RevokeToken": {"POST": P.OWN_ACCOUNT},
    "cases.Cases": {"POST": P.OPEN_CASE},
    "cases.CaseById": {"GET": P.READ_CASE},
    "cases.CaseHistory": {"GET": P.READ_CASE},
    "cases.CaseFamilyNetwork": {"GET": P.READ_CASE},
    "cases.CaseGenogram": {"GET": P.READ_CASE},
    "cases.CaseScales": {"GET": P.READ_CASE},
    "cases.CasePeople": {"GET": P.READ_PEOPLE},
    "people.PersonById": {"GET": P.READ_PEOPLE},
    "returns.CinCensus": {"GET": P.READ_RETURNS},
    "returns.AnnexA": {"GET": P.READ_RETURNS},
    "cases.CaseRestriction": {"POST": P.RESTRICT_CASE},
    "cases.CaseBreakGlass": {"POST": P.BREAK_GLASS},
    "cases.CaseAccessLog": {"GET": P.REVIEW_ACCESS},
    "cases.CaseChronologyCsv": {"GET": P.REVIEW_ACCESS},
    "cases.CaseChronologyPdf": {"GET": P.REVIEW_ACCESS},
    "referrals.Referrals": {"GET": P.READ_REFERRALS},
    "referrals.ReferralById": {"GET": P.READ_REFERRALS},
    "tasks.Tasks": {"GET": P.WORK_TASKS},
    "tasks.TaskById": {"GET": P.WORK_TASKS},
    "tasks.ClaimTask": {"POST": P.WORK_TASKS},
    "tasks.UnclaimTask": {"POST": P.WORK_TASKS},
    "tasks.CompleteTask": {"POST": P.WORK_TASKS},
    "tasks.RaiseImmediateDanger": {"POST": P.WORK_TASKS},
    "definitions.Definitions": {"GET": P.READ_REFERENCE, "POST": P.DEPLOY},
    "definitions.DefinitionBpmn": {"GET": P.READ_REFERENCE},
    "definitions.CheckDefinition": {"POST": P.DEPLOY},
    "forms.Forms": {"GET": P.READ_REFERENCE},
    "forms.FormByKey": {"GET": P.READ_REFERENCE},
    "audit.VerifyChain": {"GET": P.VERIFY_AUDIT},
    "audit.BreakGlassOpenings": {"GET": P.REVIEW_ACCESS},
    "incidents.Incidents": {"GET": P.HANDLE_INCIDENTS},
    "incidents.IncidentById": {"GET": P.HANDLE_INCIDENTS},
    "incidents.RetryIncident": {"POST": P.HANDLE_INCIDENTS},
    "alerts.Alerts": {"GET": P.READ_ALERTS},
    "notifications.Notifications": {"GET": P.OWN_ACCOUNT},
    "notifications.ReadNotification": {"POST": P.OWN_ACCOUNT},
    "sla.Breaches": {"GET": P.READ_SLA},
    "sla.AtRisk": {"GET": P.READ_SLA},
    "sla.Summary": {"GET": P.READ_SLA},
    "sla.Indicators": {"GET": P.READ_SLA},
    "sla.Timers": {"GET": P.READ_SLA},
}


def permission_for(endpoint: str, method: str) -> Permission | None:
    """The permission a request needs; HEAD is a GET; OPTIONS is public only where every method is."""
    declared = ENDPOINT_PERMISSIONS.get(endpoint)
    if not declared:
        return None
    if method == "OPTIONS":
        return P.PUBLIC if set(declared.values()) == {P.PUBLIC} else P.READ_REFERENCE
    return declared.get("GET" if method == "HEAD" else method)


def undeclared(app: Flask) -> list[tuple[str, str]]:
    """(endpoint, method) pairs routed by the app but missing from the table."""
    return sorted(
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if permission_for(rule.endpoint, method) is None
    )


def require_declared_rule() -> None:
    """Before every request (app-wide, first): an endpoint that declares no rule is refused (fail closed)."""
    if request.endpoint is None:  # no such route: Flask answers 404 or 405 itself
        return
    if permission_for(request.endpoint, request.method) is None:
        raise Forbidden("no access rule is declared for this endpoint")


def authorise() -> None:
    """After a blueprint's authentication (which set `g.actor`): 403 unless the actor's roles carry the permission.

    The actor also gains the cases their unexpired break-glass openings give them.
    """
    permission = permission_for(request.endpoint or "", request.method)
    if permission is None or permission == P.PUBLIC:
        return
    with context.db().reading() as session:
        g.actor = access.with_open_break_glass(session, g.actor, context.now())
    access.require(g.actor, permission)
