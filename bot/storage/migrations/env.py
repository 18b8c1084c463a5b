"""Alembic's environment for Recap: ``bot.storage.schema`` hands over the connection; there is no alembic.ini.

The migrations run inside the caller's transaction (which holds the upgrade lock), against the models of
every ``bot.storage`` module, so autogenerate compares the whole of ``Base.metadata``. SQLite renders
``ALTER`` as batch operations (a table rebuilt), which PostgreSQL runs as plain ``ALTER TABLE``.
"""

from __future__ import annotations

from alembic import context

import bot.storage  # noqa: F401 - every module's tables registered on Base.metadata
from bot.storage.models import Base

if context.is_offline_mode():
    raise RuntimeError("Recap's migrations run online only: use `recap db upgrade`")

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, compare_type=True,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
