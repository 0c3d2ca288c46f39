"""matters

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import tongguan.db
from sqlalchemy.dialects import postgresql

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def _versioned():
    return [
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table('matter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tier', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('split_from_id', sa.Integer(), nullable=True),
    *_versioned(),
    sa.ForeignKeyConstraint(['parent_id'], ['matter.id'], name=op.f('fk_matter_parent_id_matter'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['split_from_id'], ['matter.id'], name=op.f('fk_matter_split_from_id_matter'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matter')),
    sa.UniqueConstraint('code', name=op.f('uq_matter_code'))
    )
    with op.batch_alter_table('matter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matter_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_matter_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matter_split_from_id'), ['split_from_id'], unique=False)

    op.create_table('matter_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('area_department_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('time_limit', sa.Integer(), nullable=False),
    sa.Column('time_unit', sa.String(length=16), nullable=False),
    sa.Column('legal_basis', sa.Text(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['area_department_id'], ['department.id'], name=op.f('fk_matter_rule_area_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_matter_rule_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_matter_rule_matter_id_matter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matter_rule'))
    )
    with op.batch_alter_table('matter_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matter_rule_area_department_id'), ['area_department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matter_rule_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_matter_rule_matter_id'), ['matter_id'], unique=False)

    op.create_table('matter_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('details', JSON, nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_matter_change_matter_id_matter'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matter_change'))
    )
    with op.batch_alter_table('matter_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matter_change_matter_id'), ['matter_id'], unique=False)

    op.create_table('domain_catalog',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    *_versioned(),
    sa.ForeignKeyConstraint(['owner_department_id'], ['department.id'], name=op.f('fk_domain_catalog_owner_department_id_department'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_catalog')),
    sa.UniqueConstraint('code', name=op.f('uq_domain_catalog_code'))
    )
    with op.batch_alter_table('domain_catalog', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_domain_catalog_owner_department_id'), ['owner_department_id'], unique=False)

    op.create_table('domain_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalog_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('matter_id', sa.Integer(), nullable=True),
    sa.Column('mapped_at', tongguan.db.UTCDateTime(), nullable=True),
    *_versioned(),
    sa.ForeignKeyConstraint(['catalog_id'], ['domain_catalog.id'], name=op.f('fk_domain_item_catalog_id_domain_catalog'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['matter_id'], ['matter.id'], name=op.f('fk_domain_item_matter_id_matter'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_domain_item')),
    sa.UniqueConstraint('catalog_id', 'code', name=op.f('uq_domain_item_catalog_id'))
    )
    with op.batch_alter_table('domain_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_domain_item_catalog_id'), ['catalog_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_domain_item_matter_id'), ['matter_id'], unique=False)


def downgrade() -> None:
    op.drop_table('domain_item')
    op.drop_table('domain_catalog')
    op.drop_table('matter_change')
    op.drop_table('matter_rule')
    op.drop_table('matter')
