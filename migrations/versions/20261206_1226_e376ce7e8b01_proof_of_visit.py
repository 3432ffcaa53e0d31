"""Proof of visit: the customer's confirmation of a completion, the technician's positions at the door, the
address's coordinates, evidence photos of the repair, the outbox of messages to customers, and a flag's facts
kept as the check found them.

Revision ID: e376ce7e8b01
Revises: 9c4e2a7b1d35
Create Date: 2026-12-06 12:26:06

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e376ce7e8b01'
down_revision = '9c4e2a7b1d35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evidence_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('original_sha256', sa.String(length=64), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('exif_taken_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('device_time', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evidence_photos_created_by_id_users')),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_evidence_photos_job_id_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_photos'))
    )
    with op.batch_alter_table('evidence_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_photos_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_photos_original_sha256'), ['original_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_photos_sha256'), ['sha256'], unique=False)

    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('recipient', sa.String(length=32), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('backend', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_messages_job_id_jobs'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_job_id'), ['job_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_messages_status_next_attempt', ['status', 'next_attempt_at'], unique=False)

    op.create_table('position_fixes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('technician_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=16), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=False),
    sa.Column('fix_time', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['jobs.id'], name=op.f('fk_position_fixes_job_id_jobs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['technician_id'], ['users.id'], name=op.f('fk_position_fixes_technician_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_position_fixes'))
    )
    with op.batch_alter_table('position_fixes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_position_fixes_job_id'), ['job_id'], unique=False)
        batch_op.create_index('ix_position_fixes_technician_time', ['technician_id', 'fix_time'], unique=False)

    with op.batch_alter_table('claim_flags', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facts', sa.JSON(), nullable=True))

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('confirmation_method', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('confirmation_code', sa.String(length=16), server_default='', nullable=False))
        batch_op.add_column(sa.Column('confirmation_code_ok', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('signature_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('signature_pixels_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('signed_summary_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('confirmation_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('completion_code_digest', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('completion_code_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_jobs_signature_sha256'), ['signature_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_signature_pixels_sha256'), ['signature_pixels_sha256'], unique=False)

    with op.batch_alter_table('sale_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('coord_system', sa.String(length=8), nullable=True))

    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('coord_system', sa.String(length=8), nullable=True))



def downgrade():
    with op.batch_alter_table('service_requests', schema=None) as batch_op:
        batch_op.drop_column('coord_system')
        batch_op.drop_column('lng')
        batch_op.drop_column('lat')

    with op.batch_alter_table('sale_records', schema=None) as batch_op:
        batch_op.drop_column('coord_system')
        batch_op.drop_column('lng')
        batch_op.drop_column('lat')

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_signature_pixels_sha256'))
        batch_op.drop_index(batch_op.f('ix_jobs_signature_sha256'))
        batch_op.drop_column('completion_code_sent_at')
        batch_op.drop_column('completion_code_digest')
        batch_op.drop_column('confirmation_reason')
        batch_op.drop_column('signed_summary_sha256')
        batch_op.drop_column('signature_pixels_sha256')
        batch_op.drop_column('signature_sha256')
        batch_op.drop_column('confirmation_code_ok')
        batch_op.drop_column('confirmation_code')
        batch_op.drop_column('confirmation_method')

    with op.batch_alter_table('claim_flags', schema=None) as batch_op:
        batch_op.drop_column('facts')

    with op.batch_alter_table('position_fixes', schema=None) as batch_op:
        batch_op.drop_index('ix_position_fixes_technician_time')
        batch_op.drop_index(batch_op.f('ix_position_fixes_job_id'))

    op.drop_table('position_fixes')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_status_next_attempt')
        batch_op.drop_index(batch_op.f('ix_messages_kind'))
        batch_op.drop_index(batch_op.f('ix_messages_job_id'))
        batch_op.drop_index(batch_op.f('ix_messages_created_at'))

    op.drop_table('messages')
    with op.batch_alter_table('evidence_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_photos_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_photos_original_sha256'))
        batch_op.drop_index(batch_op.f('ix_evidence_photos_job_id'))

    op.drop_table('evidence_photos')
