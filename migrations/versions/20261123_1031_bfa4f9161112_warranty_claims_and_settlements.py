"""warranty claims and settlements

Claims with their part lines and check flags, and the monthly settlement
statements that approved claims roll into (each claim settled once).

Revision ID: bfa4f9161112
Revises: a8cc38a8ecbd
Create Date: 2026-11-23 10:31:05.804784

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bfa4f9161112'
down_revision = 'a8cc38a8ecbd'
branch_labels = None
depends_on = None


def upgrade():
    # Sale records are looked up by serial and phone; an index on product_id only slowed imports.
    with op.batch_alter_table('sale_records', schema=None) as batch_op:
        batch_op.drop_index('ix_sale_records_product_id')

    op.create_table('settlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('claim_count', sa.Integer(), nullable=False),
    sa.Column('labor_cents', sa.BigInteger(), nullable=False),
    sa.Column('parts_cents', sa.BigInteger(), nullable=False),
    sa.Column('held_back_count', sa.Integer(), nullable=False),
    sa.Column('held_back_cents', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_settlements_created_by_id_users')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_settlements_provider_id_providers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlements'))
    )
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlements_provider_id'), ['provider_id'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=False),
    sa.Column('sale_record_id', sa.Integer(), nullable=True),
    sa.Column('failure_date', sa.Date(), nullable=False),
    sa.Column('repair_date', sa.Date(), nullable=False),
    sa.Column('fault_code', sa.String(length=32), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('scan_id', sa.Integer(), nullable=True),
    sa.Column('labor_fee_cents', sa.BigInteger(), nullable=False),
    sa.Column('parts_amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_claims_decided_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_claims_job_id_jobs')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_claims_provider_id_providers')),
    sa.ForeignKeyConstraint(['sale_record_id'], ['sale_records.id'], name=op.f('fk_claims_sale_record_id_sale_records')),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], name=op.f('fk_claims_settlement_id_settlements')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_claims_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims'))
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_provider_id'), ['provider_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_serial'), ['serial'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_settlement_id'), ['settlement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_status'), ['status'], unique=False)

    op.create_table('claim_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_flags_claim_id_claims'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_flags'))
    )
    with op.batch_alter_table('claim_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_flags_claim_id'), ['claim_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_claim_flags_code'), ['code'], unique=False)

    op.create_table('claim_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('claim_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['claim_id'], ['claims.id'], name=op.f('fk_claim_lines_claim_id_claims'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_claim_lines_part_id_parts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claim_lines'))
    )
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_lines_claim_id'), ['claim_id'], unique=False)



def downgrade():
    with op.batch_alter_table('claim_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_lines_claim_id'))

    op.drop_table('claim_lines')
    with op.batch_alter_table('claim_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_flags_code'))
        batch_op.drop_index(batch_op.f('ix_claim_flags_claim_id'))

    op.drop_table('claim_flags')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_status'))
        batch_op.drop_index(batch_op.f('ix_claims_settlement_id'))
        batch_op.drop_index(batch_op.f('ix_claims_serial'))
        batch_op.drop_index(batch_op.f('ix_claims_provider_id'))
        batch_op.drop_index(batch_op.f('ix_claims_job_id'))

    op.drop_table('claims')
    with op.batch_alter_table('settlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlements_provider_id'))

    op.drop_table('settlements')

    with op.batch_alter_table('sale_records', schema=None) as batch_op:
        batch_op.create_index('ix_sale_records_product_id', ['product_id'], unique=False)
