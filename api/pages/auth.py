"""Sign-in and sign-out pages: local passwords, or the identity provider when OIDC is configured.

`sign_in` is public (its POST is rate-limited and carries the pre-sign-in CSRF token); `sign_out` needs a
session. See `api/auth.py` for both rules.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from api import context
from api.auth import clear_session_cookie, set_session_cookie
from api.pages.oidc import begin_sign_in, finish_sign_in
from api.settings import oidc_enabled
from engine.errors import InvalidInput, Unauthenticated
from engine.web_sessions import SignedIn, end_session, record_failed_sign_in, sign_in_external, sign_in_with_password

sign_in_blp = Blueprint("sign_in", __name__)
sign_out_blp = Blueprint("sign_out", __name__)

WRONG_CREDENTIALS = "Enter a correct username and password"


def client_details() -> dict[str, Any]:
    """What the audit keeps about where a sign-in came from."""
    return {"ip": request.remote_addr}


def safe_next(target: str | None) -> str:
    """Only a path on this site (never `//host` or `https://host`), so sign-in cannot redirect elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("home.index")


@sign_in_blp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """The sign-in form (or, with OIDC, a redirect to the identity provider)."""
    if oidc_enabled(current_app.config):
        if request.method == "POST":
            abort(405)
        session["next"] = safe_next(request.args.get("next"))
        return begin_sign_in()
    if request.method == "GET":
        return _form(next_path=safe_next(request.args.get("next")))
    return _sign_in_with_password()


def _form(*, next_path: str, username: str = "", error: str | None = None, status: int = 200) -> ResponseReturnValue:
    return render_template("pages/auth/sign_in.html", next_path=next_path, username=username, error=error), status


def _sign_in_with_password() -> ResponseReturnValue:
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    next_path = safe_next(request.form.get("next"))
    if not username or not password:
        return _form(next_path=next_path, username=username, error=WRONG_CREDENTIALS, status=400)
    signed_in = sign_in_with_password(context.db(), username, password, context.now(), client_details())
    if signed_in is None:
        return _form(next_path=next_path, username=username, error=WRONG_CREDENTIALS, status=401)
    return _start(signed_in, next_path)


def _start(signed_in: SignedIn, next_path: str) -> Response:
    session.clear()  # nothing from before sign-in survives it (fixation)
    return set_session_cookie(redirect(next_path, 303), signed_in.session_id)


@sign_in_blp.route("/sign-in/callback")
def callback() -> ResponseReturnValue:
    """Where the identity provider sends the browser back: validate, provision, start a session."""
    if not oidc_enabled(current_app.config):
        abort(404)
    next_path = safe_next(session.get("next"))
    identity = None
    try:
        identity = finish_sign_in()
        signed_in = sign_in_external(context.db(), identity, context.now(), client_details())
    except (Unauthenticated, InvalidInput) as exc:
        tried = identity.username if identity else (exc.details or {}).get("username", "(identity provider)")
        record_failed_sign_in(context.db(), tried, context.now(), client_details(), exc.message)
        raise Unauthenticated(exc.message) from exc
    return _start(signed_in, next_path)


@sign_out_blp.route("/sign-out", methods=["POST"])
def sign_out() -> ResponseReturnValue:
    """End the session server-side and forget the cookie."""
    end_session(context.db(), g.session_id, context.now())
    return clear_session_cookie(redirect(url_for("sign_in.sign_in"), 303))
