"""environments and deployments: other Tongguan instances, and app versions deployed to them

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import tongguan.db


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    pass  # filled in by its issue's slice


def downgrade() -> None:
    pass
