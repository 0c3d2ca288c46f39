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
    op.create_table(
        'environment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('url', sa.String(length=500), nullable=False),
        sa.Column('secret', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_environment')),
        sa.UniqueConstraint('code', name=op.f('uq_environment_code')),
    )
    op.create_table(
        'deployment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('environment_id', sa.Integer(), nullable=False),
        sa.Column('app_id', sa.Integer(), nullable=False),
        sa.Column('app_code', sa.String(length=64), nullable=False),
        sa.Column('release_number', sa.Integer(), nullable=False),
        sa.Column('package_sha256', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('remote_app_id', sa.Integer(), nullable=True),
        sa.Column('remote_release', sa.Integer(), nullable=True),
        sa.Column('rolled_back_from', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_by_name', sa.String(length=200), nullable=False),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('finished_at', tongguan.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['environment_id'], ['environment.id'],
                                name=op.f('fk_deployment_environment_id_environment'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_deployment_app_id_app'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rolled_back_from'], ['deployment.id'],
                                name=op.f('fk_deployment_rolled_back_from_deployment'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deployment')),
    )
    op.create_index(op.f('ix_deployment_environment_id'), 'deployment', ['environment_id'])
    op.create_index(op.f('ix_deployment_app_id'), 'deployment', ['app_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_deployment_app_id'), table_name='deployment')
    op.drop_index(op.f('ix_deployment_environment_id'), table_name='deployment')
    op.drop_table('deployment')
    op.drop_table('environment')
