"""signed resource packages: the trusted signing keys

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import tongguan.db


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'trusted_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('public_key', sa.Text(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('revoked_at', tongguan.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trusted_key')),
        sa.UniqueConstraint('fingerprint', name=op.f('uq_trusted_key_fingerprint')),
    )


def downgrade() -> None:
    op.drop_table('trusted_key')
