"""Server-side sessions for the web pages: started at sign-in, ended at sign-out or by time-outs.

The browser's cookie holds only a random session id; the table keeps its SHA-256, so a copy of the
database opens no session. A session ends when it has been idle too long, when it reaches its absolute
lifetime, when it is revoked (sign-out), or when its user is deactivated.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from engine.accounts import Account, ExternalIdentity, account_by_id, check_password, provision_external_user
from engine.db import Database
from engine.models import WebSession
from engine.unit_of_work import UnitOfWork, unit_of_work

# last_seen_at is written at most this often, so reading pages is not a write per request.
TOUCH_EVERY = timedelta(seconds=60)
MAX_USERNAME_IN_AUDIT = 100


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session may sit unused, and how long it may last at all."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=8)


@dataclass(frozen=True)
class SignedIn:
    """A live session: the raw id (for the cookie only) and the account it belongs to."""

    session_id: str
    account: Account


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _start(uow: UnitOfWork, account_user_id: str, username: str, method: str, client: dict[str, Any]) -> str:
    session_id = secrets.token_urlsafe(32)
    uow.session.add(WebSession(id_sha256=_digest(session_id), user_id=account_user_id, method=method,
                               created_at=uow.now, last_seen_at=uow.now))
    uow.record("signed_in", actor=username, payload={"method": method, **client})
    return session_id


def sign_in_with_password(db: Database, username: str, password: str, now: datetime,
                          client: dict[str, Any]) -> SignedIn | None:
    """Check the password and start a session; a failure is audited (with the username tried, never the password)."""
    account = check_password(db, username, password, now)
    if account is None:
        record_failed_sign_in(db, username, now, client, "wrong username or password")
        return None
    with unit_of_work(db, now) as uow:
        session_id = _start(uow, account.user_id, account.actor.username, "password", client)
    return SignedIn(session_id, account)


def sign_in_external(db: Database, identity: ExternalIdentity, now: datetime, client: dict[str, Any]) -> SignedIn:
    """Provision the user an identity provider vouched for (groups from its mapping) and start a session."""
    with unit_of_work(db, now) as uow:
        user_id = provision_external_user(uow, identity)
        session_id = _start(uow, user_id, identity.username, "oidc", client)
    with db.reading() as session:
        account = account_by_id(session, user_id)
    assert account is not None  # provisioned active in the transaction above
    return SignedIn(session_id, account)


def record_failed_sign_in(db: Database, username: str, now: datetime, client: dict[str, Any], reason: str) -> None:
    with unit_of_work(db, now) as uow:
        uow.record("sign_in_failed", actor="anonymous",
                   payload={"username": username[:MAX_USERNAME_IN_AUDIT], "reason": reason, **client})


def resume_session(db: Database, session_id: str, now: datetime, policy: SessionPolicy) -> Account | None:
    """The account of a live session (touching its last use), or None if unknown, ended or timed out."""
    with db.reading() as session:
        row = session.get(WebSession, _digest(session_id))
        if row is None or not _live(row, now, policy):
            return None
        account = account_by_id(session, row.user_id)
        stale = now - row.last_seen_at >= TOUCH_EVERY
    if account is not None and stale:
        with unit_of_work(db, now) as uow:
            uow.session.get_one(WebSession, _digest(session_id)).last_seen_at = now
    return account


def _live(row: WebSession, now: datetime, policy: SessionPolicy) -> bool:
    return (row.revoked_at is None and now - row.last_seen_at < policy.idle
            and now - row.created_at < policy.absolute)


def end_session(db: Database, session_id: str, now: datetime) -> bool:
    """Sign out: the session is revoked server-side, so its cookie opens nothing any more."""
    with unit_of_work(db, now) as uow:
        row = uow.session.scalar(select(WebSession).where(WebSession.id_sha256 == _digest(session_id),
                                                          WebSession.revoked_at.is_(None)))
        if row is None:
            return False
        row.revoked_at = now
        account = account_by_id(uow.session, row.user_id)
        uow.record("signed_out", actor=account.actor.username if account else "unknown", payload={})
    return True
