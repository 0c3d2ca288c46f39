"""reports: report templates and the archive of generated reports

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import tongguan.db


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'report_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('type', sa.String(length=12), nullable=False),
        sa.Column('orientation', sa.String(length=10), nullable=False),
        sa.Column('cover', JSON, nullable=False),
        sa.Column('toc', sa.Boolean(), nullable=False),
        sa.Column('header_text', sa.String(length=200), nullable=False),
        sa.Column('footer_text', sa.String(length=200), nullable=False),
        sa.Column('organisation', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('variables', JSON, nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_template')),
        sa.UniqueConstraint('code', name=op.f('uq_report_template_code')),
    )
    op.create_table(
        'report_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('template_id', sa.Integer(), nullable=True),
        sa.Column('template_code', sa.String(length=64), nullable=False),
        sa.Column('template_revision', sa.Integer(), nullable=False),
        sa.Column('type', sa.String(length=12), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('report_date', sa.Date(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('area', sa.String(length=64), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=12), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('pdf_file_id', sa.Integer(), nullable=True),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('pages', sa.Integer(), nullable=False),
        sa.Column('created_by', sa.Integer(), nullable=True),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('started_at', tongguan.db.UTCDateTime(), nullable=True),
        sa.Column('finished_at', tongguan.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['template_id'], ['report_template.id'],
                                name=op.f('fk_report_run_template_id_report_template'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['pdf_file_id'], ['stored_file.id'],
                                name=op.f('fk_report_run_pdf_file_id_stored_file'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_run')),
    )
    op.create_index(op.f('ix_report_run_template_id'), 'report_run', ['template_id'], unique=False)
    op.create_index('ix_report_run_code_date', 'report_run', ['template_code', 'report_date'], unique=False)


def downgrade() -> None:
    op.drop_table('report_run')
    op.drop_table('report_template')
