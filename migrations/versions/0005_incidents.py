"""incidents, and the administrator group

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:00:00.000000
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
ADMINISTRATOR = {"name": "administrator", "title": "Administrator (incidents and operations)"}


def upgrade() -> None:
    op.create_table('incident',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('instance_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('process_key', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('element_id', sa.String(length=200), nullable=True),
    sa.Column('error_type', sa.String(length=100), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('details', JSON, nullable=False),
    sa.Column('retry', JSON, nullable=False),
    sa.Column('opened_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('last_tried_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', engine.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_incident_instance_status', ['instance_id', 'status'], unique=False)
        batch_op.create_index('ix_incident_status_opened', ['status', 'opened_at', 'id'], unique=False)
    groups = sa.table("user_group", sa.column("name", sa.String), sa.column("title", sa.String))
    op.bulk_insert(groups, [ADMINISTRATOR])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM membership WHERE group_name = 'administrator'"))
    op.execute(sa.text("DELETE FROM user_group WHERE name = 'administrator'"))
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_status_opened')
        batch_op.drop_index('ix_incident_instance_status')
        batch_op.drop_index(batch_op.f('ix_incident_case_id'))
    op.drop_table('incident')
