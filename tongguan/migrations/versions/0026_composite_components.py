"""composite_components: saved groups of cards reusable from the palette, and app presets

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import tongguan.db


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'composite_component',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('layout', sa.String(length=8), nullable=False),
        sa.Column('cards', JSON, nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_by_name', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_composite_component')),
        sa.UniqueConstraint('code', name=op.f('uq_composite_component_code')),
    )
    # app-level settings: the welcome page and the background ({} for apps made before)
    with op.batch_alter_table('app') as batch:
        batch.add_column(sa.Column('settings', JSON, nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table('app') as batch:
        batch.drop_column('settings')
    op.drop_table('composite_component')
