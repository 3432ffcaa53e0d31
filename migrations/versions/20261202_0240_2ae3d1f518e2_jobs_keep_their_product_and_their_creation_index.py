"""Jobs keep their product (the workload report groups by product line without a join to the requests),
and are indexed by creation (the SLA report takes the jobs opened in its range).

Revision ID: 2ae3d1f518e2
Revises: c8f2d5b3e0a1
Create Date: 2026-12-02 02:40:17.572977

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '2ae3d1f518e2'
down_revision = 'c8f2d5b3e0a1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('product_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_jobs_product_id_products'), 'products', ['product_id'], ['id'])
    # Jobs made before this copy their request's product.
    op.execute(
        "UPDATE jobs SET product_id = (SELECT product_id FROM service_requests WHERE service_requests.id = jobs.request_id)"
    )


def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_jobs_product_id_products'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_jobs_created_at'))
        batch_op.drop_column('product_id')
