"""API bearer tokens: issued with a name and an expiry, stored only as their SHA-256, listed and revoked.

Tokens are 256-bit random strings, so a fast hash is enough (no password-style slow hash needed); the
secret itself is shown once, when issued, and never stored or listed.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.access import Actor
from engine.db import Database
from engine.errors import InvalidInput, NotFound
from engine.models import ApiToken, Membership, User
from engine.unit_of_work import unit_of_work

DEFAULT_TOKEN_DAYS = 90


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never its secret."""

    id: str
    username: str
    name: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= now else "valid"


def issue_token(db: Database, username: str, now: datetime, actor: str = "system", *, name: str = "api",
                expires_at: datetime | None = None) -> str:
    """A new bearer token for the user (default lifetime 90 days); only its digest is stored, so show it once."""
    expires_at = expires_at or now + timedelta(days=DEFAULT_TOKEN_DAYS)
    if expires_at <= now:
        raise InvalidInput("a token must expire in the future")
    token = secrets.token_urlsafe(32)
    with unit_of_work(db, now) as uow:
        user_id = uow.session.scalar(select(User.id).where(User.username == username, User.active.is_(True)))
        if user_id is None:
            raise NotFound(f"no active user {username}")
        row = ApiToken(user_id=user_id, token_sha256=token_digest(token), name=name, created_at=now,
                       expires_at=expires_at)
        uow.session.add(row)
        uow.session.flush()
        uow.record("token_issued", actor=actor, payload={"username": username, "token_id": row.id, "name": name,
                                                         "expires_at": expires_at.isoformat()})
    return token


def actor_for_token(db: Database, token: str, now: datetime) -> Actor | None:
    """The actor a bearer token belongs to, or None for an unknown, expired, revoked or inactive one."""
    with db.reading() as session:
        row = session.execute(
            select(User.id, User.username)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_sha256 == token_digest(token), ApiToken.revoked_at.is_(None),
                   ApiToken.expires_at > now, User.active.is_(True))
        ).first()
        return None if row is None else actor_for_user(session, row.id, row.username)


def actor_for_user(session: Session, user_id: str, username: str) -> Actor:
    groups = session.scalars(select(Membership.group_name).where(Membership.user_id == user_id))
    return Actor(username, frozenset(groups))


def list_tokens(session: Session, username: str | None = None) -> list[TokenInfo]:
    """Tokens, newest first: every user's, or one user's."""
    query = (select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
             .order_by(ApiToken.created_at.desc(), ApiToken.id))
    if username is not None:
        query = query.where(User.username == username)
    return [TokenInfo(t.id, name, t.name, t.created_at, t.expires_at, t.revoked_at)
            for t, name in session.execute(query)]


def revoke_token(db: Database, token_id: str, now: datetime, actor: str, *, owner: str | None = None) -> TokenInfo:
    """Revoke a token (idempotent). With `owner`, only that user's token: anyone else's is NotFound."""
    with unit_of_work(db, now) as uow:
        found = uow.session.execute(
            select(ApiToken, User.username).join(User, User.id == ApiToken.user_id).where(ApiToken.id == token_id)
        ).first()
        if found is None or (owner is not None and found[1] != owner):
            raise NotFound("token not found")
        token, username = found
        if token.revoked_at is None:
            token.revoked_at = now
            uow.record("token_revoked", actor=actor, payload={"username": username, "token_id": token.id})
        return TokenInfo(token.id, username, token.name, token.created_at, token.expires_at, token.revoked_at)


def revoke_other_tokens(db: Database, username: str, now: datetime, actor: str, *, keep: str | None = None) -> int:
    """Revoke every live token of a user but the one whose secret is `keep`; how many were revoked."""
    with db.reading() as session:
        kept = session.scalar(select(ApiToken.id).where(ApiToken.token_sha256 == token_digest(keep))) if keep else None
        ids = [t.id for t in list_tokens(session, username) if t.revoked_at is None and t.id != kept]
    for token_id in ids:
        revoke_token(db, token_id, now, actor)
    return len(ids)
