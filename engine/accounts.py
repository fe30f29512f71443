"""Local user accounts, their groups and API tokens (argon2 for passwords, SHA-256 for tokens)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from argon2 import PasswordHasher
from sqlalchemy import select

from engine.access import Actor
from engine.db import Database
from engine.errors import InvalidInput, NotFound
from engine.models import ApiToken, Group, Membership, User
from engine.unit_of_work import unit_of_work

_HASHER = PasswordHasher()


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(
    db: Database, username: str, groups: Iterable[str], now: datetime, *, display_name: str | None = None,
    password: str | None = None, actor: str = "system",
) -> None:
    """Create a user in the given groups; every group must already exist."""
    wanted = sorted(set(groups))
    with unit_of_work(db, now) as uow:
        session = uow.session
        if session.scalar(select(User.id).where(User.username == username)):
            raise InvalidInput(f"user {username} already exists")
        known = set(session.scalars(select(Group.name).where(Group.name.in_(wanted))))
        unknown = [g for g in wanted if g not in known]
        if unknown:
            raise InvalidInput(f"unknown group(s): {', '.join(unknown)}")
        user = User(username=username, display_name=display_name or username, created_at=now,
                    password_hash=_HASHER.hash(password) if password else None)
        session.add(user)
        session.flush()
        session.add_all(Membership(user_id=user.id, group_name=g) for g in wanted)
        uow.record("user_created", actor=actor, payload={"username": username, "groups": wanted})


def issue_token(db: Database, username: str, now: datetime, actor: str = "system") -> str:
    """A new bearer token for the user; only its digest is stored, so show it once."""
    token = secrets.token_urlsafe(32)
    with unit_of_work(db, now) as uow:
        session = uow.session
        user_id = session.scalar(select(User.id).where(User.username == username, User.active.is_(True)))
        if user_id is None:
            raise NotFound(f"no active user {username}")
        session.add(ApiToken(user_id=user_id, token_sha256=_token_digest(token), created_at=now))
        uow.record("token_issued", actor=actor, payload={"username": username})
    return token


def actor_for_token(db: Database, token: str) -> Actor | None:
    """The actor a bearer token belongs to, or None for an unknown, revoked or inactive one."""
    with db.reading() as session:
        row = session.execute(
            select(User.id, User.username)
            .join(ApiToken, ApiToken.user_id == User.id)
            .where(ApiToken.token_sha256 == _token_digest(token), ApiToken.revoked_at.is_(None),
                   User.active.is_(True))
        ).first()
        if row is None:
            return None
        groups = session.scalars(select(Membership.group_name).where(Membership.user_id == row.id))
        return Actor(row.username, frozenset(groups))


def user_exists(db: Database, username: str) -> bool:
    with db.reading() as session:
        return session.scalar(select(User.id).where(User.username == username)) is not None
