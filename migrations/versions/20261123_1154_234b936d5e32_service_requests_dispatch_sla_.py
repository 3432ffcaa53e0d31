"""Service requests, dispatch, SLA, notifications and scheduler runs.

Customers by phone; one open request per unit (``open_serial``); jobs carry
their province, SLA deadlines, stage times and a version; every job event,
serial scans, SLA policies per area class (overriding the built-in defaults); in-app
notifications; the record of scheduler runs; dispatchers' duty flag.

Revision ID: 234b936d5e32
Revises: bfa4f9161112
Create Date: 2026-11-23 11:54:51.852473

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '234b936d5e32'
down_revision = 'bfa4f9161112'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scheduler_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('worker', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduler_runs'))
    )
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scheduler_runs_task'), ['task'], unique=False)

    op.create_table('sla_policies',
    sa.Column('area_class', sa.String(length=16), nullable=False),
    sa.Column('contact_minutes', sa.Integer(), nullable=False),
    sa.Column('arrive_minutes', sa.Integer(), nullable=False),
    sa.Column('complete_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('area_class', name=op.f('pk_sla_policies'))
    )
    op.create_table('customers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.Column('address', sa.String(length=255), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_customers_region_id_regions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('phone', name=op.f('uq_customers_phone'))
    )
    op.create_table('job_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_job_events_actor_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_job_events_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_events'))
    )
    with op.batch_alter_table('job_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_events_job_id'), ['job_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dedupe_key', sa.String(length=160), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_notifications_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_notifications_dedupe_key'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_job_id'), ['job_id'], unique=False)
        batch_op.create_index('ix_notifications_user_read', ['user_id', 'read_at', 'id'], unique=False)

    op.create_table('scans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('symbology', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('photo_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('device_time', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_scans_created_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_scans_job_id_jobs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scans'))
    )
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scans_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scans_photo_sha256'), ['photo_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_scans_serial'), ['serial'], unique=False)

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('province_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('appointment_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('contact_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('arrive_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('complete_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('contacted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('arrived_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('contact_overdue_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('arrive_overdue_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('complete_overdue_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('completion_summary', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('confirmed_by', sa.String(length=128), server_default='', nullable=False))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.drop_index(batch_op.f('ix_jobs_provider_id'))
        batch_op.drop_index(batch_op.f('ix_jobs_technician_id'))
        batch_op.create_index('ix_jobs_provider_created', ['provider_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_province_id'), ['province_id'], unique=False)
        batch_op.create_index('ix_jobs_technician_created', ['technician_id', 'created_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_jobs_province_id_regions'), 'regions', ['province_id'], ['id'])

    # Jobs already recorded get the province of their region (a county, a city or a province).
    op.execute(
        """
        UPDATE jobs SET province_id = (
            SELECT COALESCE(grandparent.id, parent.id, region.id)
            FROM regions region
            LEFT JOIN regions parent ON parent.id = region.parent_id
            LEFT JOIN regions grandparent ON grandparent.id = parent.parent_id
            WHERE region.id = jobs.region_id
        )
        """
    )

    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_serial', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('customer_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('preferred_start', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('preferred_end', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_service_requests_customer_id'), ['customer_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_service_requests_open_serial'), ['open_serial'])
        batch_op.create_foreign_key(batch_op.f('fk_service_requests_customer_id_customers'), 'customers', ['customer_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_duty', sa.Boolean(), server_default='0', nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('on_duty')

    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_service_requests_customer_id_customers'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_service_requests_open_serial'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_service_requests_customer_id'))
        batch_op.drop_column('preferred_end')
        batch_op.drop_column('preferred_start')
        batch_op.drop_column('customer_id')
        batch_op.drop_column('open_serial')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_jobs_province_id_regions'), type_='foreignkey')
        batch_op.drop_index('ix_jobs_technician_created')
        batch_op.drop_index(batch_op.f('ix_jobs_province_id'))
        batch_op.drop_index('ix_jobs_provider_created')
        batch_op.create_index(batch_op.f('ix_jobs_technician_id'), ['technician_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_provider_id'), ['provider_id'], unique=False)
        batch_op.drop_column('version')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('confirmed_by')
        batch_op.drop_column('completion_summary')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('complete_overdue_at')
        batch_op.drop_column('arrive_overdue_at')
        batch_op.drop_column('contact_overdue_at')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('completed_at')
        batch_op.drop_column('arrived_at')
        batch_op.drop_column('contacted_at')
        batch_op.drop_column('complete_due_at')
        batch_op.drop_column('arrive_due_at')
        batch_op.drop_column('contact_due_at')
        batch_op.drop_column('appointment_at')
        batch_op.drop_column('province_id')

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scans_serial'))
        batch_op.drop_index(batch_op.f('ix_scans_photo_sha256'))
        batch_op.drop_index(batch_op.f('ix_scans_job_id'))

    op.drop_table('scans')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_user_read')
        batch_op.drop_index(batch_op.f('ix_notifications_job_id'))

    op.drop_table('notifications')
    with op.batch_alter_table('job_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_events_job_id'))

    op.drop_table('job_events')
    op.drop_table('customers')
    op.drop_table('sla_policies')
    with op.batch_alter_table('scheduler_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduler_runs_task'))

    op.drop_table('scheduler_runs')
