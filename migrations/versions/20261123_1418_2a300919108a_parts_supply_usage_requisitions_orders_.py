"""Parts supply: usage on jobs, requisitions, RDC sales orders, the HQ plan and purchase orders,
and the provider's parts account ledger (with an opening entry for each deposit held before it).

Revision ID: 2a300919108a
Revises: 85e95442630d
Create Date: 2026-11-23 14:18:15.055593

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '2a300919108a'
down_revision = '85e95442630d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_purchase_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_purchase_orders_received_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders'))
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_orders_status'), ['status'], unique=False)

    op.create_table('purchase_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('received_qty', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_order_id_purchase_orders')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_purchase_order_lines_part_id_parts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines'))
    )
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_order_lines_order_id'), ['order_id'], unique=False)

    op.create_table('part_usages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('shortfall', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('device_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_part_usages_job_id_jobs')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_part_usages_part_id_parts')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_part_usages_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_part_usages_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_part_usages'))
    )
    with op.batch_alter_table('part_usages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_part_usages_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_part_usages_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('requisitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('path', sa.String(length=8), nullable=True),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('raised_by_id', sa.Integer(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('rejected_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=2000), nullable=False),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_requisitions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_requisitions_job_id_jobs')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_requisitions_provider_id_providers')),
    sa.ForeignKeyConstraint(['province_id'], ['regions.id'], name=op.f('fk_requisitions_province_id_regions')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['users.id'], name=op.f('fk_requisitions_raised_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requisitions'))
    )
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requisitions_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requisitions_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_requisitions_province_status', ['province_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_requisitions_received_at'), ['received_at'], unique=False)

    op.create_table('account_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('deposit_delta', sa.BigInteger(), nullable=False),
    sa.Column('credit_delta', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=200), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=True),
    sa.Column('settlement_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_account_entries_provider_id_providers')),
    sa.ForeignKeyConstraint(['requisition_id'], ['requisitions.id'], name=op.f('fk_account_entries_requisition_id_requisitions')),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_account_entries_settlement_id_settlements')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_entries_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_entries'))
    )
    with op.batch_alter_table('account_entries', schema=None) as batch_op:
        batch_op.create_index('ix_account_entries_provider', ['provider_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_entries_requisition_id'), ['requisition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_entries_settlement_id'), ['settlement_id'], unique=False)

    op.create_table('requisition_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('price_cents', sa.BigInteger(), nullable=False),
    sa.Column('rdc_qty', sa.Integer(), nullable=False),
    sa.Column('hq_qty', sa.Integer(), nullable=False),
    sa.Column('received_qty', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_requisition_lines_part_id_parts')),
    sa.ForeignKeyConstraint(['requisition_id'], ['requisitions.id'], name=op.f('fk_requisition_lines_requisition_id_requisitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requisition_lines'))
    )
    with op.batch_alter_table('requisition_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requisition_lines_requisition_id'), ['requisition_id'], unique=False)

    op.create_table('sales_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requisition_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shipped_by_id', sa.Integer(), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sales_orders_created_by_id_users')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_sales_orders_provider_id_providers')),
    sa.ForeignKeyConstraint(['province_id'], ['regions.id'], name=op.f('fk_sales_orders_province_id_regions')),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_sales_orders_received_by_id_users')),
    sa.ForeignKeyConstraint(['requisition_id'], ['requisitions.id'], name=op.f('fk_sales_orders_requisition_id_requisitions')),
    sa.ForeignKeyConstraint(['shipped_by_id'], ['users.id'], name=op.f('fk_sales_orders_shipped_by_id_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_sales_orders_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_orders'))
    )
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_orders_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index('ix_sales_orders_province_status', ['province_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_orders_requisition_id'), ['requisition_id'], unique=False)

    op.create_table('plan_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('requisition_line_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('allocated', sa.Integer(), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_plan_lines_part_id_parts')),
    sa.ForeignKeyConstraint(['requisition_line_id'], ['requisition_lines.id'], name=op.f('fk_plan_lines_requisition_line_id_requisition_lines')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_plan_lines_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_lines')),
    sa.UniqueConstraint('requisition_line_id', name=op.f('uq_plan_lines_requisition_line_id'))
    )
    with op.batch_alter_table('plan_lines', schema=None) as batch_op:
        batch_op.create_index('ix_plan_lines_part_open', ['part_id', 'open'], unique=False)

    op.create_table('sales_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('requisition_line_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('price_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['sales_orders.id'], name=op.f('fk_sales_order_lines_order_id_sales_orders')),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_sales_order_lines_part_id_parts')),
    sa.ForeignKeyConstraint(['requisition_line_id'], ['requisition_lines.id'], name=op.f('fk_sales_order_lines_requisition_line_id_requisition_lines')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sales_order_lines'))
    )
    with op.batch_alter_table('sales_order_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sales_order_lines_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sales_order_lines_requisition_line_id'), ['requisition_line_id'], unique=False)

    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit_used_cents', sa.BigInteger(), server_default='0', nullable=False))

    # The deposit is the sum of the ledger from now on: a deposit held before starts it.
    op.execute(
        "INSERT INTO account_entries (provider_id, kind, deposit_delta, credit_delta, reference, created_at) "
        "SELECT id, 'opening', deposit_cents, 0, 'balance before the ledger', CURRENT_TIMESTAMP "
        "FROM providers WHERE deposit_cents <> 0"
    )



def downgrade():
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_column('credit_used_cents')

    with op.batch_alter_table('sales_order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_order_lines_requisition_line_id'))
        batch_op.drop_index(batch_op.f('ix_sales_order_lines_order_id'))

    op.drop_table('sales_order_lines')
    with op.batch_alter_table('plan_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_plan_lines_part_open')

    op.drop_table('plan_lines')
    with op.batch_alter_table('sales_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sales_orders_requisition_id'))
        batch_op.drop_index('ix_sales_orders_province_status')
        batch_op.drop_index(batch_op.f('ix_sales_orders_provider_id'))

    op.drop_table('sales_orders')
    with op.batch_alter_table('requisition_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requisition_lines_requisition_id'))

    op.drop_table('requisition_lines')
    with op.batch_alter_table('account_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_entries_settlement_id'))
        batch_op.drop_index(batch_op.f('ix_account_entries_requisition_id'))
        batch_op.drop_index('ix_account_entries_provider')

    op.drop_table('account_entries')
    with op.batch_alter_table('requisitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_requisitions_received_at'))
        batch_op.drop_index('ix_requisitions_province_status')
        batch_op.drop_index(batch_op.f('ix_requisitions_provider_id'))
        batch_op.drop_index(batch_op.f('ix_requisitions_job_id'))

    op.drop_table('requisitions')
    with op.batch_alter_table('part_usages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_part_usages_warehouse_id'))
        batch_op.drop_index(batch_op.f('ix_part_usages_job_id'))

    op.drop_table('part_usages')
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_order_lines_order_id'))

    op.drop_table('purchase_order_lines')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_orders_status'))

    op.drop_table('purchase_orders')
