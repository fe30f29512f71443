"""`sosflow users …`, `sosflow tokens …` and `sosflow demo-users`: accounts, passwords and API tokens."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from engine import accounts
from engine import tokens as api_tokens
from engine.access import Role
from engine.db import Database
from engine.errors import EngineError
from engine.queries.definitions import lane_groups

DEMO_TOKENS = Path("instance") / "demo-tokens.txt"
CLI_ACTOR = "sosflow-cli"
DEMO_TOKEN_NAME = "demo"


def _now() -> datetime:
    return datetime.now(UTC)


def _db() -> Database:
    return Database.from_url()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("username")
@click.option("--group", "-g", "groups", multiple=True, required=True, help="a group (lane) name; repeatable")
@click.option("--display-name", default=None)
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
@click.option("--prompt-password", is_flag=True, help="ask for the password (not needed with OIDC sign-in)")
@click.option("--email", default=None, help="where deadline notifications are e-mailed")
def create_user_command(username: str, groups: tuple[str, ...], display_name: str | None, password_stdin: bool,
                        prompt_password: bool, email: str | None) -> None:
    """Create USERNAME in the given groups, with a password for signing in to the pages."""
    password = _read_password(password_stdin) if password_stdin or prompt_password else None
    try:
        accounts.create_user(_db(), username, groups, _now(), display_name=display_name, password=password,
                             actor=CLI_ACTOR, email=email)
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created {username} in {', '.join(sorted(groups))}")


@users.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
def set_password_command(username: str, password_stdin: bool) -> None:
    """Set USERNAME's password (asked for, or read from stdin)."""
    try:
        accounts.set_password(_db(), username, _read_password(password_stdin), _now(), actor=CLI_ACTOR)
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"password set for {username}")


@click.group()
def tokens() -> None:
    """Manage API tokens."""


def _default_days() -> int:
    return int(os.environ.get("SOSFLOW_TOKEN_DAYS", api_tokens.DEFAULT_TOKEN_DAYS))


@tokens.command("create")
@click.argument("username")
@click.option("--name", default="api", help="what the token is for")
@click.option("--expires-days", type=click.IntRange(min=1), default=None,
              help="lifetime in days (default SOSFLOW_TOKEN_DAYS, or 90)")
def create_token_command(username: str, name: str, expires_days: int | None) -> None:
    """Issue a new API token for USERNAME and print it (it is shown only once)."""
    now = _now()
    expires_at = now + timedelta(days=expires_days or _default_days())
    try:
        click.echo(api_tokens.issue_token(_db(), username, now, CLI_ACTOR, name=name, expires_at=expires_at))
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc


@tokens.command("list")
@click.argument("username", required=False)
def list_tokens_command(username: str | None) -> None:
    """List tokens (every user's, or USERNAME's): id, user, name, created, expires, state. Never the secret."""
    now = _now()
    with _db().reading() as session:
        for t in api_tokens.list_tokens(session, username):
            click.echo(f"{t.id}  {t.username}  {t.name}  {t.created_at:%Y-%m-%d}  {t.expires_at:%Y-%m-%d}  "
                       f"{t.state(now)}")


@tokens.command("revoke")
@click.argument("token_id")
def revoke_token_command(token_id: str) -> None:
    """Revoke the token TOKEN_ID (from `sosflow tokens list`); it answers 401 from then on."""
    try:
        token = api_tokens.revoke_token(_db(), token_id, _now(), CLI_ACTOR)
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"revoked token {token.id} of {token.username}")


@dataclass(frozen=True)
class DemoLine:
    """One line of instance/demo-tokens.txt: `username group token password`."""

    username: str
    group: str
    token: str
    password: str

    def __str__(self) -> str:
        return f"{self.username} {self.group} {self.token} {self.password}"


def read_demo_file(path: Path) -> dict[str, DemoLine]:
    if not path.exists():
        return {}
    lines = (line.split() for line in path.read_text().splitlines())
    return {p[0]: DemoLine(p[0], p[1], p[2], p[3] if len(p) > 3 else "") for p in lines if len(p) >= 3}


def ensure_demo_users(db: Database, path: Path, now: datetime) -> list[DemoLine]:
    """A demo user per lane group and role, reusing the tokens and passwords in `path`.

    A token still valid is kept; otherwise a new one is issued and every other token of that user is
    revoked, so restarts never pile up valid tokens.
    """
    with db.reading() as session:
        groups = sorted(lane_groups(session) | {role.value for role in Role})
    known = read_demo_file(path)
    lines = [_demo_user(db, f"demo_{group}", group, known.get(f"demo_{group}"), now) for group in groups]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))
    path.chmod(0o600)
    return lines


def _demo_user(db: Database, username: str, group: str, known: DemoLine | None, now: datetime) -> DemoLine:
    if not accounts.user_exists(db, username):
        accounts.create_user(db, username, [group], now, actor=CLI_ACTOR)
    token = known.token if known else ""
    actor = api_tokens.actor_for_token(db, token, now) if token else None
    if actor is None or actor.username != username:
        token = api_tokens.issue_token(db, username, now, CLI_ACTOR, name=DEMO_TOKEN_NAME)
    api_tokens.revoke_other_tokens(db, username, now, CLI_ACTOR, keep=token)
    password = known.password if known else ""
    if not password or accounts.check_password(db, username, password, now) is None:
        password = secrets.token_urlsafe(12)
        accounts.set_password(db, username, password, now, actor=CLI_ACTOR)
    return DemoLine(username, group, token, password)


@click.command("demo-users")
def demo_users_command() -> None:
    """Create a demo user for every lane group and role; tokens and passwords in instance/demo-tokens.txt."""
    lines = ensure_demo_users(_db(), DEMO_TOKENS, _now())
    click.echo(f"{len(lines)} demo users; tokens and passwords in {DEMO_TOKENS}")
