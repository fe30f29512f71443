"""The `sosflow` command: database, deployment, audit, timers, and `run` (gunicorn, worker and beat) for everything.

Accounts and tokens (`users`, `tokens`, `demo-users`) are in `api/cli_accounts.py`; the statutory returns
(`returns cin-census`, `returns annex-a`) in `api/cli_returns.py`.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from api.cli_accounts import demo_users_command, tokens, users
from api.cli_returns import returns
from engine import retention as retention_rules
from engine import runtime
from engine.access import Actor, Role
from engine.audit_watch import watch_audit_chain
from engine.db import Database
from engine.errors import EngineError
from engine.migrate import upgrade
from engine.queries.incidents import IncidentFilter, list_incidents

BPMN_DIR = Path(__file__).resolve().parent.parent / "bpmn"
SECRET_KEY_FILE = Path("instance") / "secret-key"
CLI_OWNER = Actor("sosflow-cli", frozenset({Role.PROCESS_OWNER}))
CLI_ADMIN = Actor("sosflow-cli", frozenset({Role.ADMINISTRATOR}))


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


@cli.command("deploy")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def deploy_command(files: tuple[Path, ...]) -> None:
    """Deploy BPMN FILES (default: every diagram in bpmn/) as new versions where changed.

    All of them or none, in one transaction, each hand-off target before the diagrams that hand off
    to it; processes that hand off to each other in a cycle must be deployed in the same run."""
    paths = files or tuple(sorted(BPMN_DIR.glob("*.bpmn")))
    uploads = [runtime.DiagramFile(path.read_bytes(), path.name) for path in paths]
    try:
        deployed = runtime.deploy_definitions(_db(), uploads, CLI_OWNER, _now())
    except EngineError as exc:
        raise click.ClickException(f"{exc.message} {exc.details}") from exc
    for definition, created in deployed:
        click.echo(f"{definition.key} v{definition.version} {'deployed' if created else 'unchanged'}")


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


@cli.group()
def incidents() -> None:
    """Steps no user was waiting on that failed: list them, retry one once its cause is fixed."""


@incidents.command("list")
@click.option("--status", type=click.Choice(["open", "resolved"]), default="open", show_default=True)
@click.option("--process", default=None, help="only incidents of this process")
def list_incidents_command(status: str, process: str | None) -> None:
    """List incidents, oldest first: id, case, process, kind, element, tries and the reason."""
    db, cursor, shown = _db(), None, 0
    while True:
        with db.reading() as session:
            page = list_incidents(session, CLI_ADMIN, IncidentFilter(status, process), 200, cursor)
        for item in page.items:
            click.echo(f"{item['id']}  {item['case_reference']}  {item['process']}  {item['kind']}  "
                       f"{item['element_id'] or '-'}  tries={item['tries']}  {item['error']}: {item['message']}")
        shown, cursor = shown + len(page.items), page.next_cursor
        if cursor is None:
            break
    click.echo(f"{shown} {status} incident(s)")


@incidents.command("retry")
@click.argument("incident_id")
def retry_incident_command(incident_id: str) -> None:
    """Run the failed step of INCIDENT_ID again; exit 1 with the element and reason if it fails again."""
    try:
        incident = runtime.retry_incident(_db(), incident_id, CLI_ADMIN, _now())
    except EngineError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"incident {incident.id} resolved after {incident.tries} tries")


@cli.command("run")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=1, type=int,
              help="gunicorn processes; with more than 1, set SOSFLOW_RATELIMIT_STORAGE_URL so they share counts")
@click.option("--threads", default=8, type=int, help="threads per gunicorn process")
@click.option("--worker/--no-worker", default=True, help="also start a Celery worker with beat")
def run_command(host: str, port: int, workers: int, threads: int, worker: bool) -> None:
    """Migrate, deploy bpmn/, create demo users, start the worker and beat, and serve through gunicorn."""
    ctx = click.get_current_context()
    ctx.invoke(migrate_command)
    ctx.invoke(deploy_command)
    ctx.invoke(demo_users_command)
    env = {**os.environ, "SOSFLOW_SECRET_KEY": _secret_key()}
    # SIGTERM (a service manager stopping us) unwinds like Ctrl-C, so the children are stopped too.
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    children = [_start_worker(env)] if worker else []
    click.echo(f"serving on http://{host}:{port} (sign in at /sign-in, API docs at /api/docs)")
    try:
        children.append(subprocess.Popen(_gunicorn_command(host, port, workers, threads), env=env))
        children[-1].wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in reversed(children):
            child.terminate()
            child.wait(timeout=10)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _gunicorn_command(host: str, port: int, workers: int, threads: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", str(workers),
            "--threads", str(threads), "--access-logfile", "-", "api.wsgi:app"]


def _secret_key() -> str:
    """`SOSFLOW_SECRET_KEY`, else one kept in instance/secret-key, so every process and restart shares it."""
    if os.environ.get("SOSFLOW_SECRET_KEY"):
        return os.environ["SOSFLOW_SECRET_KEY"]
    SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    if not SECRET_KEY_FILE.exists():
        SECRET_KEY_FILE.touch(mode=0o600)
        SECRET_KEY_FILE.write_text(secrets.token_hex(32))
    return SECRET_KEY_FILE.read_text().strip()


def _start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "celery", "-A", "workers.app:celery", "worker", "--beat",
               "--pool=solo", "--loglevel=INFO", "--schedule=instance/celerybeat-schedule"]
    return subprocess.Popen(command, env=env)


cli.add_command(users)
cli.add_command(tokens)
cli.add_command(demo_users_command)
cli.add_command(returns)
