"""Every endpoint's declared permission, on one screen, and the guard that enforces it before any view.

`engine.access` says which roles carry each permission and what records a person may see; this table
says which permission each endpoint needs. An endpoint missing from it is refused (fail closed), and
tests/api/test_access_matrix.py fails for it, so no route goes out without a rule.
"""

from __future__ import annotations

from flask import Flask, g, request

from api import context
from api.auth import authenticate
from engine import access
from engine.access import Permission
from engine.errors import Forbidden

P = Permission
ENDPOINT_PERMISSIONS: dict[str, dict[str, Permission]] = {
    "static": {"GET": P.PUBLIC},
    "healthz": {"GET": P.PUBLIC},
    "api-docs.openapi_json": {"GET": P.PUBLIC},
    "api-docs.openapi_swagger_ui": {"GET": P.PUBLIC},
    "cases.Cases": {"POST": P.OPEN_CASE},
    "cases.CaseById": {"GET": P.READ_CASE},
    "cases.CaseHistory": {"GET": P.READ_CASE},
    "cases.CaseFamilyNetwork": {"GET": P.READ_CASE},
    "cases.CaseGenogram": {"GET": P.READ_CASE},
    "cases.CaseScales": {"GET": P.READ_CASE},
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
    "definitions.Definitions": {"GET": P.READ_REFERENCE, "POST": P.DEPLOY},
    "definitions.DefinitionBpmn": {"GET": P.READ_REFERENCE},
    "forms.Forms": {"GET": P.READ_REFERENCE},
    "forms.FormByKey": {"GET": P.READ_REFERENCE},
    "audit.VerifyChain": {"GET": P.VERIFY_AUDIT},
    "audit.BreakGlassOpenings": {"GET": P.REVIEW_ACCESS},
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


def guard() -> None:
    """Before every view: 403 without a declared rule, else 401 without credentials, else 403 by role."""
    if request.endpoint is None:  # no such route: Flask answers 404 or 405 itself
        return
    permission = permission_for(request.endpoint, request.method)
    if permission is None:
        raise Forbidden("no access rule is declared for this endpoint")
    if permission == P.PUBLIC:
        return
    authenticate()
    with context.db().reading() as session:
        g.actor = access.with_open_break_glass(session, g.actor, context.now())
    access.require(g.actor, permission)
