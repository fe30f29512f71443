"""Security settings read from the environment once, at app creation (each can be overridden in `create_app`)."""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from engine.web_sessions import SessionPolicy

log = logging.getLogger(__name__)


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def security_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Flask config keys for sign-in, sessions, tokens, rate limits and OIDC, from `SOSFLOW_*` variables."""
    env = os.environ if env is None else env
    return {
        "SOSFLOW_SECURE_COOKIES": _flag(env.get("SOSFLOW_SECURE_COOKIES")),
        "SOSFLOW_SESSION_IDLE_MINUTES": int(env.get("SOSFLOW_SESSION_IDLE_MINUTES", "30")),
        "SOSFLOW_SESSION_ABSOLUTE_HOURS": float(env.get("SOSFLOW_SESSION_ABSOLUTE_HOURS", "8")),
        "SOSFLOW_TOKEN_DAYS": int(env.get("SOSFLOW_TOKEN_DAYS", "90")),
        "SOSFLOW_SIGNIN_RATE_LIMIT": env.get("SOSFLOW_SIGNIN_RATE_LIMIT", "5 per minute"),
        "SOSFLOW_RATELIMIT_STORAGE_URL": env.get("SOSFLOW_RATELIMIT_STORAGE_URL", "memory://"),
        "SOSFLOW_TRUSTED_PROXIES": int(env.get("SOSFLOW_TRUSTED_PROXIES", "0")),
        "SOSFLOW_OIDC_ISSUER": env.get("SOSFLOW_OIDC_ISSUER", ""),
        "SOSFLOW_OIDC_CLIENT_ID": env.get("SOSFLOW_OIDC_CLIENT_ID", ""),
        "SOSFLOW_OIDC_CLIENT_SECRET": env.get("SOSFLOW_OIDC_CLIENT_SECRET", ""),
        "SOSFLOW_OIDC_GROUPS_CLAIM": env.get("SOSFLOW_OIDC_GROUPS_CLAIM", "groups"),
        "SOSFLOW_OIDC_USERNAME_CLAIM": env.get("SOSFLOW_OIDC_USERNAME_CLAIM", "preferred_username"),
        "SOSFLOW_OIDC_GROUP_MAP": json.loads(env.get("SOSFLOW_OIDC_GROUP_MAP", "{}")),
    }


def secret_key(env: Mapping[str, str] | None = None) -> str:
    """`SOSFLOW_SECRET_KEY`, else a random key for this process only."""
    env = os.environ if env is None else env
    return env.get("SOSFLOW_SECRET_KEY") or _ephemeral_secret()


def _ephemeral_secret() -> str:
    # Signs only short-lived pre-sign-in state (the sign-in form's CSRF token, OIDC state); sessions
    # themselves are server-side. Several processes need one shared key: `sosflow run` sets it.
    log.warning("SOSFLOW_SECRET_KEY is not set: using a random key for this process only")
    return secrets.token_hex(32)


def session_policy(config: Mapping[str, Any]) -> SessionPolicy:
    return SessionPolicy(idle=timedelta(minutes=config["SOSFLOW_SESSION_IDLE_MINUTES"]),
                         absolute=timedelta(hours=config["SOSFLOW_SESSION_ABSOLUTE_HOURS"]))


def oidc_enabled(config: Mapping[str, Any]) -> bool:
    return bool(config.get("SOSFLOW_OIDC_ISSUER"))
