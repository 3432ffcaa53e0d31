"""Charges of paid repairs: the fee guide (labour per repair type, travel fees per area class, parts' customer
prices), quotes, payments, remittances, the share of charges each provider remits, and the CHARGES_OWED
deduction (one per provider and month).

Revision ID: 7a6a0501fa16
Revises: c4d2a7e91b35
Create Date: 2026-12-07 04:25:46.407620

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a6a0501fa16'
down_revision = 'c4d2a7e91b35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fee_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('repair_type', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('labour_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_items')),
    sa.UniqueConstraint('code', name=op.f('uq_fee_items_code'))
    )
    with op.batch_alter_table('fee_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fee_items_category'), ['category'], unique=False)

    op.create_table('travel_fees',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_class', sa.String(length=16), nullable=False),
    sa.Column('fee_cents', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_travel_fees')),
    sa.UniqueConstraint('area_class', name=op.f('uq_travel_fees_area_class'))
    )
    op.create_table('remittances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_remittances_provider_id_providers')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_remittances_recorded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_remittances'))
    )
    with op.batch_alter_table('remittances', schema=None) as batch_op:
        batch_op.create_index('ix_remittances_provider_month', ['provider_id', 'month'], unique=False)

    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=36), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('guide_total_cents', sa.BigInteger(), nullable=False),
    sa.Column('discount_cents', sa.BigInteger(), nullable=False),
    sa.Column('total_cents', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=True),
    sa.Column('approval_method', sa.String(length=16), nullable=True),
    sa.Column('approval_signature_sha256', sa.String(length=64), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_quotes_created_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_quotes_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
    sa.UniqueConstraint('job_id', 'version', name='uq_quotes_job_version'),
    sa.UniqueConstraint('ref', name=op.f('uq_quotes_ref'))
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quotes_job_id'), ['job_id'], unique=False)

    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ref', sa.String(length=36), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.String(length=8), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('receipt_number', sa.String(length=16), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_payments_job_id_jobs')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_payments_provider_id_providers')),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_payments_quote_id_quotes')),
    sa.ForeignKeyConstraint(['technician_id'], ['users.id'], name=op.f('fk_payments_technician_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('receipt_number', name=op.f('uq_payments_receipt_number')),
    sa.UniqueConstraint('ref', name=op.f('uq_payments_ref'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_job_id'), ['job_id'], unique=False)
        batch_op.create_index('ix_payments_provider_created', ['provider_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_quote_id'), ['quote_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payments_technician_id'), ['technician_id'], unique=False)

    with op.batch_alter_table('deductions', schema=None) as batch_op:
        batch_op.create_index('uq_deductions_charges_owed', ['provider_id', 'month'], unique=True, sqlite_where=sa.text("rule = 'CHARGES_OWED'"), postgresql_where=sa.text("rule = 'CHARGES_OWED'"))

    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('customer_price_cents', sa.BigInteger(), server_default='0', nullable=False))

    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('charges_remit_percent', sa.Integer(), server_default='100', nullable=False))



def downgrade():
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_column('charges_remit_percent')

    with op.batch_alter_table('parts', schema=None) as batch_op:
        batch_op.drop_column('customer_price_cents')

    with op.batch_alter_table('deductions', schema=None) as batch_op:
        batch_op.drop_index('uq_deductions_charges_owed', sqlite_where=sa.text("rule = 'CHARGES_OWED'"), postgresql_where=sa.text("rule = 'CHARGES_OWED'"))

    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_technician_id'))
        batch_op.drop_index(batch_op.f('ix_payments_quote_id'))
        batch_op.drop_index(batch_op.f('ix_payments_provider_id'))
        batch_op.drop_index('ix_payments_provider_created')
        batch_op.drop_index(batch_op.f('ix_payments_job_id'))

    op.drop_table('payments')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quotes_job_id'))

    op.drop_table('quotes')
    with op.batch_alter_table('remittances', schema=None) as batch_op:
        batch_op.drop_index('ix_remittances_provider_month')

    op.drop_table('remittances')
    op.drop_table('travel_fees')
    with op.batch_alter_table('fee_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fee_items_category'))

    op.drop_table('fee_items')
