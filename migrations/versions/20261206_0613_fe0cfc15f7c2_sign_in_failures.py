"""Failed sign-ins per typed username and client address: what each pair's sign-in delay grows from.

Revision ID: fe0cfc15f7c2
Revises: 2ae3d1f518e2
Create Date: 2026-12-06 06:13:58.065866

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'fe0cfc15f7c2'
down_revision = '2ae3d1f518e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sign_in_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('last_failed_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delayed_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_failures')),
        # The failure counter's upsert finds its row by this pair (ON CONFLICT).
        sa.UniqueConstraint('username', 'address', name=op.f('uq_sign_in_failures_username_address')),
    )


def downgrade():
    op.drop_table('sign_in_failures')
