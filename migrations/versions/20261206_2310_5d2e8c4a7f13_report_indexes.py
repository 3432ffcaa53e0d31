"""The reports read a range's jobs from an index alone: the index on created_at also holds what the SLA report
groups, filters and counts by (state, province, provider, technician, each stage's deadline and time reached),
the one on completed_at what the workload and complaint reports do (state, province, city, provider,
technician, product). Over a year of a million jobs, SQLite otherwise read each job's whole row by its id.

Revision ID: 5d2e8c4a7f13
Revises: b7d41e9a2c60
Create Date: 2026-12-06 23:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5d2e8c4a7f13'
down_revision = 'b7d41e9a2c60'
branch_labels = None
depends_on = None

REPORTED = ['state', 'province_id', 'provider_id', 'technician_id']
SLA = ['contact_due_at', 'contacted_at', 'arrive_due_at', 'arrived_at', 'complete_due_at', 'completed_at']


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_created_at')
        batch_op.drop_index('ix_jobs_completed_at')
        batch_op.create_index('ix_jobs_created_report', ['created_at', *REPORTED, *SLA], unique=False)
        batch_op.create_index(
            'ix_jobs_completed_report', ['completed_at', *REPORTED, 'region_id', 'product_id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_completed_report')
        batch_op.drop_index('ix_jobs_created_report')
        batch_op.create_index('ix_jobs_completed_at', ['completed_at'], unique=False)
        batch_op.create_index('ix_jobs_created_at', ['created_at'], unique=False)
