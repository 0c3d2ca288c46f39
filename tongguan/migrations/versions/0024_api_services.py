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
    op.create_table(
        'api_service',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('app_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('items', JSON, nullable=False),
        sa.Column('state', sa.String(length=8), nullable=False),
        sa.Column('rate_limit', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_api_service_app_id_app'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_service')),
        sa.UniqueConstraint('app_id', 'code', name=op.f('uq_api_service_app_id')),
    )
    op.create_index(op.f('ix_api_service_app_id'), 'api_service', ['app_id'], unique=False)
    op.create_table(
        'api_service_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('api_service_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('expires_at', tongguan.db.UTCDateTime(), nullable=True),
        sa.Column('revoked_at', tongguan.db.UTCDateTime(), nullable=True),
        sa.Column('last_used_at', tongguan.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['api_service_id'], ['api_service.id'],
                                name=op.f('fk_api_service_token_api_service_id_api_service'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_service_token')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_service_token_token_hash')),
    )
    op.create_index(op.f('ix_api_service_token_api_service_id'), 'api_service_token', ['api_service_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_api_service_token_api_service_id'), table_name='api_service_token')
    op.drop_table('api_service_token')
    op.drop_index(op.f('ix_api_service_app_id'), table_name='api_service')
    op.drop_table('api_service')
