"""The job ledger: one row per job queued and not yet over, so a job lost with a killed worker is queued again.

Huey takes a job off the queue destructively and acknowledges nothing (``tests/test_backends_queue.py`` pins
it): a worker killed mid-job loses that job. So every job gets a row here before it enters the queue
(``queued``, due at ``due_at``). The runner claims the row for the attempt it carries (one conditional UPDATE
``queued`` → ``running`` with a token and a lease), renews the lease while the job runs, and deletes the row
when the job is over, or puts it back to ``queued`` for a retry. ``overdue`` lists rows whose running lease
lapsed (a dead worker) or that sat ``queued`` far past their time (a job lost on its way through the queue);
``redrive`` takes one back with a conditional UPDATE, so of several sweepers exactly one queues it again.
``posts`` counts the bot messages the current run began (``bot.jobs.ledger`` decides what that means).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, Index, Integer, String, Text, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.models import Base, UTCDateTime, utcnow

QUEUED, RUNNING = "queued", "running"
_INSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class LedgerRow(Base):
    """A job queued or running: what to run, which attempt, when it was due, who holds it until when."""

    __tablename__ = "job_ledger"
    __table_args__ = (Index("ix_job_ledger_state_due", "state", "due_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    task: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    token: Mapped[str | None] = mapped_column(String(32))
    holder: Mapped[str | None] = mapped_column(String(128))  # host:pid of the process running it (for operators)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posts: Mapped[int] = mapped_column(Integer, default=0)
    redriven: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class LedgerJob:
    """A ledger row as callers see it (``payload`` decoded)."""

    id: str
    task: str
    payload: dict
    attempt: int
    state: str
    due_at: datetime
    token: str | None
    holder: str | None
    lease_until: datetime | None
    posts: int
    redriven: int


def _job(row) -> LedgerJob:
    return LedgerJob(row.id, row.task, json.loads(row.payload), row.attempt, row.state, row.due_at, row.token,
                     row.holder, row.lease_until, row.posts, row.redriven)


@dataclass(frozen=True)
class NewJob:
    """The ledger row of a job about to be queued (``bot.jobs.ledger`` makes it)."""

    id: str
    task: str
    payload: dict
    attempt: int
    due_at: datetime

    def row(self) -> dict:
        """The ``job_ledger`` columns of this job, queued."""
        return {"id": self.id, "task": self.task, "payload": json.dumps(self.payload), "attempt": self.attempt,
                "state": QUEUED, "due_at": self.due_at, "posts": 0, "redriven": 0, "updated_at": utcnow()}


class JobLedger:
    """Queries over ``job_ledger``; every change of hands is one conditional statement."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, job: NewJob) -> None:
        """Record a job about to be queued."""
        with self.engine.begin() as conn:
            conn.execute(insert(LedgerRow).values(**job.row()))

    def add_once(self, job: NewJob) -> bool:
        """Record a job about to be queued unless a row with its id exists; True when this call wrote it."""
        statement = _INSERT[self.engine.dialect.name](LedgerRow).values(**job.row()).on_conflict_do_nothing()
        with self.engine.begin() as conn:
            return conn.execute(statement.returning(LedgerRow.id)).first() is not None

    def remove(self, job_id: str) -> None:
        """Forget a job whatever its state (it could not be queued after all)."""
        with self.engine.begin() as conn:
            conn.execute(delete(LedgerRow).where(LedgerRow.id == job_id))

    def get(self, job_id: str) -> LedgerJob | None:
        """The row of a job, or None when it is over (or was never recorded)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(LedgerRow.__table__).where(LedgerRow.id == job_id)).first()
        return _job(row) if row else None

    def claim(self, job_id: str, attempt: int, *, token: str, lease: timedelta, holder: str = "",
              now: datetime | None = None) -> LedgerJob | None:
        """Take a queued job for this run of ``attempt``; None when it runs elsewhere, is over, or moved on."""
        now = now or utcnow()
        statement = (update(LedgerRow).where(LedgerRow.id == job_id, LedgerRow.state == QUEUED,
                                             LedgerRow.attempt == attempt)
                     .values(state=RUNNING, token=token, holder=holder[:128], lease_until=now + lease, updated_at=now)
                     .returning(*LedgerRow.__table__.c))
        with self.engine.begin() as conn:
            row = conn.execute(statement).first()
        return _job(row) if row else None

    def renew(self, tokens: list[str], *, lease: timedelta, now: datetime | None = None) -> int:
        """Extend the leases of the runs holding ``tokens``; how many rows were extended."""
        if not tokens:
            return 0
        now = now or utcnow()
        with self.engine.begin() as conn:
            return conn.execute(update(LedgerRow).where(LedgerRow.token.in_(tokens), LedgerRow.state == RUNNING)
                                .values(lease_until=now + lease)).rowcount

    def post_begun(self, job_id: str, token: str) -> None:
        """Note that the run holding ``token`` is about to post a bot message."""
        with self.engine.begin() as conn:
            conn.execute(update(LedgerRow).where(LedgerRow.id == job_id, LedgerRow.token == token)
                         .values(posts=LedgerRow.posts + 1))

    def finish(self, job_id: str, token: str) -> bool:
        """The run holding ``token`` is over: drop the row; False when it no longer held it."""
        with self.engine.begin() as conn:
            return conn.execute(delete(LedgerRow).where(LedgerRow.id == job_id, LedgerRow.token == token)).rowcount == 1

    def retry(self, job_id: str, token: str, *, attempt: int, due_at: datetime, payload: dict | None = None) -> bool:
        """Hand the job back for attempt ``attempt`` at ``due_at`` (with its payload, when the run moved it on)."""
        changes = {"payload": json.dumps(payload)} if payload is not None else {}
        with self.engine.begin() as conn:
            return conn.execute(update(LedgerRow).where(LedgerRow.id == job_id, LedgerRow.token == token)
                                .values(state=QUEUED, attempt=attempt, due_at=due_at, token=None, holder=None,
                                        lease_until=None, posts=0, updated_at=utcnow(), **changes)).rowcount == 1

    def overdue(self, *, grace: timedelta, now: datetime | None = None, limit: int = 1000) -> list[LedgerJob]:
        """Running jobs whose lease lapsed, and queued ones not started ``grace`` after they were due."""
        now = now or utcnow()
        query = (select(LedgerRow.__table__).where(or_(
            (LedgerRow.state == RUNNING) & (LedgerRow.lease_until < now),
            (LedgerRow.state == QUEUED) & (LedgerRow.due_at < now - grace)))
            .order_by(LedgerRow.due_at).limit(limit))
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query)]

    def redrive(self, job: LedgerJob, *, grace: timedelta, now: datetime | None = None) -> bool:
        """Put an overdue job back to ``queued`` (due now) if it is still overdue; True for the one caller that did."""
        now = now or utcnow()
        still = ((LedgerRow.state == RUNNING) & (LedgerRow.token == job.token) & (LedgerRow.lease_until < now)
                 if job.state == RUNNING else (LedgerRow.state == QUEUED) & (LedgerRow.due_at < now - grace))
        with self.engine.begin() as conn:
            return conn.execute(update(LedgerRow).where(LedgerRow.id == job.id, LedgerRow.attempt == job.attempt, still)
                                .values(state=QUEUED, token=None, holder=None, lease_until=None, due_at=now,
                                        redriven=LedgerRow.redriven + 1, updated_at=now)).rowcount == 1

    def jobs(self) -> list[LedgerJob]:
        """Every row, soonest due first (for tests and operators)."""
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(select(LedgerRow.__table__).order_by(LedgerRow.due_at))]

    def counts(self, *, grace: timedelta, now: datetime | None = None) -> dict[str, int]:
        """How many jobs are queued, running, and overdue (see ``overdue``): what an operator watches."""
        now = now or utcnow()
        with self.engine.connect() as conn:
            by_state = dict(conn.execute(select(LedgerRow.state, func.count()).group_by(LedgerRow.state)).all())
            late = conn.execute(select(func.count()).select_from(LedgerRow).where(or_(
                (LedgerRow.state == RUNNING) & (LedgerRow.lease_until < now),
                (LedgerRow.state == QUEUED) & (LedgerRow.due_at < now - grace)))).scalar_one()
        return {QUEUED: by_state.get(QUEUED, 0), RUNNING: by_state.get(RUNNING, 0), "overdue": late}
