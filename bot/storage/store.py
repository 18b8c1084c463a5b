"""Recap's state in a SQL database: webhook de-duplication, space settings, the audit log, subscriptions, deliveries.

Everything that must hold across processes (several web and worker processes) lives here, keyed by
unique constraints, never in process memory. Callers get plain dataclasses back, never ORM objects.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, create_engine, delete, event, inspect, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from bot.config import Settings
from bot.storage.deliveries import DeliveryQueries  # also registers the recap_deliveries table on Base
from bot.storage.digests import DigestQueries  # also registers the digests table on Base
from bot.storage.job_ledger import JobLedger  # also registers the job_ledger table on Base
from bot.storage.models import AuditEntry, Base, RoomSetting, SeenEvent, utcnow
from bot.storage.subscriptions import SubscriptionQueries  # also registers the subscriptions table on Base
from bot.storage.tokens import TokenCipher, TokenStore  # also registers the oauth_tokens table on Base

log = logging.getLogger(__name__)
_DIALECT_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
SCHEMA_ATTEMPTS = 5  # processes starting together (gunicorn workers, recap workers) race to create the tables


@dataclass(frozen=True)
class AuditRecord:
    """One line of the audit log as callers see it."""

    at: datetime
    person_email: str | None
    command: str
    ids: tuple[str, ...]
    room_id: str | None
    outcome: str


class Store(SubscriptionQueries, DeliveryQueries, DigestQueries):
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

    def create_schema(self) -> None:
        """Create the tables that do not exist yet (several processes may race to do it at start)."""
        for attempt in range(1, SCHEMA_ATTEMPTS + 1):
            try:
                Base.metadata.create_all(self.engine)
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                # Another process created a table between our check and our CREATE (PostgreSQL says so with a
                # unique violation in pg_type when both CREATEs ran at once): check again.
                if attempt == SCHEMA_ATTEMPTS:
                    raise

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

    # --- webhook de-duplication -----------------------------------------------------------

    def mark_seen(self, resource: str, event_name: str, data_id: str) -> bool:
        """Record a delivery; True when it is new, False when (resource, event, data id) was seen before."""
        insert = _DIALECT_INSERT[self.engine.dialect.name]
        statement = insert(SeenEvent).values(**seen_key(resource, event_name, data_id), seen_at=utcnow())
        with self.engine.begin() as conn:
            # RETURNING gives the new row's id, or nothing when the key existed (rowcount is unreliable
            # across drivers for INSERT … ON CONFLICT DO NOTHING).
            inserted = conn.execute(statement.on_conflict_do_nothing().returning(SeenEvent.id)).first()
        return inserted is not None

    def forget_seen(self, resource: str, event_name: str, data_id: str) -> None:
        """Undo ``mark_seen`` (when the job could not be queued, so a redelivery may try again)."""
        columns = SeenEvent.__table__.c
        key = seen_key(resource, event_name, data_id)
        with self.engine.begin() as conn:
            conn.execute(delete(SeenEvent).where(*(columns[name] == value for name, value in key.items())))

    def prune_seen(self, older_than: timedelta) -> int:
        """Drop de-duplication keys older than ``older_than`` (Webex stops redelivering long before)."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(SeenEvent).where(SeenEvent.seen_at < utcnow() - older_than))
        return result.rowcount

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


def seen_key(resource: str, event_name: str, data_id: str) -> dict[str, str]:
    """The ``seen_events`` key columns for a delivery, each value storable on every database back end."""
    columns = SeenEvent.__table__.c
    return {name: _storable(value, columns[name].type.length)
            for name, value in (("resource", resource), ("event", event_name), ("data_id", data_id))}


def _storable(value: str, limit: int) -> str:
    # PostgreSQL refuses NUL characters and values longer than the column (SQLite keeps both), and no driver
    # encodes a lone surrogate: such a value is keyed by its digest, the same on every back end.
    if len(value) <= limit and "\x00" not in value:
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            pass
    return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


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
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_store(settings: Settings | str) -> Store:
    """A store over ``settings.database_url`` (or a URL) with its schema created."""
    url = settings if isinstance(settings, str) else settings.database_url
    store = Store(create_engine_for(url))
    store.create_schema()
    return store
