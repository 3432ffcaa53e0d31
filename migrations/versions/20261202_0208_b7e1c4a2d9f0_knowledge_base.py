"""Knowledge base: FAQ and defect entries with their models, categories and parts; the fault code a job recorded.

Revision ID: b7e1c4a2d9f0
Revises: 1e4cbf4ad639
Create Date: 2026-12-02 02:08:15.227183

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7e1c4a2d9f0'
down_revision = '1e4cbf4ad639'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('knowledge_articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('symptom', sa.Text(), nullable=False),
    sa.Column('cause', sa.Text(), nullable=False),
    sa.Column('fix', sa.Text(), nullable=False),
    sa.Column('fault_code', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_knowledge_articles_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_knowledge_articles')),
    sa.UniqueConstraint('fault_code', name=op.f('uq_knowledge_articles_fault_code'))
    )
    with op.batch_alter_table('knowledge_articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_articles_active'), ['active'], unique=False)
        batch_op.create_index(batch_op.f('ix_knowledge_articles_type'), ['type'], unique=False)

    op.create_table('knowledge_article_categories',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['knowledge_articles.id'], name=op.f('fk_knowledge_article_categories_article_id_knowledge_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'category', name=op.f('pk_knowledge_article_categories'))
    )
    with op.batch_alter_table('knowledge_article_categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_article_categories_category'), ['category'], unique=False)

    op.create_table('knowledge_article_parts',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('part_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['knowledge_articles.id'], name=op.f('fk_knowledge_article_parts_article_id_knowledge_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['part_id'], ['parts.id'], name=op.f('fk_knowledge_article_parts_part_id_parts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'part_id', name=op.f('pk_knowledge_article_parts'))
    )
    with op.batch_alter_table('knowledge_article_parts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_article_parts_part_id'), ['part_id'], unique=False)

    op.create_table('knowledge_article_products',
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['knowledge_articles.id'], name=op.f('fk_knowledge_article_products_article_id_knowledge_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_knowledge_article_products_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'product_id', name=op.f('pk_knowledge_article_products'))
    )
    with op.batch_alter_table('knowledge_article_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_knowledge_article_products_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fault_code', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_jobs_fault_code'), ['fault_code'], unique=False)



def downgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_fault_code'))
        batch_op.drop_column('fault_code')

    with op.batch_alter_table('knowledge_article_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_article_products_product_id'))

    op.drop_table('knowledge_article_products')
    with op.batch_alter_table('knowledge_article_parts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_article_parts_part_id'))

    op.drop_table('knowledge_article_parts')
    with op.batch_alter_table('knowledge_article_categories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_article_categories_category'))

    op.drop_table('knowledge_article_categories')
    with op.batch_alter_table('knowledge_articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_knowledge_articles_type'))
        batch_op.drop_index(batch_op.f('ix_knowledge_articles_active'))

    op.drop_table('knowledge_articles')
