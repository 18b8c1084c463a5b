"""Tables and queries for automatic recaps: the subscriptions of each space and the delivery ledger.

A subscription is one rule (``host`` + e-mail, ``site`` + site URL, or ``all``) in one space, unique
per (space, kind, value). The ledger has one row per (meeting instance, space), unique in the
database, and walks ``waiting`` → ``claimed`` → ``posted`` | ``gave_up`` (or ``cancelled``, ``failed``,
``unknown``: see README "Subscriptions and automatic recaps"). Claiming is one conditional UPDATE,
so of several workers (threads, processes, hosts) exactly one wins, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, UniqueConstraint, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, UTCDateTime, utcnow

_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
WAITING, CLAIMED = "waiting", "claimed"
POSTED, GAVE_UP, CANCELLED, FAILED, UNKNOWN = "posted", "gave_up", "cancelled", "failed", "unknown"
FINAL_STATES = (POSTED, GAVE_UP, CANCELLED, FAILED, UNKNOWN)


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


class RecapDelivery(Base):
    """The ledger: one automatic recap of one meeting instance for one space."""

    __tablename__ = "recap_deliveries"
    __table_args__ = (UniqueConstraint("meeting_id", "room_id", name="uq_recap_delivery"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[str] = mapped_column(String(255))
    room_id: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default=WAITING)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[str | None] = mapped_column(String(255))
    archive_id: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class SubscriptionRecord:
    """A subscription as callers see it."""

    id: int
    room_id: str
    room_type: str
    kind: str
    value: str
    created_by: str | None


@dataclass(frozen=True)
class DeliveryRecord:
    """A ledger row as callers see it."""

    meeting_id: str
    room_id: str
    state: str
    deadline_at: datetime
    attempts: int
    lease_until: datetime | None
    message_id: str | None
    archive_id: str | None
    note: str
    updated_at: datetime


def _subscription(row: Subscription) -> SubscriptionRecord:
    return SubscriptionRecord(row.id, row.room_id, row.room_type, row.kind, row.value, row.created_by)


def _delivery(row: RecapDelivery) -> DeliveryRecord:
    return DeliveryRecord(row.meeting_id, row.room_id, row.state, row.deadline_at, row.attempts, row.lease_until,
                          row.message_id, row.archive_id, row.note, row.updated_at)


class SubscriptionQueries:
    """The subscription and ledger queries of ``Store`` (mixed in; needs ``engine`` and ``_sessions``)."""

    # --- subscriptions ---------------------------------------------------------------------

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

    # --- the delivery ledger ---------------------------------------------------------------

    def open_delivery(self, meeting_id: str, room_id: str, *, deadline_at: datetime,
                      now: datetime | None = None) -> bool:
        """Create the ledger row of (meeting, space); True when new, False when it already existed."""
        now = now or utcnow()
        statement = _INSERT[self.engine.dialect.name](RecapDelivery).values(
            meeting_id=meeting_id, room_id=room_id, state=WAITING, opened_at=now, deadline_at=deadline_at,
            attempts=0, note="", updated_at=now)
        with self.engine.begin() as conn:
            created = conn.execute(statement.on_conflict_do_nothing().returning(RecapDelivery.id)).first()
        return created is not None

    def drop_delivery(self, meeting_id: str, room_id: str) -> None:
        """Forget a ``waiting`` ledger row (its job could not be queued, so a redelivery may open it again)."""
        with self.engine.begin() as conn:
            conn.execute(delete(RecapDelivery).where(*_key(meeting_id, room_id), RecapDelivery.state == WAITING))

    def delivery(self, meeting_id: str, room_id: str) -> DeliveryRecord | None:
        """The ledger row of (meeting, space), if any."""
        with self._sessions() as session:
            row = session.scalars(select(RecapDelivery).where(*_key(meeting_id, room_id))).first()
            return _delivery(row) if row else None

    def deliveries(self, meeting_id: str | None = None, *, states: tuple[str, ...] = ()) -> list[DeliveryRecord]:
        """Ledger rows (of one meeting, in some states, when given), oldest first."""
        query = select(RecapDelivery).order_by(RecapDelivery.id)
        if meeting_id is not None:
            query = query.where(RecapDelivery.meeting_id == meeting_id)
        if states:
            query = query.where(RecapDelivery.state.in_(states))
        with self._sessions() as session:
            return [_delivery(row) for row in session.scalars(query)]

    def note_attempt(self, meeting_id: str, room_id: str, note: str, *, now: datetime | None = None) -> None:
        """Count one more look for the data of a waiting delivery, and why it was not enough."""
        with self.engine.begin() as conn:
            conn.execute(update(RecapDelivery).where(*_key(meeting_id, room_id), RecapDelivery.state == WAITING)
                         .values(attempts=RecapDelivery.attempts + 1, note=note[:255], updated_at=now or utcnow()))

    def claim_delivery(self, meeting_id: str, room_id: str, *, token: str, lease: timedelta,
                       now: datetime | None = None) -> str | None:
        """Take the right to post: ``"fresh"`` from ``waiting``, ``"expired"`` from a claim whose lease ran out.

        None when someone else holds a live claim or the delivery is finished. Each branch is one
        conditional UPDATE, so two claimants can never both succeed.
        """
        now = now or utcnow()
        claim = {"state": CLAIMED, "claim_token": token, "lease_until": now + lease, "updated_at": now}
        with self.engine.begin() as conn:
            won = conn.execute(update(RecapDelivery).where(*_key(meeting_id, room_id), RecapDelivery.state == WAITING)
                               .values(**claim)).rowcount
        if won:
            return "fresh"
        with self.engine.begin() as conn:
            won = conn.execute(update(RecapDelivery).where(*_key(meeting_id, room_id), RecapDelivery.state == CLAIMED,
                                                           RecapDelivery.lease_until < now).values(**claim)).rowcount
        return "expired" if won else None

    def finish_delivery(self, meeting_id: str, room_id: str, *, token: str | None, state: str, note: str = "",
                        message_id: str | None = None, archive_id: str | None = None,
                        now: datetime | None = None) -> bool:
        """Record the outcome of a claim (``token``), or cancel a waiting row (``token=None``); True when recorded."""
        if state not in FINAL_STATES:
            raise ValueError(f"state must be one of {FINAL_STATES}")
        holder = (RecapDelivery.state == WAITING if token is None
                  else (RecapDelivery.state == CLAIMED) & (RecapDelivery.claim_token == token))
        values = {"state": state, "note": note[:255], "lease_until": None, "updated_at": now or utcnow()}
        values.update({k: v for k, v in (("message_id", message_id), ("archive_id", archive_id)) if v})
        with self.engine.begin() as conn:
            return conn.execute(update(RecapDelivery).where(*_key(meeting_id, room_id), holder)
                                .values(**values)).rowcount == 1

    def release_delivery(self, meeting_id: str, room_id: str, *, token: str, note: str = "") -> bool:
        """Give a claim back (nothing was posted: Webex refused the post outright), so a later try can claim it."""
        with self.engine.begin() as conn:
            return conn.execute(update(RecapDelivery).where(
                *_key(meeting_id, room_id), RecapDelivery.state == CLAIMED, RecapDelivery.claim_token == token)
                .values(state=WAITING, claim_token=None, lease_until=None, note=note[:255],
                        updated_at=utcnow())).rowcount == 1


def _key(meeting_id: str, room_id: str) -> tuple:
    return RecapDelivery.meeting_id == meeting_id, RecapDelivery.room_id == room_id
