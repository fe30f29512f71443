"""`sosflow users`, `sosflow tokens` and `sosflow demo-users` on the test database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from api.cli import cli
from api.cli_accounts import ensure_demo_users, read_demo_file
from engine import accounts, tokens
from engine.db import Database
from engine.models import User
from tests.conftest import Clock
from tests.factories import deploy

PASSWORD = "a long enough password"


@pytest.fixture
def sosflow(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `sosflow ARGS` against the test database, from an empty working directory."""
    monkeypatch.setenv("SOSFLOW_DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.chdir(tmp_path)

    def run(*args: str, input: str | None = None, expected: int = 0) -> Result:
        result = CliRunner().invoke(cli, list(args), input=input)
        assert result.exit_code == expected, result.output
        return result

    return run


def _valid_tokens(db: Database, clock: Clock) -> int:
    with db.reading() as session:
        return sum(t.state(clock()) == "valid" for t in tokens.list_tokens(session))


def test_users_create_reads_the_password_from_stdin_and_stores_only_an_argon2id_hash(sosflow, db: Database,
                                                                                    clock: Clock) -> None:
    sosflow("users", "create", "sam", "-g", "mash_screener", "--password-stdin", input=PASSWORD + "\n")
    with db.reading() as session:
        stored = session.scalars(select(User.password_hash).where(User.username == "sam")).one()
    assert stored and stored.startswith("$argon2id$") and PASSWORD not in stored
    assert accounts.check_password(db, "sam", PASSWORD, clock()) is not None


def test_users_set_password_prompts_twice_and_replaces_the_password(sosflow, db: Database, clock: Clock) -> None:
    sosflow("users", "create", "sam", "-g", "mash_screener")
    assert accounts.check_password(db, "sam", PASSWORD, clock()) is None
    sosflow("users", "set-password", "sam", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert accounts.check_password(db, "sam", PASSWORD, clock()) is not None


def test_a_short_password_is_refused(sosflow) -> None:
    result = sosflow("users", "create", "sam", "-g", "mash_screener", "--password-stdin", input="short\n", expected=1)
    assert "at least 12 characters" in result.output


def test_tokens_create_list_and_revoke(sosflow, db: Database, clock: Clock) -> None:
    sosflow("users", "create", "sam", "-g", "mash_screener")
    secret = sosflow("tokens", "create", "sam", "--name", "laptop", "--expires-days", "7").output.strip()
    listed = sosflow("tokens", "list", "sam").output
    assert "laptop" in listed and "valid" in listed and secret not in listed
    token_id = listed.split()[0]
    assert tokens.actor_for_token(db, secret, clock()) is not None
    assert "revoked token" in sosflow("tokens", "revoke", token_id).output
    assert tokens.actor_for_token(db, secret, clock()) is None
    assert "revoked" in sosflow("tokens", "list").output
    sosflow("tokens", "revoke", "no-such-id", expected=1)


def test_demo_users_run_twice_reuses_their_tokens_and_passwords(db: Database, clock: Clock, tmp_path: Path) -> None:
    deploy(db, name="mash_screening.bpmn", now=clock())
    path = tmp_path / "demo-tokens.txt"
    first = ensure_demo_users(db, path, clock())
    valid = _valid_tokens(db, clock)
    assert valid == len(first) >= 5
    second = ensure_demo_users(db, path, clock())
    assert second == first
    assert _valid_tokens(db, clock) == valid
    line = first[0]
    assert accounts.check_password(db, line.username, line.password, clock()) is not None
    assert tokens.actor_for_token(db, line.token, clock()) is not None


def test_demo_users_replace_an_expired_or_lost_token_and_revoke_the_rest(db: Database, clock: Clock,
                                                                         tmp_path: Path) -> None:
    path = tmp_path / "demo-tokens.txt"
    first = ensure_demo_users(db, path, clock())
    path.unlink()  # the file is lost: the tokens in it cannot be reused
    second = ensure_demo_users(db, path, clock())
    assert {line.token for line in first}.isdisjoint({line.token for line in second})
    assert _valid_tokens(db, clock) == len(second)
    clock.advance(days=91)
    third = ensure_demo_users(db, path, clock())
    assert all(tokens.actor_for_token(db, line.token, clock()) for line in third)
    assert _valid_tokens(db, clock) == len(third)
    assert set(read_demo_file(path)) == {line.username for line in third}


def test_the_demo_users_command_writes_username_group_token_password(sosflow) -> None:
    assert "demo users" in sosflow("demo-users").output
    lines = Path("instance/demo-tokens.txt").read_text().splitlines()
    assert all(len(line.split()) == 4 for line in lines)
    assert {line.split()[1] for line in lines} >= {"auditor", "process_owner"}
