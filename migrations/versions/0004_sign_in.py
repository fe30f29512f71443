"""sign-in: web sessions, token names and expiry, OIDC subject on users

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 10:00:00
"""

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from engine.models import UTCDateTime

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

TOKEN_DAYS = 90


def upgrade() -> None:
    op.create_table(
        'web_session',
        sa.Column('id_sha256', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=36), nullable=False),
        sa.Column('method', sa.String(length=20), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(), nullable=False),
        sa.Column('revoked_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id']),
        sa.PrimaryKeyConstraint('id_sha256'),
    )
    op.create_index('ix_web_session_user_id', 'web_session', ['user_id'])
    with op.batch_alter_table('api_token') as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=100), nullable=False, server_default='api'))
        batch_op.add_column(sa.Column('expires_at', UTCDateTime(), nullable=True))
    _expire_existing_tokens()
    with op.batch_alter_table('api_token') as batch_op:
        batch_op.alter_column('expires_at', existing_type=UTCDateTime(), nullable=False)
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.add_column(sa.Column('oidc_subject', sa.String(length=300), nullable=True))
        batch_op.create_unique_constraint('uq_user_account_oidc_subject', ['oidc_subject'])


def _expire_existing_tokens() -> None:
    """Tokens issued before expiry existed get the default lifetime, counted from their creation."""
    token = sa.table('api_token', sa.column('id', sa.String), sa.column('created_at', UTCDateTime()),
                     sa.column('expires_at', UTCDateTime()))
    connection = op.get_bind()
    for row in connection.execute(sa.select(token.c.id, token.c.created_at)).all():
        expires_at = row.created_at + timedelta(days=TOKEN_DAYS)
        connection.execute(sa.update(token).where(token.c.id == row.id).values(expires_at=expires_at))


def downgrade() -> None:
    with op.batch_alter_table('user_account') as batch_op:
        batch_op.drop_constraint('uq_user_account_oidc_subject', type_='unique')
        batch_op.drop_column('oidc_subject')
    with op.batch_alter_table('api_token') as batch_op:
        batch_op.drop_column('expires_at')
        batch_op.drop_column('name')
    op.drop_index('ix_web_session_user_id', table_name='web_session')
    op.drop_table('web_session')
