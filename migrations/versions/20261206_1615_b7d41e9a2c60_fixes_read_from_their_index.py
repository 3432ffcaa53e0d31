"""A technician's fixes are read from their index alone: the index on (technician_id, fix_time) also holds each
fix's id, job, step, position and accuracy (PostgreSQL's INCLUDE), so a claim's travel and overlap checks read
no table pages for them. Elsewhere the index stays as it was.

Revision ID: b7d41e9a2c60
Revises: e376ce7e8b01
Create Date: 2026-12-06 16:15:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7d41e9a2c60'
down_revision = 'e376ce7e8b01'
branch_labels = None
depends_on = None

COVERED = ['id', 'job_id', 'step', 'lat', 'lng', 'accuracy_m']


def upgrade():
    with op.batch_alter_table('position_fixes', schema=None) as batch_op:
        batch_op.drop_index('ix_position_fixes_technician_time')
        batch_op.create_index(
            'ix_position_fixes_technician_time', ['technician_id', 'fix_time'], unique=False, postgresql_include=COVERED
        )


def downgrade():
    with op.batch_alter_table('position_fixes', schema=None) as batch_op:
        batch_op.drop_index('ix_position_fixes_technician_time')
        batch_op.create_index('ix_position_fixes_technician_time', ['technician_id', 'fix_time'], unique=False)
