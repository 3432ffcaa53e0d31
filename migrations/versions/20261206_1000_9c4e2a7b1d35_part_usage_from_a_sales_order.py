"""Parts fitted from a sales order: the phone records which arrived parts were fitted, and no more of a part
is fitted from an order than arrived on it.

Revision ID: 9c4e2a7b1d35
Revises: 5f3a9c1d7e42
Create Date: 2026-12-06 10:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9c4e2a7b1d35'
down_revision = '5f3a9c1d7e42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('part_usages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sales_order_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_part_usages_sales_order_id'), ['sales_order_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_part_usages_sales_order_id_sales_orders'), 'sales_orders', ['sales_order_id'], ['id']
        )


def downgrade():
    with op.batch_alter_table('part_usages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_part_usages_sales_order_id_sales_orders'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_part_usages_sales_order_id'))
        batch_op.drop_column('sales_order_id')
