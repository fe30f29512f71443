"""Passwords: argon2id hashes only, upgraded when the parameters change, and a miss that reveals nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import select

from engine import accounts
from engine.db import Database
from engine.errors import InvalidInput
from engine.models import User
from tests.conftest import Clock

PASSWORD = "correct horse battery staple"


@pytest.fixture
def stronger_hashing() -> Iterator[PasswordHasher]:
    stronger = PasswordHasher.from_parameters(profiles.CHEAPEST)
    stronger = PasswordHasher(time_cost=stronger.time_cost + 1, memory_cost=stronger.memory_cost,
                              parallelism=stronger.parallelism)
    yield stronger
    accounts.use_password_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))


def _hash(db: Database, username: str) -> str | None:
    with db.reading() as session:
        return session.scalar(select(User.password_hash).where(User.username == username))


def test_a_password_is_kept_only_as_an_argon2id_hash(db: Database, clock: Clock) -> None:
    accounts.create_user(db, "sam", ["mash_screener"], clock(), password=PASSWORD)
    stored = _hash(db, "sam")
    assert stored and stored.startswith("$argon2id$") and PASSWORD not in stored
    account = accounts.check_password(db, "sam", PASSWORD, clock())
    assert account and account.actor.groups == {"mash_screener"}
    assert accounts.check_password(db, "sam", PASSWORD + "x", clock()) is None
    assert accounts.check_password(db, "nobody", PASSWORD, clock()) is None


def test_an_outdated_hash_is_upgraded_at_the_next_successful_sign_in(db: Database, clock: Clock,
                                                                     stronger_hashing: PasswordHasher) -> None:
    accounts.create_user(db, "sam", ["mash_screener"], clock(), password=PASSWORD)
    old = _hash(db, "sam")
    accounts.use_password_hasher(stronger_hashing)
    assert accounts.check_password(db, "sam", PASSWORD, clock()) is not None
    new = _hash(db, "sam")
    assert new != old and new and not stronger_hashing.check_needs_rehash(new)


def test_a_user_without_a_password_cannot_sign_in_with_one(db: Database, clock: Clock) -> None:
    accounts.create_user(db, "sam", ["mash_screener"], clock())
    assert accounts.check_password(db, "sam", "", clock()) is None
    assert accounts.check_password(db, "sam", PASSWORD, clock()) is None


def test_a_short_password_is_refused(db: Database, clock: Clock) -> None:
    with pytest.raises(InvalidInput):
        accounts.create_user(db, "sam", ["mash_screener"], clock(), password="short")
