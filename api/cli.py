"""The `sosflow` command: database, users, tokens, deployment, demo set-up, and `run` for everything."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from engine import accounts, runtime
from engine import retention as retention_rules
from engine.access import Actor, Role
from engine.audit_watch import watch_audit_chain
from engine.db import Database
from engine.errors import EngineError
from engine.migrate import upgrade
from engine.queries.definitions import lane_groups

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
DEMO_TOKENS = Path("instance") / "demo-tokens.txt"
CLI_OWNER = Actor("sosflow-cli", frozenset({Role.PROCESS_OWNER}))


def _now() -> datetime:
    return datetime.now(UTC)


def _db() -> Database:
    return Database.from_url()


@click.group()
def cli() -> None:
    """sosflow: safeguarding workflows (MASH, CP conferences, LADO) on SpiffWorkflow."""


@cli.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database schema (Alembic)."""
    upgrade(_db())
    click.echo("database is at the newest schema")


@cli.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("username")
@click.option("--group", "-g", "groups", multiple=True, required=True, help="a group (lane) name; repeatable")
@click.option("--display-name", default=None)
def create_user_command(username: str, groups: tuple[str, ...], display_name: str | None) -> None:
    """Create USERNAME in the given groups."""
    try:
        accounts.create_user(_db(), username, groups, _now(), display_name=display_name, actor="sosflow-cli")
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"created {username} in {', '.join(sorted(groups))}")


@cli.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("username")
def create_token_command(username: str) -> None:
    """Issue a new API token for USERNAME and print it (it is shown only once)."""
    try:
        click.echo(accounts.issue_token(_db(), username, _now(), actor="sosflow-cli"))
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc


@cli.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def deploy_command(files: tuple[Path, ...]) -> None:
    """Deploy BPMN FILES (default: every diagram in bpmn/) as new versions where changed."""
    db = _db()
    for path in files or tuple(sorted(BPMN_DIR.glob("*.bpmn"))):
        try:
            definition, created = runtime.deploy_definition(db, path.read_bytes(), path.name, CLI_OWNER, _now())
        except EngineError as exc:
            raise click.ClickException(f"{path.name}: {exc.message} {exc.details}") from exc
        state = "deployed" if created else "unchanged"
        click.echo(f"{definition.key} v{definition.version} {state}")


@cli.command("demo-users")
def demo_users_command() -> None:
    """Create a demo user for every lane group and role, writing tokens to instance/demo-tokens.txt."""
    db = _db()
    with db.reading() as session:
        groups = sorted(lane_groups(session) | {Role.PROCESS_OWNER.value, Role.AUDITOR.value})
    lines = []
    for group in groups:
        username = f"demo_{group}"
        if not accounts.user_exists(db, username):
            accounts.create_user(db, username, [group], _now(), actor="sosflow-cli")
        lines.append(f"{username} {group} {accounts.issue_token(db, username, _now(), actor='sosflow-cli')}")
    DEMO_TOKENS.parent.mkdir(parents=True, exist_ok=True)
    DEMO_TOKENS.write_text("\n".join(lines) + "\n")
    click.echo(f"{len(lines)} demo users; tokens in {DEMO_TOKENS}")


@cli.group()
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.option("--full", is_flag=True, help="walk the whole chain, not only the events after the newest checkpoint")
def audit_verify_command(full: bool) -> None:
    """Check the audit hash chain and sign checkpoints; exit 1 (and raise an alert) naming the first break."""
    report = watch_audit_chain(_db(), _now(), full=full)
    if not report.intact:
        raise click.ClickException(f"chain broken at seq {report.first_broken_seq}: {report.reason}")
    click.echo(f"audit chain intact ({report.events_checked} events checked after seq {report.from_seq})")


@cli.group()
def retention() -> None:
    """The retention schedule (SOSFLOW_RETENTION)."""


@retention.command("run")
@click.option("--apply", "apply_", is_flag=True, help="remove or anonymise what is listed (default: list only)")
@click.option("--batch-size", default=50, type=click.IntRange(1, 1000), help="cases per transaction")
def retention_run_command(apply_: bool, batch_size: int) -> None:
    """List the cases past their retention date; with --apply, remove or anonymise them, every step audited."""
    db, now = _db(), _now()
    with db.reading() as session:
        due = retention_rules.list_past_retention(session, now)
    for each in due:
        click.echo(f"{each.reference}\t{each.kind}\tkept until {each.kept_until.isoformat()}\t{each.action}")
    click.echo(f"{len(due)} case(s) past retention")
    if not apply_ or not due:
        return
    batches = [due[i:i + batch_size] for i in range(0, len(due), batch_size)]
    with click.progressbar(batches, label="applying retention", item_show_func=_batch_label) as bar:
        for batch in bar:
            retention_rules.apply_retention(db, _now(), batch, actor="sosflow-cli")
    click.echo(f"{len(due)} case(s) removed or anonymised")


def _batch_label(batch: list[retention_rules.RetentionDue] | None) -> str | None:
    return batch[-1].reference if batch else None


@cli.command("fire-timers")
def fire_timers_command() -> None:
    """Fire every timer due now, once (the worker does this every 30 seconds)."""
    click.echo(f"{runtime.fire_due_timers(_db(), _now())} instance(s) advanced")


@cli.command("run")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--worker/--no-worker", default=True, help="also start a Celery worker with beat")
def run_command(host: str, port: int, worker: bool) -> None:
    """Migrate, deploy bpmn/, create demo users, start the worker and serve the API."""
    from api.app import create_app

    ctx = click.get_current_context()
    ctx.invoke(migrate_command)
    ctx.invoke(deploy_command)
    ctx.invoke(demo_users_command)
    process = _start_worker() if worker else None
    try:
        click.echo(f"serving on http://{host}:{port} (API docs at /api/docs)")
        create_app().run(host=host, port=port, threaded=True)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)


def _start_worker() -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "celery", "-A", "workers.app:celery", "worker", "--beat",
               "--pool=solo", "--loglevel=INFO", "--schedule=instance/celerybeat-schedule"]
    return subprocess.Popen(command)
