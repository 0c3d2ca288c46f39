"""api_services: outbound APIs of published apps, with their own token scope

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import tongguan.db


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    pass  # filled in by its issue's slice


def downgrade() -> None:
    pass
