"""App-wide behaviour: authentication on every route, the OpenAPI document, health, route hygiene."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.api.conftest import ApiClient

PUBLIC_ROUTES = {"/healthz", "/api/v1/openapi.json", "/api/docs", "/static/<path:filename>"}
PUBLIC_PAGES = {"/sign-in", "/sign-in/callback", "/accessibility"}


def _routes(app: Flask, *, api: bool) -> list[tuple[str, str]]:
    return sorted(
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.rule not in PUBLIC_ROUTES | PUBLIC_PAGES and rule.rule.startswith("/api/") == api
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
    )


def _api_routes(app: Flask) -> list[tuple[str, str]]:
    return _routes(app, api=True)


def _example_path(rule: str) -> str:
    path = re.sub(r"<uuid:[a-z_]+>", "00000000-0000-4000-8000-000000000000", rule)
    return re.sub(r"<int(?:32)?:[a-z_]+>", "1", re.sub(r"<string:[a-z_]+>", "x", path))


def test_every_route_is_registered_with_an_access_rule_in_the_app_factory(app: Flask) -> None:
    from api.app import API_BLUEPRINTS, PAGE_BLUEPRINTS

    ruled = {blueprint.name for blueprint, _ in API_BLUEPRINTS + PAGE_BLUEPRINTS}
    for rule in app.url_map.iter_rules():
        if rule.rule not in PUBLIC_ROUTES:
            assert rule.endpoint.partition(".")[0] in ruled, rule.rule
            assert app.before_request_funcs.get(rule.endpoint.partition(".")[0]), rule.rule


def test_every_page_but_sign_in_sends_a_visitor_without_a_session_to_sign_in(app: Flask) -> None:
    client = app.test_client()
    pages = _routes(app, api=False)
    assert ("/", "GET") in pages and ("/sign-out", "POST") in pages
    for rule, method in pages:
        response = client.open(_example_path(rule), method=method)
        assert response.status_code == 303, (method, rule)
        assert response.headers["Location"].startswith("/sign-in?next="), (method, rule)


def test_every_api_route_refuses_a_request_without_a_token(app: Flask, api: ApiClient) -> None:
    routes = _api_routes(app)
    assert len(routes) >= 12
    for rule, method in routes:
        path = _example_path(rule)
        body = api.call(method, path, None, 401)
        assert body["error"] == "unauthenticated", (method, path)


def test_a_wrong_token_is_401(api: ApiClient) -> None:
    body = api.get("/api/v1/tasks", None, 401, headers={"Authorization": "Bearer not-a-token"})
    assert body["message"] == "the API token is unknown, expired or revoked"


def test_route_ids_are_typed_and_paths_are_kebab_case(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        for name in rule.arguments:
            assert re.search(rf"<(uuid|int32|string|path):{name}>", rule.rule), rule.rule
            if name.endswith("_id"):
                assert f"<uuid:{name}>" in rule.rule, rule.rule
        static = re.sub(r"<[^>]+>", "", rule.rule)
        assert re.fullmatch(r"[a-z0-9/.\-]*", static), rule.rule


def test_openapi_document_is_public_and_describes_every_api_route(app: Flask, api: ApiClient) -> None:
    spec = api.get("/api/v1/openapi.json", None)
    assert spec["info"]["title"] == "sosflow"
    documented = set(spec["paths"])
    for rule, _ in _api_routes(app):
        assert re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule) in documented
    complete = spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]
    assert {"200", "404", "409", "422"} <= set(complete["responses"])
    assert "CompleteTask" in str(complete["requestBody"])


def test_healthz_answers_without_a_token_when_the_database_answers(api: ApiClient) -> None:
    assert api.get("/healthz", None) == {"status": "ok"}


@pytest.mark.parametrize("user", ["sam", "rita", "owen"])
def test_only_auditors_may_verify_the_audit_chain(api: ApiClient, user: str) -> None:
    assert api.get("/api/v1/audit/verify", user, 403)["error"] == "forbidden"
