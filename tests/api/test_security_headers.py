"""Hardened serving: security headers on every kind of response, and an API docs page that keeps the CSP."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.api.conftest import ApiClient
from tests.web.conftest import parse_html, select

EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _assert_hardened(headers: dict[str, str] | object) -> None:
    for name, value in EXPECTED.items():
        assert headers[name] == value, name  # type: ignore[index]
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))  # type: ignore[index]
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe-inline" not in str(policy) and "unsafe-eval" not in str(policy)


@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/openapi.json", "/api/docs", "/healthz", "/sign-in", "/",
                                  "/api/v1/no-such-thing", "/static/js/api-docs.js"])
def test_every_kind_of_response_carries_the_security_headers(app: Flask, api: ApiClient, path: str) -> None:
    response = app.test_client().get(path, headers={"Authorization": f"Bearer {api.tokens['sam']}"})
    assert response.status_code in {200, 303, 404}
    _assert_hardened(response.headers)
    assert "Strict-Transport-Security" not in response.headers


def test_errors_and_unauthenticated_answers_carry_them_too(app: Flask) -> None:
    response = app.test_client().get("/api/v1/tasks")
    assert response.status_code == 401
    _assert_hardened(response.headers)


def test_hsts_is_sent_over_https(app: Flask) -> None:
    response = app.test_client().get("/sign-in", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_hsts_is_sent_behind_a_trusted_tls_proxy(db, clock) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app

    app = create_app(db, clock=clock, SECRET_KEY="k", SOSFLOW_TRUSTED_PROXIES=1)
    response = app.test_client().get("/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers
    untrusted = create_app(db, clock=clock, SECRET_KEY="k").test_client()
    assert "Strict-Transport-Security" not in untrusted.get("/sign-in", headers={"X-Forwarded-Proto": "https"}).headers


def test_pages_are_not_cached(app: Flask) -> None:
    assert app.test_client().get("/sign-in").headers["Cache-Control"] == "no-store"


def test_the_api_docs_page_has_no_inline_script_and_loads_its_scripts_from_files(app: Flask) -> None:
    response = app.test_client().get("/api/docs")
    assert response.status_code == 200
    root = parse_html(response.get_data(as_text=True))
    scripts = select(root, "script")
    assert scripts and all(s.get("src") and not (s.text or "").strip() for s in scripts)
    assert not select(root, "[onload], [onclick], [onerror]")
    assert select(root, "#swagger-ui")[0].get("data-openapi-url") == "/api/v1/openapi.json"
    sources = [s.get("src") for s in scripts]
    assert sources[-1] == "/static/js/api-docs.js"
    assert all(src.startswith("/static/") for src in sources)  # same origin: allowed by script-src 'self'


def test_the_docs_script_is_served_as_javascript_and_starts_swagger_ui_from_the_page(app: Flask) -> None:
    response = app.test_client().get("/static/js/api-docs.js")
    assert response.status_code == 200 and response.mimetype in {"text/javascript", "application/javascript"}
    body = response.get_data(as_text=True)
    assert "SwaggerUIBundle" in body and 'getAttribute("data-openapi-url")' in body
    assert not re.search(r"\beval\(|new Function", body)
