"""Recap's state in a SQL database: webhook de-duplication, space settings, the audit log, subscriptions, deliveries.

Everything that must hold across processes (several web and worker processes) lives here, keyed by
unique constraints, never in process memory. Callers get plain dataclasses back, never ORM objects.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, create_engine, event, inspect, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.config import Settings
from bot.storage.deliveries import DeliveryQueries  # also registers the recap_deliveries table on Base
from bot.storage.digests import DigestQueries  # also registers the digests table on Base
from bot.storage.job_ledger import JobLedger  # also registers the job_ledger table on Base
from bot.storage.models import AuditEntry, Base, RoomSetting, utcnow
from bot.storage.schema import SchemaState, prepare_schema, upgrade_schema
from bot.storage.seen import SeenQueries
from bot.storage.subscriptions import SubscriptionQueries  # also registers the subscriptions table on Base
from bot.storage.tokens import TokenCipher, TokenStore  # also registers the oauth_tokens table on Base

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditRecord:
    """One line of the audit log as callers see it."""

    at: datetime
    person_email: str | None
    command: str
    ids: tuple[str, ...]
    room_id: str | None
    outcome: str


class Store(SeenQueries, SubscriptionQueries, DeliveryQueries, DigestQueries):
    """Queries over one database; safe to share between threads (one short session per call).

    Subscriptions come from ``SubscriptionQueries`` (``bot.storage.subscriptions``), the recap delivery ledger
    from ``DeliveryQueries`` (``bot.storage.deliveries``).
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"Store({display_url(self.engine.url)!r})"

    @property
    def schema_tables(self) -> tuple[str, ...]:
        """The names of Recap's tables, sorted."""
        return tuple(sorted(Base.metadata.tables))

    def missing_tables(self) -> list[str]:
        """Recap's tables the database does not have yet, sorted (``create_schema`` makes them)."""
        return sorted(set(Base.metadata.tables) - set(inspect(self.engine).get_table_names()))

    def create_schema(self) -> tuple[SchemaState, SchemaState]:
        """Upgrade the schema to head through the migrations (processes starting together upgrade it once)."""
        return upgrade_schema(self.engine)

    def session(self) -> Session:
        """A new ORM session (for the next issue's tables; close it, or use it as a context manager)."""
        return self._sessions()

    def tokens(self, client_secret: str) -> TokenStore:
        """The shared OAuth token rows (the admin credential's refresh state), sealed with ``client_secret``."""
        return TokenStore(self.engine, TokenCipher(client_secret))

    @property
    def job_ledger(self) -> JobLedger:
        """The rows of the jobs queued and running (``bot.jobs.ledger`` re-queues the ones a dead worker lost)."""
        return JobLedger(self.engine)

    def ping(self) -> None:
        """Raise when the database cannot answer a trivial query."""
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    def close(self) -> None:
        """Close the pooled connections (a later query opens new ones)."""
        self.engine.dispose()

    # --- space settings ------------------------------------------------------------------

    def room_timezone(self, room_id: str) -> str | None:
        """The time zone chosen for a space, or None when it uses the default."""
        with self._sessions() as session:
            return session.scalar(select(RoomSetting.timezone).where(RoomSetting.room_id == room_id))

    def set_room_timezone(self, room_id: str, zone: str | None, *, by: str | None = None) -> None:
        """Store (or with None, clear) a space's time zone."""
        with self._sessions.begin() as session:
            setting = session.get(RoomSetting, room_id) or RoomSetting(room_id=room_id)
            setting.timezone, setting.updated_by, setting.updated_at = zone, by, utcnow()
            session.add(setting)

    def room_privacy(self, room_id: str) -> str | None:
        """The privacy level chosen for a space (``names`` or ``counts``), or None when it uses the default."""
        with self._sessions() as session:
            return session.scalar(select(RoomSetting.privacy).where(RoomSetting.room_id == room_id))

    def set_room_privacy(self, room_id: str, level: str, *, by: str | None = None) -> None:
        """Store a space's privacy level."""
        with self._sessions.begin() as session:
            setting = session.get(RoomSetting, room_id) or RoomSetting(room_id=room_id)
            setting.privacy, setting.updated_by, setting.updated_at = level, by, utcnow()
            session.add(setting)

    # --- audit log -----------------------------------------------------------------------

    def audit(self, *, person_email: str | None, command: str, ids: Iterable[str] = (),
              room_id: str | None, outcome: str) -> None:
        """Append one line to the audit log."""
        entry = AuditEntry(at=utcnow(), person_email=person_email, command=command,
                           ids=",".join(i for i in ids if i), room_id=room_id, outcome=outcome[:255])
        with self._sessions.begin() as session:
            session.add(entry)

    def audit_log(self, *, since: datetime | None = None, limit: int | None = None) -> list[AuditRecord]:
        """Audit lines, oldest first, optionally only those at or after ``since`` (aware datetime)."""
        query = select(AuditEntry).order_by(AuditEntry.at, AuditEntry.id)
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        if limit is not None:
            query = query.limit(limit)
        with self._sessions() as session:
            return [AuditRecord(e.at, e.person_email, e.command, tuple(filter(None, e.ids.split(","))),
                                e.room_id, e.outcome) for e in session.scalars(query)]


def display_url(database_url: str | URL) -> str:
    """``DATABASE_URL`` fit to show: the password, if any, replaced by ``***``."""
    return make_url(database_url).render_as_string(hide_password=True)


def create_engine_for(database_url: str) -> Engine:
    """An engine for ``DATABASE_URL``; SQLite gets WAL and a busy timeout so processes can share the file."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if url.database in (None, "", ":memory:"):
        # One shared connection, or every session would see its own empty in-memory database.
        return create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    event.listen(engine, "connect", _sqlite_pragmas)
    _one_transaction_at_a_time(engine)
    return engine


def _one_transaction_at_a_time(engine: Engine) -> None:
    """Threads of one process take turns on a SQLite file, waiting on a lock instead of in SQLite's busy handler.

    SQLite takes one writer at a time; a thread that finds the file locked sleeps in its busy handler
    (1, 2, 5, 10 … 100 ms) while the lock may be free long before, and eight web threads plus the
    embedded consumer's collapsed the edge to a quarter of its rate with p99s of hundreds of
    milliseconds (``bench/webhook_ingest.py``). A transaction here lasts well under a millisecond, so
    queueing them in-process costs little; other processes on the file still meet the busy timeout.
    """
    turn = threading.RLock()  # re-entrant: a transaction may open another connection in the same thread

    def begin(conn) -> None:
        turn.acquire()
        conn.info["recap_turn"] = conn.info.get("recap_turn", 0) + 1

    def end(conn) -> None:
        if conn.info.get("recap_turn"):
            conn.info["recap_turn"] -= 1
            turn.release()

    event.listen(engine, "begin", begin)
    event.listen(engine, "commit", end)
    event.listen(engine, "rollback", end)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_store(settings: Settings | str) -> Store:
    """A store over ``settings.database_url`` (or a URL) whose schema is at head.

    SQLite (the embedded default) upgrades itself; any other database must have been upgraded by
    ``recap db upgrade``, else ``ConfigError`` says so (``bot.storage.schema.prepare_schema``).
    """
    url = settings if isinstance(settings, str) else settings.database_url
    store = Store(create_engine_for(url))
    try:
        prepare_schema(store.engine)
    except BaseException:
        store.close()
        raise
    return store
