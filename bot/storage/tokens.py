"""The shared OAuth token row: the admin access token, when to refresh it, and the (rotated) refresh token.

One row per credential, shared by every process through the database. A refresh happens under a
lease taken with a compare-and-swap ``UPDATE … WHERE lease is free``, so two processes never call
the token endpoint at once and nobody holds a database transaction open during the HTTP call.
A crashed refresher's lease simply lapses.

Token values are sealed (``TokenCipher``: Fernet, keyed from the OAuth client secret by HKDF), so a
database dump or backup alone gives no usable admin token; whoever also has the client secret from the
environment could mint tokens anyway. A value that cannot be opened (another secret) reads as absent.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, Integer, String, Text, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.config import Secret
from bot.storage.models import Base, UTCDateTime, utcnow

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


class TokenCipher:
    """Seals token values for the database and opens them again, with a key derived from ``secret``."""

    PREFIX = "fernet:"

    def __init__(self, secret: str):
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"recap oauth_tokens v1").derive(
            secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def __repr__(self) -> str:
        return "TokenCipher(***)"

    def seal(self, value: str | None) -> str | None:
        """The stored form of ``value`` (None stays None)."""
        return self.PREFIX + self._fernet.encrypt(value.encode()).decode() if value else None

    def open(self, stored: str | None) -> str | None:
        """The value behind ``stored``; None when there is none or it was sealed with another secret."""
        if not stored or not stored.startswith(self.PREFIX):
            return None
        try:
            return self._fernet.decrypt(stored[len(self.PREFIX):].encode()).decode()
        except InvalidToken:
            return None


class TokenStore:
    """Queries over ``oauth_tokens``: read, reset on new configuration, lease, save a grant (values sealed)."""

    def __init__(self, engine: Engine, cipher: TokenCipher):
        self.engine = engine
        self.cipher = cipher

    def load(self, name: str) -> StoredToken | None:
        """The row for ``name``, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(OAuthToken.__table__).where(OAuthToken.name == name)).first()
        if row is None:
            return None
        def secret(stored: str | None) -> Secret | None:
            value = self.cipher.open(stored)
            return Secret(value) if value else None

        return StoredToken(secret(row.access_token), row.expires_at, row.refresh_at,
                           secret(row.refresh_token), row.version)

    def prepare(self, name: str, source: str, refresh_token: str) -> StoredToken:
        """The row for ``name``, created, or reset when the configured credentials (``source``) changed."""
        insert = _DIALECT_INSERT[self.engine.dialect.name]
        refresh_token = self.cipher.seal(refresh_token)
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
        values = {"access_token": self.cipher.seal(access_token), "expires_at": expires_at, "refresh_at": refresh_at,
                  "version": OAuthToken.version + 1, "lease_owner": None, "lease_until": None,
                  "updated_at": utcnow()}
        if refresh_token:
            values["refresh_token"] = self.cipher.seal(refresh_token)
        with self.engine.begin() as conn:
            result = conn.execute(update(OAuthToken).where(OAuthToken.name == name, OAuthToken.lease_owner == owner)
                                  .values(**values))
        return result.rowcount == 1
