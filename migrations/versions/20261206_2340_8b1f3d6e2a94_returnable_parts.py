"""Returnable parts: the defective part a warranty repair replaces must come back to the RDC (旧件返还) when its
part says so. Every part stored so far is not returnable until its catalogue says otherwise.

Revision ID: 8b1f3d6e2a94
Revises: 5d2e8c4a7f13
Create Date: 2026-12-06 23:40:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '8b1f3d6e2a94'
down_revision = '5d2e8c4a7f13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_required', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.drop_column('return_required')
