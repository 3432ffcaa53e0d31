"""Who uploaded each photo: a scan may cite only a photo its technician or their provider holds, and a
photo's existence is told only to those who may see it.

Revision ID: 5f3a9c1d7e42
Revises: fe0cfc15f7c2
Create Date: 2026-12-06 07:00:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '5f3a9c1d7e42'
down_revision = 'fe0cfc15f7c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photo_uploads',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_photo_uploads_user_id_users')),
    sa.PrimaryKeyConstraint('sha256', 'user_id', name=op.f('pk_photo_uploads'))
    )
    with op.batch_alter_table('photo_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_photo_uploads_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('photo_uploads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photo_uploads_user_id'))

    op.drop_table('photo_uploads')
