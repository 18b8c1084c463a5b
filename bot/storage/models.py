"""The database tables: seen webhook events, per-space settings and the audit log (SQLAlchemy 2)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, Index, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC in Python, naive UTC in the column (SQLite keeps no offset)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """An aware datetime as naive UTC for the column (a naive one is refused)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("refusing a naive datetime: pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """The column's naive UTC as an aware UTC datetime."""
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base class of Recap's tables."""


class SeenEvent(Base):
    """A webhook delivery already accepted; the unique key makes redeliveries no-ops in every process."""

    __tablename__ = "seen_events"
    __table_args__ = (UniqueConstraint("resource", "event", "data_id", name="uq_seen_event"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    resource: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(64))
    data_id: Mapped[str] = mapped_column(String(255))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class RoomSetting(Base):
    """Per-space preferences: the IANA time zone used on cards, and how much a group space sees (privacy level)."""

    __tablename__ = "room_settings"

    room_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    timezone: Mapped[str | None] = mapped_column(String(64))
    privacy: Mapped[str | None] = mapped_column(String(16))  # "names" | "counts"; None: the default, names
    updated_by: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """One data access (or refused attempt): who, which command, which ids, where, when, outcome."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    person_email: Mapped[str | None] = mapped_column(String(320))
    command: Mapped[str] = mapped_column(String(64))
    ids: Mapped[str] = mapped_column(Text, default="")
    room_id: Mapped[str | None] = mapped_column(String(255))
    outcome: Mapped[str] = mapped_column(String(255))
