"""data services, their revisions and grants

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import tongguan.db
from sqlalchemy.dialects import postgresql

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_service',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('definition', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('output', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=8), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_department_id'], ['department.id'], name=op.f('fk_data_service_owner_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['source_id'], ['data_source.id'], name=op.f('fk_data_service_source_id_data_source'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_service')),
    sa.UniqueConstraint('code', name=op.f('uq_data_service_code'))
    )
    op.create_index(op.f('ix_data_service_source_id'), 'data_service', ['source_id'], unique=False)
    op.create_table('data_service_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_data_service_grant_department_id_department'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['service_id'], ['data_service.id'], name=op.f('fk_data_service_grant_service_id_data_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_service_grant')),
    sa.UniqueConstraint('service_id', 'department_id', name=op.f('uq_data_service_grant_service_id'))
    )
    op.create_index(op.f('ix_data_service_grant_service_id'), 'data_service_grant', ['service_id'], unique=False)
    op.create_table('data_service_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['data_service.id'], name=op.f('fk_data_service_revision_service_id_data_service'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_service_revision')),
    sa.UniqueConstraint('service_id', 'revision', name=op.f('uq_data_service_revision_service_id'))
    )
    op.create_index(op.f('ix_data_service_revision_service_id'), 'data_service_revision', ['service_id'], unique=False)


def downgrade() -> None:
    op.drop_table('data_service_grant')
    op.drop_table('data_service_revision')
    op.drop_table('data_service')
