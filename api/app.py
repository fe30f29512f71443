"""The Flask application factory: every blueprint and its access rule are registered here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask, jsonify
from flask_smorest import Api, Blueprint
from sqlalchemy import text

from api.alerts.views import blp as alerts_blp
from api.audit_trail.views import blp as audit_blp
from api.auth import authenticate
from api.cases.views import blp as cases_blp
from api.definitions.views import blp as definitions_blp
from api.errors import register_error_handlers
from api.form_schemas.views import blp as forms_blp
from api.tasks.views import blp as tasks_blp
from engine.db import Database

API_BLUEPRINTS: list[tuple[Blueprint, Callable[[], None]]] = [
    (cases_blp, authenticate),
    (tasks_blp, authenticate),
    (definitions_blp, authenticate),
    (forms_blp, authenticate),
    (audit_blp, authenticate),
    (alerts_blp, authenticate),
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
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Served from our own static files (`make assets`): nothing is fetched from a CDN at run time.
        "OPENAPI_SWAGGER_UI_URL": "/static/vendor/swagger-ui/",
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
    app.config["SOSFLOW_CLOCK"] = clock or _utc_now
    app.config["MAX_CONTENT_LENGTH"] = 4 * 1024 * 1024
    app.config.update(config)
    app.extensions["sosflow_db"] = db or Database.from_url()
    api = Api(app)
    register_error_handlers(app)  # after Api(), which registers its own HTTPException handler
    for blueprint, rule in API_BLUEPRINTS:
        api.register_blueprint(blueprint)
        app.before_request_funcs.setdefault(blueprint.name, []).append(rule)
    app.add_url_rule("/healthz", "healthz", _healthz)
    return app


def _healthz() -> Any:
    """200 when the database answers; no authentication."""
    from flask import current_app

    try:
        with current_app.extensions["sosflow_db"].engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        return jsonify({"status": "unavailable", "reason": type(exc).__name__}), 503
    return jsonify({"status": "ok"})
