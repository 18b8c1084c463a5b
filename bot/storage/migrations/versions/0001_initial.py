"""The baseline: the nine tables ``Base.metadata.create_all`` made before Recap had migrations.

Revision ID: 0001
Revises:
Create Date: 2026-12-07

Every name is spelled out (the same ones ``create_all`` gave), so later revisions can drop or alter a
constraint or index by name on SQLite and PostgreSQL alike. A database made before this revision existed
is stamped ``0001`` (``bot.storage.schema``), never run through it. Columns are frozen here: later model
changes belong in later revisions, never in this file.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

WEBEX_ID = sa.String(255)  # Webex ids (rooms, meetings, messages, archives)
EMAIL = sa.String(320)


def upgrade() -> None:
    """Create the baseline tables, their unique constraints and their indexes."""
    op.create_table(
        "seen_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resource", sa.String(64), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("data_id", sa.String(255), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("resource", "event", "data_id", name="uq_seen_event"),
    )
    op.create_index("ix_seen_events_seen_at", "seen_events", ["seen_at"])
    op.create_table(
        "room_settings",
        sa.Column("room_id", WEBEX_ID, primary_key=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("updated_by", EMAIL, nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("person_email", EMAIL, nullable=True),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("ids", sa.Text(), nullable=False),
        sa.Column("room_id", WEBEX_ID, nullable=True),
        sa.Column("outcome", sa.String(255), nullable=False),
    )
    op.create_index("ix_audit_at", "audit_log", ["at"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("room_id", WEBEX_ID, nullable=False),
        sa.Column("room_type", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", EMAIL, nullable=False),
        sa.Column("created_by", EMAIL, nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("room_id", "kind", "value", name="uq_subscription_rule"),
    )
    op.create_index("ix_subscriptions_room_id", "subscriptions", ["room_id"])
    op.create_table(
        "recap_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("meeting_id", WEBEX_ID, nullable=False),
        sa.Column("room_id", WEBEX_ID, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("deadline_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("message_id", WEBEX_ID, nullable=True),
        sa.Column("archive_id", WEBEX_ID, nullable=True),
        sa.Column("note", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("meeting_id", "room_id", name="uq_recap_delivery"),
    )
    op.create_table(
        "digests",
        sa.Column("archive_id", WEBEX_ID, primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_digests_created_at", "digests", ["created_at"])
    op.create_table(
        "job_ledger",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("task", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("token", sa.String(32), nullable=True),
        sa.Column("holder", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("posts", sa.Integer(), nullable=False),
        sa.Column("redriven", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_job_ledger_state_due", "job_ledger", ["state", "due_at"])
    op.create_table(
        "oauth_tokens",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("refresh_at", sa.DateTime(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "webex_budget",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.Column("hold_until", sa.Float(), nullable=False),
    )


def downgrade() -> None:
    """Drop every baseline table (and with them their data)."""
    for table in ("webex_budget", "oauth_tokens", "job_ledger", "digests", "recap_deliveries", "subscriptions",
                  "audit_log", "room_settings", "seen_events"):
        op.drop_table(table)
