"""Webhook de-duplication: the seen-event keys, and admitting a delivery together with its job's ledger row.

A delivery is admitted in one transaction: its key goes into ``seen_events`` (one
``INSERT … ON CONFLICT DO NOTHING RETURNING``, on SQLite and PostgreSQL alike) and, when the key is
new, its job's row into ``job_ledger``. One commit per delivery, not one per row, and nothing half
done: either both rows exist or neither does. The two inserts are fixed SQL run on the driver's cursor,
which keeps them prepared, so nothing is built anew per request.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Dialect, Engine, and_, bindparam, delete

from bot.storage.job_ledger import LedgerRow, NewJob
from bot.storage.models import SeenEvent, utcnow

SEEN_KEPT = timedelta(days=7)  # how long a delivery's key is kept: Webex stops redelivering long before
_SEEN = SeenEvent.__table__
_LEDGER = LedgerRow.__table__
_KEY_COLUMNS = ("resource", "event", "data_id")
_LEDGER_COLUMNS = ("id", "task", "payload", "attempt", "state", "due_at", "posts", "redriven", "updated_at")
# The hot path (every delivery) runs fixed SQL on the driver's own cursor: each driver keeps it prepared (sqlite3's
# statement cache, psycopg's server-side prepare after a few runs), and SQLAlchemy only brackets the transaction.
_ADMIT_SQL = ("INSERT INTO seen_events (resource, event, data_id, seen_at) VALUES ({0}, {0}, {0}, {0}) "
              "ON CONFLICT DO NOTHING RETURNING id")
_RECORD_SQL = (f"INSERT INTO job_ledger ({', '.join(_LEDGER_COLUMNS)}) "
               f"VALUES ({', '.join(['{0}'] * len(_LEDGER_COLUMNS))})")
_MARKS = {"sqlite": "?", "postgresql": "%s"}
_FORGET = delete(_SEEN).where(and_(*(_SEEN.c[name] == bindparam(f"k_{name}") for name in _KEY_COLUMNS)))
_UNRECORD = delete(_LEDGER).where(_LEDGER.c.id == bindparam("job_id"))


@dataclass(frozen=True)
class _Statements:
    """The admission SQL in one dialect's parameter style, and how that dialect stores a moment."""

    admit: str
    record: str
    moment: Callable[[datetime], object]

    @classmethod
    def of(cls, dialect: Dialect) -> _Statements:
        mark = _MARKS[dialect.name]
        moment = _SEEN.c.seen_at.type.bind_processor(dialect) or (lambda value: value)
        return cls(_ADMIT_SQL.format(mark), _RECORD_SQL.format(mark), moment)


class SeenQueries:
    """De-duplication keys and admission (mixed into ``bot.storage.Store``, which supplies ``engine``)."""

    engine: Engine

    def admit(self, resource: str, event_name: str, data_id: str, job: NewJob | None = None) -> bool:
        """Record a delivery and, when it is new, its job's ledger row, in one transaction; False for a repeat."""
        sql = _statements(self.engine.dialect)
        key = seen_key(resource, event_name, data_id)
        with self.engine.begin() as conn:
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.execute(sql.admit, (key["resource"], key["event"], key["data_id"], sql.moment(utcnow())))
                if cursor.fetchone() is None:
                    return False  # seen before: nothing was written
                if job is not None:
                    row = job.row()
                    row["due_at"], row["updated_at"] = sql.moment(row["due_at"]), sql.moment(row["updated_at"])
                    cursor.execute(sql.record, tuple(row[name] for name in _LEDGER_COLUMNS))
            finally:
                cursor.close()
        return True

    def withdraw(self, resource: str, event_name: str, data_id: str, job_id: str | None = None) -> None:
        """Undo ``admit`` in one transaction (the job could not be queued, so a redelivery may try again)."""
        key = {f"k_{name}": value for name, value in seen_key(resource, event_name, data_id).items()}
        with self.engine.begin() as conn:
            conn.execute(_FORGET, key)
            if job_id is not None:
                conn.execute(_UNRECORD, {"job_id": job_id})

    def mark_seen(self, resource: str, event_name: str, data_id: str) -> bool:
        """Record a delivery; True when it is new, False when (resource, event, data id) was seen before."""
        return self.admit(resource, event_name, data_id)

    def forget_seen(self, resource: str, event_name: str, data_id: str) -> None:
        """Undo ``mark_seen``."""
        self.withdraw(resource, event_name, data_id)

    def prune_seen(self, older_than: timedelta) -> int:
        """Drop de-duplication keys older than ``older_than`` (Webex stops redelivering long before)."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(SeenEvent).where(SeenEvent.seen_at < utcnow() - older_than))
        return result.rowcount


@functools.cache
def _statements(dialect: Dialect) -> _Statements:
    return _Statements.of(dialect)


def replayed(created: str | datetime | None, *, now: datetime | None = None) -> bool:
    """Whether an event created at ``created`` is older than the keys kept (``SEEN_KEPT``): a replay to drop.

    Its key may be pruned, so the seen table cannot tell: the event's own time does. An unreadable or
    missing time is not taken for a replay.
    """
    if isinstance(created, str):
        try:
            created = datetime.fromisoformat(created)
        except ValueError:
            return False
    if not isinstance(created, datetime) or created.tzinfo is None:
        return False
    return created < (now or utcnow()) - SEEN_KEPT


def seen_key(resource: str, event_name: str, data_id: str) -> dict[str, str]:
    """The ``seen_events`` key columns for a delivery, each value storable on every database back end."""
    return {name: _storable(value, _SEEN.c[name].type.length)
            for name, value in zip(_KEY_COLUMNS, (resource, event_name, data_id), strict=True)}


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
