"""The Flask application factory: every blueprint is registered here with its authentication, and every
endpoint is authorised by the permission it declares in api/permissions.py."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint as PageBlueprint
from flask import Flask, jsonify
from flask_smorest import Blueprint
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from api import entry
from api.alerts.views import blp as alerts_blp
from api.audit_trail.views import blp as audit_blp
from api.auth import PreSignInCookies, authenticate, csrf_token, protect_sign_in, require_session
from api.cases.views import blp as cases_blp
from api.definitions.views import blp as definitions_blp
from api.docs import api_docs
from api.errors import register_error_handlers
from api.form_schemas.views import blp as forms_blp
from api.headers import init_serving
from api.incidents.views import blp as incidents_blp
from api.notifications.views import blp as notifications_blp
from api.openapi import create_api
from api.pages import init_jinja, page_engine_error, page_http_error
from api.pages.audit import audit_pages
from api.pages.auth import sign_in_blp, sign_out_blp
from api.pages.cases import case_pages
from api.pages.dashboard import dashboard_pages
from api.pages.definitions import definition_pages
from api.pages.help import help_pages
from api.pages.home import home_blp
from api.pages.incidents import incident_pages
from api.pages.notifications import notification_pages
from api.pages.oidc import init_oidc
from api.pages.people import person_pages
from api.pages.referrals import referral_pages
from api.pages.returns import return_pages
from api.pages.tasks import task_pages
from api.people.views import blp as people_blp
from api.permissions import authorise, require_declared_rule
from api.rate_limits import init_rate_limits
from api.referrals.views import blp as referrals_blp
from api.returns.views import blp as returns_blp
from api.settings import secret_key, security_settings
from api.sla.views import blp as sla_blp
from api.tasks.views import blp as tasks_blp
from api.tokens.views import blp as tokens_blp
from engine.db import Database
from engine.errors import EngineError

# Each blueprint's authentication; then `authorise` checks the permission each endpoint declares in
# api/permissions.py (an endpoint declaring none is refused by `require_declared_rule`).
API_BLUEPRINTS: list[tuple[Blueprint, Callable[[], None]]] = [
    (cases_blp, authenticate),
    (referrals_blp, authenticate),
    (tasks_blp, authenticate),
    (definitions_blp, authenticate),
    (forms_blp, authenticate),
    (audit_blp, authenticate),
    (alerts_blp, authenticate),
    (tokens_blp, authenticate),
    (incidents_blp, authenticate),
    (notifications_blp, authenticate),
    (sla_blp, authenticate),
    (people_blp, authenticate),
    (returns_blp, authenticate),
]

PAGE_BLUEPRINTS: list[tuple[PageBlueprint, Callable[[], Any]]] = [
    (sign_in_blp, protect_sign_in),  # public: the sign-in form and the identity provider's callback
    (sign_out_blp, require_session),
    (home_blp, require_session),
    (task_pages, require_session),
    (referral_pages, require_session),
    (case_pages, require_session),
    (person_pages, require_session),
    (return_pages, require_session),
    (definition_pages, require_session),
    (incident_pages, require_session),
    (notification_pages, require_session),
    (dashboard_pages, require_session),
    (audit_pages, require_session),
    (help_pages, lambda: None),  # public: the accessibility statement
]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _openapi_config() -> dict[str, Any]:
    return {
        "API_TITLE": "sosflow",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "v1/openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    }


def create_app(db: Database | None = None, clock: Callable[[], datetime] | None = None,
               **config: Any) -> Flask:
    """Build the app on a database (default: `SOSFLOW_DATABASE_URL` or SQLite) and a clock."""
    app = Flask(__name__)
    app.config.update(_openapi_config())
    app.config.update(security_settings())
    app.config["SOSFLOW_CLOCK"] = clock or _utc_now
    app.config["MAX_CONTENT_LENGTH"] = 4 * 1024 * 1024
    app.config["SOSFLOW_BREAK_GLASS_HOURS"] = float(os.environ.get("SOSFLOW_BREAK_GLASS_HOURS", "8"))
    app.config.update(SESSION_COOKIE_NAME="sosflow_state", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax")
    app.config.update(config)
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or secret_key()
    app.extensions["sosflow_db"] = db or Database.from_url()
    app.session_interface = PreSignInCookies()
    entry.install(app)
    api = create_api(app)
    register_error_handlers(app)  # after Api(), which registers its own HTTPException handler
    app.before_request(require_declared_rule)
    for blueprint, rule in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
        app.before_request_funcs.setdefault(blueprint.name, []).extend([rule, entry.reject_unholdable_text, authorise])
    _register_pages(app)
    app.add_url_rule("/healthz", "healthz", _healthz)
    # Swagger UI from our own static files (`make assets`), started by a script file: no CDN, no inline script.
    app.add_url_rule("/api/docs", "api_docs", api_docs)
    init_serving(app)
    return app


def _register_pages(app: Flask) -> None:
    for blueprint, rule in PAGE_BLUEPRINTS:
        app.register_blueprint(blueprint)
        app.before_request_funcs.setdefault(blueprint.name, []).extend([rule, authorise])
        blueprint_handlers = app.error_handler_spec[blueprint.name][None]  # what blueprint.errorhandler fills
        blueprint_handlers[HTTPException] = page_http_error
        blueprint_handlers[EngineError] = page_engine_error
    app.jinja_env.globals["csrf_token"] = csrf_token
    init_jinja(app)
    init_rate_limits(app)
    init_oidc(app)


def _healthz() -> Any:
    """200 when the database answers; no authentication."""
    from flask import current_app

    try:
        with current_app.extensions["sosflow_db"].engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        return jsonify({"status": "unavailable", "reason": type(exc).__name__}), 503
    return jsonify({"status": "ok"})
