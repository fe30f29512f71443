"""Local user accounts, their groups and passwords (argon2), and users provisioned by an identity provider.

API tokens live in `engine/tokens.py` (re-exported here for callers that manage accounts).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.access import Actor
from engine.db import Database
from engine.errors import InvalidInput, NotFound
from engine.models import Group, Membership, User
from engine.tokens import actor_for_token, actor_for_user, issue_token
from engine.unit_of_work import UnitOfWork, unit_of_work

__all__ = [
    "Account", "actor_for_token", "check_password", "create_user", "issue_token", "set_password", "user_exists",
]

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
# Verified against when the username is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password of anyone")
MIN_PASSWORD_LENGTH = 12


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Change the argon2 parameters (the test suite uses argon2's cheapest profile); old hashes still verify
    and are upgraded at their next sign-in."""
    global _HASHER, _DUMMY_HASH
    _HASHER, _DUMMY_HASH = hasher, hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class Account:
    """A signed-in person: their user id, how they are shown, and the actor they act as."""

    user_id: str
    display_name: str
    actor: Actor


def create_user(
    db: Database, username: str, groups: Iterable[str], now: datetime, *, display_name: str | None = None,
    password: str | None = None, actor: str = "system", email: str | None = None,
) -> None:
    """Create a user in the given groups; every group must already exist. `email`: where notifications go."""
    wanted = sorted(set(groups))
    if password is not None:
        _check_strength(password)
    with unit_of_work(db, now) as uow:
        session = uow.session
        if session.scalar(select(User.id).where(User.username == username)):
            raise InvalidInput(f"user {username} already exists")
        _require_groups(session, wanted)
        user = User(username=username, display_name=display_name or username, created_at=now, email=email,
                    password_hash=_HASHER.hash(password) if password else None)
        session.add(user)
        session.flush()
        session.add_all(Membership(user_id=user.id, group_name=g) for g in wanted)
        uow.record("user_created", actor=actor, payload={"username": username, "groups": wanted})


def _require_groups(session: Session, wanted: list[str]) -> None:
    known = set(session.scalars(select(Group.name).where(Group.name.in_(wanted))))
    unknown = [g for g in wanted if g not in known]
    if unknown:
        raise InvalidInput(f"unknown group(s): {', '.join(unknown)}")


def _check_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def set_password(db: Database, username: str, password: str, now: datetime, actor: str = "system") -> None:
    """Replace a user's password (argon2id hash); the password itself is never stored or audited."""
    _check_strength(password)
    with unit_of_work(db, now) as uow:
        user = uow.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"no user {username}")
        user.password_hash = _HASHER.hash(password)
        uow.record("password_set", actor=actor, payload={"username": username})


def check_password(db: Database, username: str, password: str, now: datetime) -> Account | None:
    """The active account whose password this is, or None; an outdated hash is upgraded on success."""
    with db.reading() as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        stored = user.password_hash if user is not None else None
        if not _verifies(stored or _DUMMY_HASH, password) or user is None or stored is None:
            return None
        account = Account(user.id, user.display_name, actor_for_user(session, user.id, user.username))
    if _HASHER.check_needs_rehash(stored):
        with unit_of_work(db, now) as uow:
            uow.session.get_one(User, account.user_id).password_hash = _HASHER.hash(password)
    return account


def _verifies(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def account_by_id(session: Session, user_id: str) -> Account | None:
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    return Account(user.id, user.display_name, actor_for_user(session, user.id, user.username))


def user_exists(db: Database, username: str) -> bool:
    with db.reading() as session:
        return session.scalar(select(User.id).where(User.username == username)) is not None


@dataclass(frozen=True)
class ExternalIdentity:
    """Who an identity provider says signed in: its subject, a username, a name, and our groups for them."""

    subject: str
    username: str
    display_name: str
    groups: frozenset[str]


def provision_external_user(uow: UnitOfWork, identity: ExternalIdentity) -> str:
    """Create or update the user an identity provider vouched for, with exactly the mapped groups; its id.

    A user is found by the provider's subject; an existing local user of the same name not yet linked
    is linked; a name already linked to another subject is refused.
    """
    session = uow.session
    wanted = sorted(identity.groups)
    _require_groups(session, wanted)
    user = session.scalar(select(User).where(User.oidc_subject == identity.subject))
    user = user or _link_by_username(uow, identity)
    if not user.active:
        raise NotFound(f"no active user {identity.username}")
    user.display_name = identity.display_name
    current = set(session.scalars(select(Membership.group_name).where(Membership.user_id == user.id)))
    if current != set(wanted):
        session.execute(delete(Membership).where(Membership.user_id == user.id))
        session.add_all(Membership(user_id=user.id, group_name=g) for g in wanted)
        uow.record("user_groups_updated", actor="identity-provider",
                   payload={"username": user.username, "groups": wanted, "previous": sorted(current)})
    return user.id


def _link_by_username(uow: UnitOfWork, identity: ExternalIdentity) -> User:
    user = uow.session.scalar(select(User).where(User.username == identity.username))
    if user is None:
        user = User(username=identity.username, display_name=identity.display_name, created_at=uow.now)
        uow.session.add(user)
        uow.record("user_created", actor="identity-provider",
                   payload={"username": identity.username, "subject": identity.subject})
    elif user.oidc_subject not in (None, identity.subject):
        raise InvalidInput(f"user {identity.username} is linked to another identity-provider account")
    user.oidc_subject = identity.subject
    uow.session.flush()
    return user
