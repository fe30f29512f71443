"""immutable audit: payloads apart with digests in the chain, checkpoints, alerts, triggers

The chain used to hash each payload itself; from here it hashes the payload's SHA-256, so retention
can delete a payload from `audit_payload` and the chain still verifies. Existing events are checked
under the old rule first (the migration refuses a broken chain, rather than re-sign a tampered one),
then re-hashed under the new rule. Triggers then refuse UPDATE and DELETE on `audit_event` and
`audit_checkpoint`, and UPDATE on `audit_payload` (retention may delete payloads, never change them).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 09:00:00
"""

import hashlib
from collections.abc import Callable
from datetime import UTC
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
GENESIS = "0" * 64
IMMUTABLE = {"audit_event": ("UPDATE", "DELETE"), "audit_checkpoint": ("UPDATE", "DELETE"),
             "audit_payload": ("UPDATE",)}


def upgrade() -> None:
    op.create_table('audit_payload',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.execute("INSERT INTO audit_payload (seq, payload) SELECT seq, payload FROM audit_event")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload_sha256', sa.String(length=64), nullable=True))
    _rechain(_old_body, _new_body)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('payload')
        batch_op.alter_column('payload_sha256', existing_type=sa.String(length=64), nullable=False)
    op.create_table('audit_checkpoint',
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('seq')
    )
    op.create_table('alert',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('details', JSON, nullable=False),
    sa.Column('raised_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.create_index('ix_alert_raised', ['raised_at', 'id'], unique=False)
    _seed_group("administrator", "Administrator")
    _create_triggers()


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table('alert', schema=None) as batch_op:
        batch_op.drop_index('ix_alert_raised')
    op.drop_table('alert')
    op.drop_table('audit_checkpoint')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', JSON, nullable=True))
    op.execute("UPDATE audit_event SET payload = (SELECT p.payload FROM audit_payload p "
               "WHERE p.seq = audit_event.seq)")
    _rechain(_new_body, _old_body)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('payload_sha256')
    op.drop_table('audit_payload')


def _seed_group(name: str, title: str) -> None:
    groups = sa.table("user_group", sa.column("name", sa.String), sa.column("title", sa.String))
    bind = op.get_bind()
    if bind.execute(sa.select(groups.c.name).where(groups.c.name == name)).first() is None:
        bind.execute(groups.insert().values(name=name, title=title))


# --- re-hashing the chain (frozen copies of the two rules; engine/audit.py may change later) ------

def _canonical(row: Any, **extra: Any) -> dict[str, Any]:
    return {"seq": row.seq, "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"), "actor": row.actor,
            "action": row.action, "case_id": row.case_id, "instance_id": row.instance_id, "task_id": row.task_id,
            **extra}


def _digest(payload: Any) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _old_body(row: Any) -> bytes:
    return orjson.dumps(_canonical(row, payload=row.payload), option=orjson.OPT_SORT_KEYS)


def _new_body(row: Any) -> bytes:
    return orjson.dumps(_canonical(row, payload_sha256=_digest(row.payload)), option=orjson.OPT_SORT_KEYS)


def _hash(prev: str, body: bytes) -> str:
    return hashlib.sha256(prev.encode("ascii") + body).hexdigest()


def _rechain(check: Callable[[Any], bytes], write: Callable[[Any], bytes]) -> None:
    """Verify every event under `check`, then store its hash under `write` (and the digest column)."""
    events = sa.table("audit_event", sa.column("seq", sa.Integer), sa.column("at", engine.models.UTCDateTime()),
                      *(sa.column(c, sa.String) for c in ("actor", "action", "case_id", "instance_id", "task_id",
                                                          "prev_hash", "hash", "payload_sha256")),
                      sa.column("payload", JSON))
    bind = op.get_bind()
    old_prev = new_prev = GENESIS
    for row in bind.execute(sa.select(events).order_by(events.c.seq)).all():
        if row.prev_hash != old_prev or _hash(old_prev, check(row)) != row.hash:
            raise RuntimeError(f"the audit chain is broken at seq {row.seq}: repair it before migrating")
        new_hash = _hash(new_prev, write(row))
        bind.execute(events.update().where(events.c.seq == row.seq).values(
            prev_hash=new_prev, hash=new_hash, payload_sha256=_digest(row.payload)))
        old_prev, new_prev = row.hash, new_hash
    head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("hash", sa.String))
    bind.execute(head.update().where(head.c.id == 1).values(hash=new_prev))


# --- triggers -------------------------------------------------------------------------------------

def _create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
                   "USING ERRCODE = 'insufficient_privilege'; END $$")
        for table, operations in IMMUTABLE.items():
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE {' OR '.join(operations)} ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()")
        return
    for table, operations in IMMUTABLE.items():
        for operation in operations:
            op.execute(f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                       f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END")


def _drop_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in IMMUTABLE:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
        return
    for table, operations in IMMUTABLE.items():
        for operation in operations:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{operation.lower()}")
