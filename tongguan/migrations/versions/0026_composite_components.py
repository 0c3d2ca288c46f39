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
    pass  # filled in by its slice


def downgrade() -> None:
    pass
