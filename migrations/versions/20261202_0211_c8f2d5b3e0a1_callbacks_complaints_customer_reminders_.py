"""Customer care: callbacks (回访) and their attempts, complaints (投诉) and their history, customers'
reminders and the care tasks they become; an index on jobs.completed_at for the callback scan.

Revision ID: c8f2d5b3e0a1
Revises: b7e1c4a2d9f0
Create Date: 2026-12-02 02:11:41.096172

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c8f2d5b3e0a1'
down_revision = 'b7e1c4a2d9f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('source_key', sa.String(length=120), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_customer_reminders_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_reminders_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_reminders')),
    sa.UniqueConstraint('source_key', name=op.f('uq_customer_reminders_source_key'))
    )
    with op.batch_alter_table('customer_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_reminders_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_reminders_due_on'), ['due_on'], unique=False)

    op.create_table('care_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reminder_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('done_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_care_tasks_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['done_by_id'], ['users.id'], name=op.f('fk_care_tasks_done_by_id_users')),
    sa.ForeignKeyConstraint(['reminder_id'], ['customer_reminders.id'], name=op.f('fk_care_tasks_reminder_id_customer_reminders'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_tasks')),
    sa.UniqueConstraint('reminder_id', name=op.f('uq_care_tasks_reminder_id'))
    )
    with op.batch_alter_table('care_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_tasks_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_care_tasks_status_due', ['status', 'due_on'], unique=False)

    op.create_table('callbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('timeliness', sa.SmallInteger(), nullable=True),
    sa.Column('attitude', sa.SmallInteger(), nullable=True),
    sa.Column('quality', sa.SmallInteger(), nullable=True),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.Column('job_type', sa.String(length=16), nullable=False),
    sa.Column('job_completed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('product_category', sa.String(length=32), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('attitude IS NULL OR (attitude >= 1 AND attitude <= 5)', name=op.f('ck_callbacks_attitude_1_to_5')),
    sa.CheckConstraint('quality IS NULL OR (quality >= 1 AND quality <= 5)', name=op.f('ck_callbacks_quality_1_to_5')),
    sa.CheckConstraint('timeliness IS NULL OR (timeliness >= 1 AND timeliness <= 5)', name=op.f('ck_callbacks_timeliness_1_to_5')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_callbacks_closed_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_callbacks_customer_id_customers')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_callbacks_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_callbacks_product_id_products')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_callbacks_provider_id_providers')),
    sa.ForeignKeyConstraint(['province_id'], ['regions.id'], name=op.f('fk_callbacks_province_id_regions')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_callbacks_region_id_regions')),
    sa.ForeignKeyConstraint(['technician_id'], ['users.id'], name=op.f('fk_callbacks_technician_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callbacks')),
    sa.UniqueConstraint('job_id', name=op.f('uq_callbacks_job_id'))
    )
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callbacks_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_callbacks_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_callbacks_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_callbacks_provider_closed', ['provider_id', 'closed_at'], unique=False)
        batch_op.create_index('ix_callbacks_scope', ['province_id', 'provider_id', 'technician_id'], unique=False)
        batch_op.create_index('ix_callbacks_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index('ix_callbacks_status_next_attempt', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_callbacks_technician_id'), ['technician_id'], unique=False)

    op.create_table('callback_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('callback_id', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('timeliness', sa.SmallInteger(), nullable=True),
    sa.Column('attitude', sa.SmallInteger(), nullable=True),
    sa.Column('quality', sa.SmallInteger(), nullable=True),
    sa.Column('comments', sa.Text(), nullable=False),
    sa.CheckConstraint('attitude IS NULL OR (attitude >= 1 AND attitude <= 5)', name=op.f('ck_callback_attempts_attitude_1_to_5')),
    sa.CheckConstraint('quality IS NULL OR (quality >= 1 AND quality <= 5)', name=op.f('ck_callback_attempts_quality_1_to_5')),
    sa.CheckConstraint('timeliness IS NULL OR (timeliness >= 1 AND timeliness <= 5)', name=op.f('ck_callback_attempts_timeliness_1_to_5')),
    sa.ForeignKeyConstraint(['agent_id'], ['users.id'], name=op.f('fk_callback_attempts_agent_id_users')),
    sa.ForeignKeyConstraint(['callback_id'], ['callbacks.id'], name=op.f('fk_callback_attempts_callback_id_callbacks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_callback_attempts'))
    )
    with op.batch_alter_table('callback_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callback_attempts_callback_id'), ['callback_id'], unique=False)

    op.create_table('complaints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('callback_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('serial', sa.String(length=64), nullable=False),
    sa.Column('province_id', sa.Integer(), nullable=True),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('technician_id', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('product_category', sa.String(length=32), nullable=True),
    sa.Column('repeat', sa.Boolean(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('customer_confirmed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_complaints_assignee_id_users')),
    sa.ForeignKeyConstraint(['callback_id'], ['callbacks.id'], name=op.f('fk_complaints_callback_id_callbacks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_complaints_closed_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_complaints_created_by_id_users')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_complaints_customer_id_customers')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_complaints_job_id_jobs')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_complaints_product_id_products')),
    sa.ForeignKeyConstraint(['provider_id'], ['providers.id'], name=op.f('fk_complaints_provider_id_providers')),
    sa.ForeignKeyConstraint(['province_id'], ['regions.id'], name=op.f('fk_complaints_province_id_regions')),
    sa.ForeignKeyConstraint(['region_id'], ['regions.id'], name=op.f('fk_complaints_region_id_regions')),
    sa.ForeignKeyConstraint(['technician_id'], ['users.id'], name=op.f('fk_complaints_technician_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaints')),
    sa.UniqueConstraint('number', name=op.f('uq_complaints_number'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_callback_id'), ['callback_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_complaints_provider_created', ['provider_id', 'created_at'], unique=False)
        batch_op.create_index('ix_complaints_scope', ['province_id', 'provider_id', 'technician_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_serial'), ['serial'], unique=False)
        batch_op.create_index('ix_complaints_status_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_complaints_technician_id'), ['technician_id'], unique=False)

    op.create_table('complaint_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_complaint_events_actor_id_users')),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_events_complaint_id_complaints'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_events'))
    )
    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_events_complaint_id'), ['complaint_id'], unique=False)

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_completed_at', ['completed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_completed_at')

    with op.batch_alter_table('complaint_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_events_complaint_id'))

    op.drop_table('complaint_events')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_technician_id'))
        batch_op.drop_index('ix_complaints_status_due')
        batch_op.drop_index(batch_op.f('ix_complaints_serial'))
        batch_op.drop_index('ix_complaints_scope')
        batch_op.drop_index('ix_complaints_provider_created')
        batch_op.drop_index(batch_op.f('ix_complaints_product_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_job_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_customer_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_created_at'))
        batch_op.drop_index(batch_op.f('ix_complaints_category'))
        batch_op.drop_index(batch_op.f('ix_complaints_callback_id'))
        batch_op.drop_index(batch_op.f('ix_complaints_assignee_id'))

    op.drop_table('complaints')
    with op.batch_alter_table('callback_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callback_attempts_callback_id'))

    op.drop_table('callback_attempts')
    with op.batch_alter_table('callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callbacks_technician_id'))
        batch_op.drop_index('ix_callbacks_status_next_attempt')
        batch_op.drop_index('ix_callbacks_status_due')
        batch_op.drop_index('ix_callbacks_scope')
        batch_op.drop_index('ix_callbacks_provider_closed')
        batch_op.drop_index(batch_op.f('ix_callbacks_product_id'))
        batch_op.drop_index(batch_op.f('ix_callbacks_customer_id'))
        batch_op.drop_index(batch_op.f('ix_callbacks_closed_at'))

    op.drop_table('callbacks')
    with op.batch_alter_table('care_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_care_tasks_status_due')
        batch_op.drop_index(batch_op.f('ix_care_tasks_customer_id'))

    op.drop_table('care_tasks')
    with op.batch_alter_table('customer_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_reminders_due_on'))
        batch_op.drop_index(batch_op.f('ix_customer_reminders_customer_id'))

    op.drop_table('customer_reminders')
