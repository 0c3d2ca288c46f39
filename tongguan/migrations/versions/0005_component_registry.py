"""component registry

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import tongguan.db
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('component',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('vendor', sa.String(length=200), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_component')),
    sa.UniqueConstraint('code', name=op.f('uq_component_code'))
    )
    with op.batch_alter_table('component', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_component_category'), ['category'], unique=False)

    op.create_table('component_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('component_id', sa.Integer(), nullable=False),
    sa.Column('semver', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_changed_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('props_schema', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('manual_file_id', sa.Integer(), nullable=True),
    sa.Column('api_doc_file_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['api_doc_file_id'], ['stored_file.id'], name=op.f('fk_component_version_api_doc_file_id_stored_file'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['component_id'], ['component.id'], name=op.f('fk_component_version_component_id_component'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['manual_file_id'], ['stored_file.id'], name=op.f('fk_component_version_manual_file_id_stored_file'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_component_version')),
    sa.UniqueConstraint('component_id', 'semver', name=op.f('uq_component_version_component_id'))
    )
    with op.batch_alter_table('component_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_component_version_component_id'), ['component_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_component_version_state'), ['state'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('component_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_component_version_state'))
        batch_op.drop_index(batch_op.f('ix_component_version_component_id'))
    op.drop_table('component_version')
    with op.batch_alter_table('component', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_component_category'))
    op.drop_table('component')
