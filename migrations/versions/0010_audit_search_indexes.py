"""audit search: indexes on (actor, seq) and (action, seq) so an auditor's search by person or action reads
one index range, newest first

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 00:40:00
"""

from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_audit_actor_seq', 'audit_event', ['actor', 'seq'], unique=False)
    op.create_index('ix_audit_action_seq', 'audit_event', ['action', 'seq'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_action_seq', table_name='audit_event')
    op.drop_index('ix_audit_actor_seq', table_name='audit_event')
