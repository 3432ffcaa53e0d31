"""A product's serial check-digit rule (luhn, gs1, mod37_36; empty for none).

Revision ID: 85e95442630d
Revises: 9decddf5dee9
Create Date: 2026-11-23 13:20:40.962701

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '85e95442630d'
down_revision = '9decddf5dee9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serial_check', sa.String(length=16), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('serial_check')

