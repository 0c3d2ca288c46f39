"""app.active_release: the release /run shows (None: the newest)

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('app') as batch:
        batch.add_column(sa.Column('active_release', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('app') as batch:
        batch.drop_column('active_release')
