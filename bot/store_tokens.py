"""The shared OAuth token row: the admin access token, when to refresh it, and the (rotated) refresh token.

One row per credential, shared by every process through the database. A refresh happens under a
lease taken with a compare-and-swap ``UPDATE … WHERE lease is free``, so two processes never call
the token endpoint at once and nobody holds a database transaction open during the HTTP call.
A crashed refresher's lease simply lapses. Tokens are stored as they are: protect the database
like the environment that holds the client secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Integer, String, Text, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.config import Secret
from bot.store_models import Base, UTCDateTime, utcnow

_DIALECT_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class OAuthToken(Base):
    """An OAuth credential's current tokens; ``source`` fingerprints the configured refresh credentials."""

    __tablename__ = "oauth_tokens"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    access_token: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class StoredToken:
    """A snapshot of the row (the tokens are ``Secret``s, so a repr or a log line shows ``***``)."""

    access_token: Secret | None
    expires_at: datetime | None
    refresh_at: datetime | None
    refresh_token: Secret | None
    version: int

    def fresh(self, now: datetime) -> bool:
        """An access token that needs no refresh yet."""
        return bool(self.access_token) and self.refresh_at is not None and now < self.refresh_at

    def usable(self, now: datetime) -> bool:
        """An access token that has not expired (it may be due for a refresh)."""
        return bool(self.access_token) and self.expires_at is not None and now < self.expires_at


class TokenStore:
    """Queries over ``oauth_tokens``: read, reset on new configuration, lease, save a grant."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def load(self, name: str) -> StoredToken | None:
        """The row for ``name``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(OAuthToken.__table__).where(OAuthToken.name == name)).first()
        if row is None:
            return None
        secret = lambda value: Secret(value) if value else None  # noqa: E731
        return StoredToken(secret(row.access_token), row.expires_at, row.refresh_at,
                           secret(row.refresh_token), row.version)

    def prepare(self, name: str, source: str, refresh_token: str) -> StoredToken:
        """The row for ``name``, created, or reset when the configured credentials (``source``) changed."""
        insert = _DIALECT_INSERT[self.engine.dialect.name]
        with self.engine.begin() as conn:
            conn.execute(insert(OAuthToken).values(name=name, source=source, refresh_token=refresh_token,
                                                   version=0, updated_at=utcnow()).on_conflict_do_nothing())
            # New credentials in the environment win over whatever an older configuration left behind.
            conn.execute(update(OAuthToken).where(OAuthToken.name == name, OAuthToken.source != source)
                         .values(source=source, refresh_token=refresh_token, access_token=None, expires_at=None,
                                 refresh_at=None, version=OAuthToken.version + 1, updated_at=utcnow()))
        return self.load(name)

    def take_lease(self, name: str, owner: str, duration: timedelta) -> bool:
        """Become the one process allowed to refresh ``name`` for ``duration``; False when another holds it."""
        now = utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(
                update(OAuthToken)
                .where(OAuthToken.name == name,
                       (OAuthToken.lease_until.is_(None)) | (OAuthToken.lease_until < now) |
                       (OAuthToken.lease_owner == owner))
                .values(lease_owner=owner, lease_until=now + duration))
        return result.rowcount == 1

    def release_lease(self, name: str, owner: str) -> None:
        """Give the lease back (a no-op when ``owner`` no longer holds it)."""
        with self.engine.begin() as conn:
            conn.execute(update(OAuthToken).where(OAuthToken.name == name, OAuthToken.lease_owner == owner)
                         .values(lease_owner=None, lease_until=None))

    def save_grant(self, name: str, owner: str, *, access_token: str, expires_at: datetime, refresh_at: datetime,
                   refresh_token: str | None) -> bool:
        """Store a new access token (and a rotated refresh token) and release the lease; False if it was lost."""
        values = {"access_token": access_token, "expires_at": expires_at, "refresh_at": refresh_at,
                  "version": OAuthToken.version + 1, "lease_owner": None, "lease_until": None,
                  "updated_at": utcnow()}
        if refresh_token:
            values["refresh_token"] = refresh_token
        with self.engine.begin() as conn:
            result = conn.execute(update(OAuthToken).where(OAuthToken.name == name, OAuthToken.lease_owner == owner)
                                  .values(**values))
        return result.rowcount == 1
