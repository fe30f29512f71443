"""deadlines: indexed non-null due key for lists, waiting-timer partial index, reminders, notifications

`human_task.sort_due` holds `due_at`, or 9999-12-31 when a task has no deadline, so every queue and SLA
list orders by an indexed, non-null key: the (group, status, sort_due, id) indexes serve each page in
order without sorting. The timer sweep reads waiting timers through a partial index, so fired and
cancelled history is never walked. `reminded_at` marks a task's level-0 reminder; `notification` is
each user's in-app list and the e-mail outbox; `user_account.email` is where e-mail goes.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

NO_DEADLINE = "9999-12-31 00:00:00.000000"  # how SQLAlchemy writes it on SQLite
WAITING = sa.text("fired_at IS NULL AND cancelled_at IS NULL")
FIRED = sa.text("fired_at IS NOT NULL")
TO_REMIND = sa.text("status = 'ready' AND reminded_at IS NULL")
OUTBOX = sa.text("email_status = 'pending'")


def upgrade() -> None:
    _human_task_up()
    with op.batch_alter_table('timer', schema=None) as batch_op:
        # (fired_at, fires_at) also indexed the waiting rows (fired_at IS NULL) together with every cancelled one.
        batch_op.drop_index('ix_timer_due')
        batch_op.create_index('ix_timer_fired', ['fired_at', 'fires_at'], unique=False, sqlite_where=FIRED,
                              postgresql_where=FIRED)
        batch_op.create_index('ix_timer_waiting', ['fires_at'], unique=False, sqlite_where=WAITING,
                              postgresql_where=WAITING)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=320), nullable=True))
    _notification_up()


def _human_task_up() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sort_due', engine.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', engine.models.UTCDateTime(timezone=True), nullable=True))
    far = "TIMESTAMPTZ '9999-12-31 00:00:00+00'" if op.get_bind().dialect.name == "postgresql" else f"'{NO_DEADLINE}'"
    op.execute(f"UPDATE human_task SET sort_due = COALESCE(due_at, {far})")
    # Tasks already past their warning time when this runs are not reminded again.
    op.execute("UPDATE human_task SET reminded_at = warn_at WHERE warn_at IS NOT NULL")
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.alter_column('sort_due', existing_type=engine.models.UTCDateTime(timezone=True), nullable=False)
        batch_op.drop_index('ix_human_task_queue')
        batch_op.drop_index('ix_human_task_assignee')
        batch_op.create_index('ix_human_task_queue', ['candidate_group', 'status', 'sort_due', 'id'], unique=False)
        batch_op.create_index('ix_human_task_queue_process',
                              ['candidate_group', 'status', 'process_key', 'sort_due', 'id'], unique=False)
        batch_op.create_index('ix_human_task_assignee', ['assignee', 'status', 'sort_due', 'id'], unique=False)
        batch_op.create_index('ix_human_task_rule', ['process_key', 'element_id', 'completed_at'], unique=False)
        batch_op.create_index('ix_human_task_created', ['created_at'], unique=False)
        batch_op.create_index('ix_human_task_to_remind', ['warn_at'], unique=False, sqlite_where=TO_REMIND,
                              postgresql_where=TO_REMIND)


def _notification_up() -> None:
    op.create_table('notification',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', engine.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('email_to', sa.String(length=320), nullable=True),
    sa.Column('email_status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', engine.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', engine.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', engine.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_notification_user', ['username', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_notification_outbox', ['next_attempt_at'], unique=False, sqlite_where=OUTBOX,
                              postgresql_where=OUTBOX)


def downgrade() -> None:
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index('ix_notification_outbox')
        batch_op.drop_index('ix_notification_user')
        batch_op.drop_index(batch_op.f('ix_notification_case_id'))
    op.drop_table('notification')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email')
    with op.batch_alter_table('timer', schema=None) as batch_op:
        batch_op.drop_index('ix_timer_waiting')
        batch_op.drop_index('ix_timer_fired')
        batch_op.create_index('ix_timer_due', ['fired_at', 'fires_at'], unique=False)
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        for name in ('ix_human_task_to_remind', 'ix_human_task_created', 'ix_human_task_rule',
                     'ix_human_task_assignee', 'ix_human_task_queue_process', 'ix_human_task_queue'):
            batch_op.drop_index(name)
        batch_op.create_index('ix_human_task_queue', ['candidate_group', 'status', 'due_at'], unique=False)
        batch_op.create_index('ix_human_task_assignee', ['assignee', 'status', 'due_at'], unique=False)
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('sort_due')
