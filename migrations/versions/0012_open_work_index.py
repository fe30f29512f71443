"""open work: a partial index of ready tasks by (lane, process, step) holding every column the managers' open-work
counts read, so the dashboard counts group the index in order without touching the table

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

READY = sa.text("status = 'ready'")
COLUMNS = ['candidate_group', 'process_key', 'element_id', 'sort_due', 'warn_at', 'case_id', 'name', 'status']


def upgrade() -> None:
    op.create_index('ix_human_task_open_work', 'human_task', COLUMNS, unique=False, sqlite_where=READY,
                    postgresql_where=READY)


def downgrade() -> None:
    op.drop_index('ix_human_task_open_work', table_name='human_task')
