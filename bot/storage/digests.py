"""Stored digests: one row per archive (its id, the digest's format version, the encoded bytes, when it was made).

Archives do not change once they appear, so a digest stays valid for as long as it is kept
(``RECAP_DIGEST_TTL``); one of another format version is simply built again by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, UTCDateTime, utcnow

_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class DigestRow(Base):
    """The digest of one archive."""

    __tablename__ = "digests"

    archive_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


@dataclass(frozen=True)
class StoredDigest:
    """A stored digest as callers see it (``body`` is whatever the digest's codec wrote)."""

    archive_id: str
    version: int
    body: bytes
    created_at: datetime


class DigestQueries:
    """The digest queries of ``Store`` (mixed in; needs ``engine`` and ``_sessions``)."""

    def save_digest(self, archive_id: str, version: int, body: bytes, *, now: datetime | None = None) -> None:
        """Store (or replace) the digest of ``archive_id``; workers racing to store the same one both succeed."""
        values = {"version": version, "body": body, "created_at": now or utcnow()}
        statement = _INSERT[self.engine.dialect.name](DigestRow).values(archive_id=archive_id, **values)
        with self.engine.begin() as conn:
            conn.execute(statement.on_conflict_do_update(index_elements=[DigestRow.archive_id], set_=values))

    def load_digest(self, archive_id: str, *, newer_than: timedelta | None = None,
                    now: datetime | None = None) -> StoredDigest | None:
        """The stored digest of ``archive_id`` (none older than ``newer_than``), or None."""
        query = select(DigestRow).where(DigestRow.archive_id == archive_id)
        if newer_than is not None:
            query = query.where(DigestRow.created_at >= (now or utcnow()) - newer_than)
        with self._sessions() as session:
            row = session.scalars(query).first()
            return StoredDigest(row.archive_id, row.version, row.body, row.created_at) if row else None

    def purge_digests(self, *, older_than: timedelta | None = None, now: datetime | None = None) -> int:
        """Drop digests made more than ``older_than`` ago (all of them without it); how many were dropped."""
        statement = delete(DigestRow)
        if older_than is not None:
            statement = statement.where(DigestRow.created_at < (now or utcnow()) - older_than)
        with self._sessions.begin() as session:
            return session.execute(statement).rowcount

    def digest_count(self) -> int:
        """How many digests are stored."""
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(DigestRow))
