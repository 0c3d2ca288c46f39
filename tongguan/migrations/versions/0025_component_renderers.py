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
    pass  # filled in by its slice


def downgrade() -> None:
    pass
