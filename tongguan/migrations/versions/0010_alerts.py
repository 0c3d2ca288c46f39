"""indicator alerts: rules, states, transitions, notifications

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa
import tongguan.db
from sqlalchemy.dialects import postgresql

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('alert_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('by', sa.String(length=128), nullable=False),
    sa.Column('window', sa.String(length=16), nullable=False),
    sa.Column('interval_s', sa.Integer(), nullable=False),
    sa.Column('levels', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('clear_condition', sa.Text(), nullable=False),
    sa.Column('pending_s', sa.Integer(), nullable=False),
    sa.Column('recover_s', sa.Integer(), nullable=False),
    sa.Column('nodata', sa.String(length=8), nullable=False),
    sa.Column('notify_departments', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('notify_roles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('report_matter', sa.String(length=64), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('silenced_until', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('silence_note', sa.Text(), nullable=False),
    sa.Column('last_evaluated_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('owner_department_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', tongguan.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicator.id'], name=op.f('fk_alert_rule_indicator_id_indicator'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['owner_department_id'], ['department.id'], name=op.f('fk_alert_rule_owner_department_id_department'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_rule')),
    sa.UniqueConstraint('code', name=op.f('uq_alert_rule_code'))
    )
    op.create_index(op.f('ix_alert_rule_indicator_id'), 'alert_rule', ['indicator_id'], unique=False)
    op.create_table('alert_notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=False),
    sa.Column('at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=True),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('departments', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('roles', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('silenced', sa.Boolean(), nullable=False),
    sa.Column('report_matter', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rule.id'], name=op.f('fk_alert_notification_rule_id_alert_rule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_notification'))
    )
    op.create_index(op.f('ix_alert_notification_at'), 'alert_notification', ['at'], unique=False)
    op.create_index(op.f('ix_alert_notification_rule_id'), 'alert_notification', ['rule_id'], unique=False)
    op.create_table('alert_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=True),
    sa.Column('since', tongguan.db.UTCDateTime(), nullable=True),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('evaluated_at', tongguan.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rule.id'], name=op.f('fk_alert_state_rule_id_alert_rule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_state')),
    sa.UniqueConstraint('rule_id', 'group_key', name=op.f('uq_alert_state_rule_id'))
    )
    op.create_table('alert_transition',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('group_key', sa.String(length=200), nullable=False),
    sa.Column('at', tongguan.db.UTCDateTime(), nullable=False),
    sa.Column('from_state', sa.String(length=12), nullable=False),
    sa.Column('to_state', sa.String(length=12), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=True),
    sa.Column('value', sa.Float(), nullable=True),
    sa.Column('episode', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['alert_rule.id'], name=op.f('fk_alert_transition_rule_id_alert_rule'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_transition'))
    )
    op.create_index('ix_alert_transition_rule_at', 'alert_transition', ['rule_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_table('alert_notification')
    op.drop_table('alert_transition')
    op.drop_table('alert_state')
    op.drop_table('alert_rule')
