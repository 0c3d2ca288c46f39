"""component_renderers: third-party component renderers (Vega-Lite templates, sandboxed iframes) and their assets

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import tongguan.db


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'component_renderer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('template', JSON, nullable=True),
        sa.Column('entry', sa.String(length=512), nullable=False),
        sa.Column('slots', JSON, nullable=False),
        sa.Column('package_sha256', sa.String(length=64), nullable=False),
        sa.Column('signed_by', sa.String(length=64), nullable=True),
        sa.Column('trusted', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['component_version.id'],
                                name=op.f('fk_component_renderer_version_id_component_version'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_component_renderer')),
        sa.UniqueConstraint('version_id', name=op.f('uq_component_renderer_version_id')),
    )
    op.create_table(
        'component_renderer_file',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('renderer_id', sa.Integer(), nullable=False),
        sa.Column('path', sa.String(length=512), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'],
                                name=op.f('fk_component_renderer_file_file_id_stored_file'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['renderer_id'], ['component_renderer.id'],
                                name=op.f('fk_component_renderer_file_renderer_id_component_renderer'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_component_renderer_file')),
        sa.UniqueConstraint('renderer_id', 'path', name=op.f('uq_component_renderer_file_renderer_id')),
    )
    op.create_index(op.f('ix_component_renderer_file_renderer_id'), 'component_renderer_file', ['renderer_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_component_renderer_file_renderer_id'), table_name='component_renderer_file')
    op.drop_table('component_renderer_file')
    op.drop_table('component_renderer')
