"""The schema's version: Alembic revisions in ``bot/storage/migrations``, read and applied from code.

Alembic is configured here, never from an ``alembic.ini``, so the revisions are found wherever the package
is installed. A database made before migrations existed (Recap's tables, no ``alembic_version``) counts as
the baseline revision: it is stamped so, then upgraded. An upgrade runs in one transaction that holds a
lock (SQLite: ``BEGIN EXCLUSIVE``; PostgreSQL: a transaction-scoped advisory lock) and looks again once it
has it, so processes starting together upgrade the schema once and the others find it at head.
"""

from __future__ import annotations

import time
import zlib
from argparse import Namespace
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool, StaticPool

from bot.errors import ConfigError

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001"  # what Base.metadata.create_all made before migrations existed
BASELINE_TABLES = ("audit_log", "digests", "job_ledger", "oauth_tokens", "recap_deliveries", "room_settings",
                   "seen_events", "subscriptions", "webex_budget")
VERSION_TABLE = "alembic_version"
UPGRADE = "run `recap db upgrade`"
LOCK_KEY = zlib.crc32(b"recap: schema upgrade")  # pg_advisory_xact_lock: one upgrade at a time per database
LOCK_WAIT = 120  # seconds a SQLite process waits for another one's upgrade (BEGIN EXCLUSIVE)
SQLITE_ATTEMPTS = 10


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands: the revision recorded (None: none), the code's head, the tables found."""

    revision: str | None
    head: str
    tables: tuple[str, ...]

    @property
    def at_head(self) -> bool:
        """Whether the recorded revision is the head: nothing to upgrade."""
        return self.revision == self.head

    @property
    def unversioned(self) -> bool:
        """Recap's tables without a recorded revision: made before migrations (it counts as the baseline)."""
        return self.revision is None and bool(set(self.tables) & set(BASELINE_TABLES))

    @property
    def empty(self) -> bool:
        """No revision and none of Recap's tables: the upgrade creates everything."""
        return self.revision is None and not self.unversioned

    @property
    def known(self) -> bool:
        """Whether this release has the recorded revision (a newer release may have upgraded the database)."""
        return self.revision is None or self.revision in revisions()

    def describe(self) -> str:
        """Where the schema stands, in words (``at 0001 (head)``, ``at 0001, behind head 0002``, …)."""
        if self.at_head:
            return f"at {self.head} (head)"
        if self.empty:
            return f"empty (no tables yet), behind head {self.head}"
        if self.unversioned:
            return f"made before migrations (no {VERSION_TABLE}: counts as {BASELINE}), behind head {self.head}"
        if not self.known:
            return f"at {self.revision}, a revision this release does not know (head {self.head})"
        return f"at {self.revision}, behind head {self.head}"

    def fix(self) -> str:
        """What the operator should do about it ('' at head)."""
        if self.at_head:
            return ""
        if not self.known:
            return "run the release that upgraded it (or a newer one)"
        return UPGRADE


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for Recap's migrations (``env.py`` takes ``connection`` from its attributes)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


@cache
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The newest revision this release knows (the one ``upgrade_schema`` brings a database to)."""
    return _script().get_current_head()


def revisions() -> tuple[str, ...]:
    """Every revision this release knows, oldest first."""
    return tuple(reversed([script.revision for script in _script().walk_revisions()]))


def schema_state(engine: Engine) -> SchemaState:
    """Where the schema of ``engine``'s database stands (reads only)."""
    with engine.connect() as conn:
        return _state(conn)


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in the database (None when none is: empty, or made before migrations)."""
    return schema_state(engine).revision


def _state(conn: Connection) -> SchemaState:
    revision = MigrationContext.configure(conn).get_current_revision()
    tables = tuple(sorted(set(inspect(conn).get_table_names()) - {VERSION_TABLE}))
    return SchemaState(revision, head_revision(), tables)


def upgrade_schema(engine: Engine) -> tuple[SchemaState, SchemaState]:
    """Bring the schema to head (a database made before migrations is stamped first); (before, after).

    ``before`` is read under the lock: when another process upgraded while this one waited, it is at head.
    """
    for attempt in range(1, SQLITE_ATTEMPTS):
        try:
            return _upgrade(engine)
        except OperationalError as exc:
            # A process opening a SQLite file while another one switches it to WAL is told "database is locked"
            # at once, without the busy wait: that one is worth a moment and another try.
            if engine.dialect.name != "sqlite" or "locked" not in str(exc.orig):
                raise
            time.sleep(0.05 * attempt)
    return _upgrade(engine)


def _upgrade(engine: Engine) -> tuple[SchemaState, SchemaState]:
    before = schema_state(engine)
    if before.at_head:
        return before, before
    with _locked(engine) as conn:
        before = _state(conn)
        if not before.at_head:
            _check_upgradable(before, engine)
            config = alembic_config(conn)
            if before.unversioned:
                command.stamp(config, BASELINE)
            command.upgrade(config, "head")
        return before, _state(conn)


def upgrade_database(database_url: str) -> tuple[SchemaState, SchemaState]:
    """``upgrade_schema`` for a URL (``recap db upgrade``, test fixtures); the connections are closed after."""
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        return upgrade_schema(engine)
    finally:
        engine.dispose()


def new_revision(message: str) -> Path:
    """Write the next revision: what the models have and head lacks (Alembic autogenerate; read it over)."""
    engine = create_engine("sqlite://", poolclass=StaticPool)  # a scratch database at head to compare with
    try:
        with engine.begin() as conn:
            config = alembic_config(conn)
            config.cmd_opts = Namespace(quiet=True)  # the caller says what was written
            command.upgrade(config, "head")
            script = command.revision(config, message, autogenerate=True, rev_id=f"{int(head_revision()) + 1:04d}")
    finally:
        engine.dispose()
        _script.cache_clear()
    return Path(script.path)


def prepare_schema(engine: Engine) -> None:
    """At start: SQLite (the embedded default) upgrades itself; any other database must be at head already.

    PostgreSQL is upgraded by the operator, once, before a release starts (``recap db upgrade``): a process
    that finds it behind head raises ``ConfigError`` instead of serving on a schema it does not know.
    """
    if engine.dialect.name == "sqlite":
        upgrade_schema(engine)
        return
    state = schema_state(engine)
    if not state.at_head:
        raise ConfigError(f"DATABASE_URL {_shown(engine)}: the schema is {state.describe()}: {state.fix()}")


def _check_upgradable(state: SchemaState, engine: Engine) -> None:
    if not state.known:
        raise ConfigError(f"DATABASE_URL {_shown(engine)}: the schema is {state.describe()}: {state.fix()}")
    missing = sorted(set(BASELINE_TABLES) - set(state.tables))
    if state.unversioned and missing:
        raise ConfigError(f"DATABASE_URL {_shown(engine)}: made before migrations, but without "
                          f"{', '.join(missing)}: too old to count as {BASELINE}; move it aside and start afresh")


def _shown(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction that holds the database's upgrade lock until it commits."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        # A connection of its own: the driver's implicit transactions off, so BEGIN EXCLUSIVE is ours to send.
        exclusive = create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": LOCK_WAIT})
        event.listen(exclusive, "connect", _driver_autocommit)
        event.listen(exclusive, "begin", lambda conn: conn.exec_driver_sql("BEGIN EXCLUSIVE"))
        try:
            with exclusive.begin() as conn:
                yield conn
        finally:
            exclusive.dispose()
        return
    with engine.begin() as conn:  # an in-memory SQLite database has a single connection: nobody to race
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        yield conn


def _driver_autocommit(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None
