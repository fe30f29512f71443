"""Bearer-token authentication: the guard (api/permissions.py) runs `authenticate` before every non-public view."""

from __future__ import annotations

from flask import current_app, g, request

from engine.access import Actor
from engine.accounts import actor_for_token
from engine.errors import Unauthenticated


def authenticate() -> None:
    """Resolve `Authorization: Bearer <token>` to `g.actor`, or answer 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an API token as `Authorization: Bearer <token>`")
    actor = actor_for_token(current_app.extensions["sosflow_db"], token.strip())
    if actor is None:
        raise Unauthenticated("the API token is unknown or revoked")
    g.actor = actor


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor
