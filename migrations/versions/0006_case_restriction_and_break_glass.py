"""case restriction, break-glass openings, referrals by their maker; every role's group seeded

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:00:00
"""

import sqlalchemy as sa
from alembic import op

import engine.models

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# Frozen here (not imported from engine.access) so the migration means the same thing forever.
ROLE_GROUPS = {
    "referrer": "Referrer (partner agency professional)",
    "mash_business_support": "MASH business support",
    "mash_screener": "MASH screener",
    "mash_partner_police": "MASH partner: police",
    "mash_partner_health": "MASH partner: health",
    "mash_partner_education": "MASH partner: education",
    "mash_partner_other": "MASH partner: other agencies",
    "mash_manager": "MASH team manager",
    "social_worker": "Social worker",
    "team_manager": "Team manager",
    "cp_chair": "Child protection conference chair (IRO)",
    "cp_unit": "Child protection unit",
    "lado": "Local Authority Designated Officer",
    "lado_manager": "LADO manager",
    "service_manager": "Service manager",
    "head_of_service": "Head of service",
    "process_owner": "Process owner",
    "auditor": "Auditor (read-only)",
    "administrator": "Administrator",
}


def upgrade() -> None:
    op.create_table('case_restriction',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('team', sa.String(length=100), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('restricted_by', sa.String(length=100), nullable=False),
    sa.Column('restricted_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.ForeignKeyConstraint(['team'], ['user_group.name'], ),
    sa.PrimaryKeyConstraint('case_id')
    )
    op.create_table('break_glass',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('opened_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engine.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('break_glass', schema=None) as batch_op:
        batch_op.create_index('ix_break_glass_user', ['username', 'expires_at'], unique=False)
        batch_op.create_index('ix_break_glass_opened', ['opened_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_break_glass_case_id'), ['case_id'], unique=False)
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.create_index('ix_case_created_by', ['created_by', 'created_at', 'id'], unique=False)
    _seed_missing_role_groups()


def _seed_missing_role_groups() -> None:
    """Insert if missing: another migration (or an administrator) may have added some already."""
    insert = sa.text(
        "INSERT INTO user_group (name, title) SELECT :name, :title "
        "WHERE NOT EXISTS (SELECT 1 FROM user_group WHERE name = :name)"
    )
    for name, title in ROLE_GROUPS.items():
        op.execute(insert.bindparams(name=name, title=title))


def downgrade() -> None:
    with op.batch_alter_table('case', schema=None) as batch_op:
        batch_op.drop_index('ix_case_created_by')
    with op.batch_alter_table('break_glass', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_break_glass_case_id'))
        batch_op.drop_index('ix_break_glass_opened')
        batch_op.drop_index('ix_break_glass_user')
    op.drop_table('break_glass')
    op.drop_table('case_restriction')
