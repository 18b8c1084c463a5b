"""A space's privacy level: ``room_settings.privacy`` (``names`` or ``counts``; NULL is the default, ``names``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07

Nullable, so every existing space keeps what it saw before (names) and no row needs rewriting.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the ``privacy`` column (batch mode: SQLite rebuilds the table, PostgreSQL alters it in place)."""
    with op.batch_alter_table("room_settings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("privacy", sa.String(length=16), nullable=True))


def downgrade() -> None:
    """Drop the ``privacy`` column."""
    with op.batch_alter_table("room_settings", schema=None) as batch_op:
        batch_op.drop_column("privacy")
