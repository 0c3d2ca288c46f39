"""catalog: directories, resources, grants, stored files, and the search index

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import tongguan.db
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Chinese substring search: FTS5's trigram tokenizer on SQLite (kept in step by triggers),
# a pg_trgm GIN index on PostgreSQL. Neither is in the models: see tongguan.db.UNMANAGED.
SQLITE_FTS = [
    "CREATE VIRTUAL TABLE resource_fts USING fts5(name, search_text, content='catalog_resource', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER resource_fts_insert AFTER INSERT ON catalog_resource BEGIN "
    "INSERT INTO resource_fts(rowid, name, search_text) VALUES (new.id, new.name, new.search_text); END",
    "CREATE TRIGGER resource_fts_delete AFTER DELETE ON catalog_resource BEGIN "
    "INSERT INTO resource_fts(resource_fts, rowid, name, search_text) VALUES ('delete', old.id, old.name, old.search_text); END",
    "CREATE TRIGGER resource_fts_update AFTER UPDATE OF name, search_text ON catalog_resource BEGIN "
    "INSERT INTO resource_fts(resource_fts, rowid, name, search_text) VALUES ('delete', old.id, old.name, old.search_text); "
    "INSERT INTO resource_fts(rowid, name, search_text) VALUES (new.id, new.name, new.search_text); END",
]
POSTGRES_TRGM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_catalog_resource_search_trgm ON catalog_resource USING gin (search_text gin_trgm_ops)",
]


def upgrade() -> None:
    op.create_table('catalog_directory',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_class', sa.String(length=24), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('path', sa.String(length=1000), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('deleted_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('deleted_by', sa.Integer(), nullable=True),
    sa.Column('deleted_batch', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['catalog_directory.id'], name=op.f('fk_catalog_directory_parent_id_catalog_directory'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_directory'))
    )
    op.create_index(op.f('ix_catalog_directory_deleted_batch'), 'catalog_directory', ['deleted_batch'], unique=False)
    op.create_index(op.f('ix_catalog_directory_parent_id'), 'catalog_directory', ['parent_id'], unique=False)
    op.create_index(op.f('ix_catalog_directory_path'), 'catalog_directory', ['path'], unique=False)
    op.create_index(op.f('ix_catalog_directory_resource_class'), 'catalog_directory', ['resource_class'], unique=False)
    op.create_table('stored_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('mime', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_file'))
    )
    op.create_index(op.f('ix_stored_file_sha256'), 'stored_file', ['sha256'], unique=False)
    op.create_table('catalog_resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('resource_class', sa.String(length=24), nullable=False),
    sa.Column('directory_id', sa.Integer(), nullable=False),
    sa.Column('owner_department_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('sharing', sa.String(length=16), nullable=False),
    sa.Column('update_cycle', sa.String(length=16), nullable=False),
    sa.Column('contact_name', sa.String(length=64), nullable=False),
    sa.Column('contact_phone', sa.String(length=32), nullable=False),
    sa.Column('meta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('use_count', sa.Integer(), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('deleted_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('deleted_by', sa.Integer(), nullable=True),
    sa.Column('deleted_batch', sa.String(length=32), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['directory_id'], ['catalog_directory.id'], name=op.f('fk_catalog_resource_directory_id_catalog_directory'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'], name=op.f('fk_catalog_resource_file_id_stored_file'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_department_id'], ['department.id'], name=op.f('fk_catalog_resource_owner_department_id_department'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_resource')),
    sa.UniqueConstraint('code', name=op.f('uq_catalog_resource_code'))
    )
    op.create_index(op.f('ix_catalog_resource_deleted_batch'), 'catalog_resource', ['deleted_batch'], unique=False)
    op.create_index(op.f('ix_catalog_resource_owner_department_id'), 'catalog_resource', ['owner_department_id'], unique=False)
    op.create_index('ix_catalog_resource_recent', 'catalog_resource', ['updated_at'], unique=False)
    op.create_index('ix_catalog_resource_dir', 'catalog_resource', ['directory_id', 'deleted_at', 'use_count'], unique=False)
    op.create_index('ix_catalog_resource_use', 'catalog_resource', ['use_count'], unique=False)
    op.create_table('catalog_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('directory_id', sa.Integer(), nullable=True),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('role_code', sa.String(length=32), nullable=True),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('(department_id IS NULL) <> (role_code IS NULL)', name=op.f('ck_catalog_grant_one_principal')),
    sa.CheckConstraint('(directory_id IS NULL) <> (resource_id IS NULL)', name=op.f('ck_catalog_grant_one_target')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_catalog_grant_department_id_department'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['directory_id'], ['catalog_directory.id'], name=op.f('fk_catalog_grant_directory_id_catalog_directory'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['catalog_resource.id'], name=op.f('fk_catalog_grant_resource_id_catalog_resource'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['role_code'], ['role.code'], name=op.f('fk_catalog_grant_role_code_role'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_grant'))
    )
    op.create_index(op.f('ix_catalog_grant_department_id'), 'catalog_grant', ['department_id'], unique=False)
    op.create_index(op.f('ix_catalog_grant_directory_id'), 'catalog_grant', ['directory_id'], unique=False)
    op.create_index(op.f('ix_catalog_grant_resource_id'), 'catalog_grant', ['resource_id'], unique=False)
    op.create_table('catalog_directory_count',
    sa.Column('directory_id', sa.Integer(), nullable=False),
    sa.Column('dimension', sa.String(length=8), nullable=False),
    sa.Column('value', sa.String(length=32), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['directory_id'], ['catalog_directory.id'], name=op.f('fk_catalog_directory_count_directory_id_catalog_directory'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('directory_id', 'dimension', 'value', name=op.f('pk_catalog_directory_count'))
    )
    for statement in SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_TRGM:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS resource_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_catalog_resource_search_trgm")
    op.drop_table('catalog_directory_count')
    op.drop_table('catalog_grant')
    op.drop_table('catalog_resource')
    op.drop_table('stored_file')
    op.drop_table('catalog_directory')
