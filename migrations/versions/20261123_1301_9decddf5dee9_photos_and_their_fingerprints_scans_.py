"""Photos and their fingerprints; scans read on the server.

Evidence photos are content-addressed (``photos``; their bytes in a folder or,
for deployments sharing only the database, ``photo_blobs``); the difference
hash is stored in four indexed 16-bit bands for the reuse check. Scans keep the
typed serial, every barcode read, how the serial was chosen, and their flags.

Revision ID: 9decddf5dee9
Revises: 234b936d5e32
Create Date: 2026-11-23 13:01:56.911181

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '9decddf5dee9'
down_revision = '234b936d5e32'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('photo_blobs',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_photo_blobs'))
    )
    op.create_table('photos',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('phash', sa.BigInteger(), nullable=False),
    sa.Column('band0', sa.Integer(), nullable=False),
    sa.Column('band1', sa.Integer(), nullable=False),
    sa.Column('band2', sa.Integer(), nullable=False),
    sa.Column('band3', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_photos'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index('ix_photos_band0', ['band0'], unique=False)
        batch_op.create_index('ix_photos_band1', ['band1'], unique=False)
        batch_op.create_index('ix_photos_band2', ['band2'], unique=False)
        batch_op.create_index('ix_photos_band3', ['band3'], unique=False)

    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('typed_serial', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('serial_source', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('barcodes', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_column('flags')
        batch_op.drop_column('barcodes')
        batch_op.drop_column('reason')
        batch_op.drop_column('serial_source')
        batch_op.drop_column('typed_serial')

    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index('ix_photos_band3')
        batch_op.drop_index('ix_photos_band2')
        batch_op.drop_index('ix_photos_band1')
        batch_op.drop_index('ix_photos_band0')

    op.drop_table('photos')
    op.drop_table('photo_blobs')
