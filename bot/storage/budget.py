"""The Webex request budget shared by every process: one row per credential, paced by GCRA in one statement.

A row keeps, for one credential (``key``: a one-way hash made by ``bot.webex.pacing``; never the token),
the *theoretical arrival time* of the next request (``tat``, epoch seconds) and the end of a Webex
``Retry-After`` hold (``hold_until``). Taking a permit is a single conditional ``UPDATE … RETURNING``: it
moves ``tat`` one interval on when the permit is usable within ``max_wait`` seconds, and leaves the row
alone otherwise. One statement, so concurrent processes need no lock, no read-then-write race and (on
SQLite) no lock upgrade; the row is the only state, so N workers together stay under the budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, Float, String, case, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base

_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
_ATTEMPTS = 5  # a missing row is inserted, or the row changed under us: the permit is asked for again


class BudgetRow(Base):
    """One credential's pacing state: when its next request is due, and until when Webex asked to hold."""

    __tablename__ = "webex_budget"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tat: Mapped[float] = mapped_column(Float, default=0.0)
    hold_until: Mapped[float] = mapped_column(Float, default=0.0)


@dataclass(frozen=True)
class Slot:
    """The answer to a permit request: granted (usable after ``wait`` seconds) or refused (``wait`` to go)."""

    granted: bool
    wait: float


def _greatest(a, b):
    return case((a > b, a), else_=b)


class RequestBudget:
    """The shared budget rows over one database (``webex_budget``); safe to share between threads."""

    name = "database"

    def __init__(self, engine: Engine):
        self.engine = engine

    def __repr__(self) -> str:
        return "RequestBudget(webex_budget)"

    def reserve(self, key: str, *, now: float, interval: float, tolerance: float, max_wait: float) -> Slot:
        """Take one permit for ``key`` when it is usable within ``max_wait`` seconds of ``now`` (GCRA)."""
        row = BudgetRow.__table__.c
        # The permit is usable at max(now, tat - tolerance, hold_until); the next one is due an interval later.
        usable_at = _greatest(_greatest(row.tat - tolerance, row.hold_until), now)
        statement = (update(BudgetRow)
                     .where(row.key == key, usable_at <= now + max_wait)
                     .values(tat=_greatest(_greatest(row.tat, row.hold_until), now) + interval)
                     .returning(row.tat, row.hold_until))
        for _ in range(_ATTEMPTS):
            with self.engine.begin() as conn:
                taken = conn.execute(statement).first()
                if taken is None:
                    current = conn.execute(select(row.tat, row.hold_until).where(row.key == key)).first()
            if taken is not None:
                # new tat = max(tat, hold, now) + interval: usable at max(now, hold, new tat - interval - τ).
                start = max(now, taken.hold_until, taken.tat - interval - tolerance)
                return Slot(True, max(0.0, start - now))
            if current is None:
                self._create(key)
                continue
            wait = max(current.tat - tolerance, current.hold_until) - now
            if wait > max_wait:
                return Slot(False, wait)
            # The row changed between the two statements (another process created it, or its hold ended): again.
        return Slot(False, max(interval, 0.001))  # still racing after several tries: come back a moment later

    def hold(self, key: str, until: float) -> None:
        """Hold ``key``'s requests until ``until`` (epoch seconds; a later hold already set is kept)."""
        row = BudgetRow.__table__.c
        self._create(key)
        with self.engine.begin() as conn:
            conn.execute(update(BudgetRow).where(row.key == key)
                         .values(hold_until=_greatest(row.hold_until, until)))

    def _create(self, key: str) -> None:
        insert = _INSERT[self.engine.dialect.name]
        with self.engine.begin() as conn:
            conn.execute(insert(BudgetRow).values(key=key, tat=0.0, hold_until=0.0).on_conflict_do_nothing())
