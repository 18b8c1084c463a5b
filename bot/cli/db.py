"""``recap db``: where the database schema stands (``current``), bringing it to head (``upgrade``), new revisions.

SQLite, the embedded default, upgrades itself at every start; PostgreSQL is upgraded here, once, before
a new release starts (its serve and worker processes refuse a schema behind head).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

import click

T = TypeVar("T")


@click.group()
def db() -> None:
    """The database schema (Alembic migrations): its revision, and upgrading it to the release's head."""


@db.command()
def current() -> None:
    """Print the schema's revision and whether it is at head; exit 1 when it is not."""
    from bot.storage import create_engine_for, schema_state

    shown, url = _database()
    engine = create_engine_for(url)
    try:
        state = _reaching(shown, lambda: schema_state(engine))
    finally:
        engine.dispose()
    click.echo(f"{shown}: {state.describe()}" + (f" — {state.fix()}" if state.fix() else ""))
    if not state.at_head:
        sys.exit(1)


@db.command()
def upgrade() -> None:
    """Upgrade the schema to head (a database made before migrations is stamped as the baseline first)."""
    from bot.storage import upgrade_database

    shown, url = _database()
    before, after = _reaching(shown, lambda: upgrade_database(url))
    click.echo(f"{shown}: {upgrade_done(before, after)}")


@db.command()
@click.option("-m", "--message", required=True, help="What the revision changes (its file name is made from it).")
def revision(message: str) -> None:
    """For developers: write the next revision from what the models have and head lacks; read it over."""
    from bot.storage import new_revision

    click.echo(f"wrote {new_revision(message)}")


def upgrade_done(before, after) -> str:
    """What ``upgrade`` did, in words, from the states before and after it."""
    if before.at_head:
        return f"already at {after.head} (head); nothing to do"
    if before.empty:
        return f"created the schema at {after.revision} (head)"
    if before.unversioned:
        return f"stamped the tables made before migrations as the baseline, then upgraded to {after.revision} (head)"
    return f"upgraded from {before.revision} to {after.revision} (head)"


def _database() -> tuple[str, str]:
    """``DATABASE_URL`` fit to show, and as it is."""
    from bot.config import Settings
    from bot.storage import display_url

    url = Settings.from_env().database_url
    return display_url(url), url


def _reaching(shown: str, work: Callable[[], T]) -> T:
    """``work()``, with a database failure turned into one line naming DATABASE_URL (exit 1)."""
    from bot.storage import DATABASE_ERRORS, error_reason

    try:
        return work()
    except DATABASE_ERRORS as exc:
        raise click.ClickException(f"database {shown}: {error_reason(exc)} — check DATABASE_URL, the server and "
                                   "its rights") from None
