"""Authentication in one place: bearer tokens for the API, server-side sessions and CSRF for the pages.

`api/app.py` attaches one of these to every blueprint: `authenticate` (API), `require_session` (pages of a
signed-in user) or `protect_sign_in` (the sign-in pages themselves, before any session exists); then
`api.permissions.authorise` checks the permission the endpoint declares.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from flask import abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from api import context
from api.settings import session_policy
from engine.access import Actor
from engine.accounts import Account, actor_for_token
from engine.errors import Unauthenticated
from engine.web_sessions import resume_session

SESSION_COOKIE = "sosflow_session"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def authenticate() -> None:
    """Resolve `Authorization: Bearer <token>` to `g.actor`, or answer 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an API token as `Authorization: Bearer <token>`")
    actor = actor_for_token(context.db(), token.strip(), context.now())
    if actor is None:
        raise Unauthenticated("the API token is unknown, expired or revoked")
    g.actor = actor


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor


def current_account() -> Account:
    account: Account = g.account
    return account


def require_session() -> ResponseReturnValue | None:
    """Pages of a signed-in user: a live session (else to the sign-in page) and, on a POST, its CSRF token."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    account = resume_session(context.db(), session_id, context.now(), session_policy(current_app.config)) \
        if session_id else None
    if account is None:
        return redirect(url_for("sign_in.sign_in", next=request.path), 303)
    g.account, g.actor, g.session_id = account, account.actor, session_id
    if request.method not in SAFE_METHODS:
        _check_csrf(session_csrf_token(session_id))
    return None


def protect_sign_in() -> None:
    """The sign-in pages need no session, but a POST must carry the token the form was served with."""
    if request.method not in SAFE_METHODS:
        _check_csrf(session.get("csrf", ""))


def session_csrf_token(session_id: str) -> str:
    """A signed-in session's CSRF token: derived from its id, which only that browser holds."""
    return hmac.new(session_id.encode("utf-8"), b"sosflow-csrf-v1", hashlib.sha256).hexdigest()


def csrf_token() -> str:
    """The token to put in a form: the session's when signed in, else one kept in the signed pre-sign-in cookie."""
    session_id = g.get("session_id")
    if session_id:
        return session_csrf_token(session_id)
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    token: str = session["csrf"]
    return token


def _check_csrf(expected: str) -> None:
    sent = request.form.get(CSRF_FIELD, "")
    if not expected or not sent or not hmac.compare_digest(sent, expected):
        abort(400, description="The form was out of date or not sent from this service. Go back, reload the "
                               "page and try again.")


def cookies_secure() -> bool:
    return request.is_secure or bool(current_app.config.get("SOSFLOW_SECURE_COOKIES"))


def set_session_cookie(response: Response, session_id: str) -> Response:
    max_age = int(session_policy(current_app.config).absolute.total_seconds())
    response.set_cookie(SESSION_COOKIE, session_id, max_age=max_age, path="/", httponly=True, samesite="Lax",
                        secure=cookies_secure())
    return response


def clear_session_cookie(response: Response) -> Response:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Lax", secure=cookies_secure())
    return response


class PreSignInCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, used only before sign-in (form token, OIDC state): Secure whenever ours is."""

    def get_cookie_secure(self, app: object) -> bool:
        return cookies_secure()
