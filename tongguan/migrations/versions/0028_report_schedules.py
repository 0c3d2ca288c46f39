"""report schedules; runs in the background with progress, trigger, data_as and delivery; published_by

Revision ID: 0028
Revises: 0027
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import tongguan.db


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'report_schedule',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('template_code', sa.String(length=64), nullable=False),
        sa.Column('cadence', sa.String(length=8), nullable=False),
        sa.Column('at', sa.String(length=5), nullable=False),
        sa.Column('area', sa.String(length=64), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('recipients', JSON, nullable=False),
        sa.Column('emails', JSON, nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('last_tick', sa.String(length=40), nullable=False),
        sa.Column('last_run_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_schedule')),
    )
    op.create_index(op.f('ix_report_schedule_template_code'), 'report_schedule', ['template_code'], unique=False)

    with op.batch_alter_table('report_template') as batch:
        batch.add_column(sa.Column('published_by', sa.Integer(), nullable=True))
    # until now whoever created a published template was its publisher
    op.execute("UPDATE report_template SET published_by = created_by WHERE state = 'published'")

    with op.batch_alter_table('report_run') as batch:
        batch.add_column(sa.Column('progress', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('stage', sa.String(length=32), nullable=False, server_default=''))
        batch.add_column(sa.Column('trigger', sa.String(length=12), nullable=False, server_default='manual'))
        batch.add_column(sa.Column('schedule_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('data_as', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('delivery', JSON, nullable=False, server_default='{}'))
        batch.create_index(batch.f('ix_report_run_schedule_id'), ['schedule_id'], unique=False)
        batch.create_foreign_key(batch.f('fk_report_run_schedule_id_report_schedule'), 'report_schedule',
                                 ['schedule_id'], ['id'], ondelete='SET NULL')
    # runs made before this revision were all synchronous: finished ones are at 100 %
    op.execute("UPDATE report_run SET progress = 100, stage = '已生成' WHERE state = 'succeeded'")
    op.execute("UPDATE report_run SET progress = 100, stage = '失败' WHERE state = 'failed'")


def downgrade() -> None:
    with op.batch_alter_table('report_run') as batch:
        batch.drop_constraint(batch.f('fk_report_run_schedule_id_report_schedule'), type_='foreignkey')
        batch.drop_index(batch.f('ix_report_run_schedule_id'))
        batch.drop_column('delivery')
        batch.drop_column('data_as')
        batch.drop_column('schedule_id')
        batch.drop_column('trigger')
        batch.drop_column('stage')
        batch.drop_column('progress')
    with op.batch_alter_table('report_template') as batch:
        batch.drop_column('published_by')
    op.drop_index(op.f('ix_report_schedule_template_code'), table_name='report_schedule')
    op.drop_table('report_schedule')
