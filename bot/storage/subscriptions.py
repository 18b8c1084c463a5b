"""The subscriptions of each space: the rules that ask for automatic recaps (the ledger is ``deliveries``).

A subscription is one rule (``host`` + e-mail, ``site`` + site URL, or ``all``) in one space, unique
per (space, kind, value).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, UTCDateTime, utcnow

_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class Subscription(Base):
    """A space's wish for automatic recaps of the meetings a rule matches."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("room_id", "kind", "value", name="uq_subscription_rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    room_id: Mapped[str] = mapped_column(String(255), index=True)
    room_type: Mapped[str] = mapped_column(String(16))  # "direct" | "group", as seen when subscribing
    kind: Mapped[str] = mapped_column(String(8))  # "host" | "site" | "all"
    value: Mapped[str] = mapped_column(String(320), default="")  # "" for "all": NULLs would never clash
    created_by: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class SubscriptionRecord:
    """A subscription as callers see it."""

    id: int
    room_id: str
    room_type: str
    kind: str
    value: str
    created_by: str | None


def _subscription(row: Subscription) -> SubscriptionRecord:
    return SubscriptionRecord(row.id, row.room_id, row.room_type, row.kind, row.value, row.created_by)


class SubscriptionQueries:
    """The subscription queries of ``Store`` (mixed in; needs ``engine`` and ``_sessions``)."""

    def add_subscription(self, room_id: str, kind: str, value: str = "", *, room_type: str,
                         by: str | None) -> tuple[SubscriptionRecord, bool]:
        """Store a rule for a space; (the subscription, True) when new, (the existing one, False) when known."""
        statement = _INSERT[self.engine.dialect.name](Subscription).values(
            room_id=room_id, room_type=room_type, kind=kind, value=value, created_by=by, created_at=utcnow())
        with self.engine.begin() as conn:
            created = conn.execute(statement.on_conflict_do_nothing().returning(Subscription.id)).first()
        with self._sessions() as session:
            row = session.scalars(select(Subscription).where(
                Subscription.room_id == room_id, Subscription.kind == kind, Subscription.value == value)).one()
            return _subscription(row), created is not None

    def subscriptions(self, room_id: str) -> list[SubscriptionRecord]:
        """The subscriptions of one space, oldest first."""
        query = select(Subscription).where(Subscription.room_id == room_id).order_by(Subscription.id)
        with self._sessions() as session:
            return [_subscription(row) for row in session.scalars(query)]

    def remove_subscriptions(self, room_id: str, subscription_id: int | None = None) -> list[SubscriptionRecord]:
        """Remove one subscription of a space (or all of them when no id is given); return what was removed."""
        query = select(Subscription).where(Subscription.room_id == room_id)
        if subscription_id is not None:
            query = query.where(Subscription.id == subscription_id)
        with self._sessions.begin() as session:
            rows = list(session.scalars(query))
            for row in rows:
                session.delete(row)
            return [_subscription(row) for row in rows]

    def subscriptions_matching(self, host_email: str | None, site_url: str | None) -> list[SubscriptionRecord]:
        """Every subscription whose rule matches a meeting of this (normalised) host and site, by id."""
        rules = [Subscription.kind == "all"]
        if host_email:
            rules.append((Subscription.kind == "host") & (Subscription.value == host_email))
        if site_url:
            rules.append((Subscription.kind == "site") & (Subscription.value == site_url))
        query = select(Subscription).where(or_(*rules)).order_by(Subscription.id)
        with self._sessions() as session:
            return [_subscription(row) for row in session.scalars(query)]
