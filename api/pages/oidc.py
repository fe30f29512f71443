"""Sign-in through an OpenID Connect identity provider (authorization code flow with PKCE, state and nonce).

Configured by `SOSFLOW_OIDC_*` (see README). The provider's groups claim is mapped to our groups by
`SOSFLOW_OIDC_GROUP_MAP`; a person with no mapped group is not signed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, url_for
from flask.typing import ResponseReturnValue

from api.settings import oidc_enabled
from engine.accounts import ExternalIdentity
from engine.errors import Unauthenticated

CLIENT_NAME = "identity_provider"


def init_oidc(app: Flask) -> None:
    if not oidc_enabled(app.config):
        return
    oauth = OAuth(app)
    issuer = app.config["SOSFLOW_OIDC_ISSUER"].rstrip("/")
    oauth.register(
        CLIENT_NAME,
        client_id=app.config["SOSFLOW_OIDC_CLIENT_ID"],
        client_secret=app.config["SOSFLOW_OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256"},
    )
    app.extensions["sosflow_oidc"] = oauth


def _client() -> Any:
    return current_app.extensions["sosflow_oidc"].create_client(CLIENT_NAME)


def begin_sign_in() -> ResponseReturnValue:
    """Redirect to the provider; authlib keeps state, nonce and the PKCE verifier in the signed cookie."""
    response: ResponseReturnValue = _client().authorize_redirect(url_for("sign_in.callback", _external=True))
    return response


def finish_sign_in() -> ExternalIdentity:
    """Exchange the code and validate the ID token (signature from the JWKS, issuer, audience, nonce, expiry)."""
    try:
        token = _client().authorize_access_token()
    except OAuthError as exc:
        raise Unauthenticated(f"the identity provider did not sign you in: {exc.description or exc.error}") from exc
    claims = token.get("userinfo") or {}
    return identity_from_claims(claims, current_app.config)


def identity_from_claims(claims: Mapping[str, Any], config: Mapping[str, Any]) -> ExternalIdentity:
    """Who the ID token names, with the provider's groups mapped to ours (unmapped ones ignored)."""
    username = str(claims.get(config["SOSFLOW_OIDC_USERNAME_CLAIM"]) or claims.get("email") or "")
    if not username or not claims.get("sub"):
        raise Unauthenticated("the identity provider sent no username")
    provided = claims.get(config["SOSFLOW_OIDC_GROUPS_CLAIM"]) or []
    mapping: Mapping[str, Any] = config["SOSFLOW_OIDC_GROUP_MAP"]
    groups = frozenset(_mapped(provided if isinstance(provided, list) else [provided], mapping))
    if not groups:
        raise Unauthenticated(f"{username} is in no group that sosflow knows; ask an administrator",
                              {"username": username})
    return ExternalIdentity(subject=f"{claims['iss']}|{claims['sub']}", username=username,
                            display_name=str(claims.get("name") or username), groups=groups)


def _mapped(provided: list[Any], mapping: Mapping[str, Any]) -> list[str]:
    ours: list[str] = []
    for group in provided:
        target = mapping.get(str(group))
        ours += [target] if isinstance(target, str) else list(target or [])
    return ours
