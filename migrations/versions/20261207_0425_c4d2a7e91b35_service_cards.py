"""Service cards (服务卡): extended warranties and service contracts, the units they cover, the people who
may use them and the parts a parts card lists; the card a job relied on and the card a claim cites.

Revision ID: c4d2a7e91b35
Revises: 00d8afe96326
Create Date: 2026-12-07 04:25:08.283721

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4d2a7e91b35'
down_revision = '00d8afe96326'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('service_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('card_type', sa.String(length=24), nullable=False),
    sa.Column('coverage', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_cards')),
    sa.UniqueConstraint('number', name=op.f('uq_service_cards_number'))
    )
    op.create_table('service_card_parts',
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['service_cards.id'], name=op.f('fk_service_card_parts_card_id_service_cards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_service_card_parts_part_id_parts')),
    sa.PrimaryKeyConstraint('card_id', 'part_id', name=op.f('pk_service_card_parts'))
    )
    with op.batch_alter_table('service_card_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_card_parts_part_id'), ['part_id'], unique=False)

    op.create_table('service_card_units',
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['service_cards.id'], name=op.f('fk_service_card_units_card_id_service_cards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('card_id', 'serial', name=op.f('pk_service_card_units'))
    )
    with op.batch_alter_table('service_card_units', schema=None) as batch_op:
        batch_op.create_index('ix_service_card_units_serial', ['serial'], unique=False)

    op.create_table('service_card_users',
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['service_cards.id'], name=op.f('fk_service_card_users_card_id_service_cards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('card_id', 'phone', name=op.f('pk_service_card_users'))
    )
    with op.batch_alter_table('service_card_users', schema=None) as batch_op:
        batch_op.create_index('ix_service_card_users_phone', ['phone'], unique=False)

    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_number', sa.String(length=32), nullable=True))

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('card_number', sa.String(length=32), nullable=True))



def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('card_number')

    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_column('card_number')

    with op.batch_alter_table('service_card_users', schema=None) as batch_op:
        batch_op.drop_index('ix_service_card_users_phone')

    op.drop_table('service_card_users')
    with op.batch_alter_table('service_card_units', schema=None) as batch_op:
        batch_op.drop_index('ix_service_card_units_serial')

    op.drop_table('service_card_units')
    with op.batch_alter_table('service_card_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_card_parts_part_id'))

    op.drop_table('service_card_parts')
    op.drop_table('service_cards')
