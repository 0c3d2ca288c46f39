"""app documents: pages with their draft document, revisions of every save, releases

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
import tongguan.db


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'app_page',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('app_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('document', JSON, nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.Column('updated_by_name', sa.String(length=200), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_app_page_app_id_app'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_app_page')),
        sa.UniqueConstraint('app_id', 'code', name=op.f('uq_app_page_app_id')),
    )
    op.create_table(
        'app_revision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('document', JSON, nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=True),
        sa.Column('author_name', sa.String(length=200), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('restored_from', sa.Integer(), nullable=True),
        sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['app_page.id'], name=op.f('fk_app_revision_page_id_app_page'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_app_revision')),
        sa.UniqueConstraint('page_id', 'number', name=op.f('uq_app_revision_page_id')),
    )
    op.create_table(
        'app_release',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('app_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('pages', JSON, nullable=False),
        sa.Column('documents', JSON, nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('published_by', sa.Integer(), nullable=True),
        sa.Column('published_by_name', sa.String(length=200), nullable=False),
        sa.Column('published_at', tongguan.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['app_id'], ['app.id'], name=op.f('fk_app_release_app_id_app'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_app_release')),
        sa.UniqueConstraint('app_id', 'number', name=op.f('uq_app_release_app_id')),
    )


def downgrade() -> None:
    op.drop_table('app_release')
    op.drop_table('app_revision')
    op.drop_table('app_page')
