"""form drafts: a page's unsent answers per person and task (or new referral)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.models

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('form_draft',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=200), nullable=False),
    sa.Column('draft_key', sa.String(length=80), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=True),
    sa.Column('form_key', sa.String(length=100), nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.Column('saved_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username', 'draft_key', name='uq_form_draft_owner')
    )
    with op.batch_alter_table('form_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_form_draft_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('form_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_form_draft_case_id'))
    op.drop_table('form_draft')
