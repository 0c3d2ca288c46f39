"""event: the duplicate search's index holds the time window and longitude too, and serves
lookups by matter (its leading column) in place of ix_event_matter_id

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-25
"""
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_event_matter_latitude', table_name='event')
    op.drop_index('ix_event_matter_id', table_name='event')
    op.create_index('ix_event_duplicate_search', 'event', ['matter_id', 'latitude', 'reported_at', 'longitude'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_event_duplicate_search', table_name='event')
    op.create_index('ix_event_matter_id', 'event', ['matter_id'], unique=False)
    op.create_index('ix_event_matter_latitude', 'event', ['matter_id', 'latitude'], unique=False)
