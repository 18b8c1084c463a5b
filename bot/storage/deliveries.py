"""The recap delivery ledger: one row per (meeting instance, space), so each automatic recap is posted once.

The row is unique in the database and walks ``waiting`` → ``claimed`` → ``posted`` | ``gave_up`` (or
``cancelled``, ``failed``, ``unknown``: see README "Subscriptions and automatic recaps"). Claiming is one
conditional UPDATE, so of several workers (threads, processes, hosts) exactly one wins, on SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, String, UniqueConstraint, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, UTCDateTime, utcnow

_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
WAITING, CLAIMED = "waiting", "claimed"
POSTED, GAVE_UP, CANCELLED, FAILED, UNKNOWN = "posted", "gave_up", "cancelled", "failed", "unknown"
FINAL_STATES = (POSTED, GAVE_UP, CANCELLED, FAILED, UNKNOWN)
STATES = (WAITING, CLAIMED, *FINAL_STATES)


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


@dataclass(frozen=True)
class DeliveryCounts:
    """How many deliveries are in each state (every state listed, in ``STATES`` order), and the stale claims."""

    by_state: dict[str, int]
    stale_claims: int  # ``claimed`` rows whose lease ran out: the recap sweep should have taken them back


def _delivery(row: RecapDelivery) -> DeliveryRecord:
    return DeliveryRecord(row.meeting_id, row.room_id, row.state, row.deadline_at, row.attempts, row.lease_until,
                          row.message_id, row.archive_id, row.note, row.updated_at)


class DeliveryQueries:
    """The delivery-ledger queries of ``Store`` (mixed in; needs ``engine`` and ``_sessions``)."""

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

    def delivery_counts(self, *, now: datetime | None = None) -> DeliveryCounts:
        """The rows in each state, and the claims whose lease ran out by ``now`` (for ``recap status``)."""
        with self.engine.connect() as conn:
            by_state = dict(conn.execute(select(RecapDelivery.state, func.count()).group_by(RecapDelivery.state)).all())
            stale = conn.execute(select(func.count()).select_from(RecapDelivery).where(
                RecapDelivery.state == CLAIMED, RecapDelivery.lease_until < (now or utcnow()))).scalar_one()
        return DeliveryCounts({state: by_state.get(state, 0) for state in STATES}, stale)

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
