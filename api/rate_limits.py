"""Rate limits (flask-limiter): failed sign-ins per username and address, in memory or a shared store."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from werkzeug.wrappers import Response

from api.pages.auth import sign_in_blp


def _username_and_address() -> str:
    return f"{request.form.get('username', '').strip().lower()}|{request.remote_addr}"


def _sign_in_failed(response: Response) -> bool:
    # A successful sign-in redirects (303); anything else was a failed attempt and counts.
    return response.status_code != 303


def _sign_in_limit() -> str:
    limit: str = current_app.config["SOSFLOW_SIGNIN_RATE_LIMIT"]
    return limit


def init_rate_limits(app: Flask) -> None:
    """One limiter per app; `SOSFLOW_RATELIMIT_STORAGE_URL` (e.g. redis://) shares counts between processes."""
    limiter = Limiter(_username_and_address, storage_uri=app.config["SOSFLOW_RATELIMIT_STORAGE_URL"],
                      headers_enabled=False)
    limiter.limit(_sign_in_limit, methods=["POST"], deduct_when=_sign_in_failed,
                  error_message="Too many failed attempts to sign in. Wait a minute, then try again.")(sign_in_blp)
    limiter.init_app(app)
    app.extensions["sosflow_limiter"] = limiter
