"""composite data services: no source of their own, a longer kind

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('data_service') as batch:
        batch.alter_column('source_id', existing_type=sa.Integer(), nullable=True)
        batch.alter_column('kind', existing_type=sa.String(length=8), type_=sa.String(length=12),
                           existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM data_service WHERE source_id IS NULL")
    with op.batch_alter_table('data_service') as batch:
        batch.alter_column('kind', existing_type=sa.String(length=12), type_=sa.String(length=8),
                           existing_nullable=False)
        batch.alter_column('source_id', existing_type=sa.Integer(), nullable=False)
