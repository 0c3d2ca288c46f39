"""tags: subjects, types, tags and their revisions, values, grants, likes, favourites, comments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import tongguan.db
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tag_subject',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('builtin', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_tag_subject'))
    )
    op.create_table('tag_type',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('topic', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_type')),
    sa.UniqueConstraint('code', name=op.f('uq_tag_type_code'))
    )
    op.create_index(op.f('ix_tag_type_topic'), 'tag_type', ['topic'], unique=False)
    op.create_table('tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('subject_code', sa.String(length=32), nullable=False),
    sa.Column('type_id', sa.Integer(), nullable=True),
    sa.Column('value_type', sa.String(length=16), nullable=False),
    sa.Column('allowed', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=True),
    sa.Column('rule_text', sa.Text(), nullable=False),
    sa.Column('masking', sa.String(length=16), nullable=False),
    sa.Column('masking_params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('published_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('deprecated_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['owner_department_id'], ['department.id'], name=op.f('fk_tag_owner_department_id_department'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['subject_code'], ['tag_subject.code'], name=op.f('fk_tag_subject_code_tag_subject'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['type_id'], ['tag_type.id'], name=op.f('fk_tag_type_id_tag_type'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag')),
    sa.UniqueConstraint('code', name=op.f('uq_tag_code'))
    )
    op.create_index(op.f('ix_tag_owner_department_id'), 'tag', ['owner_department_id'], unique=False)
    op.create_index(op.f('ix_tag_state'), 'tag', ['state'], unique=False)
    op.create_index(op.f('ix_tag_subject_code'), 'tag', ['subject_code'], unique=False)
    op.create_index(op.f('ix_tag_type_id'), 'tag', ['type_id'], unique=False)
    op.create_table('tag_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=100), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_tag_comment_tag_id_tag'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_tag_comment_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_comment'))
    )
    op.create_index(op.f('ix_tag_comment_tag_id'), 'tag_comment', ['tag_id'], unique=False)
    op.create_table('tag_favourite',
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_tag_favourite_tag_id_tag'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_tag_favourite_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tag_id', 'user_id', name=op.f('pk_tag_favourite'))
    )
    op.create_index(op.f('ix_tag_favourite_user_id'), 'tag_favourite', ['user_id'], unique=False)
    op.create_table('tag_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('wanted_expires_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('expires_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['user_account.id'], name=op.f('fk_tag_grant_applicant_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_tag_grant_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_tag_grant_department_id_department'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_tag_grant_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_grant'))
    )
    op.create_index(op.f('ix_tag_grant_department_id'), 'tag_grant', ['department_id'], unique=False)
    op.create_index(op.f('ix_tag_grant_state'), 'tag_grant', ['state'], unique=False)
    op.create_index('ix_tag_grant_tag_department', 'tag_grant', ['tag_id', 'department_id', 'state'], unique=False)
    op.create_table('tag_like',
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_tag_like_tag_id_tag'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_tag_like_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tag_id', 'user_id', name=op.f('pk_tag_like'))
    )
    op.create_table('tag_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_tag_revision_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_revision')),
    sa.UniqueConstraint('tag_id', 'revision', name=op.f('uq_tag_revision_tag_id'))
    )
    op.create_table('tag_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('subject_code', sa.String(length=32), nullable=False),
    sa.Column('subject_key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('value_num', sa.Float(), nullable=True),
    sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_tag_value_tag_id_tag'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag_value')),
    sa.UniqueConstraint('tag_id', 'subject_code', 'subject_key', name=op.f('uq_tag_value_tag_id'))
    )
    op.create_index('ix_tag_value_subject', 'tag_value', ['subject_code', 'subject_key'], unique=False)
    op.create_index('ix_tag_value_tag_subject', 'tag_value', ['tag_id', 'subject_code', 'subject_key'], unique=False)

    # The built-in subject: catalog resources are tagged with subject_code "resource".
    subject = sa.table('tag_subject', sa.column('code', sa.String), sa.column('name', sa.String),
                       sa.column('name_en', sa.String), sa.column('description', sa.Text),
                       sa.column('builtin', sa.Boolean), sa.column('sort_order', sa.Integer))
    op.bulk_insert(subject, [{'code': 'resource', 'name': '数字资源', 'name_en': 'Digital resources',
                              'description': '', 'builtin': True, 'sort_order': 1000}])


def downgrade() -> None:
    op.drop_table('tag_value')
    op.drop_table('tag_revision')
    op.drop_table('tag_like')
    op.drop_table('tag_grant')
    op.drop_table('tag_favourite')
    op.drop_table('tag_comment')
    op.drop_table('tag')
    op.drop_table('tag_type')
    op.drop_table('tag_subject')
